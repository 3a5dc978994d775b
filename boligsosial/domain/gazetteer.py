"""Finding a place by what a reader types: today's regions, their names in the reader's
language, and the chain of changes (mergers, splits, new numbers) that leads from an old name
or number to today's place. Built once per published warehouse and day (load()).

Halden was 0101 until 2020 and 3001 until 2024; Rømskog was merged into Aurskog-Høland in
2020: the region_change table leads from the old code to today's place, and the steps on the
way become the note the explorer shows.
"""
from __future__ import annotations

import os
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Iterable, Mapping

from boligsosial.config import settings
from boligsosial.text.i18n import t
from boligsosial.text.numbers import format_date
from boligsosial.warehouse import db, place_rows

COUNTRY = "0"
MAX_QUERY = 100  # characters a place search may have
MAX_CHAIN = 10  # changes followed from an old code to today's (the longest real chain is 3)

Row = Mapping[str, Any]


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
    other. Built once per published warehouse (see load())."""

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


def load() -> Gazetteer:
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
    gaz = load()
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
    return {"region": code} if load().place(code) is not None else {"sted": code}


def step_text(step: Step, lang: str) -> str:
    """One change as a sentence: "Rømskog (0121) ble slått sammen med ... til Aurskog-Høland
    (3026) 1. januar 2020."."""
    return t(f"explorer.step.{step.kind}", lang, old=step.old_name, old_code=step.old_code, new=step.new_name,
             new_code=step.new_code, date=format_date(step.changed_on.isoformat(), lang))
