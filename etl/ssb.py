"""The SSB source: StatBank tables listed in data/ssb_tables.yaml, fetched through PxWebApi v2.

refresh() talks to SSB and stores snapshots; load_bundle() reads only the snapshots, so a build
needs no network. A refresh turns the answer into tidy rows *before* it stores anything: a
response we cannot read is never stored, because an offline build would then fail on it forever.

Snapshots (namespace "ssb"), per table:
  {id}.data.json                 the data answer exactly as it came; a query split because of the
                                 cell limit is stored as {id}.data.p01.json, .p02 ... (each part
                                 raw; load_bundle merges them again)
  {id}.metadata.no.json, .en.json   the table's metadata in both languages (labels_en)
  {id}.table.json                GET /tables/{id}, written last: the table's manifest. Its extra
                                 holds `updated`, `table_id` and `files` (this refresh's files).
                                 load_bundle reads only what it lists; refresh compares `updated`.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
import yaml

from boligsosial import settings
from etl import jsonstat, pxweb, snapshot
from etl.errors import EtlError, UpstreamChanged, UpstreamError
from etl.tidy import (
    CATEGORY_COLUMNS,
    OBSERVATION_COLUMNS,
    SOURCE_COLUMNS,
    Bundle,
    breakdown_key,
    normalise_period,
    source_id,
)

NAMESPACE = "ssb"
CONTENTS = "ContentsCode"
PUBLISHER = "Statistisk sentralbyrå (SSB)"
LICENSE = "CC BY 4.0"
CODELIST_PREFIXES = ("K-", "F-")  # agg_KommSummer / agg_KommFylker codes: K-0301, F-03
_REGION = re.compile(r"^(0|\d{2}|\d{4})$")  # Norway, county, municipality


# --- the table list -------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    indicator: str
    contents: str | None  # None: the content code is not confirmed yet; skipped
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
class TableSpec:
    id: str
    title: str
    verified: bool
    region_dimension: str
    region_values: tuple[str, ...]
    time_dimension: str
    time_values: tuple[str, ...]
    series: tuple[Series, ...]
    breakdowns: tuple[Breakdown, ...] = ()
    region_codelist: str | None = None
    region_map: dict[str, str] = field(default_factory=dict)
    region_strip: tuple[str, ...] = ()

    @property
    def active_series(self) -> list[Series]:
        return [s for s in self.series if s.contents]

    def selection(self) -> pxweb.Selection:
        """What we ask SSB for; every dimension not in it is eliminated by SSB."""
        chosen: dict[str, list[str]] = {self.region_dimension: list(self.region_values)}
        for series in self.active_series:
            for dim, code in series.where.items():
                chosen.setdefault(dim, [])
                if code not in chosen[dim]:
                    chosen[dim].append(code)
        for breakdown in self.breakdowns:
            chosen[breakdown.dimension] = list(breakdown.values)
        chosen[CONTENTS] = list(dict.fromkeys(s.contents for s in self.active_series))
        chosen[self.time_dimension] = list(self.time_values)
        return chosen

    def codelists(self) -> dict[str, str]:
        return {self.region_dimension: self.region_codelist} if self.region_codelist else {}

    def named_dimensions(self) -> list[str]:
        return list(self.selection())

    def region_code(self, raw: str) -> str | None:
        """Our region code for SSB's, or None for an aggregate we do not keep (KOSTRA groups)."""
        if raw in self.region_map:
            return self.region_map[raw]
        for prefix in (*CODELIST_PREFIXES, *self.region_strip):
            if raw.startswith(prefix):
                raw = raw[len(prefix) :]
                break
        return raw if _REGION.match(raw) else None


def table_list_path() -> Path:
    return settings.data_dir() / "ssb_tables.yaml"


def load_table_list(path: Path | str | None = None) -> list[TableSpec]:
    path = Path(path) if path else table_list_path()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise EtlError(f"cannot read the SSB table list {path}: {exc}") from exc
    specs = []
    for number, entry in enumerate(document.get("tables") or [], start=1):
        try:
            specs.append(_spec(entry))
        except (KeyError, TypeError, ValueError) as exc:
            raise EtlError(f"{path}: table entry {number} ({entry.get('id', '?') if isinstance(entry, dict) else '?'}) is invalid: {exc}") from exc
    ids = [s.id for s in specs]
    if len(set(ids)) != len(ids):
        raise EtlError(f"{path}: a table id is listed twice")
    return specs


