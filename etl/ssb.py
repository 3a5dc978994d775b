"""The SSB source: the series listed in data/ssb_tables.yaml, fetched through PxWebApi v2.

refresh() talks to SSB and stores snapshots; load_bundle() reads only the snapshots, so a build
needs no network. An entry of the table list is first resolved against SSB's live catalogue and
metadata (etl/ssb_resolve.py: the table by id or search, each ContentsCode by its label and unit)
and the result is recorded in data/ssb_lock.yaml (etl/ssb_lock.py); once locked, refresh checks
SSB against the lock and stops with a named difference when anything has changed. A refresh
turns the answer into tidy rows *before* it stores anything: a response we cannot read is never
stored, because an offline build would then fail on it forever.

Snapshots (namespace "ssb"), per entry, filed under the entry's key:
  {key}.data.json                the data answer exactly as it came; a query split because of the
                                 cell limit is stored as {key}.data.p01.json, .p02 ... (each part
                                 raw; load_bundle merges them again)
  {key}.metadata.no.json, .en.json   the table's metadata in both languages (labels_en)
  {key}.table.json               GET /tables/{id}, written last: the entry's manifest. Its extra
                                 holds `updated`, `table_id`, `entry`, `files` (this refresh's
                                 files) and `query`. load_bundle reads only what it lists.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

import pandas as pd

from etl import catalogue, jsonstat, pxweb, regions, snapshot, ssb_lock, ssb_resolve
from etl.errors import EtlError, UpstreamChanged, UpstreamError
from etl.ssb_tables import (  # noqa: F401  (the table list's names, as other modules know them)
    CONTENTS,
    Breakdown,
    Entry,
    Region,
    Series,
    TableSpec,
    Wanted,
    load_dimensions,
    load_table_list,
    table_list_path,
)
from etl.tidy import (
    CATEGORY_COLUMNS,
    NO_TEXTS,
    OBSERVATION_COLUMNS,
    SOURCE_COLUMNS,
    Bundle,
    breakdown_key,
    normalise_period,
    source_id,
)

NAMESPACE = "ssb"
PUBLISHER = "Statistisk sentralbyrå (SSB)"
LICENSE = "CC BY 4.0"


# --- checks against what SSB says -----------------------------------------------------------


def check_metadata(spec: TableSpec, meta: jsonstat.Dataset) -> None:
    """Every dimension and code the table list names must still exist, and every dimension it
    leaves out must be one SSB can eliminate. Lists all problems at once."""
    problems = []
    for dim_id, values in spec.selection().items():
        if not meta.has(dim_id):
            problems.append(f"dimension {dim_id!r} not found; the table has {', '.join(meta.ids)}")
            continue
        codes = meta.dimension(dim_id).codes
        for value in values:
            if pxweb.is_expression(value):
                continue
            if value not in codes:
                problems.append(f"dimension {dim_id!r} has no code {value!r}{_available(meta.dimension(dim_id))}")
    for dim in meta.dimensions:
        if dim.id not in spec.named_dimensions() and dim.elimination is False:
            problems.append(f"dimension {dim.id!r} ({dim.label}) must be selected (SSB cannot eliminate it); add it to the table list")
    if problems:
        raise UpstreamChanged(f"SSB table {spec.id} no longer matches data/ssb_tables.yaml", problems)


def _available(dim: jsonstat.Dimension, limit: int = 15) -> str:
    shown = "; ".join(f"{c} ({dim.label_of(c)})" for c in dim.codes[:limit])
    more = f"; ... {dim.size - limit} more" if dim.size > limit else ""
    return f"; it has: {shown}{more}"


# --- tidy rows ------------------------------------------------------------------------------


@dataclass
class Tidy:
    observations: pd.DataFrame
    categories: pd.DataFrame
    left_out: list[str]  # region codes that are not regions we keep (KOSTRA groups and the like)
    empty: int = 0  # cells with neither a number nor a symbol: not a figure, left out


def to_tidy(spec: TableSpec, data: jsonstat.Dataset, sid: str, labels_en: dict[str, dict[str, str]] | None = None) -> Tidy:
    context = f"SSB table {spec.id} ({spec.key})"
    named = spec.named_dimensions()
    missing = [d for d in named if not data.has(d)]
    if missing:
        raise UpstreamChanged(f"{context}: the data has no dimension {', '.join(map(repr, missing))}; it has {', '.join(data.ids)}")
    unexpected = [d for d in data.ids if d not in named]
    if unexpected:
        raise UpstreamChanged(f"{context}: the data has dimension {', '.join(map(repr, unexpected))} that the table list does not name")
    frame = data.to_frame()
    pieces = []
    for series in spec.series:
        mask = frame[CONTENTS] == series.contents
        for dim, code in series.where.items():
            mask &= frame[dim] == code
        if not mask.any():
            raise UpstreamChanged(f"{context}: no cells for {series.indicator} (ContentsCode {series.contents!r} {series.where or ''})")
        pieces.append(frame[mask].assign(indicator_id=series.indicator))
    rows = pd.concat(pieces, ignore_index=True)
    # Each code once, not each cell: a KOSTRA table has hundreds of thousands of cells.
    region = rows[spec.region_dimension].map({c: spec.region_code(c) for c in rows[spec.region_dimension].unique()})
    left_out = sorted(set(rows.loc[region.isna(), spec.region_dimension]))
    # SSB sends a cell with neither a number nor a symbol for places and years it has nothing
    # for (codes outside their era in KOSTRA's code lists): not a figure, and not a missing one.
    blank = rows["value"].isna() & (rows["status"] == "")
    keep = region.notna() & ~blank
    empty = int((region.notna() & blank).sum())
    rows, region = rows[keep].reset_index(drop=True), region[keep].reset_index(drop=True)
    try:
        period = rows[spec.time_dimension].map({c: normalise_period(c) for c in rows[spec.time_dimension].unique()})
    except ValueError as exc:
        raise UpstreamChanged(f"{context}: {exc}") from exc
    observations = pd.DataFrame({
        "indicator_id": rows["indicator_id"],
        "region_code": region,
        "period": period,
        "breakdown": _breakdowns(spec, rows),
        "value": rows["value"].astype("float64"),
        "status": rows["status"],
        "qualifier": "",
        "source_id": sid,
        "derived": False,
        "derivation": "",
        "confidence": "H",
        "note": "",
        **NO_TEXTS,
    })[OBSERVATION_COLUMNS]
    # Plain object columns for text, like tidy.empty(), whatever pandas infers for constants.
    observations = observations.astype({c: object for c in OBSERVATION_COLUMNS if c not in ("value", "derived")})
    key = ["indicator_id", "region_code", "period", "breakdown"]
    twice = observations[observations.duplicated(key, keep=False)]
    if not twice.empty:
        example = twice.iloc[0]
        where = ", ".join(str(example[k]) for k in key)
        raise UpstreamChanged(f"{context}: two cells map to the same row ({where}); check region map/strip")
    return Tidy(observations, _categories(spec, data, labels_en or {}), left_out, empty)


def _breakdowns(spec: TableSpec, rows: pd.DataFrame) -> list[str] | pd.Series:
    if not spec.breakdowns:
        return [""] * len(rows)
    # Each combination of categories once, not each cell.
    dims = [b.dimension for b in spec.breakdowns]
    keys = {combo: breakdown_key({b.name: "" if code == b.total else code for b, code in zip(spec.breakdowns, combo)})
            for combo in rows[dims].drop_duplicates().itertuples(index=False, name=None)}
    return pd.Series([keys[combo] for combo in rows[dims].itertuples(index=False, name=None)], index=rows.index, dtype=object)


def _categories(spec: TableSpec, data: jsonstat.Dataset, labels_en: dict[str, dict[str, str]]) -> pd.DataFrame:
    records = []
    for breakdown in spec.breakdowns:
        dim = data.dimension(breakdown.dimension)
        english = labels_en.get(breakdown.dimension, {})
        for order, code in enumerate(dim.codes):
            if code != breakdown.total:
                label = dim.label_of(code)
                records.append({"dimension": breakdown.name, "code": code, "label_nb": label, "label_nn": "",
                                "label_en": english.get(code, label), "sort_order": order})
    return pd.DataFrame(records, columns=CATEGORY_COLUMNS)


def _labels(meta: jsonstat.Dataset | None) -> dict[str, dict[str, str]]:
    return {d.id: dict(d.labels) for d in meta.dimensions} if meta else {}


# --- refresh ----------------------------------------------------------------------------------


@dataclass
class TableResult:
    key: str  # the entry in data/ssb_tables.yaml
    table_id: str  # the StatBank table ("" when it was not found)
    status: str  # fetched | unchanged | unresolved (a candidate SSB does not seem to have) | failed
    message: str = ""
    rows: int = 0
    snapshot: str = ""  # the manifest snapshot's name
    error: EtlError | None = None
    locked: bool = False  # this refresh wrote the entry into data/ssb_lock.yaml


def manifest_name(key: str) -> str:
    return f"{key}.table.json"


def indicator_kinds(entries: list[Entry]) -> dict[str, str]:
    """Each series' indicator -> the kind of unit its ContentsCode must have."""
    units = dict(zip(*catalogue.load_indicators()[["id", "unit"]].T.values))
    unknown = sorted({w.indicator for e in entries for w in e.series} - set(units))
    if unknown:
        raise EtlError(f"data/ssb_tables.yaml names indicator(s) not in data/indicators.yaml: {', '.join(unknown)}")
    return {w.indicator: ssb_resolve.expected_kind(units[w.indicator]) for e in entries for w in e.series}


