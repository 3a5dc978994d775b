"""A fake SSB PxWebApi v2 for tests: real HTTP on 127.0.0.1, TEST tables, scripted faults.

TEST DATA ONLY. The tables below reuse the ids and dimension codes of our table list so the
client code runs unchanged, but every table title and ContentsCode label says TEST and every
number is made up (a checksum of the cell's codes). Nothing here describes real statistics.

Two sets of tables:
  kostra_tables()  (the default) real shapes: KOSTRA tables whose region dimension is SSB's real
                   KOSTRA code list (tests/fixtures/ssb: 426 municipalities of 2017, EAK, EAKUO,
                   EKA01-EKA20, EKG01-EKG16) plus the codes of 2018-2024 from our registry, with
                   values only where a code was valid that year (empty cells elsewhere, as SSB
                   sends them), and TEST tables the table list's searches find, with distractors
                   (a county table, a discontinued one, contents that must not be picked)
  small_tables()   a few cells each, for the client's mechanics (splitting, statuses, faults)

What it speaks (shapes from PxTools/PxApiSpecs PxAPI-2.yml and SSB's PxWebApi 2 user guide):
  GET /config, GET /tables?query=, GET /tables/{id}, GET /tables/{id}/metadata,
  GET /tables/{id}/data?valueCodes[Dim]=...&codelist[Dim]=..., POST /tables/{id}/data {"selection": [...]}
Errors come as application/problem+json ({title, status, detail}) like PxWebApi's: 400 for an
unknown variable or code, 403 above the cell limit, 404 for an unknown table or a URL over
~2 100 characters.

Per test it can be told to answer 429/500 for the next k requests, hang, truncate or drop a body,
rename a dimension, add an unknown status symbol, drop the last period, change `updated`, or
enforce a cell limit. Every request it receives is recorded in `fake.seen`.
"""
from __future__ import annotations

import itertools
import json
import math
import threading
import urllib.parse
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

import pytest

from etl.http import HttpClient
from etl.pxweb import PxWebClient, UnknownCode, resolve_values

MAX_URL = 2100


@dataclass
class FakeDim:
    id: str
    label: str
    codes: list[str]
    labels: dict[str, str] = field(default_factory=dict)
    role: str = ""
    elimination: bool = False
    total: str | None = None  # the category returned when the dimension is eliminated; else a sum
    codelists: dict[str, str] = field(default_factory=dict)  # codelist id -> code prefix (a 1:1 value set)
    units: dict = field(default_factory=dict)

    def label_of(self, code: str, lang: str) -> str:
        text = self.labels.get(code, code)
        return text if lang == "no" else f"{text} (en)"


@dataclass
class FakeTable:
    id: str
    label: str
    updated: str
    dims: list[FakeDim]
    statuses: dict[tuple, str] = field(default_factory=dict)  # full code tuple -> symbol (value null)
    unknown_status: str | None = None  # put this symbol on the first cell of every data answer
    data_renames: dict[str, str] = field(default_factory=dict)  # dimension renamed in data answers only
    top: float = 10_000.0  # values lie in [0, top): plausible for the indicator the table feeds
    # Added to every cell with this code: a total ("I alt") above its parts, so that a share
    # computed from them (etl/derived.py) is a share.
    floors: dict[str, float] = field(default_factory=dict)
    discontinued: bool = False
    # For a cell's codes (dimension -> code): None when it has a number, else the status it is
    # sent with ("" = null without a symbol). Real KOSTRA tables have empty cells for codes
    # outside their era.
    empty: Callable[[dict[str, str]], str | None] | None = None

    def dim(self, dim_id: str) -> FakeDim:
        return next(d for d in self.dims if d.id == dim_id)

    def has(self, dim_id: str) -> bool:
        return any(d.id == dim_id for d in self.dims)

    @property
    def time(self) -> FakeDim:
        return next(d for d in self.dims if d.role == "time")

    def rename_dimension(self, old: str, new: str, where: str = "both") -> None:
        """where="both": metadata and data use the new name; "data": only data answers do."""
        if where == "data":
            self.data_renames[old] = new
        else:
            self.dim(old).id = new

    def drop_last_period(self) -> None:
        self.time.codes.pop()

    def value(self, codes: tuple) -> float:
        """Made-up but stable: the same cell always has the same number, whatever is renamed."""
        return zlib.crc32("|".join(codes).encode()) % int(self.top * 10) / 10 + sum(self.floors.get(c, 0.0) for c in codes)


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    body: dict | None


