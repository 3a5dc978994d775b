"""Importing Husbanken-style files and SSB StatBank exports (CSV or XLSX) into the tidy format.

A person brings a file and a small YAML mapping that says which column holds what
(data/import_mappings/README.md documents it). The file is checked in full: every bad row is
reported with the line number a person sees in the file, and a file with any bad row is rejected
whole, so a build never holds half a file. An accepted file and its mapping are stored as
snapshots (namespace "import"); every later build re-reads them offline with ``load_bundle``.

Files are bounded by what they expand to, not only by their size on disk (issue 14): a 1 MB
.xlsx can unpack to gigabytes, and a mapping of a few lines can expand, through YAML aliases, to
more values than memory holds. Every limit below is checked before the content is read (the
sizes a workbook declares for its parts; the mapping's size) and again while it is read (bytes
actually unpacked, rows, cell lengths, values after alias expansion), and every rejection names
the limit. At most MAX_PROBLEMS problems are listed, with how many more there were.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import math
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timezone
from itertools import islice
from pathlib import Path
from typing import Any, Iterable, Iterator
from urllib.parse import urlsplit

import openpyxl
import pandas as pd
import yaml
from openpyxl.utils import get_column_letter

from etl import snapshot
from etl.errors import ImportRejected
from etl.numbers_no import parse_number, status_symbol
from etl.tidy import (
    CATEGORY_COLUMNS,
    CONFIDENCE,
    OBSERVATION_COLUMNS,
    SOURCE_COLUMNS,
    Bundle,
    breakdown_key,
    normalise_period,
    source_id,
)

NAMESPACE = "import"
BUNDLE_NAME = "import"
# Larger files are almost certainly not a single table meant for this dashboard, and reading
# them whole into memory (which the CSV and XLSX readers do) would hurt the machine running it.
MAX_FILE_BYTES = 50_000_000
# What a file may expand to. A municipal table over 30 years with a breakdown is tens of
# thousands of rows; the bounds are far above that and far below what hurts the machine.
MAX_UNPACKED_BYTES = 100_000_000  # all parts of an .xlsx (a zip archive) together, unpacked
MAX_PARTS = 10_000  # parts in an .xlsx (a workbook has a few dozen)
MAX_ROWS = 250_000  # rows in the file (header, footnotes and data alike)
MAX_CELL_CHARS = 10_000  # characters in one cell
MAX_MAPPING_BYTES = 256_000  # a mapping is a page of YAML
MAX_MAPPING_VALUES = 10_000  # values in a mapping once YAML aliases are expanded
MAX_PROBLEMS = 100  # problems listed; the rest are counted
# How a row element of a sheet's XML begins (<row r="2">, <x:row ...>): all as long as each other.
_ROW_TAGS = tuple(start + b"row" + end for start in (b"<", b":") for end in (b" ", b">", b"/", b"\n", b"\r", b"\t"))
_ROW_TAG_BYTES = 5
MAPPING_SUFFIX = ".mapping.yaml"
CSV_SUFFIXES = {".csv", ".txt"}
XLSX_SUFFIXES = {".xlsx"}
# Tried in this order; a tie goes to ";" because that is what StatBank and Norwegian Excel write.
DELIMITERS = (";", ",", "\t")

_TOP_KEYS = {
    "indicator", "unit", "source", "columns", "indicator_codes", "breakdown",
    "region_format", "skip_rows", "sheet", "confidence",
}
_SOURCE_KEYS = {"publisher", "title", "url", "published", "license", "table_id"}
_COLUMN_KEYS = {"region", "period", "value", "indicator"}
_BREAKDOWN_KEYS = {"dimension", "codes"}
REGION_FORMATS = ("code", "code name")
_PUBLISHED = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_PERIOD_HELP = "2022, 2022M01 or 2022-01, 2022K1 or 2022-Q1, 2022U05 or 2022-W05"


class _Formula:
    """Stands in for a formula cell: already reported, so its row is not checked again."""

    def __str__(self) -> str:
        return "(formula)"


FORMULA = _Formula()


def _count(n: int) -> str:
    return f"{n:,}".replace(",", " ")


class _Problems(list):
    """Problems as they are found: the first MAX_PROBLEMS, and how many more there were. A file
    whose every row is wrong would otherwise make a list, and a message, of millions of lines."""

    def __init__(self, problems: Iterable[str] = ()):
        super().__init__()
        self.more = 0
        for problem in problems:
            self.add(problem)

    def add(self, problem: str) -> None:
        if len(self) < MAX_PROBLEMS:
            self.append(problem)
        else:
            self.more += 1

    def join(self, other: list[str]) -> "_Problems":
        """These problems, then `other`'s, still capped."""
        joined = _Problems([*self, *other])
        joined.more += self.more + getattr(other, "more", 0)
        return joined


class _Rejected(ImportRejected):
    """Problems found while reading. read_file re-raises them as ImportRejected with the file's
    name in the message; on its own (from parse_mapping) it is a plain ImportRejected."""

    def __init__(self, problems: list[str]):
        self.problems = problems if isinstance(problems, _Problems) else _Problems(problems)
        super().__init__("the import was rejected", self.listed())

    def total(self) -> int:
        return len(self.problems) + self.problems.more

    def listed(self) -> list[str]:
        more = self.problems.more
        return [*self.problems, *([f"and {_count(more)} more"] if more else [])]