def _pick(entries: list[Entry], wanted: list[str] | None) -> tuple[list[Entry], list[str]]:
    """The entries asked for by key or table id (all when None), and the names not found."""
    if wanted is None:
        return entries, []
    chosen, unknown = [], []
    for name in wanted:
        found = [e for e in entries if name in (e.key, e.table_id)]
        if not found:
            unknown.append(name)
        chosen += [e for e in found if e not in chosen]
    return chosen, unknown


def refresh(
    wanted: list[str] | None = None,
    *,
    client: pxweb.PxWebClient | None = None,
    progress: Callable[[str], None] | None = None,
    root: Path | None = None,
    today: date | None = None,
) -> list[TableResult]:
    """Resolve and fetch every entry (or those named by key or table id) whose table SSB has
    updated since the stored snapshot. One entry's failure does not stop the others; each gets
    a result. What is resolved anew is written to data/ssb_lock.yaml."""
    entries = load_table_list()
    say = progress or (lambda message: None)
    chosen, unknown = _pick(entries, wanted)
    results = [TableResult(name, "", "failed", "not in data/ssb_tables.yaml") for name in unknown]
    client = client or pxweb.PxWebClient()
    kinds = indicator_kinds(entries)
    for entry in chosen:
        try:
            result = _refresh_entry(entry, client, kinds, say, root, today or date.today())
        except UpstreamError as exc:
            result = TableResult(entry.key, entry.table_id or "", "failed", str(exc), error=exc)
        say(f"{entry.key}: {result.status}: {result.message}")
        results.append(result)
    return results


