"""A read table's cells turned into observations by the mapping, every bad row reported with its
line, and the rows assembled into a tidy bundle with its source."""
from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import pandas as pd

from etl.imports.cells import FORMULA, cell_text, is_blank
from etl.imports.mapping import Mapping, indicator_problems, is_key_safe
from etl.imports.problems import Problems, Rejected
from etl.imports.readers import Table
from etl.numbers_no import parse_number, status_symbol
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

BUNDLE_NAME = "import"
_PERIOD_HELP = "2022, 2022M01 or 2022-01, 2022K1 or 2022-Q1, 2022U05 or 2022-W05"


def _column_positions(table: Table, mapping: Mapping) -> dict[str, int]:
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
        raise Rejected(problems)
    return positions


def _value(cell: Any, column: str) -> tuple[float, str]:
    """(value, status). A status symbol means no value: a suppressed figure is never 0."""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        if math.isfinite(cell):
            return float(cell), ""
        raise ValueError(f'value in column "{column}" is not a finite number')
    text = cell_text(cell)
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
    text = cell_text(cell)
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
        raise ValueError(f'period in column "{column}" is a date cell ({cell_text(cell)}); Excel turns '
                         f'"2022-01" into a date: format the column as text and write one of {_PERIOD_HELP}')
    text = cell_text(cell)
    try:
        return normalise_period(text)
    except ValueError:
        raise ValueError(f'period "{text}" in column "{column}" is not a period format we know '
                         f"({_PERIOD_HELP})") from None


def _recode(cell: Any, column: str, codes: dict[str, str] | None) -> tuple[str, str]:
    """(code, label) for a category cell, through the mapping's code table when it has one."""
    text = cell_text(cell)
    if codes is None:
        if not text:
            raise ValueError(f'column "{column}" is empty')
        return text, text
    if text not in codes:
        raise ValueError(f'"{text}" in column "{column}" is not in the mapping\'s codes ({", ".join(codes)})')
    return codes[text], text


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
        reasons = indicator_problems(indicator, m.unit, self.indicators)
        if reasons:
            raise ValueError(reasons[0])
        return indicator

    def _breakdown(self, cells: list[Any]) -> str:
        parts, labels = {}, {}
        for b in self.mapping.breakdown:
            code, label = _recode(self.cell(cells, b.column), b.column, b.codes)
            if not is_key_safe(code):
                raise ValueError(f'"{code}" in column "{b.column}" contains "=" or "|", '
                                 "which cannot be a category code")
            parts[b.dimension], labels[b.dimension] = code, label
        for dimension, code in parts.items():
            if code:
                self.categories.setdefault((dimension, code), labels[dimension])
        return breakdown_key(parts)


def observations(table: Table, mapping: Mapping, indicators: dict[str, str], known_regions: set[str]):
    """Observation rows and category labels from the table; Rejected listing every bad row."""
    reader = _RowReader(mapping, _column_positions(table, mapping), indicators, known_regions)
    problems = Problems().join(table.problems)
    rows, first_seen = [], {}
    for number, cells in table.rows:
        where = f"{table.place} {number}"
        if any(not is_blank(c) for c in cells[len(table.header):]):
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
        raise Rejected(problems)
    return rows, reader.categories


def as_bundle(rows: list[dict], categories: dict[tuple[str, str], str], mapping: Mapping,
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
        **NO_TEXTS,
    }, columns=OBSERVATION_COLUMNS)
    sources = pd.DataFrame([{
        "source_id": sid, "publisher": mapping.publisher, "title": mapping.title, "url": mapping.url,
        "table_id": mapping.table_id, "published": mapping.published, "license": mapping.license,
        "fetched_at": fetched_at, "checksum": checksum, "kind": "import",
    }], columns=SOURCE_COLUMNS)
    # The file only has Norwegian labels; the English label repeats them until someone translates.
    category_rows = [
        {"dimension": d, "code": c, "label_nb": label, "label_nn": "", "label_en": label, "sort_order": i}
        for i, ((d, c), label) in enumerate(categories.items())
    ]
    return Bundle(BUNDLE_NAME, observations, sources, pd.DataFrame(category_rows, columns=CATEGORY_COLUMNS))
