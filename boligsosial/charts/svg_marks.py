"""The marks a value is drawn with (a point in its series' symbol; a bound as a bar and an arrow),
shared by the line and dot charts and by the key that explains them."""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from boligsosial.charts.style import BACKGROUND
from boligsosial.charts.svg_canvas import BOUND_DASH, Canvas, coord


def marker(svg: Canvas, parent: ET.Element, symbol: str, x: float, y: float, colour: str, hollow: bool) -> ET.Element:
    size = 4.5
    attributes = {"fill": BACKGROUND if hollow else colour, "stroke": colour, "stroke_width": "2"}
    if symbol == "circle":
        return svg.element("circle", parent, cx=x, cy=y, r=size, **attributes)
    if symbol == "square":
        return svg.element("rect", parent, x=x - size, y=y - size, width=size * 2, height=size * 2, **attributes)
    corners = {
        "diamond": [(0, -1.3), (1.3, 0), (0, 1.3), (-1.3, 0)],
        "triangle-up": [(0, -1.3), (1.2, 0.9), (-1.2, 0.9)],
        "triangle-down": [(0, 1.3), (1.2, -0.9), (-1.2, -0.9)],
    }.get(symbol) or [(math.cos(a) * 1.15, math.sin(a) * 1.15) for a in (k * math.pi / 3 for k in range(6))]
    points = " ".join(f"{coord(x + dx * size)},{coord(y + dy * size)}" for dx, dy in corners)
    return svg.element("polygon", parent, points=points, **attributes)


def bound_mark(svg: Canvas, parent: ET.Element, x: float, y: float, bound: str, colour: str,
                length: float = 24.0) -> ET.Element:
    """A bound: a bar across at the value and an arrow pointing where the true value lies
    (down for "under", up for "over"). Never a point a line could pass through."""
    group = svg.element("g", parent, class_="bound")
    sign = 1 if bound == "lt" else -1
    tip = y + sign * length
    svg.element("line", group, x1=x - 8, x2=x + 8, y1=y, y2=y, stroke=colour, stroke_width="3")
    svg.element("line", group, x1=x, x2=x, y1=y, y2=tip - sign * 6, stroke=colour, stroke_width="2.5",
                stroke_dasharray=BOUND_DASH)
    svg.element("polygon", group, fill=colour, points=(
        f"{coord(x - 6)},{coord(tip - sign * 8)} {coord(x + 6)},{coord(tip - sign * 8)} {coord(x)},{coord(tip)}"))
    return group
