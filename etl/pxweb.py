"""A client for SSB's PxWebApi v2 on top of HttpClient (rate limit, retries, clear errors).

Endpoints (base https://data.ssb.no/api/pxwebapi/v2, see PxTools/PxApiSpecs PxAPI-2.yml):
  GET  /config                     limits: maxDataCells, maxCallsPerTimeWindow, timeWindow
  GET  /tables?query=...           table search, paged (pageNumber, pageSize)
  GET  /tables/{id}                table info: label, updated, firstPeriod, lastPeriod
  GET  /tables/{id}/metadata       JSON-stat 2.0 with every category and an empty `value`
  GET  /tables/{id}/data           valueCodes[Dim]=a,b and codelist[Dim]=... as query parameters
  POST /tables/{id}/data           the same selection as a JSON body {"selection": [...]}

Two limits shape a data request. SSB rejects a GET URL longer than about 2 100 characters, so a
long selection goes as POST instead. And one request may return at most maxDataCells cells
(800 000 at SSB), so a bigger query is split along one dimension into several requests whose
answers are merged back into one cube.
"""
from __future__ import annotations

import fnmatch
import json
import math
import os
import re
import urllib.parse
from dataclasses import dataclass

import numpy as np

from boligsosial.config import settings
from etl import jsonstat
from etl.errors import UpstreamChanged, UpstreamError
from etl.http import HttpClient

DEFAULT_MAX_CELLS = 800_000
DEFAULT_PER_MINUTE = 30
MAX_GET_URL = 2_000  # SSB's limit is "about 2 100 characters"; keep a margin
DEFAULT_LANG = "no"