def load_dimensions(path: Path | str | None = None) -> pd.DataFrame:
    """dimension, label_nb, label_en: one row per breakdown dimension the table list names."""
    rows = {b.name: {"dimension": b.name, "label_nb": b.label_nb, "label_en": b.label_en}
            for spec in load_table_list(path) for b in spec.breakdowns}
    return pd.DataFrame(list(rows.values()), columns=["dimension", "label_nb", "label_en"])


def _strings(values, what: str) -> tuple[str, ...]:
    if not isinstance(values, list) or not values or not all(isinstance(v, (str, int)) for v in values):
        raise ValueError(f"{what} must be a non-empty list of codes")
    return tuple(str(v) for v in values)


def _spec(entry: dict) -> TableSpec:
    region, time = entry["region"], entry.get("time") or {}
    series = tuple(
        Series(str(s["indicator"]), None if s.get("contents") is None else str(s["contents"]),
               {str(k): str(v) for k, v in (s.get("where") or {}).items()})
        for s in entry["series"]
    )
    if not series:
        raise ValueError("no series")
    breakdowns = tuple(
        Breakdown(str(dim), str(b["name"]), _strings(b.get("values", ["*"]), f"dimensions.{dim}.values"),
                  None if b.get("total") is None else str(b["total"]),
                  str(b.get("label_nb") or b["name"]), str(b.get("label_en") or b.get("label_nb") or b["name"]))
        for dim, b in (entry.get("dimensions") or {}).items()
    )
    spec = TableSpec(
        id=str(entry["id"]),
        title=str(entry.get("title", "")),
        verified=bool(entry.get("verified", False)),
        region_dimension=str(region["dimension"]),
        region_values=_strings(region.get("values", ["*"]), "region.values"),
        region_codelist=region.get("codelist"),
        region_map={str(k): str(v) for k, v in (region.get("map") or {}).items()},
        region_strip=tuple(str(p) for p in region.get("strip") or ()),
        time_dimension=str(time.get("dimension", "Tid")),
        time_values=_strings(time.get("values", ["*"]), "time.values"),
        series=series,
        breakdowns=breakdowns,
    )
    reserved = {spec.region_dimension, spec.time_dimension, CONTENTS}
    where_dims = {d for s in series for d in s.where}
    for breakdown in breakdowns:
        if breakdown.dimension in reserved | where_dims:
            raise ValueError(f"dimension {breakdown.dimension} is both a breakdown and used elsewhere")
    if where_dims & reserved:
        raise ValueError(f"`where` may not use {sorted(where_dims & reserved)}")
    return spec


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


def to_tidy(spec: TableSpec, data: jsonstat.Dataset, sid: str, labels_en: dict[str, dict[str, str]] | None = None) -> Tidy:
    context = f"SSB table {spec.id}"
    named = spec.named_dimensions()
    missing = [d for d in named if not data.has(d)]
    if missing:
        raise UpstreamChanged(f"{context}: the data has no dimension {', '.join(map(repr, missing))}; it has {', '.join(data.ids)}")
    unexpected = [d for d in data.ids if d not in named]
    if unexpected:
        raise UpstreamChanged(f"{context}: the data has dimension {', '.join(map(repr, unexpected))} that the table list does not name")
    frame = data.to_frame()
    pieces = []
    for series in spec.active_series:
        mask = frame[CONTENTS] == series.contents
        for dim, code in series.where.items():
            mask &= frame[dim] == code
        if not mask.any():
            raise UpstreamChanged(f"{context}: no cells for {series.indicator} (ContentsCode {series.contents!r} {series.where or ''})")
        pieces.append(frame[mask].assign(indicator_id=series.indicator))
    rows = pd.concat(pieces, ignore_index=True)
    region = rows[spec.region_dimension].map(spec.region_code)
    left_out = sorted(set(rows.loc[region.isna(), spec.region_dimension]))
    rows, region = rows[region.notna()].reset_index(drop=True), region[region.notna()].reset_index(drop=True)
    try:
        period = rows[spec.time_dimension].map(normalise_period)
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
        "note_nb": "", "note_en": "", "derivation_nb": "", "derivation_en": "",
    })[OBSERVATION_COLUMNS]
    # Plain object columns for text, like tidy.empty(), whatever pandas infers for constants.
    observations = observations.astype({c: object for c in OBSERVATION_COLUMNS if c not in ("value", "derived")})
    key = ["indicator_id", "region_code", "period", "breakdown"]
    twice = observations[observations.duplicated(key, keep=False)]
    if not twice.empty:
        example = twice.iloc[0]
        raise UpstreamChanged(f"{context}: two cells map to the same row ({', '.join(str(example[k]) for k in key)}); check region map/strip")
    return Tidy(observations, _categories(spec, data, labels_en or {}), left_out)


