"""The view parameters that pages, the data API and downloads share, parsed and checked once.

A page URL's query string and an API URL's query string mean the same thing, so a reader can
copy one onto the other (parameters this module does not know are ignored for that reason:
a page may carry its own, such as which tab is open). Everything is checked against a small
grammar before it goes anywhere: codes are digits, keys are lower-case words, periods have one
of our period shapes, and every list and value has a length limit. Anything else is a
SelectionError naming the parameter, in both languages. The parsed values reach SQL only as
bound parameters (see catalogue_rows.selection_rows).

Parameters:
  region     comma-separated region codes ("0" Norway, "03" a county, "0301" a municipality),
             or "all"; default "0"
  from, to   period bounds, inclusive, each "YYYY", "YYYY-MM", "YYYY-Qn" or "YYYY-Wnn"; a bound
             left out is open, so an embed without `to` always shows the latest period
  breakdown  comma-separated breakdown keys ("estimate=strategy_2014",
             "age=under_25|situation=x"); "total" is the total (the empty key). Left out: every
             breakdown
  by         a dimension ("age"): every category of it (on top of each `breakdown` key)
  codes      "original" (the codes valid at each period, default) or "current" (today's codes:
             merged places summed, rates recomputed)
  lang       "nb" (default), "nn" or "en"
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping
from urllib.parse import urlencode

from boligsosial.domain import breakdowns
from boligsosial.text.i18n import LANGUAGES, t

# Limits: far above what a real view needs (Norway has had fewer than 450 municipalities at
# any time), low enough that a request cannot make the server build a huge query.
MAX_VALUE_LENGTH = 6000  # characters in one parameter value
MAX_REGIONS = 1000
MAX_BREAKDOWNS = 100
MAX_SEARCH_LENGTH = 200
MAX_SEARCH_WORDS = 10

ALL_REGIONS = "all"
TOTAL = "total"
CODES = ("original", "current")
LEVELS = ("country", "county", "municipality")
# The parameters this module reads, in the order a canonical URL writes them.
PARAMETERS = ("region", "from", "to", "breakdown", "by", "codes", "lang")

_REGION = re.compile(r"[0-9]{1,4}")
_WORD = re.compile(r"[a-z0-9_]{1,64}")  # a dimension or category code
_PERIOD = re.compile(r"[0-9]{4}(-(0[1-9]|1[0-2]|Q[1-4]|W(0[1-9]|[1-4][0-9]|5[0-3])))?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class SelectionError(ValueError):
    """A parameter that cannot be used, with a message for the reader in each language.

    `key` names the text in data/i18n.yaml ("selection.<key>"); `values` fill its placeholders."""

    def __init__(self, parameter: str, key: str, **values: Any):
        self.parameter = parameter
        self.message_nb = t(f"selection.{key}", "nb", parameter=parameter, **values)
        self.message_en = t(f"selection.{key}", "en", parameter=parameter, **values)
        self.message_nn = t(f"selection.{key}", "nn", parameter=parameter, **values)
        super().__init__(self.message_en)

    def message(self, lang: str) -> str:
        return {"nb": self.message_nb, "nn": self.message_nn}.get(lang, self.message_en)


@dataclass(frozen=True)
class Selection:
    """What to show or download. regions None = every region; breakdowns None = every
    breakdown (or, with `by`, every breakdown that has a category of `by`)."""

    regions: tuple[str, ...] | None = ("0",)
    period_from: str | None = None
    period_to: str | None = None
    breakdowns: tuple[str, ...] | None = None
    by: str | None = None
    codes: str = "original"
    lang: str = "nb"

    def query(self) -> list[tuple[str, str]]:
        """The parameters that reproduce this selection, normalised (sorted, deduplicated,
        canonical keys) and in a fixed order: equal selections give equal queries."""
        values = {
            "region": ALL_REGIONS if self.regions is None else ",".join(self.regions),
            "from": self.period_from,
            "to": self.period_to,
            "breakdown": None if self.breakdowns is None else ",".join(k or TOTAL for k in self.breakdowns),
            "by": self.by,
            "codes": self.codes,
            "lang": self.lang,
        }
        return [(name, values[name]) for name in PARAMETERS if values[name] is not None]

    def query_string(self) -> str:
        return urlencode(self.query(), safe=",|=")


def parse(params: Mapping[str, Any]) -> Selection:
    """A Selection from query parameters: Flask's request.args (repeated parameters count as
    one comma-separated list) or the keyword arguments Dash passes a page layout."""
    regions = _list(params, "region", MAX_REGIONS)
    if not regions:
        region_codes: tuple[str, ...] | None = ("0",)
    elif ALL_REGIONS in regions:
        if len(regions) > 1:
            raise SelectionError("region", "region_all_alone")
        region_codes = None
    else:
        for code in regions:
            if not _REGION.fullmatch(code):
                raise SelectionError("region", "region_code", value=_shown(code))
        region_codes = tuple(sorted(set(regions), key=lambda c: (len(c), c)))

    period_from, period_to = _period(params, "from"), _period(params, "to")
    if period_from and period_to and period_from[: len(period_to)] > period_to:
        raise SelectionError("from", "period_order", start=period_from, end=period_to)

    keys = _list(params, "breakdown", MAX_BREAKDOWNS)
    breakdowns = tuple(sorted({breakdown_key(key) for key in keys})) if keys else None

    by = _single(params, "by")
    if by is not None and not _WORD.fullmatch(by):
        raise SelectionError("by", "word", value=_shown(by))

    codes = _single(params, "codes") or CODES[0]
    if codes not in CODES:
        raise SelectionError("codes", "choice", value=_shown(codes), choices=", ".join(CODES))
    lang = _single(params, "lang") or LANGUAGES[0]
    if lang not in LANGUAGES:
        raise SelectionError("lang", "choice", value=_shown(lang), choices=", ".join(LANGUAGES))
    return Selection(region_codes, period_from, period_to, breakdowns, by, codes, lang)


def breakdown_key(text: str) -> str:
    """The canonical key for a breakdown as written in a URL, checked: "total" -> "", parts
    sorted by dimension ("situation=x|age=y" -> "age=y|situation=x"; see boligsosial.domain.breakdowns)."""
    text = text.strip()
    if text in (TOTAL, ""):
        return ""
    parts: dict[str, str] = {}
    for part in text.split("|"):
        dimension, sign, code = part.partition("=")
        if not sign or not _WORD.fullmatch(dimension) or not _WORD.fullmatch(code):
            raise SelectionError("breakdown", "breakdown_key", value=_shown(text))
        if dimension in parts:
            raise SelectionError("breakdown", "breakdown_repeated", dimension=dimension)
        parts[dimension] = code
    return breakdowns.key(parts)


def breakdown_label(
    key: str,
    lang: str,
    dimensions: Mapping[str, Mapping[str, str]],
    categories: Mapping[tuple[str, str], Mapping[str, str]],
) -> str:
    """A breakdown key in words: "Alder: Under 25 år; Bosituasjon: ...", or "Totalt" for the
    total. A code without a label is shown as the code, never dropped."""
    if not key:
        return t("breakdown.total", lang)
    words = []
    for dimension, code in breakdowns.parse(key).items():
        name = (dimensions.get(dimension) or {}).get(f"label_{lang}") or dimension
        value = (categories.get((dimension, code)) or {}).get(f"label_{lang}") or code
        words.append(f"{name}: {value}")
    return "; ".join(words)


def parse_search(text: str | None) -> tuple[str, ...]:
    """The catalogue search (?q=): lower-case words, every one of which must match."""
    text = (text or "").strip()
    if len(text) > MAX_SEARCH_LENGTH:
        raise SelectionError("q", "too_long", limit=MAX_SEARCH_LENGTH)
    words = tuple(dict.fromkeys(word.lower() for word in text.split()))
    if len(words) > MAX_SEARCH_WORDS:
        raise SelectionError("q", "too_many", limit=MAX_SEARCH_WORDS)
    return words


def parse_level(text: str | None) -> str | None:
    """?level= for region lists: country, county or municipality."""
    text = (text or "").strip()
    if not text:
        return None
    if text not in LEVELS:
        raise SelectionError("level", "choice", value=_shown(text), choices=", ".join(LEVELS))
    return text


def parse_date(text: str | None, parameter: str = "at") -> date | None:
    """?at=YYYY-MM-DD: a calendar date."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if not _DATE.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise SelectionError(parameter, "date", value=_shown(text)) from None