Selection = dict[str, list[str]]  # dimension id -> value codes or expressions, e.g. ["from(2015)"]


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, kept so the answer can be stored as a snapshot."""

    url: str
    method: str
    body: str | None  # the JSON text sent with a POST
    content: bytes

    def json(self):
        return json.loads(self.content)


@dataclass(frozen=True)
class TableInfo:
    id: str
    label: str
    updated: str
    first_period: str
    last_period: str
    raw: Exchange
    discontinued: bool = False  # SSB no longer updates the table


@dataclass(frozen=True)
class Metadata:
    dataset: jsonstat.Dataset
    raw: Exchange


@dataclass(frozen=True)
class TableData:
    dataset: jsonstat.Dataset  # the whole cube, merged when the query was split
    parts: list[Exchange]  # one per request, in the order sent


# --- selection expressions ------------------------------------------------------------------

_FUNCTION = re.compile(r"^\s*(top|bottom|from|to|range)\s*\((.*)\)\s*$", re.IGNORECASE)


class UnknownCode(ValueError):
    """A selection names a value code the dimension does not have."""


def is_expression(value: str) -> bool:
    return bool(_FUNCTION.match(value)) or "*" in value or "?" in value


def resolve_values(selected: list[str], codes: list[str] | tuple[str, ...]) -> list[str]:
    """The codes a PxWebApi selection picks from a dimension, in the dimension's order.

    Supports explicit codes, wildcards (`*` alone = all, `03*`, `202?`), and the functions
    top(n), bottom(n), from(x), to(x), range(x,y), which must stand alone."""
    codes = list(codes)
    functions = [s for s in selected if _FUNCTION.match(s)]
    if functions:
        if len(selected) != 1:
            raise ValueError(f"{functions[0]} must be the only value in its selection")
        return _apply_function(functions[0], codes)
    chosen: set[str] = set()
    for value in selected:
        if "*" in value or "?" in value:
            chosen.update(c for c in codes if fnmatch.fnmatchcase(c, value))
        elif value in codes:
            chosen.add(value)
        else:
            raise UnknownCode(value)
    return [c for c in codes if c in chosen]


def _apply_function(expression: str, codes: list[str]) -> list[str]:
    name, args = _FUNCTION.match(expression).groups()
    name, parts = name.lower(), [a.strip() for a in args.split(",")]
    expected = 2 if name == "range" else 1
    if len(parts) != expected or (name in ("top", "bottom") and not parts[0].isdigit()):
        raise ValueError(f"unsupported selection expression {expression!r}")
    if name == "top":
        n = int(parts[0])
        return codes[len(codes) - n :] if n else []
    if name == "bottom":
        return codes[: int(parts[0])]
    low = parts[0] if name in ("from", "range") else None
    high = parts[-1] if name in ("to", "range") else None
    # A bound that exists is a position in the dimension; one that does not (from(2015) on a
    # table that starts in 2017) compares as text, which is chronological for SSB time codes.
    rank = {c: i for i, c in enumerate(codes)}

    def at_least(code: str, bound: str) -> bool:
        return rank[code] >= rank[bound] if bound in rank else code >= bound

    def at_most(code: str, bound: str) -> bool:
        return rank[code] <= rank[bound] if bound in rank else code <= bound

    return [c for c in codes if (low is None or at_least(c, low)) and (high is None or at_most(c, high))]


# --- planning: cells, splitting, GET or POST -----------------------------------------------


def resolve_selection(selection: Selection, meta: jsonstat.Dataset, table_id: str) -> dict[str, list[str]]:
    """Concrete codes per selected dimension; eliminated dimensions are left out."""
    resolved = {}
    for dim_id, values in selection.items():
        if not meta.has(dim_id):
            raise UpstreamChanged(f"SSB table {table_id}: no dimension {dim_id!r}; the table has {', '.join(meta.ids)}")
        try:
            resolved[dim_id] = resolve_values(values, meta.dimension(dim_id).codes)
        except UnknownCode as exc:
            raise UpstreamChanged(f"SSB table {table_id}: dimension {dim_id!r} has no value code {exc.args[0]!r}") from None
    return resolved


def count_cells(resolved: dict[str, list[str]]) -> int:
    return math.prod(len(codes) for codes in resolved.values())


def plan_requests(
    selection: Selection, resolved: dict[str, list[str]], max_cells: int, time_dim: str | None
) -> list[Selection]:
    """Selections that each stay within max_cells. A query that is too big is cut along its
    largest non-time dimension (time only when nothing else can be cut), recursively, so a
    part that is still too big is cut again along the next dimension."""
    if count_cells(resolved) <= max_cells:
        return [selection]
    candidates = [d for d, codes in resolved.items() if len(codes) > 1]
    if not candidates:
        raise UpstreamError(f"a single cell is over the limit of {max_cells} cells")
    by_size = sorted(candidates, key=lambda d: (d == time_dim, -len(resolved[d])))
    dim = by_size[0]
    codes = resolved[dim]
    rest = count_cells(resolved) // len(codes)
    chunk = max(1, max_cells // rest)
    plans = []
    for start in range(0, len(codes), chunk):
        part_codes = codes[start : start + chunk]
        plans += plan_requests({**selection, dim: part_codes}, {**resolved, dim: part_codes}, max_cells, time_dim)
    return plans


def selection_body(selection: Selection, codelists: dict[str, str]) -> dict:
    """The POST body. SSB's examples spell the key `codelist`; the spec says `codeList` and the
    server reads JSON keys case-insensitively."""
    items = []
    for dim_id, values in selection.items():
        item = {"variableCode": dim_id, "valueCodes": list(values)}
        if codelists.get(dim_id):
            item["codelist"] = codelists[dim_id]
        items.append(item)
    return {"selection": items}


def selection_query(selection: Selection, codelists: dict[str, str], lang: str) -> str:
    pairs = [("lang", lang), ("outputFormat", "json-stat2")]
    pairs += [(f"valueCodes[{d}]", ",".join(values)) for d, values in selection.items()]
    pairs += [(f"codelist[{d}]", c) for d, c in codelists.items() if c and d in selection]
    # Keep brackets, commas and expressions readable, as in SSB's own example URLs.
    return urllib.parse.urlencode(pairs, safe="[](),*")


# --- merging split answers -----------------------------------------------------------------


def merge(parts: list[jsonstat.Dataset], order: jsonstat.Dataset | None = None, context: str = "split query") -> jsonstat.Dataset:
    """One cube from the answers to a split query. Categories keep the order of `order` (the
    table's metadata) when given, else the order they first appear in. Every cell of the merged
    cube must come from exactly one part."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    for part in parts[1:]:
        if part.ids != first.ids:
            raise UpstreamChanged(f"{context}: parts have different dimensions ({first.ids} vs {part.ids})")
    dims = []
    for position, dim_id in enumerate(first.ids):
        seen: dict[str, None] = {}
        for part in parts:
            seen.update(dict.fromkeys(part.dimensions[position].codes))
        if order is not None and order.has(dim_id):
            rank = {c: i for i, c in enumerate(order.dimension(dim_id).codes)}
            codes = sorted(seen, key=lambda c: rank.get(c, len(rank)))
        else:
            codes = list(seen)
        labels = {}
        units = {}
        for part in parts:
            labels.update(part.dimensions[position].labels)
            units.update(part.dimensions[position].units)
        dims.append(jsonstat.Dimension(
            id=dim_id,
            label=first.dimensions[position].label,
            codes=tuple(codes),
            labels=labels,
            role=first.dimensions[position].role,
            elimination=first.dimensions[position].elimination,
            units=units,
            extension=first.dimensions[position].extension,
        ))
    sizes = [len(d.codes) for d in dims]
    total = math.prod(sizes)
    values = np.full(total, np.nan)
    statuses = [""] * total
    covered = np.zeros(total, dtype=int)
    for part in parts:
        flat = _positions_in(part, dims, sizes)
        values[flat] = part.values
        for target, status in zip(flat, part.statuses):
            statuses[target] = status
        np.add.at(covered, flat, 1)
    if (covered != 1).any():
        raise UpstreamError(f"{context}: the parts do not cover the cube exactly once (did the table change between requests?)")
    return jsonstat.Dataset(
        label=first.label, source=first.source, updated=first.updated, dimensions=tuple(dims),
        values=values, statuses=statuses, extension=first.extension, note=first.note,
    )


def _positions_in(part: jsonstat.Dataset, dims: list[jsonstat.Dimension], sizes: list[int]) -> np.ndarray:
    """Flat index in the merged cube of every cell of `part`, in the part's row-major order."""
    flat = np.zeros(part.cells, dtype=int)
    cells = np.arange(part.cells)
    stride_part = part.cells
    for k, (dim, part_dim) in enumerate(zip(dims, part.dimensions)):
        stride_part //= part_dim.size
        rank = {c: i for i, c in enumerate(dim.codes)}
        mapped = np.array([rank[c] for c in part_dim.codes], dtype=int)
        which = (cells // stride_part) % part_dim.size if part.cells else cells
        flat += mapped[which] * math.prod(sizes[k + 1 :])
    return flat


# --- the client ----------------------------------------------------------------------------


def requests_per_minute() -> int:
    """SSB's guide says 30 queries a minute per address (its live headers have said 40);
    BOLIG_SSB_PER_MINUTE changes the budget (the tests' fake server needs none)."""
    return int(os.environ.get("BOLIG_SSB_PER_MINUTE") or DEFAULT_PER_MINUTE)


class PxWebClient:
    def __init__(self, base_url: str | None = None, http: HttpClient | None = None, *,
                 max_cells: int | None = None, max_url: int = MAX_GET_URL):
        self.base_url = (base_url or settings.ssb_base_url()).rstrip("/")
        self.http = http or HttpClient(per_minute=requests_per_minute())
        self._max_cells = max_cells  # None: ask /config once, when first needed
        self.max_url = max_url

    # Simple endpoints

    def config(self) -> dict:
        return self.http.get(f"{self.base_url}/config").json()

    def table_info(self, table_id: str, lang: str = DEFAULT_LANG) -> TableInfo:
        try:
            raw = self._get(f"/tables/{table_id}", {"lang": lang})
        except UpstreamError as exc:
            if " HTTP 404 " in f" {exc} ":  # the table is gone (or was never there): not a passing fault
                raise UpstreamChanged(f"SSB has no table {table_id}", [str(exc)]) from None
            raise
        info = _json_object(raw, f"SSB table {table_id} info")
        if "updated" not in info:
            raise UpstreamChanged(f"SSB table {table_id}: the table info has no 'updated' stamp")
        return TableInfo(
            id=str(info.get("id", table_id)),
            label=str(info.get("label", "")),
            updated=str(info.get("updated") or ""),
            first_period=str(info.get("firstPeriod") or ""),
            last_period=str(info.get("lastPeriod") or ""),
            raw=raw,
            discontinued=info.get("discontinued") is True,
        )

    def metadata(self, table_id: str, lang: str = DEFAULT_LANG, codelists: dict[str, str] | None = None) -> Metadata:
        params = {"lang": lang, **{f"codelist[{d}]": c for d, c in (codelists or {}).items() if c}}
        raw = self._get(f"/tables/{table_id}/metadata", params)
        return Metadata(jsonstat.parse_metadata(raw.content, f"SSB table {table_id} metadata ({lang})"), raw)

    def search_tables(self, query: str, lang: str = DEFAULT_LANG, *, page_size: int = 50, max_pages: int = 5) -> list[dict]:
        """Tables matching a search (title, variables and values; Lucene syntax at SSB)."""
        found: list[dict] = []
        for page in range(1, max_pages + 1):
            raw = self._get("/tables", {"query": query, "lang": lang, "pageSize": page_size, "pageNumber": page})
            answer = _json_object(raw, f"table search {query!r}")
            found += answer.get("tables") or []
            if page >= int((answer.get("page") or {}).get("totalPages") or 1):
                break
        return found

    # Data

    @property
    def max_cells(self) -> int:
        if self._max_cells is None:
            try:
                self._max_cells = int(self.config().get("maxDataCells") or DEFAULT_MAX_CELLS)
            except (UpstreamError, ValueError, TypeError, AttributeError):
                # A server without /config still has SSB's documented limit.
                self._max_cells = DEFAULT_MAX_CELLS
        return self._max_cells

    def data(
        self,
        table_id: str,
        selection: Selection,
        lang: str = DEFAULT_LANG,
        *,
        codelists: dict[str, str] | None = None,
        meta: jsonstat.Dataset | None = None,
    ) -> TableData:
        """The cells a selection picks. Dimensions left out are eliminated by SSB (their total
        or sum comes back). Needs the metadata (fetched if not given) to count cells."""
        codelists = {d: c for d, c in (codelists or {}).items() if c}
        if meta is None:
            meta = self.metadata(table_id, lang, codelists).dataset
        resolved = resolve_selection(selection, meta, table_id)
        time_dim = meta.with_role("time").id if meta.with_role("time") else None
        plans = plan_requests(selection, resolved, self.max_cells, time_dim)
        parts = [self._data_request(table_id, plan, codelists, lang) for plan in plans]
        context = f"SSB table {table_id} data"
        datasets = [jsonstat.parse(p.content, context) for p in parts]
        return TableData(merge(datasets, meta, context), parts)

    def _data_request(self, table_id: str, selection: Selection, codelists: dict[str, str], lang: str) -> Exchange:
        url = f"{self.base_url}/tables/{table_id}/data"
        get_url = f"{url}?{selection_query(selection, codelists, lang)}"
        if len(get_url) <= self.max_url:
            return self._exchange("GET", get_url)
        post_url = f"{url}?{urllib.parse.urlencode({'lang': lang, 'outputFormat': 'json-stat2'})}"
        return self._exchange("POST", post_url, selection_body(selection, codelists))

    # Plumbing

    def _get(self, path: str, params: dict) -> Exchange:
        return self._exchange("GET", f"{self.base_url}{path}?{urllib.parse.urlencode(params, safe='[]')}")

    def _exchange(self, method: str, url: str, body: dict | None = None) -> Exchange:
        reply = self.http.request(method, url, body=body)
        return Exchange(url=url, method=method, body=None if body is None else json.dumps(body, ensure_ascii=False), content=reply.content)


def _json_object(raw: Exchange, context: str) -> dict:
    answer = raw.json()
    if not isinstance(answer, dict):
        raise UpstreamChanged(f"{context}: expected a JSON object")
    return answer