def _breakdowns(spec: TableSpec, rows: pd.DataFrame) -> list[str]:
    if not spec.breakdowns:
        return [""] * len(rows)
    columns = {b.name: ["" if code == b.total else code for code in rows[b.dimension]] for b in spec.breakdowns}
    return [breakdown_key(dict(zip(columns, values))) for values in zip(*columns.values())]


def _categories(spec: TableSpec, data: jsonstat.Dataset, labels_en: dict[str, dict[str, str]]) -> pd.DataFrame:
    records = []
    for breakdown in spec.breakdowns:
        dim = data.dimension(breakdown.dimension)
        english = labels_en.get(breakdown.dimension, {})
        for order, code in enumerate(dim.codes):
            if code != breakdown.total:
                label = dim.label_of(code)
                records.append({"dimension": breakdown.name, "code": code, "label_nb": label,
                                "label_en": english.get(code, label), "sort_order": order})
    return pd.DataFrame(records, columns=CATEGORY_COLUMNS)


def _labels(meta: jsonstat.Dataset | None) -> dict[str, dict[str, str]]:
    return {d.id: dict(d.labels) for d in meta.dimensions} if meta else {}


# --- refresh ----------------------------------------------------------------------------------


@dataclass
class TableResult:
    table_id: str
    status: str  # fetched | unchanged | failed
    message: str = ""
    rows: int = 0
    snapshot: str = ""  # the manifest snapshot's name
    error: EtlError | None = None


def manifest_name(table_id: str) -> str:
    return f"{table_id}.table.json"


def refresh(
    table_ids: list[str] | None = None,
    *,
    client: pxweb.PxWebClient | None = None,
    progress: Callable[[str], None] | None = None,
    root: Path | None = None,
) -> list[TableResult]:
    """Fetch every listed table (or those asked for) whose `updated` stamp has changed since the
    stored snapshot. One table's failure does not stop the others; each gets a result."""
    specs = load_table_list()
    say = progress or (lambda message: None)
    known = {s.id: s for s in specs}
    results = [TableResult(t, "failed", "not in data/ssb_tables.yaml") for t in (table_ids or []) if t not in known]
    wanted = specs if table_ids is None else [known[t] for t in table_ids if t in known]
    client = client or pxweb.PxWebClient()
    for spec in wanted:
        try:
            result = _refresh_table(spec, client, say, root)
        except UpstreamError as exc:
            result = TableResult(spec.id, "failed", str(exc), error=exc)
        say(f"{spec.id}: {result.status}: {result.message}")
        results.append(result)
    return results


def _refresh_table(spec: TableSpec, client: pxweb.PxWebClient, say: Callable[[str], None], root: Path | None) -> TableResult:
    say(f"{spec.id}: table info")
    info = client.table_info(spec.id)
    stored = snapshot.load(NAMESPACE, manifest_name(spec.id), root)
    # Unchanged only if SSB has not updated the table *and* we still ask for the same cells: an
    # edited table list must be fetched even when SSB has nothing new.
    if stored is not None and info.updated and stored.extra.get("updated") == info.updated and stored.extra.get("query") == _query(spec):
        return TableResult(spec.id, "unchanged", f"not updated since {info.updated}", snapshot=stored.name)
    if not spec.active_series:
        return TableResult(spec.id, "failed", "no series has a confirmed ContentsCode in data/ssb_tables.yaml")
    codelists = spec.codelists()
    say(f"{spec.id}: metadata")
    meta = client.metadata(spec.id, "no", codelists)
    check_metadata(spec, meta.dataset)
    meta_en = client.metadata(spec.id, "en", codelists)
    say(f"{spec.id}: data")
    data = client.data(spec.id, spec.selection(), "no", codelists=codelists, meta=meta.dataset)
    # Read everything before storing anything.
    tidy = to_tidy(spec, data.dataset, source_id(NAMESPACE, spec.id, info.updated), _labels(meta_en.dataset))
    periods = sorted(set(tidy.observations["period"]))
    last_stored = stored.extra.get("last_period") if stored else None
    if last_stored and last_stored not in periods:
        raise UpstreamChanged(f"SSB table {spec.id}: period {last_stored} is in the stored snapshot but not in SSB's answer; the stored snapshot is kept")
    manifest = _store(spec, info, meta, meta_en, data, periods[-1] if periods else "", root)
    notes = [f"{len(tidy.observations)} rows from {len(data.parts)} data request(s)"]
    if tidy.left_out:
        notes.append(f"left out region codes {', '.join(tidy.left_out[:8])}{' ...' if len(tidy.left_out) > 8 else ''}")
    skipped = [s.indicator for s in spec.series if not s.contents]
    if skipped:
        notes.append(f"skipped (no confirmed ContentsCode): {', '.join(skipped)}")
    return TableResult(spec.id, "fetched", "; ".join(notes), rows=len(tidy.observations), snapshot=manifest.name)