def _refresh_entry(entry: Entry, client: pxweb.PxWebClient, kinds: dict[str, str], say, root: Path | None, today: date) -> TableResult:
    lock = ssb_lock.read()
    locked = lock.get(entry.key)
    stored = snapshot.load(NAMESPACE, manifest_name(entry.key), root)
    # Nothing to resolve and nothing new: a locked entry whose table SSB has not touched, and a
    # stored snapshot that answers the same query, costs one request.
    spec = _locked_spec(entry, locked, kinds)
    if spec is not None and stored is not None:
        say(f"{entry.key}: table info")
        try:
            info = client.table_info(spec.id)
        except UpstreamChanged as exc:
            raise UpstreamChanged(f"{exc.message} (the table locked for {entry.key})", exc.details) from None
        if (info.updated and stored.extra.get("updated") == info.updated and stored.extra.get("query") == _query(spec)
                and not info.discontinued and ssb_resolve.title_key(info.label) == ssb_resolve.title_key(locked.get("title", ""))):
            return TableResult(entry.key, spec.id, "unchanged", f"not updated since {info.updated}", snapshot=stored.name)
    say(f"{entry.key}: resolving")
    try:
        resolution = ssb_resolve.resolve(entry, locked, client, kinds)
    except UpstreamChanged as exc:
        if entry.candidate and locked is None:  # never found: reported, and the rest goes on
            return TableResult(entry.key, "", "unresolved", f"not found at SSB (a candidate: left out): {exc}")
        raise
    table_id = resolution.info.id
    if resolution.differences:
        raise UpstreamChanged(f"SSB table {table_id} ({entry.key}) is no longer what data/ssb_lock.yaml records; "
                              "nothing was fetched", resolution.differences)
    unresolved = [f"{indicator}: {why}" for indicator, why in resolution.unresolved.items()]
    if not resolution.contents:
        if entry.candidate:
            return TableResult(entry.key, table_id, "unresolved", "no series resolved (a candidate: left out)"
                               + "".join(f"\n      {line}" for line in unresolved))
        raise UpstreamChanged(f"SSB table {table_id} ({entry.key}): no series of data/ssb_tables.yaml resolved", unresolved)
    spec = resolution.spec
    check_metadata(spec, resolution.metadata.dataset)
    new_lock = ssb_resolve.lock_entry(resolution, today)
    wrote_lock = new_lock != locked
    if wrote_lock:
        _write_lock_entry(entry.key, new_lock)
    notes = [f"resolved ({resolution.found_by}); review data/ssb_lock.yaml"] if wrote_lock else []
    if unresolved:
        notes.append("not resolved: " + "; ".join(unresolved))
    info = resolution.info
    if stored is not None and info.updated and stored.extra.get("updated") == info.updated and stored.extra.get("query") == _query(spec):
        return TableResult(entry.key, table_id, "unchanged", "; ".join([f"not updated since {info.updated}", *notes]),
                           snapshot=stored.name, locked=wrote_lock)
    codelists = spec.codelists()
    meta = resolution.metadata
    meta_en = client.metadata(spec.id, "en", codelists)
    say(f"{entry.key}: data")
    data = client.data(spec.id, spec.selection(), "no", codelists=codelists, meta=meta.dataset)
    # Read everything before storing anything.
    tidy = to_tidy(spec, data.dataset, source_id(NAMESPACE, spec.id, info.updated), _labels(meta_en.dataset))
    periods = sorted(set(tidy.observations["period"]))
    last_stored = stored.extra.get("last_period") if stored and stored.extra.get("table_id") == spec.id else None
    if last_stored and last_stored not in periods:
        raise UpstreamChanged(f"SSB table {spec.id} ({entry.key}): period {last_stored} is in the stored snapshot but not in "
                              "SSB's answer; the stored snapshot is kept")
    manifest = _store(spec, info, meta, meta_en, data, periods[-1] if periods else "", root)
    notes.insert(0, f"{len(tidy.observations)} rows from {len(data.parts)} data request(s)")
    if tidy.left_out:
        notes.append(f"left out region codes {', '.join(tidy.left_out[:8])}{' ...' if len(tidy.left_out) > 8 else ''}")
    if tidy.empty:
        notes.append(f"{tidy.empty} empty cells without a symbol left out")
    return TableResult(entry.key, spec.id, "fetched", "; ".join(notes), rows=len(tidy.observations), snapshot=manifest.name,
                       locked=wrote_lock)


