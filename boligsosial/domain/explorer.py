"""The region explorer's logic (the Kommuner og fylker page): finding a place by what a reader
types, a place's profile against its county and the country, rankings, "similar
municipalities", and counts against rates. No HTML here (pages/kommuner.py sets it out) and no
SQL (boligsosial/warehouse/).

Places are today's regions. A reader may type an old name or number (Halden was 0101 until
2020 and 3001 until 2024; Rømskog was merged into Aurskog-Høland in 2020): the region_change
table leads from it to today's place, and the steps on the way become the note the page shows.
Figures are read on today's codes (observation_current), so a place's history includes the
years it had another number.

What the explorer offers is data: data/pages/kommuner.yaml (which indicators, which count goes
with which rate, how many municipalities count as "similar").
"""
from __future__ import annotations

import os
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Iterable, Mapping, Sequence

from boligsosial.config import page_config, settings
from boligsosial.text.i18n import t
from boligsosial.text.numbers import format_date, is_missing
from boligsosial.warehouse import db, place_rows, series_rows, strategy_rows

CONFIG = "pages/kommuner.yaml"
COUNTRY = "0"
MEASURES = ("rate", "count")
SCOPES = ("similar", "county", "all")
MAX_QUERY = 100  # characters a place search may have
MAX_CHAIN = 10  # changes followed from an old code to today's (the longest real chain is 3)

Row = Mapping[str, Any]


def config() -> dict[str, Any]:
    return page_config.load(CONFIG)


# ------------------------------------------------------------------------------ places


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    level: str  # country | county | municipality
    parent_code: str | None = None


@dataclass(frozen=True)
class Step:
    """One change on the way from an old code to today's place."""

    old_code: str
    old_name: str
    new_code: str
    new_name: str
    changed_on: date
    kind: str  # merged | split | renamed | renumbered


@dataclass(frozen=True)
class Match:
    place: Place
    steps: tuple[Step, ...] = ()  # from what was searched for to today's place


@dataclass
class Lookup:
    """What a search found: one match (show it), several (let the reader choose), or none."""

    query: str
    matches: list[Match] = field(default_factory=list)
    problem: str = ""  # "" | too_long | unknown


def fold(text: str) -> str:
    """A name as it is compared: lower case, without accents, æ ø å spelt out as on a keyboard
    without them (Tromsø = tromso, Bærum = baerum), hyphens and runs of spaces as one space."""
    text = text.casefold().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(text.replace("-", " ").replace("–", " ").split())


