"""The region registry and harmonisation onto today's map.

The registry is two tables: `regions` (every country, county and municipality code valid at some
time since 2005, with name, parent and validity) and `changes` (KLASS code changes: merges,
splits, renumberings, renamings). Dates are ISO strings; `valid_to` is missing (NA, NULL in the
warehouse, empty in the CSV) while a code is valid, and validity is half-open:
valid_from <= day < valid_to.

It comes from the newest complete set of KLASS snapshots (etl.klass.refresh) when there is one,
else from the bundled data/regions/*.csv, which `rebuild_bundle` derives from the KLASS material
recovered under data/regions/ (see data/regions/SOURCES.md).

`harmonise` moves observations on old codes onto the codes valid at a target date:
renumbered codes are relabelled, counts of merged places are summed only when every part has a
value, rates are recomputed from their harmonised numerator and denominator, other non-additive
figures stay on their old codes (flagged), and a split code yields a break, never a guess.
"""
from __future__ import annotations

import json
import math
import re
import sys
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Collection

import pandas as pd

from boligsosial.config import settings
from boligsosial.text.i18n import t
from etl import klass, snapshot
from etl.errors import EtlError
from etl.tidy import OBSERVATION_COLUMNS, TEXT_LANGUAGES, TEXTS, check_columns

REGION_COLUMNS = ["code", "name", "level", "parent_code", "valid_from", "valid_to"]
CHANGE_COLUMNS = ["old_code", "old_name", "new_code", "new_name", "changed_on", "level"]
HARMONISED_COLUMNS = OBSERVATION_COLUMNS + ["harmonised", "original_codes"]
BREAK_COLUMNS = ["region_code", "indicator_id", "changed_on", "kind", "old_code"]

COUNTRY_CODE, COUNTRY_NAME = "0", "Norge"
COVERAGE_START = klass.HISTORY_START.isoformat()
UNSPECIFIED = {"99", "9999"}  # KLASS "Uoppgitt": a reporting code, not a place
LEVEL_OF = {klass.MUNICIPALITIES: "municipality", klass.COUNTIES: "county"}
OPEN_END = "9999-12-31"  # stands in for an empty valid_to in comparisons

# Units whose values add up across places. Everything else (percent, per_1000, years, NOK, which
# may be an average) is only ever relabelled 1:1, never combined, unless the catalogue gives a
# numerator and denominator to recompute it from.
ADDITIVE_UNITS = {"persons", "households", "dwellings", "applications", "loans", "recipients", "cases"}

# The KLASS 131 change rows the bundle is built from (data/regions/klass, see SOURCES.md).
MUNICIPAL_CHANGE_FILES = ("131-changes-2005-01-01-2024-01-02.json", "131-changes-2026-01-01.json")

_SNAPSHOT_NAME = re.compile(r"^(\d+)-(codes|changes)-(\d{4}-\d{2}-\d{2})-(\d{4}-\d{2}-\d{2})\.json$")


# --------------------------------------------------------------------------- loading


def bundle_dir(data_dir: Path | None = None) -> Path:
    return (data_dir or settings.data_dir()) / "regions"


