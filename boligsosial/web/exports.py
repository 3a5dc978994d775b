"""From a selection's rows to files a reader downloads: CSV, XLSX, Parquet and JSON, and the
whole database as one zip.

Every file says what it holds: the indicator, its unit and definition, each source with its
address, publication and retrieval date, the data version, the licence, and the API address
that gives the same rows again. That description is built once (`about`, web/export_rows.py, with the
rows) and written into each format here, in that format's own way.

CSV layout (the same in both languages apart from separators and texts):

    <BOM># Tittel;"Bostedsløse"            header block: one line per entry, the first cell
    # Enhet;"personer"                     "# label" unquoted, the value quoted; one "# Kilde"
    # Kilde;"Husbanken: ... https://..."   line per source
    ...
    (empty line)
    "indicator_id";"region_code";...       the table: column names are the same in every
    "homeless";"0";...;6259;...            language, so a script reads any download

Text cells are always quoted and numbers never are, so Excel (which honours the BOM and, in a
Norwegian locale, `;` and the decimal comma) shows the header block above the table, and
pandas reads the table with `pd.read_csv(url, sep=";", decimal=",", comment="#")` (English:
`sep=","`, the default decimal point): the header lines start with the comment sign, and a "#"
inside a quoted cell is not one. A missing number is an empty cell next to its status and what
the status means; it is never 0.

Spreadsheet safety: a text cell that Excel would run as a formula (starting with = + - @, tab
or carriage return) gets a leading apostrophe in CSV and XLSX. Numbers are numbers, never
text, and SSB's status symbols ("-" is "nil") are written as they are: they are a closed list
checked against STATUS_SYMBOLS, not free text.
"""
from __future__ import annotations

import io
import json
import math
import zipfile
from typing import Any, Mapping, Sequence

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

from boligsosial.text.i18n import t, texts
from boligsosial.warehouse import catalogue_rows, db
from boligsosial.web.export_rows import (
    BOM,
    CODE_COLUMNS,
    CSV_FORMAT,
    HIDDEN_COLUMNS,
    SITE,
    Dataset,
    about,
    breakdown_labels,
    header_lines,
    neutralise,
    number_text,
    records,
)

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8; header=present",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


# ------------------------------------------------------------------------------ CSV


class _Bare(str):
    """A CSV cell written without quotes: numbers, booleans, empty cells, header labels."""


def _csv_cell(value: Any, column: str, decimal_sign: str) -> str:
    if type(value) is str:  # the common case first (a _Bare cell is not exactly str)
        return '"' + neutralise(value, column).replace('"', '""') + '"'
    if value is None:
        return ""
    if isinstance(value, _Bare):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return "" if math.isnan(value) else number_text(value, decimal_sign)
    if hasattr(value, "isoformat"):
        value = value.isoformat()
    text = neutralise(str(value), column)
    return '"' + text.replace('"', '""') + '"'


def _csv_line(cells: Sequence[Any], columns: Sequence[str], separator: str, decimal_sign: str) -> str:
    return separator.join(_csv_cell(cell, column, decimal_sign) for cell, column in zip(cells, columns)) + "\r\n"


def to_csv(dataset: Dataset) -> bytes:
    separator, decimal_sign = CSV_FORMAT[dataset.lang]
    lines = [BOM]
    for label, text in header_lines(dataset):
        # The label is ours (no separator, quote or line break); the text is quoted, on one line
        # because a comment line ends at the first line break whatever the quoting.
        one_line = " ".join(text.split())
        lines.append(_csv_line([_Bare("# " + label), one_line], ["", ""], separator, decimal_sign))
    lines.append("\r\n")
    columns = dataset.columns
    lines.append(_csv_line(columns, [""] * len(columns), separator, decimal_sign))
    for record in records(dataset):
        lines.append(_csv_line([record[c] for c in columns], columns, separator, decimal_sign))
    return "".join(lines).encode("utf-8")


def table_csv(table: pa.Table) -> bytes:
    """A whole warehouse table as CSV for the database download: international format
    (`,` and `.`), BOM, one header row of column names, the same quoting and formula rules."""
    columns = table.column_names
    lines = [BOM, _csv_line(columns, [""] * len(columns), ",", ".")]
    for row in table.to_pylist():
        lines.append(_csv_line([row[c] for c in columns], columns, ",", "."))
    return "".join(lines).encode("utf-8")


# ------------------------------------------------------------------------------ XLSX