class Gazetteer:
    """Every region that has been, today's places, and the changes that lead from one to the
    other. Built once per published warehouse (see gazetteer())."""

    def __init__(self, regions: Iterable[Row], changes: Iterable[Row], today: date):
        self.today = today
        self.rows = [dict(r) for r in regions]
        self.current: dict[str, Place] = {}
        self.latest_name: dict[str, str] = {}
        for row in self.rows:
            self.latest_name[row["code"]] = row["name"]  # rows come oldest first
            if _valid(row, today):
                self.current[row["code"]] = Place(row["code"], row["name"], row["level"], row.get("parent_code"))
        changes = [dict(c) for c in changes]
        into: dict[tuple, set] = defaultdict(set)
        out_of: dict[tuple, set] = defaultdict(set)
        for change in changes:
            into[(change["new_code"], change["changed_on"])].add(change["old_code"])
            out_of[(change["old_code"], change["changed_on"])].add(change["new_code"])
        self.changes: dict[str, list[Step]] = defaultdict(list)
        for change in changes:
            old_name = change.get("old_name") or self.latest_name.get(change["old_code"], change["old_code"])
            new_name = change.get("new_name") or self.latest_name.get(change["new_code"], change["new_code"])
            if len(out_of[(change["old_code"], change["changed_on"])]) > 1:
                kind = "split"
            elif len(into[(change["new_code"], change["changed_on"])]) > 1:
                kind = "merged"
            elif fold(old_name) != fold(new_name):
                kind = "renamed"
            else:
                kind = "renumbered"
            self.changes[change["old_code"]].append(
                Step(change["old_code"], old_name, change["new_code"], new_name, change["changed_on"], kind))

    def places(self, level: str | None = None) -> list[Place]:
        """Today's places, by code (the country first, then counties, then municipalities)."""
        order = {"country": 0, "county": 1, "municipality": 2}
        found = [p for p in self.current.values() if level is None or p.level == level]
        return sorted(found, key=lambda p: (order.get(p.level, 3), p.code))

    def place(self, code: str) -> Place | None:
        return self.current.get(code)

    def county(self, place: Place) -> Place | None:
        return self.current.get(place.parent_code or "") if place.level == "municipality" else None

    def known(self, code: str) -> bool:
        return code in self.latest_name

    def today_places(self, code: str, after: date | None = None, depth: int = 0) -> list[Match]:
        """Today's place(s) for a code: itself when it is valid today, else wherever its
        changes (after `after`, the end of the validity it was found with) lead."""
        if code in self.current and after is None:
            return [Match(self.current[code])]
        if depth > MAX_CHAIN:
            return []
        found = []
        for step in self.changes.get(code, []):
            if after is not None and step.changed_on < after:
                continue
            for match in self.today_places(step.new_code, None if step.new_code in self.current else step.changed_on, depth + 1):
                found.append(Match(match.place, (step, *match.steps)))
        return _unique(found)

    def resolve(self, text: str) -> Lookup:
        """A place from what a reader typed: a number (today's or an old one) or a name (today's
        or an old one), whatever the case and accents. Exact matches win over names that start
        with the text, which win over names that contain it."""
        query = " ".join((text or "").split())
        if len(query) > MAX_QUERY:
            return Lookup(query[:MAX_QUERY], problem="too_long")
        if not query:
            return Lookup(query, problem="unknown")
        if query.isdigit():
            codes = [query] + ([query.zfill(4)] if len(query) == 3 else []) + ([query.zfill(2)] if len(query) == 1 and query != "0" else [])
            found = [m for code in codes if self.known(code) for m in self._from_code(code)]
            return Lookup(query, _unique(found), "" if found else "unknown")
        wanted = fold(query)
        tiers: list[list[Match]] = [[], [], []]
        for row in self.rows:
            name = fold(row["name"])
            parts = [fold(p) for p in row["name"].split(" - ")]
            if name == wanted or wanted in parts:
                tier = 0
            elif any(p.startswith(wanted) for p in [name, *parts]):
                tier = 1
            elif wanted in name:
                tier = 2
            else:
                continue
            if _valid(row, self.today):
                tiers[tier].append(Match(self.current[row["code"]]))
            else:
                tiers[tier] += self.today_places(row["code"], row.get("valid_to"))
        for tier in tiers:
            if tier:
                return Lookup(query, _unique(tier))
        return Lookup(query, problem="unknown")

    def _from_code(self, code: str) -> list[Match]:
        if code in self.current:
            return [Match(self.current[code])]
        ends = [r.get("valid_to") for r in self.rows if r["code"] == code and r.get("valid_to")]
        return self.today_places(code, max(ends) if ends else None)


def _valid(row: Row, today: date) -> bool:
    return (row.get("valid_from") is None or row["valid_from"] <= today) and (row.get("valid_to") is None or row["valid_to"] > today)


def _unique(matches: Iterable[Match]) -> list[Match]:
    """One match per place, the one with the fewest steps (a place found under its own name
    needs no note even when an old row has the same name)."""
    best: dict[str, Match] = {}
    for match in matches:
        known = best.get(match.place.code)
        if known is None or len(match.steps) < len(known.steps):
            best[match.place.code] = match
    order = {"country": 0, "county": 1, "municipality": 2}
    return sorted(best.values(), key=lambda m: (order.get(m.place.level, 3), m.place.name, m.place.code))


@lru_cache(maxsize=4)
def _gazetteer(file: tuple, version: str, today: date) -> Gazetteer:
    return Gazetteer(place_rows.explorer_regions(), place_rows.region_changes(), today)


def gazetteer() -> Gazetteer:
    """The places of the warehouse being served, built once per published file (its path and
    inode: a new file is a new build even when a test reuses a data version) and day."""
    path = settings.warehouse_path()
    try:
        stat = os.stat(path)
        file = (str(path), stat.st_ino, stat.st_mtime_ns)
    except OSError:
        file = (str(path),)
    return _gazetteer(file, db.data_version(), date.today())


def region_name(code: str, name: str, lang: str) -> str:
    """A region's name in the reader's language: the country is "Norway" on English pages;
    other places keep their own names."""
    return t("region.country", lang) if code == COUNTRY else name


