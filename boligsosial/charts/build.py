"""From warehouse rows to a chart model (boligsosial/charts/model.py).

The chart card, the public chart pages and the images all call these three builders, so a
figure becomes the same point everywhere: its label, its bound, its flag, its hover text, the
periods on its axis and what the key says about it.

    time_chart(...)       series over time (one indicator; a series per place or breakdown)
    bar_chart(...)        one value per category, optionally one bar per period side by side
    estimate_chart(...)   separate estimates of one thing: named points and ranges, no line

Rows are observation rows joined with their indicator's unit fields (decimals, unit,
unit_label_nb/en); a period a series lacks is given as a row without a value (see `stand_in`).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping, Sequence

from boligsosial.charts import alt_text
from boligsosial.charts.model import (
    BOUNDS,
    Band,
    Break,
    Chart,
    Estimate,
    EstimateRange,
    Point,
    Series,
    Target,
    position,
)
from boligsosial.charts.style import axis_format
from boligsosial.domain.remarks import flags
from boligsosial.text.i18n import t
from boligsosial.text.numbers import (
    format_period,
    format_range,
    format_short,
    is_missing,
    missing_text,
    value_parts,
)

Row = Mapping[str, Any]
Indicator = Mapping[str, Any]


NO_ROW = "–"  # a series' cell for a period no source gives it a row for at all


def stand_in(indicator: Indicator, period: str) -> dict[str, Any]:
    """A series has no row for a period another series has (a place that did not exist yet, a
    category a survey did not ask about): not a figure, not a missing figure, just nothing,
    never 0. Drawn as nothing, written "–" in a table, and not a row of any file. (A figure a
    source should have but does not is a row with a status, which every file has.)"""
    return {"indicator_id": indicator.get("id"), "period": period, "value": None, "status": "", "qualifier": "",
            "no_row": True, **unit_fields(indicator)}


def unit_fields(indicator: Indicator) -> dict[str, Any]:
    return {name: indicator.get(name) for name in ("decimals", "unit", "unit_label_nb", "unit_label_nn", "unit_label_en")}


def unit_heading(indicator: Indicator, lang: str) -> str:
    """The indicator's unit as a heading ("Personer", "Per 1 000 innbyggere")."""
    label = indicator.get(f"unit_label_{lang}") or indicator.get(f"title_{lang}", "")
    return label[:1].upper() + label[1:]


def subject(text: str) -> str:
    """A title as the subject of a sentence ("Bostedsløse" -> "bostedsløse"), but not acronyms."""
    return text[:1].lower() + text[1:] if len(text) > 1 and not text[1].isupper() else text


def point(row: Row, x: str, lang: str, name: str = "") -> Point:
    """One figure as every chart shows it."""
    missing = is_missing(row.get("value"))
    remarks = flags(row, lang)
    hover = f"{name + ', ' if name else ''}{format_period(row['period'], lang)}: {value_parts(row, lang).text()}"
    if remarks:
        hover += " (" + "; ".join(remarks) + ")"
    qualifier = (row.get("qualifier") or "").strip()
    if row.get("no_row"):
        return Point(x=x, value=None, label="")
    return Point(
        x=x,
        value=None if missing else float(row["value"]),
        label=missing_text(row.get("status"), lang) if missing else format_short(row, lang),
        hover=hover,
        bound=qualifier if qualifier in BOUNDS and not missing else "",
        flagged=bool(remarks),
    )


def _common(indicator: Indicator, title: str, lang: str) -> dict[str, Any]:
    return {"title": title, "lang": lang, "unit": unit_heading(indicator, lang),
            "axis": axis_format(indicator.get("unit") or "", int(indicator.get("decimals") or 0), lang)}


# ------------------------------------------------------------------------------ over time