def _locked_spec(entry: Entry, locked: dict | None, kinds: dict[str, str]) -> TableSpec | None:
    """The spec the lock gives when it covers every series of the entry as the table list
    describes it now; None when something must be resolved."""
    if not locked or (entry.table_id and locked.get("table") != entry.table_id):
        return None
    held = locked.get("series") or {}
    contents = {}
    for wanted in entry.series:
        series = held.get(wanted.indicator)
        if not series or not ssb_resolve.fits(wanted, kinds[wanted.indicator], series.get("label", ""), series.get("unit", "")):
            return None
        contents[wanted.indicator] = str(series["code"])
    return entry.spec(str(locked["table"]), contents)


def _write_lock_entry(key: str, value: dict) -> None:
    """Put one entry into the lock, keeping the table list's order and dropping entries the
    table list no longer has."""
    lock = ssb_lock.read()
    lock[key] = value
    order = [e.key for e in load_table_list()]
    ssb_lock.write({k: lock[k] for k in order if k in lock})


def _store(spec: TableSpec, info: pxweb.TableInfo, meta: pxweb.Metadata, meta_en: pxweb.Metadata, data: pxweb.TableData,
           last_period: str, root: Path | None) -> snapshot.Snapshot:
    base = {"entry": spec.key, "table_id": spec.id, "updated": info.updated}
    files = []

    def keep(name: str, raw: pxweb.Exchange, **extra) -> None:
        snapshot.store(NAMESPACE, name, raw.content, url=raw.url, method=raw.method, request_body=raw.body,
                       extra={**base, **extra}, root=root)
        files.append(name)

    split = len(data.parts) > 1
    for number, part in enumerate(data.parts, start=1):
        name = f"{spec.key}.data.p{number:02d}.json" if split else f"{spec.key}.data.json"
        keep(name, part, kind="data", part=number, parts=len(data.parts))
    keep(f"{spec.key}.metadata.no.json", meta.raw, kind="metadata", lang="no")
    keep(f"{spec.key}.metadata.en.json", meta_en.raw, kind="metadata", lang="en")
    manifest = snapshot.store(
        NAMESPACE, manifest_name(spec.key), info.raw.content, url=info.raw.url, method=info.raw.method,
        extra={**base, "kind": "table", "files": files, "last_period": last_period, "query": _query(spec)}, root=root,
    )
    _remove_stale(spec.key, files, root)
    return manifest