def load_registry(root: Path | None = None, data_dir: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(regions, changes) from the newest complete KLASS snapshot set under `root`, else from the
    bundled CSVs under `data_dir`/regions."""
    found = newest_klass_set(root)
    if found is not None:
        return registry_from_klass(**found)
    return read_bundle(data_dir)


def read_bundle(data_dir: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    folder = bundle_dir(data_dir)
    regions = pd.read_csv(folder / "regions.csv", dtype=str, keep_default_na=False)
    changes = pd.read_csv(folder / "changes.csv", dtype=str, keep_default_na=False)
    check_columns(regions, REGION_COLUMNS, "data/regions/regions.csv")
    check_columns(changes, CHANGE_COLUMNS, "data/regions/changes.csv")
    regions = regions[REGION_COLUMNS].copy()
    regions["valid_to"] = regions["valid_to"].mask(regions["valid_to"] == "")
    return regions, changes[CHANGE_COLUMNS]


def newest_klass_set(root: Path | None = None) -> dict | None:
    """The codes and changes of both classifications from the newest refresh that stored all four."""
    sets: dict[tuple[str, str], dict] = defaultdict(dict)
    for snap in snapshot.list_snapshots(klass.NAMESPACE, root):
        match = _SNAPSHOT_NAME.match(snap.name)
        if match:
            classification, kind, start, end = match.groups()
            sets[(start, end)][(classification, kind)] = snap
    wanted = {(c, k) for c in klass.CLASSIFICATIONS for k in ("codes", "changes")}
    complete = [window for window, found in sets.items() if wanted <= set(found)]
    if not complete:
        return None
    window = max(complete, key=lambda w: w[1])
    documents = {}
    for key in wanted:
        snap = sets[window][key]
        if not snapshot.verify(snap, root):
            raise EtlError(f"KLASS snapshot {snap.name} no longer matches its checksum; run the KLASS refresh again")
        documents[key] = json.loads(snap.read_bytes(root))
    return {
        "codes": {c: documents[(c, "codes")] for c in klass.CLASSIFICATIONS},
        "changes": {c: documents[(c, "changes")] for c in klass.CLASSIFICATIONS},
        "to_date": window[1],
    }


def registry_from_klass(codes: dict[str, dict], changes: dict[str, dict], to_date: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build the registry from KLASS `codes?from=&to=` and `changes` answers keyed by classification."""
    rows = [_country_row()]
    for classification, document in codes.items():
        level = LEVEL_OF[classification]
        for item in document["codes"]:
            if item["code"] in UNSPECIFIED:
                continue
            valid_to = item["validToInRequestedRange"] or ""
            rows.append(
                {
                    "code": item["code"],
                    "name": item["name"],
                    "level": level,
                    "parent_code": _parent(item["code"], level),
                    "valid_from": item["validFromInRequestedRange"],
                    "valid_to": "" if valid_to >= to_date else valid_to,
                }
            )
    change_rows = [
        {
            "old_code": c["oldCode"],
            "old_name": c["oldName"],
            "new_code": c["newCode"],
            "new_name": c["newName"],
            "changed_on": c["changeOccurred"][:10],
            "level": LEVEL_OF[classification],
        }
        for classification, document in changes.items()
        for c in document["codeChanges"]
    ]
    return _regions_frame(_merge_periods(rows)), _changes_frame(change_rows)


def _country_row() -> dict:
    return {"code": COUNTRY_CODE, "name": COUNTRY_NAME, "level": "country", "parent_code": "",
            "valid_from": COVERAGE_START, "valid_to": ""}


def _parent(code: str, level: str) -> str:
    # A municipality's first two digits are its county (KLASS 131 leaves parentCode empty).
    return code[:2] if level == "municipality" else COUNTRY_CODE


def _merge_periods(rows: list[dict]) -> list[dict]:
    """Rows sorted, with back-to-back periods of the same code and name joined into one."""
    rows = sorted(rows, key=lambda r: (r["code"], r["valid_from"]))
    merged: list[dict] = []
    for row in rows:
        last = merged[-1] if merged else None
        same = last and [last[k] for k in ("code", "name", "level")] == [row[k] for k in ("code", "name", "level")]
        if same and last["valid_to"] == row["valid_from"]:
            last["valid_to"] = row["valid_to"]
        else:
            merged.append(dict(row))
    return merged


def _regions_frame(rows: list[dict]) -> pd.DataFrame:
    """The registry's region table: country, counties, municipalities; open ends as NA."""
    order = {"country": 0, "county": 1, "municipality": 2}
    frame = pd.DataFrame(sorted(rows, key=lambda r: (order[r["level"]], r["code"], r["valid_from"])), columns=REGION_COLUMNS)
    frame["valid_to"] = frame["valid_to"].mask(frame["valid_to"] == "")
    return frame


def _changes_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    return frame.sort_values(["changed_on", "level", "old_code", "new_code"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- queries


def valid_at(regions: pd.DataFrame, on: date | str) -> pd.DataFrame:
    """The region rows valid on a day."""
    day = _iso(on)
    ends = regions["valid_to"].fillna(OPEN_END).replace("", OPEN_END)
    return regions[(regions["valid_from"] <= day) & (day < ends)]


def current_code(code: str, changes: pd.DataFrame, on: date | str | None = None, since: date | str | None = None,
                 name: str | None = None) -> str | None:
    """The code that `code` became by `on` (default today), following chains such as
    0219 -> 3024 -> 3201. A code that continues beside what it gave away stays itself; a code
    split into several others has no single successor: None, unless `name` is given and exactly
    one of the parts kept it (1507 Ålesund split into 1508 Ålesund and 1580 Haram). `since` skips
    older changes, for codes that KLASS has reused."""
    until, after = _iso(on or date.today()), _iso(since) if since else ""
    moves = changes[(changes["changed_on"] > after) & (changes["changed_on"] <= until)]
    current = code
    for day, rows in moves.groupby("changed_on", sort=True):
        going = rows[rows["old_code"] == current]
        targets = set(going["new_code"])
        if not targets or current in targets:
            continue
        if len(targets) > 1:
            named = set(going.loc[going["new_name"] == name, "new_code"]) if name else set()
            if len(named) != 1:
                return None
            targets = named
        current = targets.pop()
    return current


# --------------------------------------------------------------------------- the bundle


def rebuild_bundle(data_dir: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Derive data/regions/regions.csv and changes.csv from the recovered KLASS material.

    Municipalities: the complete 2024 code list walked back through the KLASS change table to
    2005, and forward through the changes since (2026). Counties: the county codes are the first two digits of the municipalities valid at
    each time; their names come from the county lists of each era. County changes are the
    county-to-county moves of municipalities in the KLASS change table."""
    folder = bundle_dir(data_dir)
    raw = folder / "klass"
    anchor = _read_json(raw / "131-codesAt-2024-01-01.json")["codes"]
    muni_changes = [change for name in MUNICIPAL_CHANGE_FILES for change in _read_json(raw / name)["codeChanges"]]
    names = {item["code"]: item["name"] for item in anchor if item["code"] not in UNSPECIFIED}
    municipalities = reconstruct(names, "2024-01-01", muni_changes, COVERAGE_START)
    for row in municipalities:
        row.update(level="municipality", parent_code=_parent(row["code"], "municipality"))
    counties = counties_from(municipalities, county_name_eras(folder))
    regions = _regions_frame([_country_row(), *counties, *_merge_periods(municipalities)])

    change_rows = [
        {"old_code": c["oldCode"], "old_name": c["oldName"], "new_code": c["newCode"],
         "new_name": c["newName"], "changed_on": c["changeOccurred"], "level": "municipality"}
        for c in muni_changes
    ]
    change_rows += county_changes(change_rows, counties)
    changes = _changes_frame(change_rows)

    regions.to_csv(folder / "regions.csv", index=False, lineterminator="\n")
    changes.to_csv(folder / "changes.csv", index=False, lineterminator="\n")
    return regions, changes


def reconstruct(anchor: dict[str, str], anchor_date: str, change_rows: list[dict], start: str) -> list[dict]:
    """Validity periods of every code since `start`, from the complete list valid on `anchor_date`
    (code -> name) and the KLASS change table, walked backwards one change day at a time, and
    forwards through the changes after `anchor_date`.

    On a change day the new codes of that day did not exist the day before, unless they were
    also old codes (a unit that continues); the old codes did, under their old names. A code
    whose name or existence differs across the day starts a new period there."""
    later, until = _walk_forward(anchor, anchor_date, change_rows)
    state = dict(anchor)  # code -> name, valid on the day being looked at
    periods: list[dict] = []
    days = sorted({r["changeOccurred"] for r in change_rows if start < r["changeOccurred"] <= anchor_date}, reverse=True)
    for day in days:
        rows = [r for r in change_rows if r["changeOccurred"] == day]
        for r in rows:
            if state.get(r["newCode"]) != r["newName"]:
                raise EtlError(
                    f"KLASS change on {day} names {r['newCode']} {r['newName']!r}, but the code list valid "
                    f"then has {state.get(r['newCode'])!r}; the change table and the code list disagree"
                )
        olds, news = {r["oldCode"] for r in rows}, {r["newCode"] for r in rows}
        before = {code: name for code, name in state.items() if code in olds or code not in news}
        before.update({r["oldCode"]: r["oldName"] for r in rows})
        for code, name in state.items():
            if before.get(code) != name:
                periods.append({"code": code, "name": name, "valid_from": day, "valid_to": until.pop(code)})
        for code, name in before.items():
            if state.get(code) != name:
                until[code] = day
        state = before
    periods += [{"code": c, "name": n, "valid_from": start, "valid_to": until[c]} for c, n in state.items()]
    return later + periods


def _walk_forward(anchor: dict[str, str], anchor_date: str, change_rows: list[dict]) -> tuple[list[dict], dict[str, str]]:
    """The periods that begin after `anchor_date` (renamings, new codes), and for each code of
    the anchor list the day its anchor-day period ends ("" while it is still valid). A code
    that gives part of its area away and continues (3118 in 2026) keeps its period."""
    state = dict(anchor)
    until = {code: "" for code in anchor}
    opened: dict[str, tuple[str, str]] = {}  # code -> (name, valid_from) of a period begun after the anchor
    periods: list[dict] = []
    for day in sorted({r["changeOccurred"] for r in change_rows if r["changeOccurred"] > anchor_date}):
        rows = [r for r in change_rows if r["changeOccurred"] == day]
        for r in rows:
            if state.get(r["oldCode"]) != r["oldName"]:
                raise EtlError(
                    f"KLASS change on {day} names {r['oldCode']} {r['oldName']!r}, but the code list valid "
                    f"then has {state.get(r['oldCode'])!r}; the change table and the code list disagree"
                )
        olds, news = {r["oldCode"] for r in rows}, {r["newCode"] for r in rows}
        after = {code: name for code, name in state.items() if code not in olds or code in news}
        after.update({r["newCode"]: r["newName"] for r in rows})
        for code, name in state.items():
            if after.get(code) != name:
                if code in opened:
                    periods.append({"code": code, "name": name, "valid_from": opened.pop(code)[1], "valid_to": day})
                else:
                    until[code] = day
        for code, name in after.items():
            if state.get(code) != name:
                opened[code] = (name, day)
        state = after
    periods += [{"code": c, "name": n, "valid_from": f, "valid_to": ""} for c, (n, f) in opened.items()]
    return periods, until


def county_name_eras(folder: Path) -> list[tuple[str, dict[str, str]]]:
    """County names by the era they describe: (first day of the era, code -> name)."""
    before_2020 = pd.read_csv(folder / "other" / "county_names_numbers.txt", dtype=str)
    era_2020 = _read_json(folder / "klass" / "104-codesAt-2020-01-01.json")["codes"]
    era_2024 = _read_json(folder / "klass" / "104-codesAt-2024-01-01.json")["codes"]
    return [
        (COVERAGE_START, dict(zip(before_2020["county_code"], before_2020["county_name"]))),
        ("2020-01-01", {c["code"]: c["name"] for c in era_2020}),
        ("2024-01-01", {c["code"]: c["name"] for c in era_2024}),
    ]


def counties_from(municipalities: list[dict], name_eras: list[tuple[str, dict[str, str]]]) -> list[dict]:
    """County periods: a county code is valid while municipalities carry it as their prefix."""
    bounds = sorted({r["valid_from"] for r in municipalities} | {r["valid_to"] for r in municipalities if r["valid_to"]}
                    | {start for start, _ in name_eras if start >= COVERAGE_START})
    rows = []
    for first, next_bound in zip(bounds, [*bounds[1:], ""]):
        names = [mapping for start, mapping in name_eras if start <= first][-1]
        for code in sorted({r["code"][:2] for r in municipalities
                            if r["valid_from"] <= first < (r["valid_to"] or OPEN_END)}):
            if code not in names:
                raise EtlError(f"county {code} (valid {first}) has no name in the county list of its era")
            rows.append({"code": code, "name": names[code], "level": "county", "parent_code": COUNTRY_CODE,
                         "valid_from": first, "valid_to": next_bound})
    return _merge_periods(rows)


def county_changes(municipal_changes: list[dict], counties: list[dict]) -> list[dict]:
    """County-to-county moves implied by municipal changes, plus an identity row for each
    county that takes part and continues (as KLASS itself lists 1103 -> 1103 for Stavanger)."""
    def name(code: str, day: str) -> str | None:
        return next((c["name"] for c in counties
                     if c["code"] == code and c["valid_from"] <= day < (c["valid_to"] or OPEN_END)), None)

    pairs = {(r["changed_on"], r["old_code"][:2], r["new_code"][:2]) for r in municipal_changes
             if r["old_code"][:2] != r["new_code"][:2]}
    for day, old, new in list(pairs):
        before = _day_before(day)
        pairs |= {(day, code, code) for code in (old, new) if name(code, before) and name(code, day)}
    return [{"old_code": old, "old_name": name(old, _day_before(day)), "new_code": new, "new_name": name(new, day),
             "changed_on": day, "level": "county"} for day, old, new in sorted(pairs)]


def _read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- harmonise


def period_start(period: str) -> str:
    """First day of a tidy period: "2019", "2019-07", "2019-Q3", "2019-W48"."""
    if re.fullmatch(r"\d{4}", period):
        return f"{period}-01-01"
    if re.fullmatch(r"\d{4}-\d{2}", period):
        return f"{period}-01"
    match = re.fullmatch(r"(\d{4})-Q([1-4])", period)
    if match:
        return f"{match[1]}-{3 * int(match[2]) - 2:02d}-01"
    match = re.fullmatch(r"(\d{4})-W(\d{2})", period)
    if match:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1).isoformat()
    raise ValueError(f"unrecognised period {period!r}")


class _Timeline:
    """Which codes were valid when, and where each code went at each change day up to the target."""

    def __init__(self, regions: pd.DataFrame, changes: pd.DataFrame, target: str):
        self.target = target
        self.spans: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.level: dict[str, str] = {}
        for r in regions.itertuples(index=False):
            self.spans[r.code].append((r.valid_from, r.valid_to if _is_set(r.valid_to) else OPEN_END))
            self.level[r.code] = r.level
        self.moves: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for c in changes.itertuples(index=False):
            if c.old_code != c.new_code and c.changed_on <= target:
                self.moves[c.changed_on][c.old_code].add(c.new_code)
        self.days = sorted(self.moves)
        self._flows: dict[tuple[str, str], tuple[frozenset, tuple]] = {}
        self._parts: dict[tuple[str, str], dict] = {}

    def valid(self, code: str, day: str) -> bool:
        return any(start <= day < end for start, end in self.spans.get(code, ()))

    def reference_day(self, code: str, period: str) -> str:
        """The day whose map an observation is read on: its period's first day if the code was
        valid then; else the nearest day the code was valid (figures for 2019 published on 2020
        codes are read on the 2020 map)."""
        first = period_start(period)
        spans = self.spans[code]
        if any(start <= first < end for start, end in spans):
            return first
        later = [start for start, _ in spans if start > first]
        return min(later) if later else _day_before(max(end for _, end in spans))

    def flow(self, code: str, day: str) -> tuple[frozenset, tuple]:
        """Codes valid at the target that the unit `code` (as on `day`) went into, and the
        (change day, code) of every split on the way."""
        key = (code, day)
        if key not in self._flows:
            current, splits = {code}, []
            for change_day in self.days:
                if not day < change_day <= self.target:
                    continue
                following = set()
                for c in current:
                    step = set(self.moves[change_day].get(c, ()))
                    if not step or self.valid(c, change_day):  # unchanged, or continues beside what it gave
                        step.add(c)
                    if len(step) > 1:
                        splits.append((change_day, c))
                    following |= step
                current = following
            self._flows[key] = (frozenset(current), tuple(splits))
        return self._flows[key]

    def parts(self, target_code: str, day: str) -> tuple[set[str], list[tuple[str, str]]]:
        """The codes valid on `day` that went (wholly or partly) into `target_code`, and the splits
        that make its value for that day impossible to compute."""
        level = self.level[target_code]
        key = (level, day)
        if key not in self._parts:
            table: dict[str, tuple[set, list]] = defaultdict(lambda: (set(), []))
            for code, spans in self.spans.items():
                if self.level[code] != level or not any(s <= day < e for s, e in spans):
                    continue
                went, splits = self.flow(code, day)
                for t in went:
                    table[t][0].add(code)
                    if len(went) > 1:
                        table[t][1].extend(splits)
            self._parts[key] = table
        parts, splits = self._parts[key].get(target_code, (set(), []))
        return parts, splits


def _is_set(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and str(value) != ""


def _kinds(indicators: pd.DataFrame) -> dict[str, dict]:
    """Per indicator: how a merged value is made ("rate", "count" or "other") and a rate's recipe."""
    kinds = {}
    for row in indicators.to_dict("records"):
        if _is_set(row.get("numerator")) and _is_set(row.get("denominator")):
            per = float(row["per"]) if _is_set(row.get("per")) else 1.0
            kinds[row["id"]] = {"kind": "rate", "numerator": row["numerator"], "denominator": row["denominator"], "per": per}
        else:
            kinds[row["id"]] = {"kind": "count" if row.get("unit") in ADDITIVE_UNITS else "other"}
    return kinds


def harmonise(
    observations: pd.DataFrame,
    regions: pd.DataFrame,
    changes: pd.DataFrame,
    indicators: pd.DataFrame,
    target_date: date | str,
    whole_sources: Collection[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Observations moved onto the codes valid at `target_date`, and the series breaks.

    Returns (observations with OBSERVATION_COLUMNS + harmonised, original_codes; breaks with
    BREAK_COLUMNS). Rows already on a code that did not change pass through untouched; so do the
    country ("0") and codes the registry does not know. Only changes up to `target_date` apply:
    harmonising runs forward in time, so codes newer than the target also pass through.

    County rows from `whole_sources` are SSB's own weighted figures (KOSTRA): they are relabelled
    when a county only changed its number, but never summed or recomputed into a merged county;
    such rows stay on their own code, flagged."""
    check_columns(observations, OBSERVATION_COLUMNS, "observations to harmonise")
    timeline = _Timeline(regions, changes, _iso(target_date))
    kinds = _kinds(indicators)
    frame = observations[OBSERVATION_COLUMNS].reset_index(drop=True)
    # Where each place's figures for a period go is the same for every indicator: worked out once
    # per (code, period), a few thousand pairs, and joined onto the rows. Only the rows that must
    # be combined (merged places) are handled one by one.
    routes = []
    for code, period in frame[["region_code", "period"]].drop_duplicates().itertuples(index=False):
        if code == COUNTRY_CODE or code not in timeline.spans:
            routes.append((code, period, "keep", code, False, ""))
            continue
        day = timeline.reference_day(code, period)
        went, splits = timeline.flow(code, day)
        if len(went) > 1:
            routes.append((code, period, "split", "", False, _split_text(splits, timeline)))
            continue
        (target,) = went
        found, split = timeline.parts(target, day)
        routes.append((code, period, "one", target, found == {code} and not split, ""))
    route = pd.DataFrame(routes, columns=["region_code", "period", "_route", "_target", "_alone", "_split_note"])
    frame = frame.merge(route, on=["region_code", "period"], how="left", sort=False)
    group = ["indicator_id", "_target", "period", "breakdown"]
    one = frame["_route"] == "one"
    codes_in_group = frame[one].groupby(group, sort=False)["region_code"].transform("nunique")
    simple = pd.Series(False, index=frame.index)
    simple[one] = frame.loc[one, "_alone"].astype(bool) & (codes_in_group == 1)

    fast = frame[~one | simple].copy()  # kept as they are, relabelled 1:1, or flagged as split
    fast["harmonised"], fast["original_codes"] = False, ""
    moved = (fast["_route"] == "one") & (fast["region_code"] != fast["_target"])
    fast.loc[moved, "original_codes"] = fast.loc[moved, "region_code"]
    fast.loc[moved, "region_code"] = fast.loc[moved, "_target"]
    fast.loc[moved, "harmonised"] = True
    split = fast["_route"] == "split"
    if split.any():  # rows kept on a code that was split since: flagged, in every language
        flagged = [_flag(row, _text("etl.note.not_harmonised_split", splits=note))
                   for row, note in zip(fast.loc[split, [*_TEXT_COLUMNS]].to_dict("records"), fast.loc[split, "_split_note"])]
        fast.loc[split, [*_TEXT_COLUMNS]] = [[row[c] for c in _TEXT_COLUMNS] for row in flagged]
    breaks: list[dict] = []
    split_rows = frame.loc[frame["_route"] == "split", ["indicator_id", "region_code", "period"]].drop_duplicates()
    for indicator, code, period in split_rows.itertuples(index=False):
        went, splits = timeline.flow(code, timeline.reference_day(code, period))
        breaks += [_break(t, indicator, d, c) for t in went for d, c in splits]
    fast = fast[HARMONISED_COLUMNS]

    # Plain dicts, not DataFrame rows: the work is per group, and row access in pandas is slow.
    slow = frame.loc[one & ~simple]
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in slow[[*OBSERVATION_COLUMNS, "_target"]].to_dict("records"):
        target_code = row.pop("_target")
        groups[(row["indicator_id"], target_code, row["period"], row["breakdown"])].append(dict(row, harmonised=False, original_codes=""))
    on_target: list[dict] = []  # combined rows, or rows kept on their old codes (flagged)
    rate_groups = []
    for (indicator, target_code, period, _), rows in groups.items():
        parts, splits = set(), []
        for code in {r["region_code"] for r in rows}:
            found, split = timeline.parts(target_code, timeline.reference_day(code, period))
            parts |= found
            splits += split
        if splits:
            breaks += [_break(target_code, indicator, d, c) for d, c in splits]
            on_target += [_flag(r, _text("etl.note.not_harmonised_split", splits=_split_text(splits, timeline))) for r in rows]
        elif parts == {target_code} and all(r["region_code"] == target_code for r in rows):
            on_target += rows
        elif len(parts) == 1:
            on_target += [dict(r, region_code=target_code, harmonised=True, original_codes=r["region_code"]) for r in rows]
        elif timeline.level.get(target_code) == "county" and any(r["source_id"] in whole_sources for r in rows):
            note = _text("etl.note.not_harmonised_kostra", parts="+".join(sorted(parts)), target=target_code)
            on_target += [_flag(r, note) for r in rows]
        else:
            kind = kinds.get(indicator, {"kind": "other"})
            if kind["kind"] == "count":
                on_target.append(_sum(rows, target_code, sorted(parts)))
            elif kind["kind"] == "rate":
                rate_groups.append((rows, target_code, sorted(parts), kind))
            else:
                note = _text("etl.note.not_harmonised_merge", parts="+".join(sorted(parts)), target=target_code,
                             indicator=indicator)
                on_target += [_flag(r, note) for r in rows]

    if rate_groups:
        # A merged place's rate is recomputed from its numerator and denominator on the target code.
        wanted = {(target, kind[role]) for _, target, _, kind in rate_groups for role in ("numerator", "denominator")}
        near = fast[fast["indicator_id"].isin({i for _, i in wanted}) & fast["region_code"].isin({t for t, _ in wanted})]
        lookup = {(r["region_code"], r["indicator_id"], r["period"], r["breakdown"]): r for r in near.to_dict("records")}
        lookup.update({(r["region_code"], r["indicator_id"], r["period"], r["breakdown"]): r for r in on_target})
        on_target += [_recompute(rows, target_code, parts, kind, lookup) for rows, target_code, parts, kind in rate_groups]
    combined = pd.DataFrame(on_target, columns=HARMONISED_COLUMNS)
    result = pd.concat([f for f in (fast, combined) if len(f)] or [combined], ignore_index=True)
    result = result.astype({"value": "float64", "derived": bool, "harmonised": bool})
    result = result.sort_values(["indicator_id", "region_code", "period", "breakdown"], kind="stable", ignore_index=True)
    found = pd.DataFrame(breaks, columns=BREAK_COLUMNS).drop_duplicates().sort_values(BREAK_COLUMNS, ignore_index=True)
    return result, found


_TEXT_COLUMNS = ("note", *TEXTS["note"])


def _text(key: str, **values) -> dict[str, str]:
    """A note or derivation in every language (TEXT_LANGUAGES), from data/i18n/etl.yaml. A value
    that is itself such a text is filled in language by language."""
    return {
        lang: t(key, lang, **{name: value[lang] if isinstance(value, dict) else value for name, value in values.items()})
        for lang in TEXT_LANGUAGES
    }


def _joined(texts: list[dict[str, str]]) -> dict[str, str]:
    return {lang: "; ".join(text[lang] for text in texts) for lang in TEXT_LANGUAGES}


def _with_texts(row: dict, note: dict[str, str] | None = None, derivation: dict[str, str] | None = None) -> dict:
    """`row` with its note and/or derivation replaced in every language; `note` and `derivation`
    (English) stay equal to their _en columns for the runtime that still reads them."""
    out = dict(row)
    for field, text in (("note", note), ("derivation", derivation)):
        if text is not None:
            out.update({field: text["en"], **{f"{field}_{lang}": text[lang] for lang in TEXT_LANGUAGES}})
    return out


def _note_of(row: dict) -> dict[str, str] | None:
    if not _is_set(row.get("note_en")) and not _is_set(row.get("note")):
        return None
    own = {lang: row[f"note_{lang}"] if _is_set(row.get(f"note_{lang}")) else "" for lang in TEXT_LANGUAGES}
    return own | {"en": row["note_en"] if _is_set(row.get("note_en")) else row["note"]}


def _flag(row: dict, text: dict[str, str]) -> dict:
    note = _note_of(row)
    return _with_texts(row, note=_joined([note, text]) if note else text)


def _break(region_code: str, indicator: str, day: str, old_code: str) -> dict:
    return {"region_code": region_code, "indicator_id": indicator, "changed_on": day, "kind": "split", "old_code": old_code}


def _split_text(splits, timeline: _Timeline) -> dict[str, str]:
    """A code that continues beside what it gave away (3118 Indre Østfold in 2026) had its
    border moved; one that ended was split. Either way its earlier figures cover another area."""
    return _joined([_text("etl.note.border_moved" if timeline.valid(code, day) else "etl.note.split", code=code, day=day)
                    for day, code in sorted(set(splits))])


def _combined(rows: list[dict], target_code: str, parts: list[str], value: float, status: str,
              derivation: dict[str, str]) -> dict:
    """One derived row standing for several parts: the parts' shared fields, the weakest confidence."""
    sources = sorted({r["source_id"] for r in rows})
    qualifiers = {r["qualifier"] for r in rows}
    distinct = {note["en"]: note for note in map(_note_of, rows) if note}
    notes = [distinct[english] for english in sorted(distinct)]
    if len(sources) > 1:
        notes.append(_text("etl.note.parts_from_sources", sources=", ".join(sources)))
    row = dict(
        rows[0],
        region_code=target_code,
        value=value,
        status=status,
        qualifier=qualifiers.pop() if len(qualifiers) == 1 else "approx",
        source_id=sources[0],
        derived=True,
        confidence="M" if any(r["confidence"] == "M" for r in rows) else "H",
        harmonised=True,
        original_codes="+".join(parts),
    )
    return _with_texts(row, note=_joined(notes), derivation=derivation)


def _has_value(row: dict | None) -> bool:
    return row is not None and row["status"] == "" and _is_set(row["value"])


def _sum(rows: list[dict], target_code: str, parts: list[str]) -> dict:
    """The sum of the parts, or missing ("..") when any part is absent or has no value:
    a partial sum would understate the merged place."""
    derivation = _text("etl.derivation.sum", parts="+".join(parts), target=target_code)
    present = {r["region_code"]: r for r in rows}
    lacking = [p for p in parts if not _has_value(present.get(p))]
    if lacking:
        missing = _text("etl.derivation.sum_missing", derivation=derivation, lacking="+".join(lacking))
        return _combined(rows, target_code, parts, math.nan, "..", missing)
    return _combined(rows, target_code, parts, float(sum(present[p]["value"] for p in parts)), "", derivation)


def _recompute(rows: list[dict], target_code: str, parts: list[str], kind: dict, lookup: dict) -> dict:
    """A rate of merged places, recomputed from its harmonised numerator and denominator."""
    first = rows[0]
    numerator, denominator = (lookup.get((target_code, kind[role], first["period"], first["breakdown"]))
                              for role in ("numerator", "denominator"))
    derivation = _text("etl.derivation.rate", target=target_code, parts="+".join(parts), numerator=kind["numerator"],
                       denominator=kind["denominator"], per=f"{kind['per']:g}")
    if not (_has_value(numerator) and _has_value(denominator)) or denominator["value"] == 0:
        missing = _text("etl.derivation.rate_missing", derivation=derivation)
        return _combined(rows, target_code, parts, math.nan, "..", missing)
    return _combined(rows, target_code, parts, numerator["value"] / denominator["value"] * kind["per"], "", derivation)


# --------------------------------------------------------------------------- helpers


def _iso(day: date | str) -> str:
    return day.isoformat() if isinstance(day, date) else str(day)[:10]


def _day_before(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


if __name__ == "__main__":  # python -m etl.regions: rebuild data/regions/*.csv from the recovered KLASS files
    built_regions, built_changes = rebuild_bundle()
    print(built_regions.groupby("level").size().to_string(), file=sys.stderr)
    print(f"{len(built_changes)} changes", file=sys.stderr)