def time_chart(
    indicator: Indicator,
    title: str,
    lang: str,
    series: Sequence[tuple[str, Mapping[str, Row]]],
    *,
    breaks: Sequence[Break] = (),
    bands: Sequence[Band] = (),
    target: Target | None = None,
    note: str = "",
    what: str | None = None,
) -> Chart:
    """Series over time: `series` is (name, rows by period) for each line. The axis holds every
    period any series has a row for (an expected period without a figure included), in time
    order; a series without a row for one of them shows it as missing."""
    periods = sorted({p for _, rows in series for p in rows}, key=position)
    several = len(series) > 1
    drawn = tuple(
        Series(name, tuple(point(rows.get(p) or stand_in(indicator, p), p, lang, name if several else "")
                           for p in periods))
        for name, rows in series
    )
    if not any(not p.missing for one in drawn for p in one.points):
        # Nothing to draw (every figure missing, or no row at all): say so, not an empty frame.
        return Chart(kind="", **_common(indicator, title, lang), series=drawn, periods=tuple(periods),
                     notice=t("chart.no_figures", lang), alt=t("chart.no_figures", lang))
    shown = [b for b in breaks if periods and position(periods[0]) < position(b.period) <= position(periods[-1])]
    years = [position(p) for p in periods]
    in_view = [b for b in bands if years and b.start <= max(years) + 0.5 and b.end >= min(years) - 0.5]
    chart = Chart(
        kind="line" if periods else "", **_common(indicator, title, lang), series=drawn, periods=tuple(periods),
        period_labels={p: format_period(p, lang) for p in periods},
        joined=bool(indicator.get("joined", True)), breaks=tuple(shown), bands=tuple(in_view), target=target,
        note=note, notice="" if periods else t("figur.no_data", lang),
    )
    alt = alt_text.line(subject(what or title), chart, lang)
    if target is not None:
        alt += " " + t("alt.target", lang, label=target.label)
    return _with(chart, alt=alt + (f" {note}" if note else ""))


# ------------------------------------------------------------------------------ by category


def bar_chart(
    indicator: Indicator,
    title: str,
    lang: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Mapping[str, Row]]],
    *,
    period_text: str,
    note: str = "",
    what: str | None = None,
) -> Chart:
    """Bars by category: `series` is (name, rows by category) for each set of bars (one per
    period when several are side by side). A category a series has no row for is left out of
    that series' bars; a row without a value is drawn as missing (its label, no bar)."""
    drawn = tuple(
        Series(name, tuple(point(rows[c], c, lang, c) for c in categories if c in rows)) for name, rows in series
    )
    chart = Chart(kind="bar" if categories else "", **_common(indicator, title, lang), series=drawn,
                  categories=tuple(categories), note=note, notice="" if categories else t("figur.no_data", lang))
    alt = alt_text.bars(subject(what or title), period_text, chart, lang)
    return _with(chart, alt=alt + (f" {note}" if note else ""))


# ------------------------------------------------------------------------------ estimates


def estimate_chart(
    indicator: Indicator,
    title: str,
    lang: str,
    estimates: Sequence[tuple[str, Row]],
    ranges: Sequence[tuple[str, Row, Row]] = (),
    *,
    note: str = "",
    what: str | None = None,
) -> Chart:
    """Estimates that rest on different definitions: each a named point at its year (oldest
    first), a range a bar from low to high. Never a line: they are not a time series."""
    points = tuple(sorted((Estimate(int(row["period"][:4]), name, point(row, row["period"], lang, name))
                           for name, row in estimates), key=lambda e: e.year))
    decimals = int(indicator.get("decimals") or 0)
    spans = []
    for name, low, high in ranges:
        if is_missing(low.get("value")) or is_missing(high.get("value")):
            continue
        label = format_range(low["value"], high["value"], decimals, lang)
        unit = indicator.get(f"unit_label_{lang}") or ""
        spans.append(EstimateRange(int(low["period"][:4]), name, float(low["value"]), float(high["value"]), label,
                                   f"{name}, {format_period(low['period'], lang)}: {label} {unit}".strip()))
    chart = Chart(kind="estimates" if points or spans else "", **_common(indicator, title, lang), estimates=points,
                  ranges=tuple(sorted(spans, key=lambda r: r.year)), note=note,
                  notice="" if points or spans else t("figur.no_data", lang))
    return _with(chart, alt=alt_text.estimates(subject(what or title), chart, lang))


def _with(chart: Chart, **changes: Any) -> Chart:
    return replace(chart, **changes)
