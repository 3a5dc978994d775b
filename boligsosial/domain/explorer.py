"""The region explorer's logic (the Kommuner og fylker page): what it offers, a place's
profile against its county and the country, rankings, "similar municipalities", and counts
against rates. Places are found by domain/gazetteer.py. No HTML here (pages/kommuner.py sets it
out) and no SQL (boligsosial/warehouse/). Figures are read on today's codes
(observation_current), so a place's history includes the years it had another number.

What the explorer offers is data: data/pages/kommuner.yaml (which indicators, which count goes
with which rate, how many municipalities count as "similar").
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Mapping, Sequence

from boligsosial.config import page_config
from boligsosial.domain import gazetteer
from boligsosial.domain.gazetteer import COUNTRY, Gazetteer, Place
from boligsosial.text.i18n import t
from boligsosial.text.numbers import is_missing
from boligsosial.warehouse import db, place_rows, series_rows, strategy_rows

CONFIG = "pages/kommuner.yaml"

MEASURES = ("rate", "count")
SCOPES = ("similar", "county", "all")


Row = Mapping[str, Any]


def config() -> dict[str, Any]:
    return page_config.load(CONFIG)


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
    return {p.code: f"{gazetteer.region_name(p.code, p.name, lang)} ({t(f'explorer.level_word.{p.level}', lang)})"
            if counts[p.name] > 1 else gazetteer.region_name(p.code, p.name, lang) for p in places}


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
    gaz = gazetteer.load()
    current = {p.code for p in gaz.places(level)}
    rows = [r for r in series(indicator_id, lang, level=level) if r["region_code"] in current]
    periods = periods_with_values(rows)
    if not periods:
        return None, {}
    return periods[-1], {r["region_code"]: r for r in rows if r["period"] == periods[-1]}

