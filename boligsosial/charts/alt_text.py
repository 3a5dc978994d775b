"""Short text alternatives for charts, built from the chart model.

Following the "chart type of what, and its main takeaway" pattern: one or two sentences a
screen reader says in place of the chart ("Linjediagram: bostedsløse 1996–2020, ned fra 6 200
til 3 325."). The title and source are read on their own; the exact numbers are in the table.
Where the figures are not comparable over time (snapshots, cohorts) no direction is given.
"""
from __future__ import annotations

from typing import Sequence

from boligsosial.charts.model import Chart, Point
from boligsosial.text.i18n import t


def line(what: str, chart: Chart, lang: str) -> str:
    """Per series: first and last value (with the direction, when the figures form a series)
    and the periods with no value."""
    sentences = []
    for one in chart.series:
        name = what if len(chart.series) == 1 else f"{what} ({one.name})"
        shown = [p for p in one.points if not p.missing]
        if not shown:
            sentences.append(t("alt.line_empty", lang, what=name))
        elif len(shown) == 1:
            sentences.append(t("alt.line_one", lang, what=name, period=_period(chart, shown[0]), value=shown[0].label))
        else:
            first, last = shown[0], shown[-1]
            key = "alt.line" if chart.joined and not chart.breaks else "alt.line_no_trend"
            sentences.append(t(key, lang, what=name, start=_period(chart, first), end=_period(chart, last),
                               first=first.label, last=last.label, trend=t(_trend(first, last), lang)))
        missing = _spans(chart, [p.x for p in one.points if p.missing and p.label])
        if missing:
            sentences.append(t("alt.missing", lang, periods=_list(missing, lang)))
    return t("alt.kind_line", lang) + ": " + " ".join(sentences)


def bars(what: str, period_text: str, chart: Chart, lang: str) -> str:
    """The largest and the smallest category of each series, and which have no value."""
    sentences = []
    for one in chart.series:
        name = what if len(chart.series) == 1 else f"{what} ({one.name})"
        shown = [p for p in one.points if not p.missing]
        if not shown:
            sentences.append(t("alt.line_empty", lang, what=name))
            continue
        high = max(shown, key=lambda p: p.value)
        low = min(shown, key=lambda p: p.value)
        if high is low:
            sentences.append(t("alt.bar_one", lang, what=name, category=high.x, value=high.label))
        else:
            sentences.append(t("alt.bar", lang, what=name, count=len(shown), high=high.x, high_value=high.label,
                               low=low.x, low_value=low.label))
    text = t("alt.kind_bar", lang, period=period_text) + ": " + " ".join(sentences)
    missing = [p.x for one in chart.series for p in one.points if p.missing and p.label]
    if missing:
        text += " " + t("alt.missing", lang, periods=_list(list(dict.fromkeys(missing)), lang))
    return text


def estimates(what: str, chart: Chart, lang: str) -> str:
    """How many estimates, over which years, from the lowest to the highest; and that they
    cannot be read as a trend."""
    shown = [e for e in chart.estimates if not e.point.missing]
    years = [e.year for e in shown] + [r.year for r in chart.ranges]
    if not years:
        return t("alt.kind_estimates", lang) + ": " + t("alt.line_empty", lang, what=what)
    values = [(e.point.value, f"{e.point.label} ({e.name})") for e in shown]
    values += [(r.low, f"{r.label.split(chr(0x2013))[0]} ({r.name})") for r in chart.ranges]
    values += [(r.high, f"{r.label.split(chr(0x2013))[-1]} ({r.name})") for r in chart.ranges]
    return t("alt.kind_estimates", lang) + ": " + t(
        "alt.estimates", lang, what=what, count=len(shown) + len(chart.ranges), start=min(years), end=max(years),
        low=min(values)[1], high=max(values)[1],
    )


def _spans(chart: Chart, periods: Sequence[str]) -> list[str]:
    """Periods next to each other on the axis as one span: "2005–2006", "2013–2020"."""
    order = {p: i for i, p in enumerate(chart.periods)}
    spans: list[list[str]] = []
    for period in sorted(periods, key=lambda p: order.get(p, 0)):
        if spans and order.get(period, -9) == order.get(spans[-1][-1], -9) + 1:
            spans[-1].append(period)
        else:
            spans.append([period])
    label = chart.period_labels.get
    return [label(s[0], s[0]) if len(s) == 1 else f"{label(s[0], s[0])}–{label(s[-1], s[-1])}" for s in spans]


def _period(chart: Chart, point: Point) -> str:
    return chart.period_labels.get(point.x, point.x)


def _trend(first: Point, last: Point) -> str:
    if last.value < first.value:
        return "alt.trend_down"
    if last.value > first.value:
        return "alt.trend_up"
    return "alt.trend_same"


def _list(items: Sequence[str], lang: str) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + t("alt.and", lang) + items[-1]
