"""Resolve a table-list entry against SSB's live catalogue and metadata, and check it against
the lock.

Finding: the table by its id where the entry gives one, else by searching SSB's table list and
keeping the tables that have the entry's region and time dimensions and ContentsCodes that fit its
series (the one that fits the most series, then the one with the latest period, wins; a tie is
an error that names the tables). A series' ContentsCode is the one whose label contains every
phrase of `label` and none of `not`, and whose unit is of the indicator's kind (a count, a
percentage, a rate per 1 000, money). The code SSB documents for the variable, when the entry
gives it, decides between several that fit; it is never taken on its own word.

Checking: with a lock entry, the table's title, its dimensions, the codes the entry relies on and
every locked series' code, label and unit must be as locked. Each difference is named; `updated`
moving on is new data, not a difference.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from etl import jsonstat, pxweb
from etl.errors import UpstreamChanged
from etl.ssb_tables import CONTENTS, Entry, TableSpec, Wanted

MAX_CANDIDATES = 12  # search hits whose metadata is read (each is one request, within the rate limit)
SHOWN = 12  # codes listed when a series does not resolve

# Our unit -> the kind of unit SSB's ContentsCode must have.
UNIT_KINDS = {"percent": "percent", "per_1000": "per_1000", "nok": "nok", "years": "years"}


def expected_kind(unit: str) -> str:
    return UNIT_KINDS.get(unit, "count")


def normalise(text: str) -> str:
    """Case, non-breaking spaces, runs of spaces and thousands separators ("1 000") ignored."""
    text = str(text or "").casefold().replace("\u00a0", " ")
    text = re.sub(r"(?<=\d)[ .](?=\d{3}\b)", "", text)
    return " ".join(text.split())


def unit_kind(label: str, base: str) -> str:
    """What kind of figure a ContentsCode is, from its label and unit base: per_<n>, percent,
    nok or count."""
    text = normalise(f"{label} {base}")
    per = re.search(r"\b(?:per|pr\.?)\s*(\d+)\b", text)
    if per:
        return f"per_{per.group(1)}"
    if "prosent" in text or "%" in text or normalise(label).startswith("andel"):
        return "percent"
    unit = normalise(base)
    if unit in ("kr", "kroner", "nok") or unit.endswith(" kr") or "kroner" in unit:
        return "nok"
    return "count"


def unit_base(dim: jsonstat.Dimension, code: str) -> str:
    return str((dim.units.get(code) or {}).get("base") or "")


def title_key(title: str) -> str:
    """A table title as compared with the lock: without the "12008: " prefix and a trailing
    period range, which SSB moves on as years are added."""
    text = re.sub(r"^\s*\w+:\s*", "", str(title or ""))
    text = re.sub(r"\s*\d{4}\s*[-–]\s*\d{4}\s*$", "", text)
    return normalise(text)


# --- one series -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    code: str | None
    why_not: str = ""  # when code is None


def fits(wanted: Wanted, kind: str, label: str, base: str) -> bool:
    text = normalise(label)
    if not all(normalise(p) in text for p in wanted.label) or any(normalise(p) in text for p in wanted.exclude):
        return False
    if wanted.units:
        return normalise(base) in {normalise(u) for u in wanted.units}
    return unit_kind(label, base) == kind


def _describe(wanted: Wanted, kind: str) -> str:
    words = " + ".join(repr(p) for p in wanted.label)
    without = f", without {' / '.join(repr(p) for p in wanted.exclude)}" if wanted.exclude else ""
    unit = f"unit base one of {list(wanted.units)}" if wanted.units else f"a {kind} unit"
    return f"a label with {words}{without} and {unit}"


def _listing(dim: jsonstat.Dimension, codes) -> str:
    codes = list(codes)
    shown = "; ".join(f"{c} {dim.label_of(c)!r} ({unit_base(dim, c) or 'no unit'})" for c in codes[:SHOWN])
    return shown + (f"; ... {len(codes) - SHOWN} more" if len(codes) > SHOWN else "")


def find_contents(wanted: Wanted, dataset: jsonstat.Dataset, kind: str) -> Found:
    if not dataset.has(CONTENTS):
        return Found(None, "the table has no ContentsCode dimension")
    dim = dataset.dimension(CONTENTS)
    matching = [c for c in dim.codes if fits(wanted, kind, dim.label_of(c), unit_base(dim, c))]
    documented = wanted.code
    if documented and documented in dim.codes and documented not in matching:
        return Found(None, f"the documented code {documented} is there, but {dim.label_of(documented)!r} "
                           f"({unit_base(dim, documented) or 'no unit'}) does not fit {_describe(wanted, kind)}")
    if documented in matching:
        return Found(documented)
    if len(matching) == 1:
        return Found(matching[0])
    if not matching:
        return Found(None, f"no ContentsCode has {_describe(wanted, kind)}; the table has: {_listing(dim, dim.codes)}")
    return Found(None, f"{len(matching)} ContentsCodes have {_describe(wanted, kind)}: {_listing(dim, matching)}; "
                       "add words to `label` or `not` in data/ssb_tables.yaml")


# --- one entry ------------------------------------------------------------------------------


@dataclass
class Resolution:
    entry: Entry
    info: pxweb.TableInfo
    metadata: pxweb.Metadata
    contents: dict[str, str]  # indicator -> ContentsCode
    unresolved: dict[str, str]  # indicator -> why not
    found_by: str
    differences: list[str] = field(default_factory=list)  # from the lock; non-empty: stop
    locked: dict | None = None  # the lock entry this started from (same table), if any

    @property
    def spec(self) -> TableSpec:
        return self.entry.spec(self.info.id, self.contents)


def resolve(entry: Entry, locked: dict | None, client: pxweb.PxWebClient, kinds: dict[str, str]) -> Resolution:
    """The table and codes for `entry`, from its lock entry where that still applies, else from
    SSB's catalogue. Lock differences are returned (not raised) so that check-upstream can list
    them; a table that cannot be found raises UpstreamChanged."""
    if locked is not None and entry.table_id and locked.get("table") != entry.table_id:
        locked = None  # the table list now names another table: resolve it anew
    codelists = {entry.region.dimension: entry.region.codelist} if entry.region.codelist else {}
    if locked is not None:
        info, meta = _table(locked["table"], client, codelists, f"the table locked for {entry.key}")
        found_by = str(locked.get("found_by") or "")
    elif entry.table_id:
        info, meta = _table(entry.table_id, client, codelists, f"the table data/ssb_tables.yaml names for {entry.key}")
        found_by = f"table id {entry.table_id} in data/ssb_tables.yaml"
    else:
        info, meta, found_by = _search(entry, client, codelists, kinds)
    dataset = meta.dataset
    differences = lock_differences(entry, locked, info, dataset) if locked else []
    contents, unresolved = {}, {}
    locked_series = (locked or {}).get("series") or {}
    for wanted in entry.series:
        kind = kinds[wanted.indicator]
        held = locked_series.get(wanted.indicator)
        if held and fits(wanted, kind, held.get("label", ""), held.get("unit", "")):
            contents[wanted.indicator] = str(held["code"])  # differences, if any, are reported above
            continue
        found = find_contents(wanted, dataset, kind)
        if found.code:
            contents[wanted.indicator] = found.code
        else:
            unresolved[wanted.indicator] = found.why_not
    return Resolution(entry, info, meta, contents, unresolved, found_by, differences, locked)


def _table(table_id: str, client: pxweb.PxWebClient, codelists: dict, what: str,
           metadata: pxweb.Metadata | None = None) -> tuple[pxweb.TableInfo, pxweb.Metadata]:
    try:
        info = client.table_info(table_id)
    except UpstreamChanged as exc:
        raise UpstreamChanged(f"{exc.message} ({what})", exc.details) from None
    return info, metadata or client.metadata(table_id, "no", codelists)


def _search(entry: Entry, client: pxweb.PxWebClient, codelists: dict, kinds: dict[str, str]):
    hits: dict[str, dict] = {}
    for query in entry.search:
        for table in client.search_tables(query, page_size=50, max_pages=2):
            hits.setdefault(str(table.get("id", "")), table)
    current = [t for t in hits.values() if t.get("id") and not t.get("discontinued")]
    looked, scored, metadata = [], [], {}
    for table in current[:MAX_CANDIDATES]:
        table_id = str(table["id"])
        metadata[table_id] = client.metadata(table_id, "no", codelists)
        dataset = metadata[table_id].dataset
        missing = [d for d in (entry.region.dimension, entry.time_dimension, CONTENTS) if not dataset.has(d)]
        if missing:
            looked.append(f"{table_id} {table.get('label', '')!r}: no dimension {', '.join(missing)}")
            continue
        matched = [w.indicator for w in entry.series if find_contents(w, dataset, kinds[w.indicator]).code]
        looked.append(f"{table_id} {table.get('label', '')!r}: {len(matched)} of {len(entry.series)} series fit")
        if matched:
            scored.append((len(matched), str(table.get("lastPeriod") or ""), table_id, table.get("label", "")))
    queries = " / ".join(repr(q) for q in entry.search)
    if len(current) > MAX_CANDIDATES:
        looked.append(f"{len(current) - MAX_CANDIDATES} more search hits were not looked at; narrow the search")
    if not scored:
        raise UpstreamChanged(
            f"no SSB table fits entry {entry.key}: the search {queries} found {len(hits)} table(s)"
            + (f" ({len(hits) - len(current)} discontinued)" if len(hits) > len(current) else ""),
            looked or ["nothing was found; check the search words in data/ssb_tables.yaml"])
    scored.sort(reverse=True)
    best = scored[0]
    tied = [s for s in scored if s[:2] == best[:2]]
    if len(tied) > 1:
        raise UpstreamChanged(
            f"several SSB tables fit entry {entry.key} equally well; name the right one with `find: {{id: ...}}`",
            [f"{s[2]} {s[3]!r}: {s[0]} series, last period {s[1] or '?'}" for s in tied])
    info, meta = _table(best[2], client, codelists, f"the table found for {entry.key}", metadata[best[2]])
    found_by = (f"search {queries}: {len(hits)} table(s) found, {len(scored)} fit; {best[2]} fits "
                f"{best[0]} of {len(entry.series)} series" + (f", {scored[1][2]} next" if len(scored) > 1 else ""))
    return info, meta, found_by


# --- the lock -------------------------------------------------------------------------------


def lock_differences(entry: Entry, locked: dict, info: pxweb.TableInfo, dataset: jsonstat.Dataset) -> list[str]:
    """Everything SSB has changed that the lock entry records, one line each."""
    table = locked["table"]
    found = []
    if info.discontinued:
        found.append(f"SSB now marks table {table} as discontinued")
    if locked.get("title") and title_key(locked["title"]) != title_key(info.label):
        found.append(f"table {table} was titled {locked['title']!r}, now {info.label!r}")
    was = [str(d) for d in locked.get("dimensions") or []]
    if was and set(was) != set(dataset.ids):
        added, gone = sorted(set(dataset.ids) - set(was)), sorted(set(was) - set(dataset.ids))
        found.append(f"table {table} has other dimensions: "
                     + "; ".join(filter(None, [f"new {', '.join(added)}" if added else "", f"gone {', '.join(gone)}" if gone else ""])))
    for dim_id, codes in (locked.get("codes") or {}).items():
        if not dataset.has(dim_id):
            continue  # named above as a dimension that is gone
        dim = dataset.dimension(dim_id)
        for code, label in (codes or {}).items():
            if code not in dim.codes:
                found.append(f"{dim_id} code {code!r} ({label}) is gone")
            elif dim.label_of(code) != label:
                found.append(f"{dim_id} code {code!r} was labelled {label!r}, now {dim.label_of(code)!r}")
    contents = dataset.dimension(CONTENTS) if dataset.has(CONTENTS) else None
    wanted = {w.indicator for w in entry.series}
    for indicator, held in (locked.get("series") or {}).items():
        if indicator not in wanted:
            continue  # no longer asked for: dropped from the lock, not a change at SSB
        code = str(held.get("code"))
        if contents is None or code not in contents.codes:
            found.append(f"{indicator}: ContentsCode {code} ({held.get('label')!r}) is gone from table {table}")
            continue
        if contents.label_of(code) != held.get("label"):
            found.append(f"{indicator}: ContentsCode {code} was labelled {held.get('label')!r}, now {contents.label_of(code)!r}")
        if unit_base(contents, code) != (held.get("unit") or ""):
            found.append(f"{indicator}: ContentsCode {code} had unit {held.get('unit')!r}, now {unit_base(contents, code)!r}")
    return found


def lock_entry(resolution: Resolution, today: date) -> dict:
    """What the lock records for a resolution. Series that were locked before keep their entry
    (and its date); the entry stays `reviewed` only when nothing in it is new."""
    entry, info, dataset = resolution.entry, resolution.info, resolution.metadata.dataset
    previous = resolution.locked or {}
    old_series = previous.get("series") or {}
    contents_dim = dataset.dimension(CONTENTS)
    series = {}
    for wanted in entry.series:
        code = resolution.contents.get(wanted.indicator)
        if code is None:
            continue
        held = old_series.get(wanted.indicator)
        if held and str(held.get("code")) == code:
            series[wanted.indicator] = held
        else:
            series[wanted.indicator] = {"code": code, "label": contents_dim.label_of(code),
                                        "unit": unit_base(contents_dim, code), "confirmed": today.isoformat()}
    codes = {}
    for dim_id, wanted_codes in entry.relied_on().items():
        if dataset.has(dim_id):
            dim = dataset.dimension(dim_id)
            codes[dim_id] = {c: dim.label_of(c) for c in wanted_codes if c in dim.codes}
    fresh = {
        "table": info.id,
        "title": previous.get("title") or info.label,
        "updated": previous.get("updated") or info.updated,
        "found_by": resolution.found_by,
        "confirmed": previous.get("confirmed") or today.isoformat(),
        "reviewed": False,
        "dimensions": list(dataset.ids),
        "codes": codes,
        "series": series,
    }
    unchanged = previous and all(previous.get(k) == fresh[k] for k in ("table", "dimensions", "codes", "series"))
    fresh["reviewed"] = bool(previous.get("reviewed")) if unchanged else False
    return fresh