# ------------------------------------------------------------------------------ helpers


def _raw(params: Mapping[str, Any], name: str) -> list[str]:
    if hasattr(params, "getlist"):  # werkzeug MultiDict: every occurrence
        values = params.getlist(name)
    else:
        value = params.get(name)
        values = [] if value is None else value if isinstance(value, (list, tuple)) else [value]
    values = [str(value) for value in values]
    for value in values:
        if len(value) > MAX_VALUE_LENGTH:
            raise SelectionError(name, "too_long", limit=MAX_VALUE_LENGTH)
    return [value for value in values if value.strip()]


def _list(params: Mapping[str, Any], name: str, limit: int) -> list[str]:
    items = [item.strip() for value in _raw(params, name) for item in value.split(",")]
    items = [item for item in items if item]
    if len(items) > limit:
        raise SelectionError(name, "too_many", limit=limit)
    return items


def _single(params: Mapping[str, Any], name: str) -> str | None:
    values = {value.strip() for value in _raw(params, name)}
    if len(values) > 1:
        raise SelectionError(name, "repeated")
    return values.pop() if values else None


def _period(params: Mapping[str, Any], name: str) -> str | None:
    value = _single(params, name)
    if value is not None and not _PERIOD.fullmatch(value):
        raise SelectionError(name, "period", value=_shown(value))
    return value


def _shown(value: str) -> str:
    """A rejected value as it may be quoted back in a message: short, and printable."""
    text = "".join(c if c.isprintable() else "?" for c in value)
    return text if len(text) <= 40 else text[:40] + "…"
