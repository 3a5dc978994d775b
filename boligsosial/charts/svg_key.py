"""The legend above a chart (one entry per series drawn) and the key under it (what the marks
mean), drawn on the canvas; separate because every chart kind uses them."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Sequence

from boligsosial.charts.model import KeyEntry, Series
from boligsosial.charts.style import AXIS, BACKGROUND, INK, style
from boligsosial.charts.svg_canvas import BREAK_DASH, DASHES, Canvas, text_width
from boligsosial.charts.svg_marks import bound_mark, marker


def draw_legend(svg: Canvas, series: Sequence[Series], bars: bool) -> None:
    """One entry per series that has a figure drawn (swatch in its style, then its name),
    side by side while they fit, a long name wrapped onto lines of its own."""
    font = svg.frame.font
    x, row = 16.0, svg.top + font
    room = svg.frame.width - 16 - 8 - 26
    wrapped = False
    for number, one in enumerate(series):
        if all(p.missing for p in one.points):
            continue  # nothing of it is drawn (the text alternative and the table say so)
        look = style(number)
        lines = svg.wrap(one.name, font, room) if text_width(one.name, font) > room else [one.name]
        width = 26 + max(text_width(line, font) for line in lines) + 18
        if x > 16 and (x + width > svg.frame.width - 8 or len(lines) > 1 or wrapped):
            x, row = 16.0, row + font * 1.6
        wrapped = len(lines) > 1  # a wrapped name keeps its rows to itself
        group = svg.element("g", class_="legend-entry")
        if bars:
            svg.element("rect", group, x=x, y=row - font * 0.8, width=18, height=font * 0.9,
                         fill=svg.fill(number))
        else:
            svg.element("line", group, x1=x, y1=row - font * 0.35, x2=x + 20, y2=row - font * 0.35,
                         stroke=look.colour, stroke_width="2.5", stroke_dasharray=DASHES.get(look.dash))
        for index, line in enumerate(lines):
            svg.text(x + 26, row + index * font * 1.25, line, parent=group)
        row += (len(lines) - 1) * font * 1.25
        x += width
    svg.top = row + font * 0.9


def draw_key(svg: Canvas, entries: Sequence[KeyEntry], top: float) -> float:
    """What the marks mean, one entry per line under the plot, each after its glyph."""
    if not entries:
        return top
    font = svg.frame.font
    size = font - 1
    group = svg.element("g", class_="chart-key")
    y = top + size * 0.4
    for entry in entries:
        lines = svg.wrap(entry.text, size, svg.frame.width - 32 - 26)
        y += size * 1.35
        _glyph(svg, group, entry, 16.0, y - size * 0.35, size)
        for index, line in enumerate(lines):
            svg.text(42, y + index * size * 1.3, line, parent=group, size=size)
        y += (len(lines) - 1) * size * 1.3
    return y + size * 0.6


def _glyph(svg: Canvas, parent: ET.Element, entry: KeyEntry, x: float, y: float, size: float) -> None:
    colour = style(0).colour
    if entry.mark == "flag":
        svg.element("circle", parent, cx=x + 9, cy=y, r=4.5, fill=BACKGROUND, stroke=colour, stroke_width="2")
    elif entry.mark == "bound":
        bound_mark(svg, parent, x + 9, y - size * 0.6, "lt", colour, size * 1.2)
    elif entry.mark == "break":
        svg.element("line", parent, x1=x + 9, x2=x + 9, y1=y - size * 0.7, y2=y + size * 0.5, stroke=INK,
                     stroke_width="1.5", stroke_dasharray=BREAK_DASH)
    elif entry.mark == "snapshot":
        for dx in (3, 15):
            marker(svg, parent, "circle", x + dx, y, colour, False)
    elif entry.mark == "band":
        svg.element("rect", parent, x=x, y=y - size * 0.6, width=18, height=size * 1.1, fill=entry.colour,
                     stroke=AXIS, stroke_width="0.5")
