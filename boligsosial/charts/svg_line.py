"""Lines over time: the time chart's axes, bands, breaks, target, missing periods and value
labels placed where they do not cover each other."""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from boligsosial.charts.model import Chart, Point, missing_runs, position
from boligsosial.charts.style import AXIS, GRID, INK, MUTED, band_colours, style
from boligsosial.charts.svg_axis import nice_ticks, tick_text
from boligsosial.charts.svg_canvas import BREAK_DASH, DASHES, Canvas, coord, text_width
from boligsosial.charts.svg_key import draw_legend
from boligsosial.charts.svg_marks import bound_mark, marker


def draw_line(svg: Canvas, chart: Chart) -> float:
    """Lines over time, one per series. The model says which points a line joins; a missing
    value is a gap labelled at the axis; a bound is an arrow; a method change a dashed rule.
    A single series has every value written when there is room, else its first and last;
    several series get a legend and the first and last value of each where labels fit."""
    frame, lang, series = svg.frame, chart.lang, chart.series
    font = frame.font
    svg.heading(chart)
    if len(series) > 1:
        draw_legend(svg, series, bars=False)
    periods = list(chart.periods)
    values = [p.value for one in series for p in one.points if p.value is not None]
    if chart.target is not None:
        values.append(chart.target.value)
    ticks = nice_ticks(min([0.0, *values]), max([0.0, *values]) * 1.08 or 1)
    labels = [tick_text(v, ticks, chart.axis, lang) for v in ticks]
    left = 12 + max(text_width(label, font) for label in labels)
    right = frame.width - 16 - font
    top = svg.top + font * 1.6  # room for the labels above the highest points
    bottom = top + frame.plot_height
    low, high = ticks[0], ticks[-1]

    def y_of(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    positions = [position(p) for p in periods] or [0.0]
    first, last = min(positions), max(positions)
    pad = max((last - first) * 0.04, 0.5)
    x_low, x_high = first - pad, last + pad

    def x_at(year: float) -> float:
        return left + 8 + (year - x_low) / (x_high - x_low) * (right - left - 8)

    def x_of(period: str) -> float:
        return x_at(position(period))

    for band, colour in zip(chart.bands, band_colours([b.kind for b in chart.bands])):
        start, end = max(band.start - 0.5, x_low), min(band.end + 0.5, x_high)
        if end > start:
            svg.element("rect", class_="band", x=x_at(start), y=top, width=x_at(end) - x_at(start), height=bottom - top,
                        fill=colour)

    grid = svg.element("g", class_="grid")
    for value, label in zip(ticks, labels):
        y = y_of(value)
        svg.element("line", grid, x1=left, x2=right, y1=y, y2=y, stroke=AXIS if value == 0 else GRID, stroke_width="1")
        svg.text(left - 6, y + font * 0.35, label, parent=grid, anchor="end", fill=MUTED)

    # Period labels on the axis, thinned so they never overlap.
    names = {p: chart.period_labels.get(p, p) for p in periods}
    widest = max((text_width(n, font) for n in names.values()), default=0) + font * 0.8
    axis_group = svg.element("g", class_="x-axis")
    shown_until = -math.inf
    for index, period in enumerate(periods):
        x = x_of(period)
        svg.element("line", axis_group, x1=x, x2=x, y1=bottom, y2=bottom + 5, stroke=AXIS)
        is_last = index == len(periods) - 1
        if x - widest / 2 >= shown_until and (is_last or x + widest <= x_of(periods[-1]) - widest / 2 or len(periods) == 1):
            svg.text(x, bottom + font * 1.4, names[period], parent=axis_group, anchor="middle", fill=MUTED)
            shown_until = x + widest / 2

    for one in chart.breaks:
        # Halfway between the last period before the change and the first after it.
        before = [p for p in periods if position(p) < position(one.period)]
        at = (x_of(before[-1]) + x_of(one.period)) / 2 if before else x_of(one.period)
        svg.element("line", class_="series-break", x1=at, x2=at, y1=top - font * 0.5, y2=bottom, stroke=INK,
                    stroke_width="1.5", stroke_dasharray=BREAK_DASH)

    if chart.target is not None:
        y = y_of(chart.target.value)
        svg.element("line", class_="target", x1=left, x2=right, y1=y, y2=y, stroke=INK, stroke_width="2",
                    stroke_dasharray="7 4")
        svg.text(left + 6, y - 6, chart.target.label, halo=True)

    # A period no series has a value for is labelled at the axis (upwards: narrow, and clearly
    # not a value of 0); where only some series lack it, their lines simply break there.
    # A run of such periods with the same reason gets one label, in its middle.
    everywhere_missing = {p for p in periods if all(next((q.missing for q in s.points if q.x == p), True) for s in series)}
    # The reason from the series that has one (another may have no row at all there).
    reasons = {}
    for one in series:
        for point in one.points:
            if point.x in everywhere_missing and point.label and point.x not in reasons:
                reasons[point.x] = point
    # Periods with a figure somewhere end a run, so a run is only neighbours on the axis.
    for run in missing_runs([reasons.get(p) or Point(p, 0.0, "") for p in periods]):
        middle = (x_of(run[0].x) + x_of(run[-1].x)) / 2
        svg.text(middle + font * 0.35, y_of(low) - 6, run[0].label, fill=MUTED, italic=True, size=font - 1, rotate=True)

    placed: list[tuple[float, float, float, float]] = []  # value labels written so far
    room = (right - left) / max(len(periods), 1)
    label_all = len(series) == 1 and all(text_width(p.text, font) + 6 < room for p in series[0].points)
    for number, one in enumerate(series):
        look = style(number)
        group = svg.element("g", class_="series")
        for run in chart.segments(one):
            svg.element("polyline", group, fill="none", stroke=look.colour, stroke_width="2.5",
                        stroke_linejoin="round", stroke_dasharray=DASHES.get(look.dash),
                        points=" ".join(f"{coord(x_of(p.x))},{coord(y_of(p.value))}" for p in run))
        shown = [p for p in one.points if not p.missing]
        for point in shown:
            if point.bound:
                mark = bound_mark(svg, group, x_of(point.x), y_of(point.value), point.bound, look.colour)
            else:
                mark = marker(svg, group, look.symbol, x_of(point.x), y_of(point.value), look.colour, point.flagged)
            ET.SubElement(mark, "title").text = point.hover or f"{names[point.x]}: {point.label}"
        written = shown if label_all else list(dict.fromkeys([*shown[:1], *shown[-1:], *[p for p in shown if p.bound]]))
        for point in written:
            _value_label(svg, group, point, shown, x_of, y_of, placed, font, left, right, bottom,
                         INK if len(series) == 1 else look.colour, len(series) > 1)
    return bottom + font * 2.2


def _value_label(svg, group, point: Point, shown: list[Point], x_of, y_of, placed, font, left, right, bottom,
                 colour: str, bold: bool) -> None:
    """A value written where the line is not: above a peak, below a dip, beside the point on a
    slope; a bound's label on the side its arrow points away from. A label that would cover one
    already written goes to the other side, or is left out (the title and the table still
    give the value)."""
    text = point.text
    x = x_of(point.x)
    anchor = "end" if x > right - text_width(text, font) / 2 else (
        "start" if x < left + text_width(text, font) / 2 else "middle")
    index = shown.index(point)
    before = shown[index - 1].value if index > 0 else None
    after = shown[index + 1].value if index + 1 < len(shown) else None
    neighbours = [v for v in (before, after) if v is not None]
    below = bool(neighbours) and all(v > point.value for v in neighbours) and y_of(point.value) + font * 1.6 < bottom
    if point.bound:
        below = point.bound == "gt" and y_of(point.value) + font * 1.6 < bottom
    dx = 0.0
    if anchor == "middle" and before is not None and after is not None and not below and not point.bound:
        if before > point.value > after:
            anchor, dx = "start", 7.0
        elif before < point.value < after:
            anchor, dx = "end", -7.0
    if point.bound and anchor == "middle":
        anchor, dx = "start", 9.0
    width = text_width(text, font)
    if anchor == "start" and x + dx + width > right:  # beside the point, but on the side with room
        anchor, dx = "end", -max(dx, 7.0)
    elif anchor == "end" and x + dx - width < left:
        anchor, dx = "start", max(-dx, 7.0)
    for side_below in (below, not below):
        y = y_of(point.value) + (font + 8 if side_below else -10)
        box = _box(x + dx, y, text, font, anchor)
        if not any(_overlap(box, other) for other in placed):
            placed.append(box)
            svg.text(x + dx, y, text, parent=group, anchor=anchor, halo=True, fill=colour,
                     weight="bold" if bold else None)
            return


def _box(x: float, y: float, text: str, font: float, anchor: str) -> tuple[float, float, float, float]:
    """The area a label covers (left, top, right, bottom), as estimated from its length."""
    width = text_width(text, font)
    left = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
    return left, y - font, left + width, y + font * 0.3


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