@dataclass
class Fault:
    kind: str  # "status", "hang", "truncate", "drop"
    remaining: int
    only: str = ""  # apply only to paths containing this text
    status: int = 500
    retry_after: str | None = None
    seconds: float = 0.0


class Problem(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


def small_tables() -> dict[str, FakeTable]:
    years = [str(y) for y in range(2015, 2025)]

    def time() -> FakeDim:  # a fresh one per table: tests change a table's periods
        return FakeDim("Tid", "år", list(years), role="time")

    population = FakeTable(
        "07459", "07459: TEST Befolkning, etter region, kjønn, alder, statistikkvariabel og år", "2025-02-25T07:00:00Z",
        [
            FakeDim("Region", "region", ["0", "03", "0301", "46", "4601", "5001"],
                    {"0": "TEST Hele landet", "03": "TEST Oslo (fylke)", "0301": "TEST Oslo", "46": "TEST Vestland",
                     "4601": "TEST Bergen", "5001": "TEST Trondheim"},
                    role="geo", elimination=True, total="0", codelists={"agg_KommSummer": "K-"}),
            FakeDim("Kjonn", "kjønn", ["1", "2"], {"1": "TEST Menn", "2": "TEST Kvinner"}, elimination=True),
            FakeDim("Alder", "alder", ["000", "001", "002"], {"000": "TEST 0 år", "001": "TEST 1 år", "002": "TEST 2 år"}, elimination=True),
            FakeDim("ContentsCode", "statistikkvariabel", ["Personer1"], {"Personer1": "TEST Personer"}, role="metric",
                    units={"Personer1": {"base": "personer", "decimals": 0}}),
            time(),
        ],
    )
    dwellings = FakeTable(
        "12008", "12008: TEST Kommunalt disponerte boliger (K)", "2025-06-15T06:00:00Z",
        [
            FakeDim("KOKkommuneregion0000", "region", ["EAK", "EAKUO", "EKA03", "0301", "4601", "EKG13"],
                    {"EAK": "TEST Landet", "EAKUO": "TEST Landet uten Oslo", "EKA03": "TEST Oslo (fylke)",
                     "0301": "TEST Oslo", "4601": "TEST Bergen", "EKG13": "TEST KOSTRA-gruppe 13"}, role="geo"),
            FakeDim("ContentsCode", "statistikkvariabel", ["KOSboligSper10000000", "KOSTESTandel0000"],
                    {"KOSboligSper10000000": "TEST Kommunalt disponerte boliger per 1000 innbyggere",
                     "KOSTESTandel0000": "TEST andel"}, role="metric",
                    units={"KOSboligSper10000000": {"base": "antall", "decimals": 0}, "KOSTESTandel0000": {"base": "prosent", "decimals": 0}}),
            time(),
        ],
        top=50.0,  # per 1 000 inhabitants
        statuses={("4601", "KOSboligSper10000000", "2016"): "..", ("0301", "KOSboligSper10000000", "2017"): ":",
                  ("4601", "KOSTESTandel0000", "2024"): "."},
    )
    tenure = FakeTable(
        "11084", "11084: TEST Privathusholdninger, etter region, eierstatus, statistikkvariabel og år", "2025-03-20T07:00:00Z",
        [
            FakeDim("Region", "region", ["0", "0301", "4601"], {"0": "TEST Hele landet", "0301": "TEST Oslo", "4601": "TEST Bergen"},
                    role="geo", elimination=True, total="0"),
            FakeDim("EierStatus", "eierstatus", ["1", "2", "3", "4"],
                    {"1": "TEST I alt", "2": "TEST Selveier", "3": "TEST Andels-/aksjeeier", "4": "TEST Leier"},
                    elimination=True, total="1"),
            FakeDim("ContentsCode", "statistikkvariabel", ["Husholdning", "HusholdningProsent"],
                    {"Husholdning": "TEST Husholdninger", "HusholdningProsent": "TEST Husholdninger (prosent)"}, role="metric"),
            time(),
        ],
        floors={"1": 30_000.0},  # all households above any one tenure's
    )
    return {t.id: t for t in (population, dwellings, tenure)}


# --- real shapes -------------------------------------------------------------------------------

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ssb"
KOSTRA_REGION = "KOKkommuneregion0000"
YEARS = [str(y) for y in range(2015, 2025)]


@lru_cache(maxsize=1)
def real_kostra_regions() -> tuple[tuple[str, str], ...]:
    """SSB's real KOSTRA region list (code, label) from a real metadata response, in SSB's order."""
    document = json.loads((FIXTURES / "kostra-formalsbygg-areal-v0-metadata-2015-2017.json").read_text(encoding="utf-8"))
    region = next(v for v in document["variables"] if v["code"] == KOSTRA_REGION)
    return tuple(zip(region["values"], region["valueTexts"]))


@lru_cache(maxsize=1)
def _registry_spans() -> dict[str, list[tuple[str, str]]]:
    from etl import regions

    table, _ = regions.read_bundle()
    spans: dict[str, list[tuple[str, str]]] = {}
    for row in table.itertuples(index=False):
        spans.setdefault(row.code, []).append((row.valid_from, row.valid_to if isinstance(row.valid_to, str) else "9999-12-31"))
    return spans


def valid_in(code: str, year: str) -> bool:
    """Whether a municipality or county code of our registry existed at some time in `year`."""
    first, last = f"{year}-01-01", f"{int(year) + 1}-01-01"
    return any(start < last and first < end for start, end in _registry_spans().get(code, ()))


@lru_cache(maxsize=1)
def kostra_region_codes() -> tuple[tuple[str, str], ...]:
    """The real list, then (as SSB's current lists hold every era in one list) the municipality
    codes of 2018-2024 and the county codes (EKAnn) of 2018-2024 that the 2017 list lacks,
    labelled with our registry's names."""
    from etl import regions

    real = list(real_kostra_regions())
    known = {code for code, _ in real}
    table, _ = regions.read_bundle()
    later = table[(table.valid_from < "2025-01-01") & (table.valid_to.isna() | (table.valid_to > "2018-01-01"))]
    extra = []
    for row in later.sort_values(["level", "code"]).itertuples(index=False):
        code = row.code if row.level == "municipality" else f"EKA{row.code}" if row.level == "county" else None
        if code and code not in known:
            known.add(code)
            extra.append((code, row.name))
    return tuple(real + extra)


def kostra_empty(region: str, year: str, outside: str = ".") -> str | None:
    """How a real KOSTRA table fills a cell: municipalities and counties have numbers only in
    the years their code existed; elsewhere the cell is empty (municipalities with SSB's "."
    symbol, counties with a bare null: both forms occur in JSON-stat). Landet, Landet uten Oslo,
    the KOSTRA groups and Longyearbyen always have numbers."""
    if region.startswith("EKA"):
        return None if valid_in(region[3:], year) else ""
    if region.isdigit() and region != "2111":
        return None if valid_in(region, year) else outside
    return None


def kostra_table(table_id: str, label: str, contents: list[tuple[str, str, str]], **options) -> FakeTable:
    """A TEST KOSTRA table with the real region dimension; contents are (code, label, unit base)."""
    regions = kostra_region_codes()
    return FakeTable(
        table_id, label, options.pop("updated", "2025-06-15T06:00:00Z"),
        [
            FakeDim(KOSTRA_REGION, "region", [c for c, _ in regions], dict(regions), role="geo"),
            FakeDim("ContentsCode", "statistikkvariabel", [c for c, _, _ in contents], {c: text for c, text, _ in contents},
                    role="metric", units={c: {"base": base, "decimals": 0} for c, _, base in contents}),
            FakeDim("Tid", "år", list(YEARS), role="time"),
        ],
        top=100.0,  # every series here is plausible below 100 (counts, percent, per 1 000)
        empty=lambda cell: kostra_empty(cell[KOSTRA_REGION], cell["Tid"]),
        **options,
    )


def kostra_tables() -> dict[str, FakeTable]:
    """The tables the shipped data/ssb_tables.yaml resolves to, in real KOSTRA shapes (TEST data)."""
    small = small_tables()
    dwellings = kostra_table("12008", "12008: TEST Kommunalt disponerte boliger (K) 2015 - 2024", [
        ("KOSboligSper10000000", "TEST Kommunalt disponerte boliger per 1 000 innbyggere", "boliger"),
        ("KOSTESTboliger0000", "TEST Totalt antall kommunalt disponerte boliger", "boliger"),
        ("KOSTESTinnleid0000", "TEST Kommunalt disponerte boliger, innleid", "boliger"),  # must not be taken for the total
        ("KOSTESTrullestol0000", "TEST Andel kommunale boliger tilgjengelige for rullestolbrukere", "prosent"),
    ], statuses={("0301", "KOSboligSper10000000", "2017"): ":", ("4601", "KOSboligSper10000000", "2021"): ".."})
    temporary = kostra_table("90101", "90101: TEST Midlertidige botilbud og natthjem (K)", [
        ("KOStotmidlbo0000", "TEST Husstander i midlertidige botilbud, i alt", "husstander"),
        ("KOSmidlbobarn0000", "TEST Husstander med barn (<18) i midlertidige botilbud", "husstander"),
        ("KOSandbarn3m0000", "TEST Andel husstander med barn i midlertidige botilbud i mer enn 3 mnd", "prosent"),
        ("KOSandmidlbo14d0000", "TEST Andel husstander i midlertidige botilbud i 14 eller færre dager", "prosent"),
        ("KOStotnatt0000", "TEST Husstander i natthjem", "husstander"),
    ])
    retired = kostra_table("90105", "90105: TEST Midlertidige botilbud (K) (avslutta serie)", [
        ("KOStotmidlbo0000", "TEST Husstander i midlertidige botilbud, i alt", "husstander"),
    ], discontinued=True)
    applications = kostra_table("90102", "90102: TEST Søknader, avslag og venteliste, kommunalt disponerte boliger (K)", [
        ("KOSTESTsoknader0000", "TEST Søknader om kommunalt disponert bolig", "søknader"),
        ("KOSTESTavslag0000", "TEST Husstander som fikk avslag på søknad", "husstander"),
        ("KOSventelistetil0000", "TEST Behov for tilrettelagt bolig, på venteliste", "husstander"),
        ("KOSandandrevente0000", "TEST Andel med andre problemer på venteliste", "prosent"),  # must not be taken
    ])
    loans = kostra_table("90103", "90103: TEST Startlån (K)", [
        ("KOSfainansstartp0000", "TEST Antall boliger godkjent for finansiering med startlån per 1 000 innbyggere", "boliger"),
    ])
    loans_counties = FakeTable("90104", "90104: TEST Startlån (F)", "2025-06-15T06:00:00Z", [
        FakeDim("KOKfylkesregion0000", "region", ["EAK", "EKA03"], {"EAK": "TEST Landet", "EKA03": "TEST Oslo"}, role="geo"),
        FakeDim("ContentsCode", "statistikkvariabel", ["KOSfainansstartp0000"],
                {"KOSfainansstartp0000": "TEST Antall boliger godkjent for finansiering med startlån per 1 000 innbyggere"},
                role="metric"),
        FakeDim("Tid", "år", list(YEARS), role="time"),
    ], top=100.0)
    tables = [small["07459"], dwellings, small["11084"], temporary, retired, applications, loans, loans_counties]
    return {t.id: t for t in tables}


def default_tables() -> dict[str, FakeTable]:
    return kostra_tables()


class FakeSsb:
    def __init__(self, tables: dict[str, FakeTable] | None = None):
        self.tables = tables if tables is not None else default_tables()
        self.seen: list[Seen] = []
        self.faults: list[Fault] = []
        self.max_cells: int | None = None  # enforce a cell limit (403 above it)
        self.config_max_cells = 800_000  # what /config says
        self.release = threading.Event()  # set on stop, so hanging handlers finish
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # lifecycle

    def start(self) -> "FakeSsb":
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits up to one interval.
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/pxwebapi/v2"

    # scripting

    def fail_next(self, status: int, times: int = 1, *, retry_after: str | None = None, only: str = "") -> None:
        self.faults.append(Fault("status", times, only, status=status, retry_after=retry_after))

    def hang_next(self, seconds: float, times: int = 1, *, only: str = "") -> None:
        self.faults.append(Fault("hang", times, only, seconds=seconds))

    def truncate_next(self, times: int = 1, *, only: str = "") -> None:
        """Send half of the JSON with an honest Content-Length: complete HTTP, broken JSON."""
        self.faults.append(Fault("truncate", times, only))

    def drop_next(self, times: int = 1, *, only: str = "") -> None:
        """Promise the whole body, send half, close the connection."""
        self.faults.append(Fault("drop", times, only))

    def requests_to(self, fragment: str, method: str | None = None) -> list[Seen]:
        return [s for s in self.seen if fragment in s.path and (method is None or s.method == method)]

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.remaining > 0 and fault.only in path:
                    fault.remaining -= 1
                    return fault
        return None

    # answers

    def answer(self, method: str, path: str, query: dict[str, str], body: dict | None) -> dict:
        prefix = "/api/pxwebapi/v2"
        if not path.startswith(prefix):
            raise Problem(404, f"no such path {path}")
        parts = [p for p in path[len(prefix):].split("/") if p]
        lang = query.get("lang", "no")
        if parts == ["config"]:
            return self.config()
        if parts == ["tables"]:
            return self.search(query.get("query", ""), lang, int(query.get("pageSize", 20)), int(query.get("pageNumber", 1)))
        if len(parts) < 2 or parts[0] != "tables" or parts[1] not in self.tables:
            raise Problem(404, f"Table with id {parts[1] if len(parts) > 1 else ''} can not be found")
        table = self.tables[parts[1]]
        if len(parts) == 2:
            return self.table_info(table, lang)
        if parts[2:] == ["metadata"]:
            return self.metadata(table, lang, _codelists(query))
        if parts[2:] == ["data"]:
            if method == "POST":
                selection, codelists = _post_selection(body)
            else:
                selection, codelists = _get_selection(query), _codelists(query)
            return self.data(table, lang, selection, codelists)
        raise Problem(404, f"no such path {path}")

    def config(self) -> dict:
        return {
            "apiVersion": "2.0.0", "appVersion": "TEST", "languages": [{"id": "no", "label": "Norsk"}, {"id": "en", "label": "English"}],
            "defaultLanguage": "no", "maxDataCells": self.config_max_cells, "maxCallsPerTimeWindow": 30, "timeWindow": 60,
            "license": "https://creativecommons.org/licenses/by/4.0/", "defaultDataFormat": "json-stat2", "dataFormats": ["json-stat2"],
        }

    def table_info(self, table: FakeTable, lang: str) -> dict:
        return {
            "type": "Table", "language": lang, "id": table.id, "label": table.label, "description": "", "updated": table.updated,
            "firstPeriod": table.time.codes[0], "lastPeriod": table.time.codes[-1], "category": "public",
            "variableNames": [d.label for d in table.dims], "discontinued": table.discontinued, "source": "TEST", "subjectCode": "test",
            "timeUnit": "Annual", "paths": [], "links": [],
        }

    def search(self, text: str, lang: str, page_size: int, page_number: int) -> dict:
        words = [w.lower() for w in text.split() if w]
        hits = [self.table_info(t, lang) for t in self.tables.values() if any(w in t.label.lower() for w in words)]
        pages = max(1, math.ceil(len(hits) / page_size))
        chunk = hits[(page_number - 1) * page_size : page_number * page_size]
        return {"language": lang, "tables": chunk, "links": [],
                "page": {"pageNumber": page_number, "pageSize": page_size, "totalElements": len(hits), "totalPages": pages}}

    def metadata(self, table: FakeTable, lang: str, codelists: dict[str, str]) -> dict:
        dims = [(d, self._codes_in(table, d, codelists)) for d in table.dims]
        doc = self._dataset(table, lang, dims)
        for dim, _ in dims:
            doc["dimension"][dim.id]["extension"] = {
                "elimination": dim.elimination, "show": "value",
                "codeLists": [{"id": c, "label": f"TEST {c}", "type": "Valueset", "links": []} for c in dim.codelists],
            }
        doc["value"] = []
        return doc

    def data(self, table: FakeTable, lang: str, selection: dict[str, list[str]], codelists: dict[str, str]) -> dict:
        for dim_id in selection:
            if not table.has(dim_id):
                raise Problem(400, f"Variable {dim_id} does not exist in table {table.id}")
        shown: list[tuple[FakeDim, list[str]]] = []  # dimensions in the answer, with their codes
        fixed: dict[str, str] = {}  # eliminated to their total category
        for dim in table.dims:
            if dim.id in selection:
                try:
                    shown.append((dim, resolve_values(selection[dim.id], self._codes_in(table, dim, codelists))))
                except UnknownCode as exc:
                    raise Problem(400, f"Value, {exc.args[0]} is not a valid value code for variable {dim.id}") from None
                except ValueError as exc:
                    raise Problem(400, str(exc)) from None
            elif not dim.elimination:
                raise Problem(400, f"Missing selection for mandantory variable {dim.id}")
            elif dim.total is not None:
                fixed[dim.id] = dim.total
        cells = math.prod(len(codes) for _, codes in shown)
        if self.max_cells is not None and cells > self.max_cells:
            raise Problem(403, f"The query resulted in {cells} cells that exceeds the number of allowed ({self.max_cells}).")
        values, statuses = [], {}
        for flat, combo in enumerate(itertools.product(*[codes for _, codes in shown])):
            chosen = {dim.id: _base(dim, code) for (dim, _), code in zip(shown, combo)}
            value, status = self._cell(table, {**fixed, **chosen})
            values.append(value)
            if status:
                statuses[str(flat)] = status
        if table.unknown_status and values:
            values[0], statuses["0"] = None, table.unknown_status
        doc = self._dataset(table, lang, shown)
        doc["value"] = values
        if statuses:
            doc["status"] = statuses
        for old, new in table.data_renames.items():
            _rename_in_doc(doc, old, new)
        return doc

    def _codes_in(self, table: FakeTable, dim: FakeDim, codelists: dict[str, str]) -> list[str]:
        codelist = codelists.get(dim.id)
        if not codelist:
            return list(dim.codes)
        if codelist not in dim.codelists:
            raise Problem(400, f"Codelist {codelist} does not exist for variable {dim.id}")
        prefix = dim.codelists[codelist]
        return [prefix + c for c in dim.codes if len(c) == 4]  # the TEST value set: municipalities only

    def _cell(self, table: FakeTable, chosen: dict[str, str]) -> tuple[float | None, str]:
        """One answer cell; a dimension eliminated without a total is summed over its categories,
        and a sum whose every part is suppressed keeps the part's symbol."""
        per_dim = [[chosen[d.id]] if d.id in chosen else list(d.codes) for d in table.dims]
        if table.empty is not None and all(len(p) == 1 for p in per_dim):
            status = table.empty(chosen)
            if status is not None:
                return None, status
        total, symbols = 0.0, []
        for full in itertools.product(*per_dim):
            if full in table.statuses:
                symbols.append(table.statuses[full])
            else:
                total += table.value(full)
        if symbols and len(symbols) == math.prod(len(p) for p in per_dim):
            return None, symbols[0]
        return round(total, 1), ""

    def _dataset(self, table: FakeTable, lang: str, dims: list) -> dict:
        dimension = {}
        for dim, codes in dims:
            category = {"index": {c: i for i, c in enumerate(codes)}, "label": {c: dim.label_of(_base(dim, c), lang) for c in codes}}
            if dim.units:
                category["unit"] = {c: u for c, u in dim.units.items() if c in codes}
            dimension[dim.id] = {"label": dim.label if lang == "no" else f"{dim.label} (en)", "category": category}
        roles: dict[str, list] = {}
        for dim, _ in dims:
            if dim.role:
                roles.setdefault(dim.role, []).append(dim.id)
        return {
            "version": "2.0", "class": "dataset", "label": table.label if lang == "no" else f"{table.label} (en)",
            "source": "Statistisk sentralbyrå (TEST)", "updated": table.updated, "id": [d.id for d, _ in dims],
            "size": [len(codes) for _, codes in dims], "dimension": dimension, "role": roles,
            "extension": {"px": {"tableid": table.id, "decimals": 0, "language": lang}},
        }


def _base(dim: FakeDim, code: str) -> str:
    for prefix in dim.codelists.values():
        if code.startswith(prefix):
            return code[len(prefix):]
    return code


def _rename_in_doc(doc: dict, old: str, new: str) -> None:
    if old not in doc["id"]:
        return
    doc["id"] = [new if d == old else d for d in doc["id"]]
    doc["dimension"][new] = doc["dimension"].pop(old)
    doc["role"] = {r: [new if d == old else d for d in ids] for r, ids in doc["role"].items()}


def _bracketed(query: dict[str, str], name: str) -> dict[str, str]:
    """valueCodes[Region]=... -> {"Region": ...}; SSB reads the parameter names case-insensitively."""
    out = {}
    for key, value in query.items():
        if key.lower().startswith(name.lower() + "[") and key.endswith("]"):
            out[key[len(name) + 1 : -1]] = value
    return out


def _get_selection(query: dict[str, str]) -> dict[str, list[str]]:
    return {dim: value.split(",") for dim, value in _bracketed(query, "valueCodes").items()}


def _codelists(query: dict[str, str]) -> dict[str, str]:
    return _bracketed(query, "codelist")


def _post_selection(body: dict | None) -> tuple[dict[str, list[str]], dict[str, str]]:
    if not isinstance(body, dict) or not isinstance(body.get("selection"), list):
        raise Problem(400, "The request body must hold a selection")
    selection, codelists = {}, {}
    for item in body["selection"]:
        lowered = {k.lower(): v for k, v in item.items()}
        selection[lowered["variablecode"]] = list(lowered.get("valuecodes") or [])
        if lowered.get("codelist"):
            codelists[lowered["variablecode"]] = lowered["codelist"]
    return selection, codelists


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSsb

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        body = json.loads(raw_body) if raw_body else None
        fake = self.fake
        fake.seen.append(Seen(method, url.path, query, body))
        fault = fake._take_fault(url.path)
        try:
            if fault and fault.kind == "hang":
                fake.release.wait(fault.seconds)
            if fault and fault.kind == "status":
                raise Problem(fault.status, "TEST fault" if fault.status != 429 else "You have reached the threshold for request limiting.")
            if len(self.path) > MAX_URL:
                raise Problem(404, "URL too long")
            status, payload = 200, fake.answer(method, url.path, query, body)
        except Problem as problem:
            status = problem.status
            payload = {"type": "about:blank", "title": _TITLES.get(status, "Error"), "status": status, "detail": problem.detail}
        content = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            self._send(status, content, fault)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout): nothing to do

    def _send(self, status: int, content: bytes, fault: Fault | None) -> None:
        self.send_response(status)
        kind = "application/problem+json" if status >= 400 else "application/json"
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        if fault and fault.kind == "status" and fault.retry_after is not None:
            self.send_header("Retry-After", fault.retry_after)
        if fault and fault.kind == "truncate":
            content = content[: len(content) // 2]
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if fault and fault.kind == "drop":
            self.wfile.write(content[: len(content) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(content)


_TITLES = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error"}


def _serve(tables: dict[str, FakeTable], tmp_path, monkeypatch):
    fake = FakeSsb(tables).start()
    monkeypatch.setenv("BOLIG_SSB_BASE", fake.base_url)
    monkeypatch.setenv("BOLIG_SNAPSHOTS", str(tmp_path / "snapshots"))
    # The lock a refresh writes goes to the test's folder, starting from the committed one.
    lock = tmp_path / "ssb_lock.yaml"
    shipped = Path(__file__).resolve().parent.parent / "data" / "ssb_lock.yaml"
    lock.write_bytes(shipped.read_bytes())
    monkeypatch.setenv("BOLIG_SSB_LOCK", str(lock))
    return fake


@pytest.fixture
def fake_ssb(tmp_path, monkeypatch):
    """A running fake SSB with fresh TEST tables in real KOSTRA shapes; BOLIG_SSB_BASE points at
    it, snapshots and the SSB lock go to a temporary folder."""
    fake = _serve(kostra_tables(), tmp_path, monkeypatch)
    yield fake
    fake.stop()


@pytest.fixture
def small_ssb(tmp_path, monkeypatch):
    """The same with small TEST tables (a few cells each), for the client's mechanics."""
    fake = _serve(small_tables(), tmp_path, monkeypatch)
    yield fake
    fake.stop()


def make_client(fake: FakeSsb, *, sleep=None, **http_options) -> PxWebClient:
    """A PxWebClient for the fake: no real waiting, a generous rate limit unless a test sets one."""
    options = {"per_minute": 10_000, "timeout": 5.0, "max_tries": 3, "sleep": sleep or (lambda seconds: None), **http_options}
    return PxWebClient(fake.base_url, HttpClient(**options))