def _query(spec: TableSpec) -> dict:
    return {"table": spec.id, "selection": spec.selection(), "codelists": spec.codelists()}


def _remove_stale(key: str, keep: list[str], root: Path | None) -> None:
    """Data parts of an earlier refresh that this one did not write (it was split differently)."""
    for old in snapshot.list_snapshots(NAMESPACE, root):
        if old.name.startswith(f"{key}.data.") and old.name not in keep:
            path = old.path(root)
            path.unlink(missing_ok=True)
            path.with_name(path.name + snapshot.META_SUFFIX).unlink(missing_ok=True)


# --- check-upstream ---------------------------------------------------------------------------


def check_upstream(wanted: list[str] | None = None, *, client: pxweb.PxWebClient | None = None,
                   out: Callable[[str], None] = print, root: Path | None = None) -> int:
    """`python -m etl check-upstream`: for every entry (or those named), what a refresh would
    fetch and whether SSB still matches data/ssb_lock.yaml. Reads SSB (table info and metadata,
    never data) and writes nothing. Returns the exit code: 0 when a refresh would go through,
    else the code of the first problem (3 unreachable, 4 changed or not found)."""
    entries = load_table_list()
    chosen, unknown = _pick(entries, wanted)
    if unknown:
        raise EtlError(f"not in data/ssb_tables.yaml: {', '.join(unknown)}")
    client = client or pxweb.PxWebClient()
    kinds = indicator_kinds(entries)
    lock = ssb_lock.read()
    exit_code = 0
    for entry in chosen:
        try:
            problem = _check_entry(entry, lock.get(entry.key), client, kinds, out, root)
        except UpstreamChanged as exc:
            candidate = entry.candidate and entry.key not in lock
            out(f"{entry.key}: {'NOT FOUND (a candidate: a refresh leaves it out)' if candidate else 'CHANGED'}: {exc}")
            problem = 0 if candidate else exc.exit_code
        except UpstreamError as exc:
            out(f"{entry.key}: UNREACHABLE: {exc}")
            problem = exc.exit_code
        exit_code = exit_code or problem
        out("")
    verdict = {0: "a refresh would go through", 3: "SSB could not be read: try again later",
               4: "SSB differs from data/ssb_lock.yaml or a series was not found: a refresh would stop (see above)"}
    out(f"check-upstream: {verdict.get(exit_code, 'see above')}")
    return exit_code