def today_names(codes: Iterable[str], lang: str) -> dict[str, tuple[str, str]]:
    """Today's place(s) for each region code: (codes, names), each joined by "+" when a place
    has been split since. A code the registry does not know maps to nothing."""
    gaz = gazetteer()
    found = {}
    for code in codes:
        if code == COUNTRY:
            found[code] = (COUNTRY, region_name(COUNTRY, "", lang))
            continue
        places = [m.place for m in gaz.today_places(code, _ended(gaz, code))] if gaz.known(code) else []
        if places:
            found[code] = ("+".join(p.code for p in places), "+".join(p.name for p in places))
    return found


def _ended(gaz: Gazetteer, code: str) -> date | None:
    """When a code stopped being valid (None while it still is)."""
    if gaz.place(code) is not None:
        return None
    ends = [r.get("valid_to") for r in gaz.rows if r["code"] == code and r.get("valid_to")]
    return max(ends) if ends else None


def place_parameter(code: str) -> dict[str, str]:
    """The explorer's parameter for a region code: region=<code> for a place that exists today;
    for an older one a search (sted=<code>), which leads to today's place with a note, or lists
    today's places when it was split (a 2020 county on a map of 2022)."""
    return {"region": code} if gazetteer().place(code) is not None else {"sted": code}


def step_text(step: Step, lang: str) -> str:
    """One change as a sentence: "Rømskog (0121) ble slått sammen med ... til Aurskog-Høland
    (3026) 1. januar 2020."."""
    return t(f"explorer.step.{step.kind}", lang, old=step.old_name, old_code=step.old_code, new=step.new_name,
             new_code=step.new_code, date=format_date(step.changed_on.isoformat(), lang))


# ------------------------------------------------------------------------------ figures


@dataclass(frozen=True)
class Offer:
    """One figure the explorer offers (an entry of `indicators:` in the page config): its
    count and its rate indicator, either of which may be absent."""

    id: str
    count: str | None
    rate: str | None

    def measures(self) -> tuple[str, ...]:
        return tuple(m for m in MEASURES if getattr(self, m))

    def indicator(self, measure: str) -> str:
        """The indicator shown for a measure; the other one when this figure lacks it."""
        return getattr(self, measure) or getattr(self, "count" if measure == "rate" else "rate")

    def measure(self, requested: str) -> str:
        return requested if getattr(self, requested) else self.measures()[0]


def offers() -> list[Offer]:
    return list(_offers(id(config())))


@lru_cache(maxsize=1)
def _offers(_config: int) -> tuple[Offer, ...]:
    # Asked for dozens of times per page; the page config is read once (page_config caches it).
    return tuple(Offer(str(e["id"]), e.get("count"), e.get("rate")) for e in config()["indicators"])


def offer(offer_id: str) -> Offer:
    return next(o for o in offers() if o.id == offer_id)


def offer_for_indicator(indicator_id: str) -> tuple[Offer, str] | None:
    """The offer and measure an indicator is shown under, if the explorer offers it."""
    for one in offers():
        for measure in one.measures():
            if getattr(one, measure) == indicator_id:
                return one, measure
    return None


def series(indicator_id: str, lang: str, regions: Sequence[str] | None = None, level: str | None = None) -> list[dict]:
    """An indicator's totals for regions (or a level), on today's codes (rates computed in the
    ETL where none is published are among them, marked derived).

    A whole level (every municipality's figures: the ranking, the map) is the same for every
    place's page, so it is read once per published warehouse and kept compact
    (db.per_version); a list of places is taken from their levels' series."""
    if regions is None and level is not None:
        keys, rows = _level_series(indicator_id, lang, level)
        return [dict(zip(keys, row)) for row in rows]
    if regions is not None and level is None:
        wanted = set(regions)
        levels = place_rows.region_levels()
        found = []
        for one in sorted({levels[code] for code in wanted if code in levels}):
            keys, rows = _level_series(indicator_id, lang, one)
            at = keys.index("region_code") if keys else 0
            found += [dict(zip(keys, row)) for row in rows if row[at] in wanted]
        return sorted(found, key=lambda r: (r["region_code"], r["period"]))
    return _series(indicator_id, lang, regions, level)


def _level_series(indicator_id: str, lang: str, level: str) -> tuple[tuple[str, ...], list[tuple]]:
    return db.per_version(("series", indicator_id, lang, level), lambda: _pack(_series(indicator_id, lang, None, level)))


