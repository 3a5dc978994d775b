"""Reading a CSV or XLSX file into a header and numbered rows, within the limits of what a file
may expand to; separate from the rows' meaning, which the mapping gives (etl/imports/rows.py)."""
from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from itertools import islice
from typing import Any, Iterable, Iterator

import openpyxl
from openpyxl.utils import get_column_letter

from etl.imports.cells import FORMULA, cell_text, is_blank
from etl.imports.mapping import Mapping
from etl.imports.problems import Limit, Problems, Rejected, count_text

# What a file may expand to. A municipal table over 30 years with a breakdown is tens of
# thousands of rows; the bounds are far above that and far below what hurts the machine.
MAX_UNPACKED_BYTES = 100_000_000  # all parts of an .xlsx (a zip archive) together, unpacked
MAX_PARTS = 10_000  # parts in an .xlsx (a workbook has a few dozen)
MAX_ROWS = 250_000  # rows in the file (header, footnotes and data alike)
MAX_CELL_CHARS = 10_000  # characters in one cell
# How a row element of a sheet's XML begins (<row r="2">, <x:row ...>): all as long as each other.
_ROW_TAGS = tuple(start + b"row" + end for start in (b"<", b":") for end in (b" ", b">", b"/", b"\n", b"\r", b"\t"))
_ROW_TAG_BYTES = 5
CSV_SUFFIXES = {".csv", ".txt"}
XLSX_SUFFIXES = {".xlsx"}
# Tried in this order; a tie goes to ";" because that is what StatBank and Norwegian Excel write.
DELIMITERS = (";", ",", "\t")


@dataclass
class Table:
    """A file's header and data rows, whatever the format. Each row keeps the number a person
    sees for it: the line in a text editor for CSV, the row in Excel for XLSX."""

    place: str  # "line" or "row"
    header_number: int
    header: list[str]
    rows: list[tuple[int, list[Any]]]
    problems: Problems  # found while reading (formula cells, stray data); reported with the rest


def _split_table(records: Iterable[tuple[int, list[Any]]], skip_rows: int, place: str) -> Table:
    """Header after ``skip_rows`` title lines; data up to the first empty row.

    StatBank exports put footnotes ("Kilde: ...") below an empty line. Those are one-cell rows
    and are ignored; a row with several filled cells after the gap is more likely data cut off
    by a stray empty line, so it is reported rather than dropped."""
    records = iter(records)
    for _ in range(skip_rows):
        next(records, None)
    first = next(records, None)
    if first is None:
        raise Rejected([f"{place} {skip_rows + 1}: expected the header (skip_rows is {skip_rows}), "
                         "but the file ends before it"])
    if all(is_blank(c) for c in first[1]):
        raise Rejected([f"{place} {first[0]}: expected the header (skip_rows is {skip_rows}), found an empty {place}"])
    header_number, header_cells = first
    rows, problems, gap_at = [], Problems(), None
    for number, cells in records:
        filled = sum(not is_blank(c) for c in cells)
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
        raise Rejected([f"the file has a header ({place} {header_number}) but no data rows"])
    return Table(place, header_number, [cell_text(c) for c in header_cells], rows, problems)


def _bounded(records: Iterable[tuple[int, list[Any]]], place: str) -> Iterator[tuple[int, list[Any]]]:
    """The records as they are read, stopping at the first that goes past MAX_ROWS or has a
    cell longer than MAX_CELL_CHARS (nothing after it is read)."""
    for count, (number, cells) in enumerate(records, start=1):
        if count > MAX_ROWS:
            raise Limit([f"the file has more than {count_text(MAX_ROWS)} {place}s; the import limit is {count_text(MAX_ROWS)} "
                          f"{place}s, so split it into several files"])
        for column, cell in enumerate(cells, start=1):
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
                where = f"column {get_column_letter(column)}" if place == "row" else f"field {column}"
                raise Limit([f"{place} {number}, {where}: the cell has {count_text(len(cell))} characters; the import limit "
                              f"is {count_text(MAX_CELL_CHARS)} characters in a cell"])
        yield number, cells


