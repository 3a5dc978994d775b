"""data/ssb_tables.yaml: which SSB series to fetch, described by properties that stay put.

An entry names a table by its id where that is known, otherwise by a search of SSB's table list,
and each series by what its ContentsCode's label says and what kind of unit it has, never by a
guessed code. `refresh` resolves an entry against SSB's live catalogue and metadata
(etl/ssb_resolve.py) and records the result in data/ssb_lock.yaml (etl/ssb_lock.py); from then
on the entry plus its lock give a TableSpec: the concrete table, codes and selection.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from boligsosial.config import settings
from etl import pxweb
from etl.errors import EtlError
from etl.tidy import DIMENSION_COLUMNS

# libyaml's safe loader where it is installed (the lists are read by every build), else PyYAML's.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

CONTENTS = "ContentsCode"
CODELIST_PREFIXES = ("K-", "F-")  # agg_KommSummer / agg_KommFylker codes: K-0301, F-03
_REGION = re.compile(r"^(0|\d{2}|\d{4})$")  # Norway, county, municipality
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Wanted:
    """One series as the table list describes it: what its ContentsCode must look like."""

    indicator: str
    label: tuple[str, ...]  # phrases the code's label must contain (case and spacing ignored)
    exclude: tuple[str, ...] = ()  # phrases it must not contain
    code: str | None = None  # the code SSB documents for the variable (kompis): preferred, never trusted alone
    units: tuple[str, ...] = ()  # accepted unit bases; empty: any whose kind fits the indicator's unit
    where: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Series:
    indicator: str
    contents: str  # the resolved ContentsCode
    where: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Breakdown:
    dimension: str  # SSB's code, e.g. "Kjonn"
    name: str  # ours, e.g. "sex"
    values: tuple[str, ...]
    total: str | None = None  # this category is the total: breakdown ""
    label_nb: str = ""  # the dimension's label, e.g. "Kjønn"; defaults to the name
    label_en: str = ""


@dataclass(frozen=True)
class Region:
    dimension: str
    values: tuple[str, ...]
    codelist: str | None = None
    map: dict[str, str] = field(default_factory=dict)
    strip: tuple[str, ...] = ()
    leave_out: dict[str, str] = field(default_factory=dict)  # code -> why it is not one of our regions
    weighted: bool = False  # county and country rows are SSB's own (KOSTRA) figures: never combined

    def code(self, raw: str) -> str | None:
        """Our region code for SSB's, or None for an aggregate we do not keep (KOSTRA groups)."""
        if raw in self.leave_out:
            return None
        if raw in self.map:
            return self.map[raw]
        for prefix in (*CODELIST_PREFIXES, *self.strip):
            if raw.startswith(prefix):
                raw = raw[len(prefix):]
                break
        return raw if _REGION.match(raw) else None


@dataclass(frozen=True)
class Entry:
    """One entry of the table list, before resolution."""

    key: str  # stable name; the lock and the snapshots are filed under it
    title: str
    candidate: bool  # a series we hope SSB has: failing to resolve it is reported, not fatal
    table_id: str | None  # known table id, or None: found by `search`
    search: tuple[str, ...]  # queries for SSB's table list, tried in turn
    region: Region
    time_dimension: str
    time_values: tuple[str, ...]
    series: tuple[Wanted, ...]
    breakdowns: tuple[Breakdown, ...] = ()

    @property
    def id(self) -> str:  # what the CLI and `etl status` list an entry by
        return self.key

    def relied_on(self) -> dict[str, list[str]]:
        """Codes of dimensions other than ContentsCode that the entry names explicitly: each must
        exist at SSB, and the lock records them with their labels."""
        codes: dict[str, list[str]] = {}

        def add(dim: str, values) -> None:
            for value in values:
                if value and not pxweb.is_expression(value) and value not in codes.setdefault(dim, []):
                    codes[dim].append(value)

        add(self.region.dimension, [*self.region.values, *self.region.map])
        add(self.time_dimension, self.time_values)
        for wanted in self.series:
            for dim, code in wanted.where.items():
                add(dim, [code])
        for breakdown in self.breakdowns:
            add(breakdown.dimension, [*breakdown.values, breakdown.total or ""])
        return {dim: values for dim, values in codes.items() if values}

    def spec(self, table_id: str, contents: dict[str, str]) -> "TableSpec":
        """The concrete table once resolved: `contents` maps indicator -> ContentsCode; series
        without one are left out."""
        series = tuple(Series(w.indicator, contents[w.indicator], w.where) for w in self.series if w.indicator in contents)
        return TableSpec(self.key, table_id, self.title, self.region, self.time_dimension, self.time_values, series, self.breakdowns)


@dataclass(frozen=True)
class TableSpec:
    """A resolved entry: the table and codes a refresh asks for and a build reads."""

    key: str
    id: str  # the StatBank table id
    title: str
    region: Region
    time_dimension: str
    time_values: tuple[str, ...]
    series: tuple[Series, ...]
    breakdowns: tuple[Breakdown, ...] = ()

    @property
    def region_dimension(self) -> str:
        return self.region.dimension

    def selection(self) -> pxweb.Selection:
        """What we ask SSB for; every dimension not in it is eliminated by SSB."""
        chosen: dict[str, list[str]] = {self.region.dimension: list(self.region.values)}
        for series in self.series:
            for dim, code in series.where.items():
                chosen.setdefault(dim, [])
                if code not in chosen[dim]:
                    chosen[dim].append(code)
        for breakdown in self.breakdowns:
            chosen[breakdown.dimension] = list(breakdown.values)
        chosen[CONTENTS] = list(dict.fromkeys(s.contents for s in self.series))
        chosen[self.time_dimension] = list(self.time_values)
        return chosen

    def codelists(self) -> dict[str, str]:
        return {self.region.dimension: self.region.codelist} if self.region.codelist else {}

    def named_dimensions(self) -> list[str]:
        return list(self.selection())

    def region_code(self, raw: str) -> str | None:
        return self.region.code(raw)