def _pack(rows: list[dict]) -> tuple[tuple[str, ...], list[tuple]]:
    """Rows as one key tuple and value tuples, repeated texts (sources, units) stored once."""
    if not rows:
        return (), []
    keys = tuple(rows[0])
    texts: dict[str, str] = {}
    return keys, [tuple(texts.setdefault(v, v) if isinstance(v, str) else v for v in (r[k] for k in keys)) for r in rows]


def _series(indicator_id: str, lang: str, regions: Sequence[str] | None, level: str | None) -> list[dict]:
    # Rates the sources do not publish were computed from numerator and denominator in the
    # ETL (etl/derived.py), so pages, API and downloads read the same rows.
    return place_rows.explorer_rows([indicator_id], regions, level)


def display_names(places: Sequence[Place], lang: str) -> dict[str, str]:
    """Each place's name, with its level where two places shown together share a name:
    "Oslo (kommune)" beside "Oslo (fylke)"."""
    counts = defaultdict(int)
    for place in places:
        counts[place.name] += 1
    return {p.code: f"{region_name(p.code, p.name, lang)} ({t(f'explorer.level_word.{p.level}', lang)})"
            if counts[p.name] > 1 else region_name(p.code, p.name, lang) for p in places}


def comparison_places(place: Place, gaz: Gazetteer) -> list[Place]:
    """The place, then the levels above it it is compared with: its county, the country."""
    chain = [place]
    county = gaz.county(place)
    if county is not None:
        chain.append(county)
    country = gaz.place(COUNTRY)
    if place.code != COUNTRY and country is not None:
        chain.append(country)
    return chain


# ------------------------------------------------------------------------------ profile


@dataclass
class ProfileLine:
    """One indicator in a place's profile: its latest figure for the place, the same period's
    figure for the county and the country (None where there is none), and its first figure."""

    indicator_id: str
    title: str
    latest: Row
    others: list[Row | None]
    first: Row | None
    offer: Offer | None
    measure: str | None
    rows: list[Row]  # every row shown, for the source line


def profile(place: Place, gaz: Gazetteer, lang: str) -> list[ProfileLine]:
    """Every indicator with a total for the place (the explorer's own offers first, in their
    order), each against its county and the country in the same period."""
    chain = comparison_places(place, gaz)
    codes = [p.code for p in chain]
    by_indicator: dict[str, list[dict]] = defaultdict(list)
    for row in place_rows.explorer_rows(None, codes):
        by_indicator[row["indicator_id"]].append(row)
    order = [i for one in offers() for i in (one.count, one.rate) if i]
    catalogue = series_rows.indicators(by_indicator)
    lines = []
    for indicator_id in sorted(by_indicator, key=lambda i: (order.index(i) if i in order else len(order), i)):
        rows = by_indicator[indicator_id]
        own = [r for r in rows if r["region_code"] == place.code]
        valued = [r for r in own if not is_missing(r["value"])]
        if not own:
            continue
        latest = max(valued or own, key=lambda r: r["period"])
        first = min(valued, key=lambda r: r["period"]) if len(valued) > 1 else None
        others = [next((r for r in rows if r["region_code"] == p.code and r["period"] == latest["period"]), None)
                  for p in chain[1:]]
        shown = [latest] + [r for r in others if r] + ([first] if first else [])
        found = offer_for_indicator(indicator_id)
        lines.append(ProfileLine(indicator_id, (catalogue.get(indicator_id) or {}).get(f"title_{lang}", indicator_id),
                                 latest, others, first, found[0] if found else None, found[1] if found else None, shown))
    return lines


def strategies(place: Place) -> list[dict[str, Any]]:
    """The place's own strategies with their goals and priority areas."""
    found = []
    for strategy in place_rows.municipal_strategies(place.code):
        found.append({**strategy, **strategy_rows.strategy_plan(strategy["id"])})
    return found


# ------------------------------------------------------------------------------ ranking


@dataclass
class Ranked:
    place: Place
    row: Row | None
    rank: int | None  # None: no figure


@dataclass
class Ranking:
    scope: str
    period: str | None
    entries: list[Ranked]
    similar_count: int = 0
    population_period: str | None = None
    population_missing: bool = False  # scope "similar" could not be formed


def periods_with_values(rows: Iterable[Row]) -> list[str]:
    return sorted({r["period"] for r in rows if not is_missing(r["value"])})