def _check_entry(entry: Entry, locked: dict | None, client: pxweb.PxWebClient, kinds: dict[str, str], out, root: Path | None) -> int:
    resolution = ssb_resolve.resolve(entry, locked, client, kinds)
    info = resolution.info
    lock_state = ("not in data/ssb_lock.yaml yet: a refresh would resolve it as below and add it" if resolution.locked is None
                  else f"locked {resolution.locked.get('confirmed')}"
                       + ("" if resolution.locked.get("reviewed") else ", not reviewed yet"))
    out(f"{entry.key}: table {info.id} {info.label!r}, updated {info.updated or '?'}"
        + (" (DISCONTINUED)" if info.discontinued else ""))
    out(f"  found by {resolution.found_by}; {lock_state}")
    held = (resolution.locked or {}).get("series") or {}
    contents = resolution.metadata.dataset.dimension(CONTENTS) if resolution.metadata.dataset.has(CONTENTS) else None
    for wanted in entry.series:
        code = resolution.contents.get(wanted.indicator)
        if code is None:
            out(f"  {wanted.indicator}: NOT RESOLVED: {resolution.unresolved.get(wanted.indicator, '')}")
            continue
        label = contents.label_of(code) if contents and code in contents.codes else "?"
        unit = ssb_resolve.unit_base(contents, code) if contents and code in contents.codes else "?"
        state = "matches the lock" if wanted.indicator in held and str(held[wanted.indicator].get("code")) == code else "new: not locked"
        out(f"  {wanted.indicator}: {code} {label!r} ({unit or 'no unit'}): {state}")
    for difference in resolution.differences:
        out(f"  DIFFERS from the lock: {difference}")
    if resolution.differences:
        return UpstreamChanged.exit_code
    if not resolution.contents:
        out("  nothing to fetch" + (" (a candidate: a refresh leaves it out)" if entry.candidate else ""))
        return 0 if entry.candidate else UpstreamChanged.exit_code
    spec = resolution.spec
    try:
        check_metadata(spec, resolution.metadata.dataset)
    except UpstreamChanged as exc:
        out("  " + str(exc).replace("\n", "\n  "))
        return exc.exit_code
    resolved = pxweb.resolve_selection(spec.selection(), resolution.metadata.dataset, spec.id)
    cells = pxweb.count_cells(resolved)
    requests = len(pxweb.plan_requests(spec.selection(), resolved, client.max_cells, spec.time_dimension))
    sizes = " x ".join(f"{len(codes)} {dim}" for dim, codes in resolved.items())
    stored = snapshot.load(NAMESPACE, manifest_name(entry.key), root)
    if stored is not None and info.updated and stored.extra.get("updated") == info.updated and stored.extra.get("query") == _query(spec):
        out(f"  would fetch: nothing (the stored snapshot is of {info.updated}; {cells} cells)")
    else:
        why = ("never fetched" if stored is None else
               f"SSB updated it {stored.extra.get('updated')} -> {info.updated}" if stored.extra.get("updated") != info.updated
               else "the table list asks for other cells")
        out(f"  would fetch: {sizes} = {cells} cells in {requests} request(s) ({why})")
    return 0


# --- build from snapshots ---------------------------------------------------------------------


def _resolved_specs(root: Path | None = None) -> list[tuple[TableSpec, snapshot.Snapshot]]:
    """Each locked entry with a stored manifest: its spec as the lock gives it, and the manifest."""
    lock = ssb_lock.read()
    found = []
    for entry in load_table_list():
        locked = lock.get(entry.key)
        if not locked:
            continue
        held = locked.get("series") or {}
        spec = entry.spec(str(locked["table"]), {w.indicator: str(held[w.indicator]["code"]) for w in entry.series if w.indicator in held})
        manifest = snapshot.load(NAMESPACE, manifest_name(entry.key), root)
        if manifest is None or not spec.series:
            continue
        if manifest.extra.get("query") != _query(spec):
            raise EtlError(f"the entry {entry.key} in data/ssb_tables.yaml (with data/ssb_lock.yaml) asks for other cells than "
                           f"the stored snapshot holds; run `python -m etl refresh {entry.key}` to fetch them")
        found.append((spec, manifest))
    return found


