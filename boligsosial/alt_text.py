"""Short text alternatives for charts, built from the data they show.

Following the "chart type of what, and its main takeaway" pattern: one or two sentences a
screen reader says in place of the chart ("Linjediagram: bostedsløse 1996–2020, fra 6 200 til
3 325."). The card's title and source are read on their own, so they are not repeated beyond
naming what is shown; the exact numbers are in the table.
"""
from __future__ import annotations

from typing import Sequence

from boligsosial.figures import Estimate, EstimateRange, Series
from boligsosial.i18n import t


def _named(what: str, series: Sequence[Series]):
    """Each series' name as the text calls it, with the points that have a value."""
    for one in series:
        name = what if len(series) == 1 else f"{what} ({one.name})"
        yield name, [p for p in one.points if p.y is not None]


def line(what: str, series: Sequence[Series], lang: str) -> str:
    """First and last value of each series, and the periods with no value."""
    sentences = []
    for name, shown in _named(what, series):
        if not shown:
            sentences.append(t("alt.line_empty", lang, what=name))
            continue
        first, last = shown[0], shown[-1]
        if first is last:
            sentences.append(t("alt.line_one", lang, what=name, period=first.x, value=first.label))
        else:
            sentences.append(
                t("alt.line", lang, what=name, start=first.x, end=last.x, first=first.label, last=last.label,
                  trend=t(_trend(first.y, last.y), lang))
            )
    missing = [str(p.x) for one in series for p in one.points if p.y is None]
    text = t("alt.kind_line", lang) + ": " + " ".join(sentences)
    if missing:
        text += " " + t("alt.missing", lang, periods=_list(sorted(set(missing)), lang))
    return text


def bars(what: str, period_text: str, categories: Sequence[str], series: Sequence[Series], lang: str) -> str:
    """The largest and the smallest category of each series."""
    sentences = []
    for name, shown in _named(what, series):
        if not shown:
            sentences.append(t("alt.line_empty", lang, what=name))
            continue
        high = max(shown, key=lambda p: p.y)
        low = min(shown, key=lambda p: p.y)
        if high is low:
            sentences.append(t("alt.bar_one", lang, what=name, category=high.x, value=high.label))
        else:
            sentences.append(
                t("alt.bar", lang, what=name, count=len(shown), high=high.x, high_value=high.label,
                  low=low.x, low_value=low.label)
            )
    text = t("alt.kind_bar", lang, period=period_text) + ": " + " ".join(sentences)
    missing = [str(p.x) for one in series for p in one.points if p.y is None]
    if missing:
        text += " " + t("alt.missing", lang, periods=_list(missing, lang))
    return text


def estimates(what: str, points: Sequence[Estimate], ranges: Sequence[EstimateRange], lang: str) -> str:
    """How many estimates, over which years, from the lowest to the highest; and that they
    cannot be read as a trend."""
    shown = [p for p in points if p.y is not None]
    years = [p.x for p in shown] + [r.x for r in ranges]
    if not years:
        return t("alt.kind_estimates", lang) + ": " + t("alt.line_empty", lang, what=what)
    values = [(p.y, f"{p.label} ({p.name})") for p in shown]
    values += [(r.low, f"{r.label.split(chr(0x2013))[0]} ({r.name})") for r in ranges]
    values += [(r.high, f"{r.label.split(chr(0x2013))[-1]} ({r.name})") for r in ranges]
    low = min(values)[1]
    high = max(values)[1]
    return t("alt.kind_estimates", lang) + ": " + t(
        "alt.estimates", lang, what=what, count=len(shown) + len(ranges), start=min(years), end=max(years),
        low=low, high=high,
    )


def _trend(first: float, last: float) -> str:
    if last < first:
        return "alt.trend_down"
    if last > first:
        return "alt.trend_up"
    return "alt.trend_same"


def _list(items: Sequence[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + t("alt.and", lang) + items[-1]