def ranking(place: Place, indicator_id: str, scope: str, gaz: Gazetteer, lang: str, period: str | None = None) -> Ranking:
    """The place among the places of its level (all, those in its county, or the `similar`
    ones closest in population), by the indicator's value in `period` (default: the latest
    period the place has a figure for, else the latest any place has). Places without a figure
    that period are listed last, unranked."""
    level = place.level if place.level in ("county", "municipality") else "county"
    if level == "county" and scope == "county":
        scope = "all"
    # From the level's kept series: only the chosen period's rows become dicts.
    keys, packed = _level_series(indicator_id, lang, level)
    code_at, period_at, value_at = (keys.index(k) for k in ("region_code", "period", "value")) if keys else (0, 0, 0)
    if period is None:
        valued = [t for t in packed if not is_missing(t[value_at])]
        own = sorted({t[period_at] for t in valued if t[code_at] == place.code})
        period = own[-1] if own else (sorted({t[period_at] for t in valued}) or [None])[-1]
    candidates = gaz.places(level)
    result = Ranking(scope, period, [])
    if scope == "county":
        candidates = [p for p in candidates if p.parent_code == place.parent_code]
    elif scope == "similar":
        chosen, result.population_period = _similar(place, candidates, period, gaz)
        if chosen is None:
            result.population_missing = True
            return result
        candidates = chosen
        result.similar_count = len(chosen) - 1
    at = {t[code_at]: dict(zip(keys, t)) for t in packed if t[period_at] == period}
    entries = [Ranked(p, at.get(p.code), None) for p in candidates]
    valued = sorted((e for e in entries if e.row is not None and not is_missing(e.row["value"])),
                    key=lambda e: (-e.row["value"], e.place.name))
    rank, previous = 0, None
    for number, entry in enumerate(valued, start=1):
        if entry.row["value"] != previous:
            rank, previous = number, entry.row["value"]
        entry.rank = rank
    rest = sorted((e for e in entries if e.rank is None), key=lambda e: e.place.name)
    result.entries = valued + rest
    return result


def _similar(place: Place, candidates: list[Place], period: str | None, gaz: Gazetteer) -> tuple[list[Place] | None, str | None]:
    """The place and the `count` places of its level closest to it in population, in the
    latest year (up to the ranking's period) the place has a population figure for."""
    settings = config()["similar"]
    indicator = settings["population_indicator"]
    # (region, period, value) of every place of the level with a population figure: the same for
    # every place, so read once per published warehouse.
    population = db.per_version(("population", indicator, place.level), lambda: [
        (r["region_code"], r["period"], r["value"]) for r in place_rows.explorer_rows([indicator], None, place.level)
        if not is_missing(r["value"])])
    own = [(p, v) for code, p, v in population if code == place.code and (period is None or p[:4] <= period[:4])]
    if not own:
        return None, None
    year, size = max(own)
    sizes = {code: v for code, p, v in population if p == year}
    others = [p for p in candidates if p.code != place.code and p.code in sizes]
    others.sort(key=lambda p: (abs(sizes[p.code] - size), p.code))
    return [place] + others[: int(settings["count"])], year


def population(place: Place, period: str | None) -> Row | None:
    indicator = config()["similar"]["population_indicator"]
    rows = [r for r in series(indicator, "nb", [place.code]) if not is_missing(r["value"])]
    rows = [r for r in rows if period is None or r["period"] == period]
    return max(rows, key=lambda r: r["period"]) if rows else None


# ------------------------------------------------------------------------------ coverage


def regional_data_loaded() -> bool:
    """Whether the warehouse holds municipal statistics (it does after `make refresh`)."""
    return place_rows.explorer_levels().get("municipality", 0) > 0


def places_with_data(gaz: Gazetteer) -> list[tuple[Place, int]]:
    """Today's counties and municipalities that have figures, with how many indicators: what
    the page can show before the municipal statistics are loaded."""
    counts = place_rows.explorer_places_with_data()
    return [(p, counts[p.code]) for p in gaz.places() if p.code in counts and p.code != COUNTRY]


def latest_at_level(indicator_id: str, level: str, lang: str) -> tuple[str | None, dict[str, Row]]:
    """The latest period with figures for today's places of a level, and those figures by code."""
    gaz = gazetteer()
    current = {p.code for p in gaz.places(level)}
    rows = [r for r in series(indicator_id, lang, level=level) if r["region_code"] in current]
    periods = periods_with_values(rows)
    if not periods:
        return None, {}
    return periods[-1], {r["region_code"]: r for r in rows if r["period"] == periods[-1]}

