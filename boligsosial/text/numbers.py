"""Writing numbers, periods and dates the way readers of each language expect.

Bokmål: ``179 000`` (thousands grouped with a no-break space, so a number never wraps across
lines) and ``0,62``; English: ``179,000`` and ``0.62``. A number that is not there is never
written as 0: it is written as what its SSB status symbol means, or "Tall mangler".
"""
from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Mapping, NamedTuple

from boligsosial.text.i18n import t, t_list

NBSP = "\u00a0"

# (decimal sign, thousands separator) per language.
SEPARATORS = {"nb": (",", NBSP), "nn": (",", NBSP), "en": (".", ",")}  # nynorsk writes numbers as bokmål

# SSB's table symbols (see etl/tidy.py STATUS_SYMBOLS) -> interface text ids.
STATUS_TEXT = {
    ".": "status.not_applicable",
    "..": "status.missing",
    "...": "status.not_yet",
    ":": "status.confidential",
    "-": "status.nil",
}

QUALIFIER_TEXT = {"approx": "qualifier.approx", "gt": "qualifier.gt", "lt": "qualifier.lt"}


def is_missing(value: Any) -> bool:
    """True for None and NaN: the two ways a number can be absent in rows from DuckDB/pandas."""
    if value is None:
        return True
    try:
        return math.isnan(value)
    except TypeError:
        return False


def missing_text(status: str | None, lang: str) -> str:
    """What to write instead of a number: the meaning of its status symbol, else "Tall mangler"."""
    return t(STATUS_TEXT.get((status or "").strip(), "status.missing"), lang)


def format_number(value: Any, decimals: int = 0, lang: str = "nb") -> str:
    """``179000`` -> ``"179 000"`` (nb, no-break space) or ``"179,000"`` (en).

    Rounds half away from zero, as published tables do (0.625 -> 0,63), rather than Python's
    round-half-even on a binary float. None and NaN give the missing-figure text."""
    if is_missing(value):
        return missing_text(None, lang)
    decimal_sign, thousands = SEPARATORS[lang]
    # repr() gives the shortest text that reads back as the same float, so 0.625 stays 0.625
    # instead of becoming 0.62499999... before rounding.
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0" for a tiny negative number
    english = f"{rounded:,.{decimals}f}"
    return english.translate(str.maketrans({",": thousands, ".": decimal_sign}))


def qualifier_text(qualifier: str | None, lang: str) -> str:
    """``approx`` -> "ca." / "about"; ``gt`` -> "over" / "more than"; ``lt`` -> "under"."""
    key = QUALIFIER_TEXT.get((qualifier or "").strip())
    return t(key, lang) if key else ""


class FormattedValue(NamedTuple):
    """A figure in parts, so a tile can set the number large and the unit small."""

    qualifier: str  # "ca." or ""
    number: str  # "179 000", or the missing text
    unit: str  # "personer", or "" when the number is missing
    missing: bool

    def text(self) -> str:
        return " ".join(part for part in (self.qualifier, self.number, self.unit) if part)


def value_parts(row: Mapping[str, Any], lang: str) -> FormattedValue:
    """Split an observation row (value, status, qualifier, decimals, unit_label_nb/en) into
    the parts it is written with."""
    if is_missing(row.get("value")):
        return FormattedValue("", missing_text(row.get("status"), lang), "", True)
    decimals = shown_decimals(row)
    unit = row.get(f"unit_label_{lang}") or ""
    number = format_billions(row["value"], lang) or format_number(row["value"], decimals, lang)
    return FormattedValue(qualifier_text(row.get("qualifier"), lang), number, unit, False)


def shown_decimals(row: Mapping[str, Any]) -> int:
    """The decimals a figure is written with: its indicator's, or more when the source
    published more (a 2005 rate of 20.3 is not shown as 20). A figure we computed keeps the
    indicator's decimals, since its own are only arithmetic."""
    decimals = int(row.get("decimals") or 0)
    value = row.get("value")
    if row.get("derived") or is_missing(value):
        return decimals
    text = repr(float(value))
    own = len(text.split(".")[1].rstrip("0")) if "." in text and "e" not in text else 0
    return max(decimals, own) if own <= 3 else decimals


