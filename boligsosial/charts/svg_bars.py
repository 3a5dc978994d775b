"""Horizontal bars by category, values written after the bars; the row sizes are shared with
the dot chart of estimates (svg_estimates.py)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from boligsosial.charts.model import Chart
from boligsosial.charts.style import AXIS, BACKGROUND, MUTED, style
from boligsosial.charts.svg_canvas import BOUND_DASH, Canvas, coord, text_width
from boligsosial.charts.svg_key import draw_legend

BAR = 18  # bar thickness per series
BAR_GAP = 12  # between categories


def draw_bars(svg: Canvas, chart: Chart) -> float:
    """Horizontal bars, categories top to bottom in the order given, each category's name on
    its own line(s) above its bars (long names fit a phone). Values are written after the bars,
    so there is no value axis; a missing value gets its label and no bar; a bound is an open,
    dashed bar with its arrow; a category a series does not have at all is left out of it."""
    frame, series = svg.frame, chart.series
    font = frame.font
    svg.heading(chart)
    if len(series) > 1:
        draw_legend(svg, series, bars=True)
    values = [p.value for one in series for p in one.points if p.value is not None]
    low, high = min([0.0, *values]), max([0.0, *values]) or 1.0
    widest_value = max((text_width(p.text + (f" ({one.name})" if len(series) > 1 else ""), font)
                        for one in series for p in one.points), default=0)
    left, right = 16.0, frame.width - 16.0 - widest_value - 28
    right = max(right, left + frame.width * 0.3)

    def x_of(value: float) -> float:
        return left + (value - low) / (high - low) * (right - left)

    zero = x_of(0.0)
    y = svg.top + 4
    by_series = [{p.x: p for p in one.points} for one in series]
    for category in chart.categories:
        group = svg.element("g", class_="category")
        for line in svg.wrap(category, font, frame.width - 32):
            y += font * 1.25
            svg.text(left, y, line, parent=group)
        y += 6
        for number, one in enumerate(series):
            point = by_series[number].get(category)
            if point is None:  # this series has no such category at all (not even a missing value)
                continue
            text = point.text + (f" ({one.name})" if len(series) > 1 else "")
            centre = y + BAR / 2
            if point.missing:
                svg.text(zero + 4, centre + font * 0.35, text, parent=group, fill=MUTED, italic=True)
            else:
                end = x_of(point.value)
                colour = style(number).colour
                bar = svg.element("rect", group, x=min(zero, end), y=y + 1, width=max(abs(end - zero), 1.0),
                                  height=float(BAR - 2), class_="bound" if point.bound else None,
                                  fill=BACKGROUND if point.bound else svg.fill(number),
                                  stroke=colour if point.flagged or point.bound else None,
                                  stroke_width="2" if point.flagged or point.bound else None,
                                  stroke_dasharray=BOUND_DASH if point.bound else ("3 2" if point.flagged else None))
                ET.SubElement(bar, "title").text = point.hover or f"{category}: {point.label}"
                outside = max(end, zero) + 6
                if point.bound:
                    # The arrow at the bar's end points where the true value lies.
                    tip = end + (12 if point.bound == "gt" else -12)
                    svg.element("polygon", group, fill=colour, points=(
                        f"{coord(end)},{coord(centre - 5)} {coord(end)},{coord(centre + 5)} {coord(tip)},{coord(centre)}"))
                    outside = max(end, tip, zero) + 6
                svg.text(outside, centre + font * 0.35, text, parent=group, anchor="start")
            y += BAR
        y += BAR_GAP
    if low < 0:
        svg.element("line", x1=zero, x2=zero, y1=svg.top, y2=y, stroke=AXIS)
    return y
