"""From a selection's rows to files a reader downloads: CSV, XLSX, Parquet and JSON, and the
whole database as one zip.

Every file says what it holds: the indicator, its unit and definition, each source with its
address, publication and retrieval date, the data version, the licence, and the API address
that gives the same rows again. That description is built once (`about`) and written into each
format in that format's own way.

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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

from boligsosial.domain import explorer, remarks
from boligsosial.domain import sources as source_names
from boligsosial.domain.selection import Selection, SelectionError, breakdown_label
from boligsosial.text.i18n import t, texts
from boligsosial.text.numbers import STATUS_TEXT
from boligsosial.warehouse import catalogue_rows, db, series_rows

SITE = "Boligsosial statistikk"

# Separator and decimal sign of the CSV per language: what Excel expects in that locale.
CSV_FORMAT = {"nb": (";", ","), "nn": (";", ","), "en": (",", ".")}
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
STATUS_SYMBOLS = frozenset(STATUS_TEXT) | {""}

# One file schema for every download; the current-codes columns only with codes=current.
# region_code is the code as published (valid at the period); region_code_today is the place it
# is today (several, joined by "+", for a place split since), so a reader can match any file
# with the region explorer and with today's map.
COLUMNS = [
    "indicator_id", "region_code", "region_name", "region_code_today", "region_name_today", "period", "breakdown",
    "breakdown_label", "value", "unit", "status", "status_meaning", "qualifier", "derived", "derivation",
    "confidence", "note", "source", "source_url",
]
CURRENT_COLUMNS = ["harmonised", "original_codes"]
NUMBER_COLUMNS = {"value"}
CODE_COLUMNS = {"region_code", "region_code_today", "original_codes"}  # text in a spreadsheet: "0301", not 301
BOOLEAN_COLUMNS = {"derived", "harmonised"}

# The entries of the header block, in order (texts "export.<key>" in data/i18n.yaml).
HEADER_KEYS = [
    "title", "indicator_id", "unit", "definition", "sources", "data_version", "built_at",
    "licence", "cite_as", "api_url", "rows",
]

# The operational run log's messages can name server paths; the rest of the table is shared.
HIDDEN_COLUMNS = {"etl_run": {"message"}}

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8; header=present",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


class UnknownIndicator(LookupError):
    pass


class TooManyRows(ValueError):
    def __init__(self, limit: int):
        super().__init__(f"more than {limit} rows")
        self.limit = limit


@dataclass
class Dataset:
    """One indicator's rows for one selection, with everything needed to describe them."""

    indicator: Mapping[str, Any]
    selection: Selection
    rows: list[dict[str, Any]]
    dimensions: Mapping[str, Mapping[str, Any]]
    categories: Mapping[tuple[str, str], Mapping[str, Any]]
    data_version: str
    built_at: str
    api_url: str
    today: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # code -> today's (codes, names)

    @property
    def lang(self) -> str:
        return self.selection.lang

    @property
    def columns(self) -> list[str]:
        return COLUMNS + (CURRENT_COLUMNS if self.selection.codes == "current" else [])


def load(indicator_id: str, selection: Selection, api_url: str, max_rows: int) -> Dataset:
    """Read a selection from the warehouse. UnknownIndicator for an id it does not have,
    SelectionError for a `by` dimension it does not have, TooManyRows past `max_rows`."""
    indicator = series_rows.indicator(indicator_id)
    if indicator is None:
        raise UnknownIndicator(indicator_id)
    dimensions, categories = breakdown_labels()
    if selection.by is not None and selection.by not in dimensions:
        raise SelectionError("by", "unknown_dimension", value=selection.by)
    rows = catalogue_rows.selection_rows(indicator_id, selection, max_rows + 1)
    if len(rows) > max_rows:
        raise TooManyRows(max_rows)
    info = db.status()
    today = explorer.today_names({row["region_code"] for row in rows}, selection.lang)
    return Dataset(indicator, selection, rows, dimensions, categories, info["data_version"], info["built_at"], api_url,
                   today)


def breakdown_labels() -> tuple[dict[str, dict], dict[tuple[str, str], dict]]:
    """Every dimension by id and every category by (dimension, code), with their labels."""
    dimensions = {row["dimension"]: row for row in catalogue_rows.dimensions()}
    categories = {(row["dimension"], row["code"]): row for row in series_rows.categories(dimensions)}
    return dimensions, categories


def filename(dataset: Dataset, extension: str) -> str:
    """boligsosial-<indicator>-<data version>.<ext>: says what and which data, and stays ASCII."""
    return f"boligsosial-{dataset.indicator['id']}-{dataset.data_version[:8]}.{extension}"


# ------------------------------------------------------------------------------ description


