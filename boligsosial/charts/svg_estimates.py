"""Separate estimates as a dot chart, one row each, never joined by a line: they rest on
different definitions, so they are drawn apart from the time chart."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from boligsosial.charts.model import Chart
from boligsosial.charts.style import AXIS, GRID, MUTED, style
from boligsosial.charts.svg_axis import nice_ticks, tick_text
from boligsosial.charts.svg_bars import BAR, BAR_GAP
from boligsosial.charts.svg_canvas import Canvas, coord, text_width
from boligsosial.charts.svg_marks import bound_mark, marker


def draw_estimates(svg: Canvas, chart: Chart) -> float:
    """Separate estimates as a dot chart: one row per estimate, oldest first, its year and name
    written above it and its value beside the dot; a range is a bar from low to high; a bound
    ("over 170 000") an arrow. No line joins them: they rest on different definitions, and a
    line would read as a trend. The value axis starts at zero, so distances are true."""
    frame, lang = svg.frame, chart.lang
    font = frame.font
    svg.heading(chart)
    rows: list[tuple[int, str, object]] = [(e.year, f"{e.year}: {e.name}", e) for e in chart.estimates]
    rows += [(r.year, f"{r.year}: {r.name}", r) for r in chart.ranges]
    rows.sort(key=lambda row: row[0])  # stable: the given order within a year
    values = [e.point.value for e in chart.estimates if e.point.value is not None] + [r.high for r in chart.ranges]
    ticks = nice_ticks(0.0, max(values, default=1) * 1.05)
    left, right = 16.0, frame.width - 16.0
    widest = max([text_width(e.point.text, font) for e in chart.estimates] +
                 [text_width(r.label, font) for r in chart.ranges] + [0])
    right_plot = max(right - widest - 12, left + frame.width * 0.4)

    def x_of(value: float) -> float:
        return left + (value - ticks[0]) / (ticks[-1] - ticks[0]) * (right_plot - left)

    y = svg.top + 4
    grid_top = y
    axis = svg.element("g", class_="x-axis")  # filled below, once the rows' height is known: drawn under them
    for number, (_, label, item) in enumerate(rows):
        colour = style(number).colour
        group = svg.element("g", class_="estimate")
        for line in svg.wrap(label, font, frame.width - 32):
            y += font * 1.25
            svg.text(left, y, line, parent=group)
        centre = y + 6 + BAR / 2
        if hasattr(item, "low"):
            bar = svg.element("line", group, x1=x_of(item.low), x2=x_of(item.high), y1=centre, y2=centre,
                              stroke=colour, stroke_width="6")
            for end in (item.low, item.high):
                svg.element("line", group, x1=x_of(end), x2=x_of(end), y1=centre - 8, y2=centre + 8, stroke=colour,
                            stroke_width="3")
            ET.SubElement(bar, "title").text = item.hover or item.label
            svg.text(x_of(item.high) + 10, centre + font * 0.35, item.label, parent=group)
        else:
            point = item.point
            if point.missing:
                svg.text(left + 4, centre + font * 0.35, point.label, parent=group, fill=MUTED, italic=True)
            else:
                x = x_of(point.value)
                # A bound points along the value axis: the "under" glyph turned a quarter points
                # right, to where a true value "over" the figure lies.
                mark = (bound_mark(svg, group, x, centre, "lt" if point.bound == "gt" else "gt", colour, 12)
                        if point.bound else marker(svg, group, style(number).symbol, x, centre, colour, point.flagged))
                if point.bound:
                    mark.set("transform", f"rotate(-90 {coord(x)} {coord(centre)})")
                ET.SubElement(mark, "title").text = point.hover or point.label
                svg.text(x + (24 if point.bound == "gt" else 12), centre + font * 0.35, point.text, parent=group)
        y += 6 + BAR + BAR_GAP
    for value in ticks:
        x = x_of(value)
        svg.element("line", axis, x1=x, x2=x, y1=grid_top, y2=y, stroke=AXIS if value == 0 else GRID,
                    stroke_width="1")
        svg.text(x, y + font * 1.2, tick_text(value, ticks, chart.axis, lang), parent=axis, anchor="middle", fill=MUTED)
    return y + font * 1.8