def load_bundle(root: Path | None = None) -> Bundle:
    """Observations, sources and categories from the stored snapshots only (no network)."""
    observations, sources, categories = [], [], []
    validity = None
    for spec, manifest in _resolved_specs(root):
        snaps = [_stored(name, root) for name in manifest.extra.get("files", [])]
        parts = sorted((s for s in snaps if s.extra.get("kind") == "data"), key=lambda s: s.extra.get("part", 1))
        if not parts:
            raise EtlError(f"snapshot {manifest.name} lists no data files")
        context = f"stored SSB table {spec.id} ({spec.key})"
        data = pxweb.merge([jsonstat.parse(s.read_bytes(root), context) for s in parts], None, context)
        english = next((s for s in snaps if s.extra.get("kind") == "metadata" and s.extra.get("lang") == "en"), None)
        labels_en = _labels(jsonstat.parse_metadata(english.read_bytes(root), context)) if english else {}
        updated = manifest.extra.get("updated", "")
        sid = source_id(NAMESPACE, spec.id, updated)
        tidy = to_tidy(spec, data, sid, labels_en)
        validity = validity if validity is not None else _validity(root)
        observations.append(_within_era(tidy.observations, validity))
        categories.append(tidy.categories)
        sources.append({
            "source_id": sid,
            "publisher": PUBLISHER,
            "title": data.label or spec.title,
            "url": f"https://www.ssb.no/statbank/table/{spec.id}",
            "table_id": spec.id,
            "published": updated[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", updated) else "",
            "license": LICENSE,
            "fetched_at": parts[0].fetched_at,
            "checksum": _checksum(parts),
            "kind": "ssb",
        })
    if not observations:
        return Bundle.empty("ssb")
    cats = pd.concat(categories, ignore_index=True).drop_duplicates(["dimension", "code"]).reset_index(drop=True)
    sources_frame = pd.DataFrame(sources, columns=SOURCE_COLUMNS).drop_duplicates("source_id").reset_index(drop=True)
    return Bundle("ssb", pd.concat(observations, ignore_index=True), sources_frame, cats)


def weighted_sources(root: Path | None = None) -> set[str]:
    """Source ids of stored tables whose county and country rows are SSB's own weighted figures
    (KOSTRA: `weighted: true` in the table list). Harmonising never sums or recomputes them."""
    return {source_id(NAMESPACE, spec.id, manifest.extra.get("updated", ""))
            for spec, manifest in _resolved_specs(root) if spec.region.weighted}


def _validity(root: Path | None) -> dict[str, list[tuple[str, str]]]:
    region_table, _ = regions.load_registry(root)
    spans: dict[str, list[tuple[str, str]]] = {}
    for row in region_table.itertuples(index=False):
        end = row.valid_to if isinstance(row.valid_to, str) and row.valid_to else regions.OPEN_END
        spans.setdefault(row.code, []).append((row.valid_from, end))
    return spans


def _within_era(observations: pd.DataFrame, validity: dict[str, list[tuple[str, str]]]) -> pd.DataFrame:
    """Without the empty cells of codes outside their era. KOSTRA tables keep every municipality
    and county code they ever had in one list, so 0101 Halden has a cell for 2024 with nothing in
    it: a row for it would stand beside 3101's real 2024 figure when both are moved onto today's
    codes. A cell with a number is always kept."""
    if observations.empty:
        return observations

    def inside(code: str, period: str) -> bool:
        spans = validity.get(code)
        if spans is None:
            return True  # not in the registry: the build's region check decides
        first = regions.period_start(period)
        last = f"{int(period[:4]) + 1}-01-01"
        return any(start < last and first < end for start, end in spans)

    # Each code and period once (a few thousand pairs), not each cell.
    pairs = observations[["region_code", "period"]].drop_duplicates()
    outside = {(code, period) for code, period in pairs.itertuples(index=False) if not inside(code, period)}
    if not outside:
        return observations
    drop = observations["value"].isna() & pd.Series(
        [pair in outside for pair in zip(observations["region_code"], observations["period"])], index=observations.index)
    return observations[~drop].reset_index(drop=True)


def _stored(name: str, root: Path | None) -> snapshot.Snapshot:
    snap = snapshot.load(NAMESPACE, name, root)
    if snap is None or not snapshot.verify(snap, root):
        raise EtlError(f"SSB snapshot {name} is missing or does not match its checksum; run `python -m etl refresh` again")
    return snap


def _checksum(parts: list[snapshot.Snapshot]) -> str:
    """The data snapshot's sha256; for a split query, the sha256 of the parts' sha256s, one per
    line in part order (so it can be recomputed from the .meta.json files)."""
    if len(parts) == 1:
        return parts[0].sha256
    return hashlib.sha256("\n".join(p.sha256 for p in parts).encode("ascii")).hexdigest()


# --- finding tables ---------------------------------------------------------------------------


def find_tables(query: str, client: pxweb.PxWebClient | None = None, *, out: Callable[[str], None] = print) -> list[dict]:
    """`python -m etl find-tables TEXT`: search StatBank online and print id, title, updated and
    the first and last period of each hit."""
    tables = (client or pxweb.PxWebClient()).search_tables(query)
    for table in tables:
        updated = str(table.get("updated") or "")[:10]
        span = f"{table.get('firstPeriod', '?')}–{table.get('lastPeriod', '?')}"
        out(f"{table.get('id', '?'):>6}  {table.get('label', '')}  (updated {updated or '?'}; {span})")
    if not tables:
        out(f"no tables found for {query!r}")
    return tables