def sources(rows: Iterable[Mapping[str, Any]], lang: str = "nb") -> list[dict[str, str]]:
    """The distinct sources of the rows, in the order first met (the publisher as the reader's
    language names it)."""
    seen: dict[str, dict[str, str]] = {}
    for row in rows:
        if row.get("source_id") and row["source_id"] not in seen:
            seen[row["source_id"]] = {
                key: row.get(f"source_{key}") or ""
                for key in ("title", "url", "published", "fetched_at", "license")
            } | {"publisher": source_names.publisher(row, lang)}
    return list(seen.values())


def about(dataset: Dataset) -> dict[str, Any]:
    """What the file holds, as values (the sources as a list): the one description every
    format writes."""
    lang, indicator = dataset.lang, dataset.indicator
    title = indicator[f"title_{lang}"]
    built = dataset.built_at[:10]
    return {
        "title": title,
        "indicator_id": indicator["id"],
        "unit": indicator[f"unit_label_{lang}"],
        "definition": indicator[f"definition_{lang}"],
        "sources": sources(dataset.rows, lang),
        "data_version": dataset.data_version,
        "built_at": dataset.built_at,
        "licence": t("export.licence_text", lang),
        "cite_as": t("export.cite_text", lang, site=SITE, title=title, version=dataset.data_version,
                     built=built, url=dataset.api_url),
        "api_url": dataset.api_url,
        "rows": len(dataset.rows),
        "selection": dataset.selection.query_string(),
        "lang": lang,
    }


def source_text(source: Mapping[str, str], lang: str) -> str:
    """A source on one line: "Publisher: Title. URL. Published ... Retrieved ... Licence ..."."""
    parts = [f"{source['publisher']}: {source['title']}.", source["url"]]
    if source.get("published"):
        parts.append(t("export.published_on", lang, date=source["published"]))
    if source.get("fetched_at"):
        parts.append(t("export.fetched_on", lang, date=source["fetched_at"]))
    if source.get("license"):
        parts.append(t("export.licence_is", lang, licence=source["license"]))
    return " ".join(parts)


def header_lines(dataset: Dataset) -> list[tuple[str, str]]:
    """The header block as (label, text) pairs in reading order: one line per source."""
    lang, info = dataset.lang, about(dataset)
    lines = []
    for key in HEADER_KEYS:
        if key == "sources":
            label = t("export.sources", lang)
            lines += [(label, source_text(source, lang)) for source in info["sources"]] or [(label, "")]
        else:
            lines.append((t(f"export.{key}", lang), str(info[key])))
    return lines


# ------------------------------------------------------------------------------ rows


def records(dataset: Dataset) -> list[dict[str, Any]]:
    """The rows as the files show them: typed values (float or None, bool) and, for the
    reader's language, the unit, breakdown labels and status meanings."""
    lang = dataset.lang
    unit = dataset.indicator[f"unit_label_{lang}"]
    out = []
    for row in dataset.rows:
        value = row.get("value")
        status = row.get("status") or ""
        codes_today, names_today = dataset.today.get(row["region_code"], ("", ""))
        record = {
            "indicator_id": row["indicator_id"],
            "region_code": row["region_code"],
            "region_name": explorer.region_name(row["region_code"], row.get("region_name") or "", lang),
            "region_code_today": codes_today,
            "region_name_today": names_today,
            "period": row["period"],
            "breakdown": row["breakdown"],
            "breakdown_label": breakdown_label(row["breakdown"], lang, dataset.dimensions, dataset.categories),
            "value": None if value is None or math.isnan(value) else float(value),
            "unit": unit,
            "status": status,
            "status_meaning": t(STATUS_TEXT[status], lang) if status in STATUS_TEXT else "",
            "qualifier": row.get("qualifier") or "",
            "derived": bool(row.get("derived")),
            "derivation": remarks.text(row, "derivation", lang).text,
            "confidence": row.get("confidence") or "",
            "note": remarks.text(row, "note", lang).text,
            "source": f"{source_names.publisher(row, lang)}: {row['source_title']}" if row.get("source_title") else "",
            "source_url": row.get("source_url") or "",
        }
        if dataset.selection.codes == "current":
            record["harmonised"] = bool(row.get("harmonised"))
            record["original_codes"] = row.get("original_codes") or ""
        out.append(record)
    return out


def neutralise(text: str, column: str = "") -> str:
    """A text cell that a spreadsheet would run as a formula, made inert with a leading
    apostrophe. SSB status symbols in the status column are data and stay as they are."""
    if column == "status" and text in STATUS_SYMBOLS:
        return text
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def number_text(value: float, decimal_sign: str = ".") -> str:
    """A number in full, without exponent or trailing zeros: 6259.0 -> "6259", 1e-05 ->
    "0.00001", 0.55 -> "0,55" with a decimal comma."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = format(Decimal(repr(float(value))).normalize(), "f")
    return text.replace(".", decimal_sign)


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