def _decode(content: bytes) -> str:
    """Strict UTF-8 (BOM or not) first, then Windows-1252, which old Excel writes as "CSV"."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in content:
        raise Rejected(["the file is UTF-16 or binary, not a text CSV; save it as \"CSV UTF-8\""])
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise Rejected([
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
        raise Rejected([f"line {reader.line_num}: cannot be read as CSV ({exc})"]) from None


def _sniff_delimiter(text: str, skip_rows: int) -> str:
    """The delimiter that splits the header into the most columns."""
    def width(delimiter: str) -> int:
        header = next(islice(_csv_records(text, delimiter), skip_rows, None), (0, []))
        return len(header[1])

    return max(DELIMITERS, key=width)


def _read_csv(content: bytes, mapping: Mapping) -> Table:
    text = _decode(content)
    if not text.strip():
        raise Rejected(["the file is empty"])
    delimiter = _sniff_delimiter(text, mapping.skip_rows)
    return _split_table(_bounded(_csv_records(text, delimiter), "line"), mapping.skip_rows, "line")


def _open_workbook(content: bytes):
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise Rejected([
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
                raise Limit([f"the workbook has {count_text(len(parts))} parts; the import limit is {count_text(MAX_PARTS)} parts"])
            declared = sum(part.file_size for part in parts)
            if declared > MAX_UNPACKED_BYTES:
                raise Limit([f"the workbook unpacks to {count_text(round(declared / 1e6))} MB; {limit}"])
            unpacked = 0
            for part in parts:
                rows, tail = 0, b""
                with archive.open(part) as member:
                    while chunk := member.read(1 << 20):
                        unpacked += len(chunk)
                        if unpacked > MAX_UNPACKED_BYTES:
                            raise Limit([f"the workbook unpacks to more than {MAX_UNPACKED_BYTES / 1e6:.0f} MB; {limit}"])
                        if "/worksheets/" in "/" + part.filename:
                            # A tag cut in two by the chunk boundary is counted with the next chunk.
                            rows += _row_tags(tail + chunk)
                            tail = chunk[-(_ROW_TAG_BYTES - 1):]
                if rows > MAX_ROWS:
                    raise Limit([f"a sheet of the workbook has {count_text(rows)} rows; the import limit is "
                                  f"{count_text(MAX_ROWS)} rows, so split it into several files"])
    except Rejected:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile raises BadZipFile, zlib.error, NotImplementedError, EOFError...
        raise _damaged(exc) from None


def _damaged(exc: Exception) -> Rejected:
    return Rejected([f"the workbook cannot be read ({type(exc).__name__}: {exc}); open it in Excel and save it again"])


def _xlsx_records(sheet, problems: Problems) -> Iterator[tuple[int, list[Any]]]:
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


def _read_xlsx(content: bytes, mapping: Mapping) -> Table:
    workbook = _open_workbook(content)
    try:
        if mapping.sheet is not None and mapping.sheet not in workbook.sheetnames:
            sheets = ", ".join(workbook.sheetnames)
            raise Rejected([f'sheet "{mapping.sheet}" is not in the workbook (sheets: {sheets})'])
        sheet = workbook[mapping.sheet] if mapping.sheet else workbook.worksheets[0]
        # Some writers record a wrong sheet size; without it openpyxl reads what is really there.
        sheet.reset_dimensions()
        formula_problems = Problems()
        filled = False

        def records() -> Iterator[tuple[int, list[Any]]]:
            nonlocal filled
            # Streamed: read-only mode parses the sheet's XML row by row as it is asked for.
            for number, cells in _bounded(_xlsx_records(sheet, formula_problems), "row"):
                filled = filled or any(not is_blank(c) for c in cells)
                yield number, cells

        rows = records()
        try:
            table = _split_table(rows, mapping.skip_rows, "row")
        except Limit:
            raise
        except Rejected as exc:
            for _ in rows:  # the rest of the sheet: is it empty, and what formulas does it hold?
                pass
            if not filled:
                raise Rejected(Problems(["the sheet is empty"]).join(formula_problems)) from None
            raise Rejected(formula_problems.join(exc.problems)) from None
    except Rejected:
        raise
    except Exception as exc:  # read-only mode parses the sheet's XML only now, while iterating
        raise _damaged(exc) from None
    finally:
        workbook.close()
    table.problems = formula_problems.join(table.problems)
    return table


def read_table(suffix: str, content: bytes, mapping: Mapping) -> Table:
    if suffix in CSV_SUFFIXES:
        return _read_csv(content, mapping)
    if suffix in XLSX_SUFFIXES:
        return _read_xlsx(content, mapping)
    raise Rejected([f'files ending in "{suffix}" cannot be imported; use .csv or .xlsx'])