def format_billions(value: Any, lang: str) -> str:
    """``13_500_000_000`` -> "13,5 mrd." / "13.5 billion", so a sum of money fits a table cell on
    a phone; "" when the value is under a billion or the short form would have to round it."""
    if is_missing(value) or abs(float(value)) < 1e9:
        return ""
    scaled = Decimal(repr(float(value))) / Decimal(10**9)
    if scaled != scaled.quantize(Decimal("0.01")):
        return ""  # never round a published figure
    decimals = 0 if scaled == scaled.to_integral_value() else (1 if scaled == scaled.quantize(Decimal("0.1")) else 2)
    return format_number(float(scaled), decimals, lang) + NBSP + t("number.billion", lang)


def format_value(row: Mapping[str, Any], lang: str) -> str:
    """An observation row as one phrase: "ca. 179 000 personer", "0,62 per 1 000 innbyggere",
    or "Tall mangler"."""
    return value_parts(row, lang).text()


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q(\d)$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?")


def format_period(period: str, lang: str) -> str:
    """Our period codes ("2020", "2022-01", "2022-Q1", "2020-W48") in words."""
    if match := _MONTH.match(period):
        return t("date.month_year", lang, month=_month_name(match[2], lang), year=match[1])
    if match := _QUARTER.match(period):
        return t("period.quarter", lang, quarter=match[2], year=match[1])
    if match := _WEEK.match(period):
        return t("period.week", lang, week=int(match[2]), year=match[1])
    return period


def format_date(text: str | None, lang: str) -> str:
    """A date as precise as the source gave it: "2017-06-06" -> "6. juni 2017" / "6 June 2017",
    "2017-06" -> "juni 2017", "2017" -> "2017". Anything else is shown as it came."""
    text = (text or "").strip()
    match = _DATE.match(text)
    if not match:
        return text
    year, month, day = match[1], match[2], match[3]
    if not 1 <= int(month) <= 12:
        return text
    if day:
        return t("date.day_month_year", lang, day=int(day), month=_month_name(month, lang), year=year)
    return t("date.month_year", lang, month=_month_name(month, lang), year=year)


def _month_name(month: str, lang: str) -> str:
    return t_list("date.months", lang)[int(month) - 1]


# ------------------------------------------------------------------------------ chart labels
# Added for the chart card (issue 3): shorter forms for text written on charts and in tables,
# where the unit is given once in the heading or on the axis.

# Units written as a sign right after the number rather than as a word in a heading.
UNIT_SIGNS = {"percent": {"nb": NBSP + "%", "nn": NBSP + "%", "en": "%"}}


def format_short(row: Mapping[str, Any], lang: str) -> str:
    """A figure for a chart label or table cell: qualifier and number, plus the unit only when
    it is a sign ("ca. 30 %", "over 54 %", "6 259", "Tall mangler")."""
    parts = value_parts(row, lang)
    if parts.missing:
        return parts.number
    sign = UNIT_SIGNS.get(row.get("unit") or "", {}).get(lang, "")
    return " ".join(part for part in (parts.qualifier, parts.number + sign) if part)


def format_range(low: Any, high: Any, decimals: int, lang: str) -> str:
    """``177000, 282400`` -> ``"177 000–282 400"`` (an en dash, no spaces, as in a table)."""
    return f"{format_number(low, decimals, lang)}\u2013{format_number(high, decimals, lang)}"


def format_timestamp(timestamp: str, lang: str) -> str:
    """An ISO timestamp from the ETL as date and time in UTC; anything else as it came."""
    try:
        moment = datetime.fromisoformat(timestamp)
    except (TypeError, ValueError):
        return str(timestamp)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return t("page.status.when", lang, date=format_date(moment.date().isoformat(), lang), time=moment.strftime("%H:%M"))
