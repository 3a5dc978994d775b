"""What every download holds: the rows of a selection in fixed columns (a missing number is an
empty cell with its status, never 0), and the description each file carries (indicator, unit,
definition, sources, data version, licence, the API address that gives the same rows again).
The writers in web/exports.py set these out in each format's own way."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Mapping

from boligsosial.domain import gazetteer, remarks
from boligsosial.domain import sources as source_names
from boligsosial.domain.selection import Selection, SelectionError, breakdown_label
from boligsosial.text.i18n import t
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
    today = gazetteer.today_names({row["region_code"] for row in rows}, selection.lang)
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
            "region_name": gazetteer.region_name(row["region_code"], row.get("region_name") or "", lang),
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