# --- reading the list -----------------------------------------------------------------------


def table_list_path() -> Path:
    return settings.data_dir() / "ssb_tables.yaml"


def load_table_list(path: Path | str | None = None) -> list[Entry]:
    path = Path(path) if path else table_list_path()
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise EtlError(f"cannot read the SSB table list {path}: {exc}") from exc
    entries = []
    for number, item in enumerate(document.get("tables") or [], start=1):
        try:
            entries.append(_entry(item))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            name = item.get("key", "?") if isinstance(item, dict) else "?"
            raise EtlError(f"{path}: table entry {number} ({name}) is invalid: {exc}") from exc
    keys = [e.key for e in entries]
    if len(set(keys)) != len(keys):
        raise EtlError(f"{path}: an entry key is listed twice")
    indicators = [w.indicator for e in entries for w in e.series]
    twice = sorted({i for i in indicators if indicators.count(i) > 1})
    if twice:
        raise EtlError(f"{path}: indicator(s) {', '.join(twice)} are fetched by more than one series")
    return entries


def load_dimensions(path: Path | str | None = None) -> pd.DataFrame:
    """dimension, label_nb, label_nn, label_en: one row per breakdown dimension the table list
    names (in bokmål and English, as SSB labels them)."""
    rows = {b.name: {"dimension": b.name, "label_nb": b.label_nb, "label_nn": "", "label_en": b.label_en}
            for entry in load_table_list(path) for b in entry.breakdowns}
    return pd.DataFrame(list(rows.values()), columns=DIMENSION_COLUMNS)


def _strings(values, what: str) -> tuple[str, ...]:
    if not isinstance(values, list) or not values or not all(isinstance(v, (str, int)) for v in values):
        raise ValueError(f"{what} must be a non-empty list of codes")
    return tuple(str(v) for v in values)


def _phrases(values, what: str, *, required: bool) -> tuple[str, ...]:
    if values is None and not required:
        return ()
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or (required and not values) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ValueError(f"{what} must be {'a non-empty ' if required else 'a '}list of words or phrases")
    return tuple(values)


def _wanted(item: dict) -> Wanted:
    indicator = str(item["indicator"])
    return Wanted(
        indicator=indicator,
        label=_phrases(item.get("label"), f"{indicator}: label", required=True),
        exclude=_phrases(item.get("not"), f"{indicator}: not", required=False),
        code=None if item.get("code") is None else str(item["code"]),
        units=_phrases(item.get("unit"), f"{indicator}: unit", required=False),
        where={str(k): str(v) for k, v in (item.get("where") or {}).items()},
    )


def _entry(item: dict) -> Entry:
    key = str(item["key"])
    if not _KEY.match(key):
        raise ValueError(f"key {key!r} must be lower case letters, digits and _")
    find = item.get("find") or {}
    table_id = None if find.get("id") is None else str(find["id"])
    search = _phrases(find.get("search"), "find.search", required=False)
    if not table_id and not search:
        raise ValueError("find needs a table `id` or a `search`")
    region, time = item["region"], item.get("time") or {}
    series = tuple(_wanted(s) for s in item["series"])
    if not series:
        raise ValueError("no series")
    breakdowns = tuple(
        Breakdown(str(dim), str(b["name"]), _strings(b.get("values", ["*"]), f"dimensions.{dim}.values"),
                  None if b.get("total") is None else str(b["total"]),
                  str(b.get("label_nb") or b["name"]), str(b.get("label_en") or b.get("label_nb") or b["name"]))
        for dim, b in (item.get("dimensions") or {}).items()
    )
    entry = Entry(
        key=key,
        title=str(item.get("title", "")),
        candidate=bool(item.get("candidate", False)),
        table_id=table_id,
        search=search,
        region=Region(
            dimension=str(region["dimension"]),
            values=_strings(region.get("values", ["*"]), "region.values"),
            codelist=region.get("codelist"),
            map={str(k): str(v) for k, v in (region.get("map") or {}).items()},
            strip=tuple(str(p) for p in region.get("strip") or ()),
            leave_out={str(k): str(v) for k, v in (region.get("leave_out") or {}).items()},
            weighted=bool(region.get("weighted", False)),
        ),
        time_dimension=str(time.get("dimension", "Tid")),
        time_values=_strings(time.get("values", ["*"]), "time.values"),
        series=series,
        breakdowns=breakdowns,
    )
    reserved = {entry.region.dimension, entry.time_dimension, CONTENTS}
    where_dims = {d for s in series for d in s.where}
    for breakdown in breakdowns:
        if breakdown.dimension in reserved | where_dims:
            raise ValueError(f"dimension {breakdown.dimension} is both a breakdown and used elsewhere")
    if where_dims & reserved:
        raise ValueError(f"`where` may not use {sorted(where_dims & reserved)}")
    return entry