def to_xlsx(dataset: Dataset) -> bytes:
    """A workbook with a Data sheet (one row per number, numbers as numbers with the
    indicator's decimals) and a Metadata sheet (the header block, sources one per row)."""
    workbook = Workbook()
    data = workbook.active
    data.title = t("export.sheet_data", dataset.lang)
    columns = dataset.columns
    # Column headings in the reader's language (a CSV keeps the names scripts read).
    data.append([t(f"export.column.{c}", dataset.lang) for c in columns])
    for cell in data[1]:
        cell.font = Font(bold=True)
    decimals = int(dataset.indicator.get("decimals") or 0)
    number_format = "#,##0" + ("." + "0" * decimals if decimals else "")
    for record in records(dataset):
        data.append([_xlsx_value(record[c], c) for c in columns])
        row = data.max_row
        data.cell(row=row, column=columns.index("value") + 1).number_format = number_format
        for column in CODE_COLUMNS & set(columns):
            data.cell(row=row, column=columns.index(column) + 1).number_format = "@"
    data.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        data.column_dimensions[data.cell(row=1, column=index).column_letter].width = _WIDTHS.get(column, 14)

    meta = workbook.create_sheet(t("export.sheet_metadata", dataset.lang))
    for label, text in header_lines(dataset):
        meta.append([_xlsx_value(label, ""), _xlsx_value(text, "")])
    meta.column_dimensions["A"].width = 22
    meta.column_dimensions["B"].width = 110
    for row in meta.iter_rows():
        row[0].font = Font(bold=True)
        row[0].alignment = row[1].alignment = Alignment(vertical="top", wrap_text=True)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_WIDTHS = {"region_name": 22, "breakdown": 28, "breakdown_label": 40, "status_meaning": 18, "derivation": 30,
           "note": 50, "source": 50, "source_url": 40}


def _xlsx_value(value: Any, column: str) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if column == "period" and len(value) == 4 and value.isdigit():
        return int(value)  # a year is a number in a spreadsheet; "2022-01" stays text
    # Control characters cannot be stored in a worksheet; they carry no meaning in our texts.
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)), column)


# ------------------------------------------------------------------------------ Parquet and JSON

_ARROW_TYPES = {"value": pa.float64(), "derived": pa.bool_(), "harmonised": pa.bool_()}


def to_parquet(dataset: Dataset) -> bytes:
    """The records with their types, and `about` as the file's key/value metadata (each key
    its own entry; lists as JSON)."""
    columns = dataset.columns
    schema = pa.schema([(c, _ARROW_TYPES.get(c, pa.string())) for c in columns])
    table = pa.Table.from_pylist(records(dataset), schema=schema)
    metadata = {key: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                for key, value in about(dataset).items()}
    return _parquet_bytes(table.replace_schema_metadata(metadata))


def _parquet_bytes(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def to_json(dataset: Dataset) -> bytes:
    document = {"about": about(dataset), "columns": dataset.columns, "rows": records(dataset)}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


WRITERS = {"csv": to_csv, "json": to_json, "parquet": to_parquet, "xlsx": to_xlsx}


# ------------------------------------------------------------------------------ whole database


def database_zip(lang: str, site_url: str) -> bytes:
    """Every warehouse table as CSV and Parquet, a README (what each table is, licences, how
    to cite) and metadata.json (the indicator catalogue with sources and breakdown labels)."""
    info = db.status()
    names = catalogue_rows.table_names()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            table = catalogue_rows.table_arrow(name, names)
            hidden = HIDDEN_COLUMNS.get(name, set())
            table = table.drop_columns([c for c in table.column_names if c in hidden])
            archive.writestr(f"csv/{name}.csv", table_csv(table))
            archive.writestr(f"parquet/{name}.parquet", _parquet_bytes(table))
        archive.writestr("metadata.json", json.dumps(catalogue_metadata(), ensure_ascii=False, indent=1, default=str))
        archive.writestr("README.md", readme(names, info, lang, site_url))
    return buffer.getvalue()


def catalogue_metadata() -> dict[str, Any]:
    """Every indicator as the API describes it, with its sources, plus the breakdown labels."""
    by_indicator: dict[str, list] = {}
    for source in catalogue_rows.indicator_sources():
        by_indicator.setdefault(source.pop("indicator_id"), []).append(source)
    return {
        "indicators": [{**entry, "sources": by_indicator.get(entry["id"], [])} for entry in catalogue_rows.catalogue()],
        "dimensions": catalogue_rows.dimensions(),
        "categories": list(breakdown_labels()[1].values()),
    }


def readme(names: Sequence[str], info: Mapping[str, str], lang: str, site_url: str) -> str:
    version, built = info["data_version"], info.get("built_at", "")
    lines = [
        f"# {SITE}: {t('export.readme_title', lang)}",
        "",
        t("export.readme_intro", lang, version=version, built=built, url=site_url),
        "",
        f"## {t('export.readme_files', lang)}",
        "",
        t("export.readme_formats", lang),
        "",
    ]
    for name in names:
        key = f"export.table.{name}"
        described = t(key, lang) if key in texts() else t("export.table.other", lang)
        hidden = HIDDEN_COLUMNS.get(name)
        if hidden:
            described += " " + t("export.readme_hidden", lang, columns=", ".join(sorted(hidden)))
        lines.append(f"- `{name}`: {described}")
    lines += [
        "- `metadata.json`: " + t("export.readme_metadata", lang),
        "",
        f"## {t('export.licence', lang)}",
        "",
        t("export.licence_text", lang) + " " + t("export.readme_licence", lang),
        "",
        f"## {t('export.cite_as', lang)}",
        "",
        t("export.readme_cite", lang, site=SITE, version=version, built=built[:10], url=site_url),
        "",
    ]
    return "\n".join(lines)