class _Limit(_Rejected):
    """The file goes past one of the limits above: reading stops at once."""


# --------------------------------------------------------------------------- the mapping


@dataclass(frozen=True)
class BreakdownColumn:
    column: str  # header in the file
    dimension: str  # dimension name in the breakdown key
    codes: dict[str, str] | None  # cell text -> code ("" = the total); None keeps the cell text


@dataclass(frozen=True)
class Mapping:
    unit: str
    publisher: str
    title: str
    url: str
    published: str
    license: str
    table_id: str
    region_column: str
    period_column: str
    value_column: str
    indicator: str | None  # fixed for the whole file, or None when read per row
    indicator_column: str | None
    indicator_codes: dict[str, str] | None
    breakdown: tuple[BreakdownColumn, ...]
    region_format: str
    skip_rows: int
    sheet: str | None
    confidence: str


def _scalar_text(value: Any) -> str | None:
    """YAML scalars as text: 2022 and 2022-01-15 come back from YAML as int and date.
    Booleans are refused because YAML turns an unquoted `no` or `yes` into one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float, date)):
        return value.isoformat() if isinstance(value, date) else _number_text(value)
    return None


def _section(raw: dict, key: str, allowed: set[str], problems: list[str], required: bool = True) -> dict:
    value = raw.get(key)
    if value is None:
        if required:
            problems.append(f'"{key}" is missing')
        return {}
    if not isinstance(value, dict):
        problems.append(f'"{key}" must be a mapping of keys to values')
        return {}
    problems.extend(_unknown_keys(value, allowed, f"{key}."))
    return value


def _unknown_keys(section: dict, allowed: set[str], prefix: str = "") -> list[str]:
    # A misspelt key (skiprows, Region) would otherwise be ignored without a word.
    return [
        f'unknown key "{prefix}{k}" (allowed: {", ".join(sorted(allowed))})'
        for k in section if k not in allowed
    ]


def _text_field(section: dict, key: str, label: str, problems: list[str], required: bool = True) -> str:
    if key not in section or section[key] in (None, ""):
        if required:
            problems.append(f'"{label}" is missing')
        return ""
    text = _scalar_text(section[key])
    if text is None:
        problems.append(f'"{label}" must be text (put it in quotes)')
        return ""
    return text


def _code_table(value: Any, label: str, problems: list[str]) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not value:
        problems.append(f'"{label}" must map cell texts to codes, e.g. {{Menn: "1"}}')
        return None
    table = {}
    for cell, code in value.items():
        cell_text, code_text = _scalar_text(cell), _scalar_text(code)
        if cell_text is None or code_text is None:
            problems.append(f'"{label}": entry {cell!r}: {code!r} must be text (put both in quotes)')
        else:
            table[cell_text] = code_text
    return table


def _breakdown(raw: Any, problems: list[str]) -> tuple[BreakdownColumn, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        problems.append('"breakdown" must map file columns to dimension names, e.g. {Kjønn: sex}')
        return ()
    columns = []
    for column, spec in raw.items():
        label = f"breakdown.{column}"
        if isinstance(spec, dict):
            problems.extend(_unknown_keys(spec, _BREAKDOWN_KEYS, f"{label}."))
            dimension = _text_field(spec, "dimension", f"{label}.dimension", problems)
            codes = _code_table(spec.get("codes"), f"{label}.codes", problems)
        else:
            dimension, codes = _scalar_text(spec) or "", None
        if not dimension or not _is_key_safe(dimension):
            problems.append(f'"{label}" needs a dimension name without "=" or "|"')
        columns.append(BreakdownColumn(str(column), dimension, codes))
    dimensions = [c.dimension for c in columns]
    problems.extend(
        f'dimension "{d}" is named by more than one breakdown column'
        for d in sorted({d for d in dimensions if dimensions.count(d) > 1})
    )
    return tuple(columns)


def _indicator_problems(indicator: str, unit: str, indicators: dict[str, str]) -> list[str]:
    """Why this indicator cannot take figures in this unit ([] when it can; unit "" is not compared)."""
    if indicator not in indicators:
        return [f'indicator "{indicator}" is not in the indicator catalogue (known: {", ".join(sorted(indicators))})']
    if unit and indicators[indicator] != unit:
        return [f'unit "{unit}" does not match indicator "{indicator}", whose unit is "{indicators[indicator]}"']
    return []


def parse_mapping(raw: Any, indicators: dict[str, str]) -> Mapping:
    """Check a mapping (as loaded from YAML) against the indicator catalogue.

    Raises ImportRejected listing every problem, so a person fixes the mapping in one go."""
    if not isinstance(raw, dict):
        raise _Rejected(["the mapping must be a YAML mapping of keys to values (see data/import_mappings/README.md)"])
    problems = _unknown_keys(raw, _TOP_KEYS)
    source = _section(raw, "source", _SOURCE_KEYS, problems)
    columns = _section(raw, "columns", _COLUMN_KEYS, problems)
    unit = _text_field(raw, "unit", "unit", problems)

    indicator = _text_field(raw, "indicator", "indicator", problems, required=False) or None
    indicator_column = _text_field(columns, "indicator", "columns.indicator", problems, required=False) or None
    indicator_codes = _code_table(raw.get("indicator_codes"), "indicator_codes", problems)
    if (indicator is None) == (indicator_column is None):
        problems.append('give either "indicator" (one for the whole file) or "columns.indicator" '
                        "(read per row), not both or neither")
    if indicator_codes is not None and indicator_column is None:
        problems.append('"indicator_codes" needs "columns.indicator"')
    # Checked here rather than per row so that a wrong unit is reported once, not on every line.
    named = [indicator] if indicator else sorted(set((indicator_codes or {}).values()))
    for ind in named:
        problems.extend(_indicator_problems(ind, unit, indicators))

    published = _text_field(source, "published", "source.published", problems, required=False)
    if published and not _PUBLISHED.fullmatch(published):
        problems.append(f'"source.published" is "{published}"; write YYYY, YYYY-MM or YYYY-MM-DD')

    region_format = _text_field(raw, "region_format", "region_format", problems, required=False) or "code"
    if region_format not in REGION_FORMATS:
        problems.append(f'"region_format" is "{region_format}"; use "code" or "code name"')
    skip_rows = raw.get("skip_rows", 0)
    if isinstance(skip_rows, bool) or not isinstance(skip_rows, int) or skip_rows < 0:
        problems.append(f'"skip_rows" is {skip_rows!r}; give the number of lines above the header (0 or more)')
    confidence = _text_field(raw, "confidence", "confidence", problems, required=False) or "H"
    if confidence not in CONFIDENCE:
        problems.append(f'"confidence" is "{confidence}"; use H or M')

    mapping = Mapping(
        unit=unit,
        publisher=_text_field(source, "publisher", "source.publisher", problems),
        title=_text_field(source, "title", "source.title", problems),
        url=_source_url(source, problems),
        published=published,
        license=_text_field(source, "license", "source.license", problems, required=False),
        table_id=_text_field(source, "table_id", "source.table_id", problems, required=False),
        region_column=_text_field(columns, "region", "columns.region", problems),
        period_column=_text_field(columns, "period", "columns.period", problems),
        value_column=_text_field(columns, "value", "columns.value", problems),
        indicator=indicator,
        indicator_column=indicator_column,
        indicator_codes=indicator_codes,
        breakdown=_breakdown(raw.get("breakdown"), problems),
        region_format=region_format,
        skip_rows=skip_rows if isinstance(skip_rows, int) else 0,
        sheet=_text_field(raw, "sheet", "sheet", problems, required=False) or None,
        confidence=confidence,
    )
    if problems:
        raise _Rejected([f"mapping: {p}" for p in problems])
    return mapping


def _source_url(source: dict, problems: list[str]) -> str:
    url = _text_field(source, "url", "source.url", problems)
    if url and not _web_address(url):
        problems.append(f'"source.url" is "{url[:200]}"; give the http:// or https:// address where the source is published')
    return url


def _web_address(url: str) -> bool:
    """An absolute http(s) address with a host: the only kind a source link may be (another
    scheme, such as javascript:, would run in the reader's browser when the link is followed)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and not re.search(r"[\x00-\x20\x7f]", url)


def _yaml(content: bytes, name: str) -> Any:
    """The mapping's YAML, refused before it is built when it would expand (through aliases) to
    more than MAX_MAPPING_VALUES values, or when an alias refers to itself."""
    if len(content) > MAX_MAPPING_BYTES:
        raise _Rejected([f'mapping "{name}" is {len(content) / 1e3:.0f} kB; the limit for a mapping is '
                         f"{MAX_MAPPING_BYTES / 1e3:.0f} kB"])
    try:
        loader = yaml.SafeLoader(content.decode("utf-8-sig"))
        try:
            node = loader.get_single_node()  # the document's nodes: an alias is a second reference, not a copy
            if node is None:
                return None
            values = _expanded_size(node)
            if values > MAX_MAPPING_VALUES:
                raise _Rejected([f'mapping "{name}" expands to {_count(values)} values through its YAML aliases '
                                 f"(& and *); the limit is {_count(MAX_MAPPING_VALUES)}"])
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise _Rejected([f'mapping "{name}" is not valid UTF-8 YAML: {exc}']) from None


def _expanded_size(root: yaml.Node) -> int:
    """How many values the YAML node graph holds with every alias written out (each node's
    size counted once, so a billion-value bomb costs no more to measure than its few nodes)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = 1
            continue
        children = [part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode) else node.value
        if children_done:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
            continue
        if id(node) in open_nodes:
            raise _Rejected(["the mapping refers to itself (a YAML alias inside its own anchor)"])
        open_nodes.add(id(node))
        stack.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                raise _Rejected(["the mapping refers to itself (a YAML alias inside its own anchor)"])
            stack.append((child, False))
    return sizes[id(root)]


# --------------------------------------------------------------------------- reading the file


@dataclass
class _Table:
    """A file's header and data rows, whatever the format. Each row keeps the number a person
    sees for it: the line in a text editor for CSV, the row in Excel for XLSX."""

    place: str  # "line" or "row"
    header_number: int
    header: list[str]
    rows: list[tuple[int, list[Any]]]
    problems: _Problems  # found while reading (formula cells, stray data); reported with the rest


def _is_blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _number_text(value: int | float) -> str:
    # Excel stores 2022 and 301 as floats; "2022.0" would be an unknown period.
    return str(int(value)) if float(value).is_integer() else str(value)


def _cell_text(cell: Any) -> str:
    if _is_blank(cell):
        return ""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return _number_text(cell)
    if isinstance(cell, datetime) and cell.time() == datetime.min.time():
        return cell.date().isoformat()
    return str(cell).strip()


def _split_table(records: Iterable[tuple[int, list[Any]]], skip_rows: int, place: str) -> _Table:
    """Header after ``skip_rows`` title lines; data up to the first empty row.

    StatBank exports put footnotes ("Kilde: ...") below an empty line. Those are one-cell rows
    and are ignored; a row with several filled cells after the gap is more likely data cut off
    by a stray empty line, so it is reported rather than dropped."""
    records = iter(records)
    for _ in range(skip_rows):
        next(records, None)
    first = next(records, None)
    if first is None:
        raise _Rejected([f"{place} {skip_rows + 1}: expected the header (skip_rows is {skip_rows}), "
                         "but the file ends before it"])
    if all(_is_blank(c) for c in first[1]):
        raise _Rejected([f"{place} {first[0]}: expected the header (skip_rows is {skip_rows}), found an empty {place}"])
    header_number, header_cells = first
    rows, problems, gap_at = [], _Problems(), None
    for number, cells in records:
        filled = sum(not _is_blank(c) for c in cells)
        if filled == 0:
            gap_at = gap_at or number
        elif gap_at is None:
            rows.append((number, cells))
        elif filled > 1:
            problems.add(
                f"{place} {number}: looks like data but comes after the empty {place} {gap_at}, "
                f"where the data is taken to end; remove the empty {place}"
            )
    if not rows and not problems:
        raise _Rejected([f"the file has a header ({place} {header_number}) but no data rows"])
    return _Table(place, header_number, [_cell_text(c) for c in header_cells], rows, problems)


def _bounded(records: Iterable[tuple[int, list[Any]]], place: str) -> Iterator[tuple[int, list[Any]]]:
    """The records as they are read, stopping at the first that goes past MAX_ROWS or has a
    cell longer than MAX_CELL_CHARS (nothing after it is read)."""
    for count, (number, cells) in enumerate(records, start=1):
        if count > MAX_ROWS:
            raise _Limit([f"the file has more than {_count(MAX_ROWS)} {place}s; the import limit is {_count(MAX_ROWS)} "
                          f"{place}s, so split it into several files"])
        for column, cell in enumerate(cells, start=1):
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
                where = f"column {get_column_letter(column)}" if place == "row" else f"field {column}"
                raise _Limit([f"{place} {number}, {where}: the cell has {_count(len(cell))} characters; the import limit "
                              f"is {_count(MAX_CELL_CHARS)} characters in a cell"])
        yield number, cells


def _decode(content: bytes) -> str:
    """Strict UTF-8 (BOM or not) first, then Windows-1252, which old Excel writes as "CSV"."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in content:
        raise _Rejected(["the file is UTF-16 or binary, not a text CSV; save it as \"CSV UTF-8\""])
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise _Rejected([
            f"line {line}: byte 0x{content[exc.start]:02x} is neither UTF-8 nor Windows-1252; "
            'save the file as "CSV UTF-8"'
        ]) from None


def _csv_records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Records with the line each starts on (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for record in reader:
            yield line, record
            line = reader.line_num + 1
    except csv.Error as exc:
        raise _Rejected([f"line {reader.line_num}: cannot be read as CSV ({exc})"]) from None


def _sniff_delimiter(text: str, skip_rows: int) -> str:
    """The delimiter that splits the header into the most columns."""
    def width(delimiter: str) -> int:
        header = next(islice(_csv_records(text, delimiter), skip_rows, None), (0, []))
        return len(header[1])

    return max(DELIMITERS, key=width)


def _read_csv(content: bytes, mapping: Mapping) -> _Table:
    text = _decode(content)
    if not text.strip():
        raise _Rejected(["the file is empty"])
    delimiter = _sniff_delimiter(text, mapping.skip_rows)
    return _split_table(_bounded(_csv_records(text, delimiter), "line"), mapping.skip_rows, "line")


def _open_workbook(content: bytes):
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise _Rejected([
            "the file is not a valid .xlsx workbook (an .xlsx file is a zip archive and this one is not); "
            "an old .xls or a renamed CSV must be saved as .xlsx or .csv first"
        ])
    _check_unpacked(content)
    try:
        return openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises KeyError, BadZipFile, XML errors... for damaged files
        raise _damaged(exc) from None


def _row_tags(data: bytes) -> int:
    return sum(data.count(tag) for tag in _ROW_TAGS)


def _check_unpacked(content: bytes) -> None:
    """Refuse a workbook that unpacks to more than MAX_UNPACKED_BYTES, or has a sheet of more
    than MAX_ROWS rows, before openpyxl reads any of it: first by the sizes its parts declare,
    then by the bytes they really unpack to, read in chunks and thrown away (row elements are
    counted on the way, which costs no parsing)."""
    limit = f"the import limit is {MAX_UNPACKED_BYTES / 1e6:.0f} MB unpacked"
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_PARTS:
                raise _Limit([f"the workbook has {_count(len(parts))} parts; the import limit is {_count(MAX_PARTS)} parts"])
            declared = sum(part.file_size for part in parts)
            if declared > MAX_UNPACKED_BYTES:
                raise _Limit([f"the workbook unpacks to {_count(round(declared / 1e6))} MB; {limit}"])
            unpacked = 0
            for part in parts:
                rows, tail = 0, b""
                with archive.open(part) as member:
                    while chunk := member.read(1 << 20):
                        unpacked += len(chunk)
                        if unpacked > MAX_UNPACKED_BYTES:
                            raise _Limit([f"the workbook unpacks to more than {MAX_UNPACKED_BYTES / 1e6:.0f} MB; {limit}"])
                        if "/worksheets/" in "/" + part.filename:
                            # A tag cut in two by the chunk boundary is counted with the next chunk.
                            rows += _row_tags(tail + chunk)
                            tail = chunk[-(_ROW_TAG_BYTES - 1):]
                if rows > MAX_ROWS:
                    raise _Limit([f"a sheet of the workbook has {_count(rows)} rows; the import limit is "
                                  f"{_count(MAX_ROWS)} rows, so split it into several files"])
    except _Rejected:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile raises BadZipFile, zlib.error, NotImplementedError, EOFError...
        raise _damaged(exc) from None


def _damaged(exc: Exception) -> _Rejected:
    return _Rejected([f"the workbook cannot be read ({type(exc).__name__}: {exc}); open it in Excel and save it again"])


def _xlsx_records(sheet, problems: _Problems) -> Iterator[tuple[int, list[Any]]]:
    """Cell values by row. Formulas are reported, not evaluated: the value Excel last cached
    may be stale, and we would be publishing a number nobody can trace."""
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        values = []
        for column, cell in enumerate(cells, start=1):
            if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
                problems.add(f"row {number}, column {get_column_letter(column)}: formula {str(cell.value)!r}; "
                                "paste the values instead")
                values.append(FORMULA)
            else:
                values.append(cell.value)
        yield number, values


def _read_xlsx(content: bytes, mapping: Mapping) -> _Table:
    workbook = _open_workbook(content)
    try:
        if mapping.sheet is not None and mapping.sheet not in workbook.sheetnames:
            sheets = ", ".join(workbook.sheetnames)
            raise _Rejected([f'sheet "{mapping.sheet}" is not in the workbook (sheets: {sheets})'])
        sheet = workbook[mapping.sheet] if mapping.sheet else workbook.worksheets[0]
        # Some writers record a wrong sheet size; without it openpyxl reads what is really there.
        sheet.reset_dimensions()
        formula_problems = _Problems()
        filled = False

        def records() -> Iterator[tuple[int, list[Any]]]:
            nonlocal filled
            # Streamed: read-only mode parses the sheet's XML row by row as it is asked for.
            for number, cells in _bounded(_xlsx_records(sheet, formula_problems), "row"):
                filled = filled or any(not _is_blank(c) for c in cells)
                yield number, cells

        rows = records()
        try:
            table = _split_table(rows, mapping.skip_rows, "row")
        except _Limit:
            raise
        except _Rejected as exc:
            for _ in rows:  # the rest of the sheet: is it empty, and what formulas does it hold?
                pass
            if not filled:
                raise _Rejected(_Problems(["the sheet is empty"]).join(formula_problems)) from None
            raise _Rejected(formula_problems.join(exc.problems)) from None
    except _Rejected:
        raise
    except Exception as exc:  # read-only mode parses the sheet's XML only now, while iterating
        raise _damaged(exc) from None
    finally:
        workbook.close()
    table.problems = formula_problems.join(table.problems)
    return table


def _read_table(suffix: str, content: bytes, mapping: Mapping) -> _Table:
    if suffix in CSV_SUFFIXES:
        return _read_csv(content, mapping)
    if suffix in XLSX_SUFFIXES:
        return _read_xlsx(content, mapping)
    raise _Rejected([f'files ending in "{suffix}" cannot be imported; use .csv or .xlsx'])


# --------------------------------------------------------------------------- rows to observations


def _column_positions(table: _Table, mapping: Mapping) -> dict[str, int]:
    """Header position of every column the mapping names, or every reason it cannot be found."""
    wanted = {"columns.region": mapping.region_column, "columns.period": mapping.period_column,
              "columns.value": mapping.value_column}
    if mapping.indicator_column:
        wanted["columns.indicator"] = mapping.indicator_column
    wanted.update({f"breakdown.{b.column}": b.column for b in mapping.breakdown})
    problems, positions = [], {}
    for role, name in wanted.items():
        found = [i for i, h in enumerate(table.header) if h == name]
        if len(found) == 1:
            positions[name] = found[0]
        elif found:
            problems.append(f'column "{name}" ({role}) appears {len(found)} times in the header')
        else:
            problems.append(f'column "{name}" ({role} in the mapping) is not in the file')
    if problems:
        shown = ", ".join(f'"{h}"' for h in table.header if h)
        problems.append(f"the header ({table.place} {table.header_number}) has: {shown}"
                        + (" (check skip_rows and the delimiter)" if len(table.header) == 1 else ""))
        raise _Rejected(problems)
    return positions


def _value(cell: Any, column: str) -> tuple[float, str]:
    """(value, status). A status symbol means no value: a suppressed figure is never 0."""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        if math.isfinite(cell):
            return float(cell), ""
        raise ValueError(f'value in column "{column}" is not a finite number')
    text = _cell_text(cell)
    if not text:
        raise ValueError(f'column "{column}" is empty; write the figure, or an SSB symbol such as '
                         '".." (missing) or ":" (confidential)')
    symbol = status_symbol(text)
    if symbol is not None:
        return math.nan, symbol
    try:
        return parse_number(text), ""
    except ValueError:
        raise ValueError(f'value "{text}" in column "{column}" is not a number') from None


def _region(cell: Any, mapping: Mapping, known_regions: set[str]) -> str:
    text = _cell_text(cell)
    code = text.split()[0] if mapping.region_format == "code name" and text else text
    if code in known_regions:
        return code
    hint = ""
    if isinstance(cell, (int, float)) and "0" + code in known_regions:
        hint = f' (Excel dropped the leading zero of "0{code}": format the column as text)'
    elif mapping.region_format == "code" and " " in text:
        hint = ' (cells like "0301 Oslo" need region_format: "code name")'
    raise ValueError(f'region "{text}" in column "{mapping.region_column}" is not a known region code{hint}')


def _period(cell: Any, column: str) -> str:
    if isinstance(cell, (date, datetime)):
        raise ValueError(f'period in column "{column}" is a date cell ({_cell_text(cell)}); Excel turns '
                         f'"2022-01" into a date: format the column as text and write one of {_PERIOD_HELP}')
    text = _cell_text(cell)
    try:
        return normalise_period(text)
    except ValueError:
        raise ValueError(f'period "{text}" in column "{column}" is not a period format we know '
                         f"({_PERIOD_HELP})") from None


def _recode(cell: Any, column: str, codes: dict[str, str] | None) -> tuple[str, str]:
    """(code, label) for a category cell, through the mapping's code table when it has one."""
    text = _cell_text(cell)
    if codes is None:
        if not text:
            raise ValueError(f'column "{column}" is empty')
        return text, text
    if text not in codes:
        raise ValueError(f'"{text}" in column "{column}" is not in the mapping\'s codes ({", ".join(codes)})')
    return codes[text], text


def _is_key_safe(code: str) -> bool:
    # "=" and "|" separate parts of the breakdown key "dim=code|dim2=code2".
    return "=" not in code and "|" not in code


class _RowReader:
    """Turns one data row into an observation, collecting every problem the row has."""

    def __init__(self, mapping: Mapping, positions: dict[str, int], indicators: dict[str, str],
                 known_regions: set[str]):
        self.mapping, self.positions = mapping, positions
        self.indicators, self.known_regions = indicators, known_regions
        self.categories: dict[tuple[str, str], str] = {}  # (dimension, code) -> label, in first-seen order

    def cell(self, cells: list[Any], column: str) -> Any:
        position = self.positions[column]
        return cells[position] if position < len(cells) else None

    def read(self, cells: list[Any]) -> tuple[dict, list[str]]:
        m, problems, row = self.mapping, [], {}

        def attempt(field: str, parse) -> None:
            try:
                row[field] = parse()
            except ValueError as exc:
                problems.append(str(exc))

        attempt("indicator_id", lambda: self._indicator(cells))
        attempt("region_code", lambda: _region(self.cell(cells, m.region_column), m, self.known_regions))
        attempt("period", lambda: _period(self.cell(cells, m.period_column), m.period_column))
        attempt("value", lambda: _value(self.cell(cells, m.value_column), m.value_column))
        attempt("breakdown", lambda: self._breakdown(cells))
        return row, problems

    def _indicator(self, cells: list[Any]) -> str:
        m = self.mapping
        if m.indicator:
            return m.indicator
        indicator, _ = _recode(self.cell(cells, m.indicator_column), m.indicator_column, m.indicator_codes)
        reasons = _indicator_problems(indicator, m.unit, self.indicators)
        if reasons:
            raise ValueError(reasons[0])
        return indicator

    def _breakdown(self, cells: list[Any]) -> str:
        parts, labels = {}, {}
        for b in self.mapping.breakdown:
            code, label = _recode(self.cell(cells, b.column), b.column, b.codes)
            if not _is_key_safe(code):
                raise ValueError(f'"{code}" in column "{b.column}" contains "=" or "|", '
                                 "which cannot be a category code")
            parts[b.dimension], labels[b.dimension] = code, label
        for dimension, code in parts.items():
            if code:
                self.categories.setdefault((dimension, code), labels[dimension])
        return breakdown_key(parts)


def _observations(table: _Table, mapping: Mapping, indicators: dict[str, str], known_regions: set[str]):
    """Observation rows and category labels from the table; _Rejected listing every bad row."""
    reader = _RowReader(mapping, _column_positions(table, mapping), indicators, known_regions)
    problems = _Problems().join(table.problems)
    rows, first_seen = [], {}
    for number, cells in table.rows:
        where = f"{table.place} {number}"
        if any(not _is_blank(c) for c in cells[len(table.header):]):
            problems.add(f"{where}: has more cells than the header")
        if any(c is FORMULA for c in cells):
            continue
        row, row_problems = reader.read(cells)
        for problem in row_problems:
            problems.add(f"{where}: {problem}")
        if row_problems:
            continue
        key = (row["indicator_id"], row["region_code"], row["period"], row["breakdown"])
        if key in first_seen:
            problems.add(f"{where}: same indicator, region, period and breakdown as {table.place} {first_seen[key]}")
            continue
        first_seen[key] = number
        rows.append(row)
    if problems:
        raise _Rejected(problems)
    return rows, reader.categories


# --------------------------------------------------------------------------- assembling a bundle


def _bundle(rows: list[dict], categories: dict[tuple[str, str], str], mapping: Mapping,
            checksum: str, fetched_at: str) -> Bundle:
    sid = source_id(mapping.publisher, mapping.title, mapping.url, checksum)
    observations = pd.DataFrame({
        "indicator_id": [r["indicator_id"] for r in rows],
        "region_code": [r["region_code"] for r in rows],
        "period": [r["period"] for r in rows],
        "breakdown": [r["breakdown"] for r in rows],
        "value": pd.Series([r["value"][0] for r in rows], dtype="float64"),
        "status": [r["value"][1] for r in rows],
        "qualifier": "",
        "source_id": sid,
        "derived": False,
        "derivation": "",
        "confidence": mapping.confidence,
        "note": "",
        "note_nb": "", "note_en": "", "derivation_nb": "", "derivation_en": "",
    }, columns=OBSERVATION_COLUMNS)
    sources = pd.DataFrame([{
        "source_id": sid, "publisher": mapping.publisher, "title": mapping.title, "url": mapping.url,
        "table_id": mapping.table_id, "published": mapping.published, "license": mapping.license,
        "fetched_at": fetched_at, "checksum": checksum, "kind": "import",
    }], columns=SOURCE_COLUMNS)
    # The file only has Norwegian labels; the English label repeats them until someone translates.
    category_rows = [
        {"dimension": d, "code": c, "label_nb": label, "label_en": label, "sort_order": i}
        for i, ((d, c), label) in enumerate(categories.items())
    ]
    return Bundle(BUNDLE_NAME, observations, sources, pd.DataFrame(category_rows, columns=CATEGORY_COLUMNS))


def _parse(name: str, content: bytes, raw_mapping: Any, indicators: dict[str, str],
           known_regions: set[str], fetched_at: str) -> Bundle:
    """The whole check of one file: raises _Rejected with every problem found."""
    mapping = parse_mapping(raw_mapping, indicators)
    _check_size(len(content))
    table = _read_table(Path(name).suffix.lower(), content, mapping)
    rows, categories = _observations(table, mapping, indicators, known_regions)
    return _bundle(rows, categories, mapping, hashlib.sha256(content).hexdigest(), fetched_at)


def _rejected(name: str, rejected: _Rejected) -> ImportRejected:
    return ImportRejected(f'"{name}" was rejected; nothing was imported ({_count(rejected.total())} problem(s))',
                          rejected.listed())


def _check_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise _Limit([f"the file is {size / 1e6:.1f} MB; the import limit is {MAX_FILE_BYTES / 1e6:.0f} MB"])


def _read_input(path: Path, mapping: bool = False) -> bytes:
    """The file's bytes, checking the size before reading so a huge file is never loaded."""
    if not path.is_file():
        raise _Rejected([f"{path} does not exist or is not a file"])
    size = path.stat().st_size
    if mapping and size > MAX_MAPPING_BYTES:
        raise _Limit([f'mapping "{path.name}" is {size / 1e3:.0f} kB; the limit for a mapping is '
                      f"{MAX_MAPPING_BYTES / 1e3:.0f} kB"])
    _check_size(size)
    return path.read_bytes()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def read_file(path: str | Path, mapping: str | Path | dict, *, indicators: dict[str, str],
              known_regions: set[str], fetched_at: str | None = None) -> Bundle:
    """Parse and check one file against its mapping (a YAML path or an already loaded dict).

    ``indicators`` maps indicator id -> unit; ``known_regions`` holds the registry's codes.
    Raises ImportRejected listing every problem, each with the line (CSV) or row (XLSX) number
    a person sees in the file. ``fetched_at`` goes into the source row (default: now)."""
    path = Path(path)
    try:
        raw_mapping = mapping if isinstance(mapping, dict) else _yaml(_read_input(Path(mapping), True), Path(mapping).name)
        content = _read_input(path)
        return _parse(path.name, content, raw_mapping, indicators, known_regions, fetched_at or _now())
    except _Rejected as exc:
        raise _rejected(path.name, exc) from None


# --------------------------------------------------------------------------- stored imports


@dataclass(frozen=True)
class ImportResult:
    imported: bool  # False when the identical file was already imported with the same mapping
    message: str
    snapshot: snapshot.Snapshot  # the stored file
    mapping_snapshot: snapshot.Snapshot
    bundle: Bundle


@dataclass(frozen=True)
class _Stored:
    data: snapshot.Snapshot
    mapping: snapshot.Snapshot


def _stored_imports(root: Path | None) -> list[_Stored]:
    """Every stored file with its mapping. A file snapshot names its mapping in ``extra``;
    a mapping snapshot without a file (a crash between the two writes) is ignored."""
    stored, problems = [], []
    for snap in snapshot.list_snapshots(NAMESPACE, root):
        mapping_name = snap.extra.get("mapping")
        if not mapping_name:
            continue
        mapping_snap = snapshot.load(NAMESPACE, mapping_name, root)
        if mapping_snap is None:
            problems.append(f"stored import {snap.name}: its mapping {mapping_name} is missing")
            continue
        problems.extend(
            f"stored import {s.name} is corrupted: its checksum no longer matches ({s.path(root)}); "
            "restore it, or delete it with its .meta.json and import the file again"
            for s in (snap, mapping_snap) if not snapshot.verify(s, root)
        )
        stored.append(_Stored(snap, mapping_snap))
    if problems:
        raise ImportRejected("stored imports cannot be read", problems)
    return stored


def _stored_mapping(item: _Stored, root: Path | None) -> Any:
    try:
        return _yaml(item.mapping.read_bytes(root), item.mapping.name)
    except _Rejected as exc:
        raise ImportRejected(f"stored import {item.data.name} has an unreadable mapping", exc.listed()) from None


def _reparse(item: _Stored, indicators: dict[str, str], known_regions: set[str], root: Path | None) -> Bundle:
    raw_mapping = _stored_mapping(item, root)
    try:
        return _parse(item.data.name, item.data.read_bytes(root), raw_mapping, indicators, known_regions,
                      item.data.fetched_at)
    except _Rejected as exc:
        message = f"stored import {item.data.name} no longer passes the import checks"
        raise ImportRejected(message, exc.listed()) from None


def _check_overlaps(named: list[tuple[str, Bundle]]) -> None:
    """Two imports must not both give the same figure: which one a build used would be an accident.
    Reported per pair of files with an example, since a whole re-issued file overlaps everywhere."""
    key = ["indicator_id", "region_code", "period", "breakdown"]
    owner: dict[tuple, str] = {}
    clashes: dict[tuple[str, str], list[tuple]] = {}
    for name, bundle in named:
        for k in bundle.observations[key].itertuples(index=False, name=None):
            if k in owner:
                clashes.setdefault((owner[k], name), []).append(k)
            else:
                owner[k] = name
    if clashes:
        raise ImportRejected("imports overlap: the same figure would come from two files", [
            f"{a} and {b} share {len(keys)} figure(s), e.g. {' / '.join(part for part in keys[0] if part)}; "
            f"delete the outdated one (and its .mapping.yaml and .meta.json files) from the import snapshots"
            for (a, b), keys in clashes.items()
        ])


def _combine(bundles: list[Bundle]) -> Bundle:
    if not bundles:
        return Bundle.empty(BUNDLE_NAME)
    categories = pd.concat([b.categories for b in bundles], ignore_index=True)
    return Bundle(
        BUNDLE_NAME,
        pd.concat([b.observations for b in bundles], ignore_index=True),
        pd.concat([b.sources for b in bundles], ignore_index=True),
        categories.drop_duplicates(["dimension", "code"], ignore_index=True),
    )


def load_bundle(*, indicators: dict[str, str], known_regions: set[str], root: Path | None = None) -> Bundle:
    """Every stored import, re-read offline with its stored mapping, as one bundle "import"."""
    stored = _stored_imports(root)
    named = [(item.data.name, _reparse(item, indicators, known_regions, root)) for item in stored]
    _check_overlaps(named)
    return _combine([bundle for _, bundle in named])


def _snapshot_names(path: Path, checksum: str) -> tuple[str, str]:
    # The checksum in the name keeps two files called "bostotte.csv" apart; odd characters in
    # the stem are replaced so the name is safe on every file system.
    stem = re.sub(r"[^\w.-]+", "_", path.stem).strip("._") or "import"
    base = f"{stem}-{checksum[:8]}"
    return base + path.suffix.lower(), base + MAPPING_SUFFIX


def import_file(path: str | Path, mapping_path: str | Path, *, indicators: dict[str, str],
                known_regions: set[str], root: Path | None = None) -> ImportResult:
    """Check a file and, only if it passes, store it and its mapping as snapshots.

    Importing the identical file again with the same mapping changes nothing and says so."""
    path, mapping_path = Path(path), Path(mapping_path)
    try:
        mapping_bytes = _read_input(mapping_path, True)
        raw_mapping = _yaml(mapping_bytes, mapping_path.name)
        content = _read_input(path)
        bundle = _parse(path.name, content, raw_mapping, indicators, known_regions, _now())
    except _Rejected as exc:
        raise _rejected(path.name, exc) from None
    checksum = hashlib.sha256(content).hexdigest()

    stored = _stored_imports(root)
    for item in stored:
        if item.data.sha256 != checksum:
            continue
        if _stored_mapping(item, root) != raw_mapping:
            raise ImportRejected(
                f'"{path.name}" was already imported with a different mapping (snapshot {item.data.name}); '
                f"to import it again, delete {item.data.path(root)} and {item.mapping.path(root)} "
                "with their .meta.json files"
            )
        return ImportResult(False, f'"{path.name}" is already imported as {item.data.name}; nothing changed',
                            item.data, item.mapping, _reparse(item, indicators, known_regions, root))

    data_name, mapping_name = _snapshot_names(path, checksum)
    if snapshot.load(NAMESPACE, data_name, root) is not None:
        raise ImportRejected(f"a different stored import is already called {data_name}; rename the file and try again")
    existing = [(item.data.name, _reparse(item, indicators, known_regions, root)) for item in stored]
    _check_overlaps(existing + [(path.name, bundle)])

    # The mapping goes first: a crash before the file is written leaves only an unused mapping.
    mapping_snap = snapshot.store(NAMESPACE, mapping_name, mapping_bytes, url=str(mapping_path.resolve()),
                                  extra={"mapping_for": data_name}, root=root)
    data_snap = snapshot.store(NAMESPACE, data_name, content, url=str(path.resolve()),
                               extra={"mapping": mapping_name, "original_name": path.name}, root=root)
    bundle.sources["fetched_at"] = data_snap.fetched_at
    return ImportResult(True, f'"{path.name}" imported as {data_name}: {len(bundle.observations)} figure(s)',
                        data_snap, mapping_snap, bundle)