def _store(spec, info: pxweb.TableInfo, meta: pxweb.Metadata, meta_en: pxweb.Metadata, data: pxweb.TableData, last_period: str, root: Path | None) -> snapshot.Snapshot:
    base = {"table_id": spec.id, "updated": info.updated}
    files = []

    def keep(name: str, raw: pxweb.Exchange, **extra) -> None:
        snapshot.store(NAMESPACE, name, raw.content, url=raw.url, method=raw.method, request_body=raw.body, extra={**base, **extra}, root=root)
        files.append(name)

    split = len(data.parts) > 1
    for number, part in enumerate(data.parts, start=1):
        keep(f"{spec.id}.data.p{number:02d}.json" if split else f"{spec.id}.data.json", part, kind="data", part=number, parts=len(data.parts))
    keep(f"{spec.id}.metadata.no.json", meta.raw, kind="metadata", lang="no")
    keep(f"{spec.id}.metadata.en.json", meta_en.raw, kind="metadata", lang="en")
    manifest = snapshot.store(
        NAMESPACE, manifest_name(spec.id), info.raw.content, url=info.raw.url, method=info.raw.method,
        extra={**base, "kind": "table", "files": files, "last_period": last_period, "query": _query(spec)}, root=root,
    )
    _remove_stale(spec.id, files, root)
    return manifest


def _query(spec: TableSpec) -> dict:
    return {"selection": spec.selection(), "codelists": spec.codelists()}


def _remove_stale(table_id: str, keep: list[str], root: Path | None) -> None:
    """Data parts of an earlier refresh that this one did not write (it was split differently)."""
    for old in snapshot.list_snapshots(NAMESPACE, root):
        if old.name.startswith(f"{table_id}.data.") and old.name not in keep:
            path = old.path(root)
            path.unlink(missing_ok=True)
            path.with_name(path.name + snapshot.META_SUFFIX).unlink(missing_ok=True)


# --- build from snapshots ---------------------------------------------------------------------


def load_bundle(root: Path | None = None) -> Bundle:
    """Observations, sources and categories from the stored snapshots only (no network)."""
    observations, sources, categories = [], [], []
    for spec in load_table_list():
        manifest = snapshot.load(NAMESPACE, manifest_name(spec.id), root)
        if manifest is None:
            continue
        if manifest.extra.get("query") != _query(spec):
            raise EtlError(f"the entry for SSB table {spec.id} in data/ssb_tables.yaml asks for other cells than the "
                           f"stored snapshot holds; run `python -m etl refresh {spec.id}` to fetch them")
        snaps = [_stored(name, root) for name in manifest.extra.get("files", [])]
        parts = sorted((s for s in snaps if s.extra.get("kind") == "data"), key=lambda s: s.extra.get("part", 1))
        if not parts:
            raise EtlError(f"snapshot {manifest.name} lists no data files")
        context = f"stored SSB table {spec.id}"
        data = pxweb.merge([jsonstat.parse(s.read_bytes(root), context) for s in parts], None, context)
        english = next((s for s in snaps if s.extra.get("kind") == "metadata" and s.extra.get("lang") == "en"), None)
        labels_en = _labels(jsonstat.parse_metadata(english.read_bytes(root), context)) if english else {}
        updated = manifest.extra.get("updated", "")
        sid = source_id(NAMESPACE, spec.id, updated)
        tidy = to_tidy(spec, data, sid, labels_en)
        observations.append(tidy.observations)
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
    return Bundle("ssb", pd.concat(observations, ignore_index=True), pd.DataFrame(sources, columns=SOURCE_COLUMNS), cats)


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
        out(f"{table.get('id', '?'):>6}  {table.get('label', '')}  (updated {updated or '?'}; {table.get('firstPeriod', '?')}–{table.get('lastPeriod', '?')})")
    if not tables:
        out(f"no tables found for {query!r}")
    return tables
