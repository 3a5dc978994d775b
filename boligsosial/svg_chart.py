"""Charts as static SVG, written on the server: for the public chart pages (/figur, /embed)
and their image downloads, which must show a chart without any JavaScript.

    line_over_time(series, lang, ...)          a series (or a few) over time
    bars_by_category(categories, series, ...)  one horizontal bar per category (per series)

They take the same data as boligsosial.figures (`Series` of `Point`s whose labels the caller
wrote with boligsosial.numbers) and draw it with the same palette and series styles, so a
chart looks and says the same in the app and on a public page. Missing values are gaps with
their label ("Tall mangler"), never 0; flagged values (derived, secondary source) are drawn
open and marked *. Every point and bar carries a <title>: the browser shows it on hover, so
the chart has hover values with no script at all.

The SVG is built with ElementTree, so it is always well-formed XML and every text is escaped.
A `Frame` gives the drawing size: the page draws a wide and a narrow version and lets CSS pick
one, because text in an SVG scales with it and a phone would otherwise get 7-pixel labels.
"""
from __future__ import annotations

import math
import re
import textwrap
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from typing import Sequence

from boligsosial.figures import AXIS, BACKGROUND, FONT, GRID, INK, MUTED, FLAG_MARK, AxisFormat, Point, Series, style
from boligsosial.numbers import format_number


@dataclass(frozen=True)
class Frame:
    """Drawing size in SVG units (= CSS px at 100 %), text size, and what the image itself says.

    `standalone` images (downloads) also carry their title and source as text, a white
    background and a fixed size, so they stand on their own in an article or a slide."""

    width: int = 720
    plot_height: int = 340  # height of a line chart's plot area; bar charts grow with their bars
    font: int = 14
    id_prefix: str = "chart"
    standalone: bool = False
    title: str = ""
    subtitle: str = ""
    source: str = ""


WIDE = Frame(720, 330, 14)
NARROW = Frame(360, 260, 13)
IMAGE = Frame(960, 440, 18, standalone=True)

CHAR_WIDTH = 0.56  # average glyph width of the sans-serif fonts used, as a share of font size
DASHES = {"solid": None, "dash": "7 4", "dot": "2 3", "dashdot": "7 3 2 3", "longdash": "12 4",
          "longdashdot": "12 4 2 4"}
# White lines over the series colour, as plotly draws its bar patterns.
PATTERNS = {"/": "M0,6L6,0M-1,1L1,-1M5,7L7,5", "\\": "M0,0L6,6M-1,5L1,7M5,-1L7,1", "x": "M0,0L6,6M0,6L6,0",
            "+": "M3,0V6M0,3H6", ".": "M2,2h1.5v1.5h-1.5z"}


def _text_width(text: str, font: float) -> float:
    return len(text) * font * CHAR_WIDTH


def _number(value: float) -> str:
    """A coordinate, short: 12.5 -> "12.5", 12.0 -> "12"."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


# ------------------------------------------------------------------------------ periods on a time axis

_QUARTER = re.compile(r"(\d{4})-Q([1-4])")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")


def period_position(period: str) -> float:
    """A period code as a position in years, so uneven gaps between surveys stay uneven:
    "2020" -> 2020, "2022-04" -> 2022.25, "2022-Q2" -> 2022.25, "2022-W27" -> 2022.5."""
    if match := _QUARTER.fullmatch(period):
        return int(match[1]) + (int(match[2]) - 1) / 4
    if match := _MONTH.fullmatch(period):
        return int(match[1]) + (int(match[2]) - 1) / 12
    if match := _WEEK.fullmatch(period):
        return int(match[1]) + (int(match[2]) - 1) / 52
    return float(int(period[:4]))


# ------------------------------------------------------------------------------ value axis


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering low..high (low <= 0 <= high is kept when given)."""
    if high <= low:
        high = low + (abs(low) or 1)
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks, value = [], start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def tick_text(value: float, ticks: Sequence[float], axis: AxisFormat, lang: str) -> str:
    """A tick label with as many decimals as the step needs (0,2 steps -> one decimal)."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0
    if step == 2.5 * 10 ** math.floor(math.log10(step)) and step < 10:
        decimals += 1
    return format_number(value, decimals, lang) + axis.ticksuffix


# ------------------------------------------------------------------------------ the drawing


class _Svg:
    """The root element and the helpers every chart kind draws with."""

    def __init__(self, frame: Frame, title: str, desc: str):
        self.frame = frame
        self.root = ET.Element("svg", {
            "xmlns": "http://www.w3.org/2000/svg",
            "role": "img",
            "class": "chart-svg",
            "font-family": FONT,
            "font-size": str(frame.font),
            "aria-labelledby": f"{frame.id_prefix}-title {frame.id_prefix}-desc",
        })
        ET.SubElement(self.root, "title", {"id": f"{frame.id_prefix}-title"}).text = title
        ET.SubElement(self.root, "desc", {"id": f"{frame.id_prefix}-desc"}).text = desc
        self.defs: ET.Element | None = None
        self.top = 8.0
        if frame.standalone:
            self.background = ET.SubElement(self.root, "rect", {"x": "0", "y": "0", "width": str(frame.width),
                                                                "fill": BACKGROUND})
            self.top = 12.0
            heading = round(frame.font * 1.3)
            for line in self.wrap(frame.title, heading, frame.width - 32, bold=True):
                self.top += heading * 1.25
                self.text(16, self.top, line, size=heading, weight="bold")
            for line in self.wrap(frame.subtitle, frame.font, frame.width - 32) if frame.subtitle else []:
                self.top += frame.font * 1.35
                self.text(16, self.top, line, fill=MUTED)
            self.top += heading * 0.6

    def wrap(self, text: str, size: float, width: float, bold: bool = False) -> list[str]:
        chars = max(8, int(width / (size * (CHAR_WIDTH + (0.04 if bold else 0)))))
        return textwrap.wrap(text, chars) or [""]

    def element(self, tag: str, parent: ET.Element | None = None, **attributes) -> ET.Element:
        attrib = {name.rstrip("_").replace("_", "-"): _number(value) if isinstance(value, float) else str(value)
                  for name, value in attributes.items() if value is not None}
        return ET.SubElement(self.root if parent is None else parent, tag, attrib)

    def text(self, x: float, y: float, content: str, *, parent: ET.Element | None = None, size: float | None = None,
             anchor: str | None = None, fill: str = INK, weight: str | None = None, italic: bool = False,
             halo: bool = False, rotate: bool = False) -> ET.Element:
        common = dict(x=float(x), y=float(y), font_size=size, text_anchor=anchor, font_weight=weight,
                      font_style="italic" if italic else None,
                      transform=f"rotate(-90 {_number(x)} {_number(y)})" if rotate else None)
        if halo:
            # A white outline under the label keeps it readable over lines and grid (as its own
            # element: not every renderer knows paint-order).
            self.element("text", parent, fill=BACKGROUND, stroke=BACKGROUND, stroke_width="4",
                         stroke_linejoin="round", aria_hidden="true", **common).text = content
        element = self.element("text", parent, fill=fill, **common)
        element.text = content
        return element

    def legend(self, series: Sequence[Series], bars: bool) -> None:
        """One entry per series (swatch in its style, then its name), side by side while they
        fit, a long name wrapped onto lines of its own."""
        font = self.frame.font
        x, row = 16.0, self.top + font
        room = self.frame.width - 16 - 8 - 26
        wrapped = False
        for number, one in enumerate(series):
            look = style(number)
            lines = self.wrap(one.name, font, room) if _text_width(one.name, font) > room else [one.name]
            width = 26 + max(_text_width(line, font) for line in lines) + 18
            if x > 16 and (x + width > self.frame.width - 8 or len(lines) > 1 or wrapped):
                x, row = 16.0, row + font * 1.6
            wrapped = len(lines) > 1  # a wrapped name keeps its rows to itself
            group = self.element("g", class_="legend-entry")
            if bars:
                self.element("rect", group, x=x, y=row - font * 0.8, width=18, height=font * 0.9,
                             fill=self.fill(number))
            else:
                self.element("line", group, x1=x, y1=row - font * 0.35, x2=x + 20, y2=row - font * 0.35,
                             stroke=look.colour, stroke_width="2.5", stroke_dasharray=DASHES.get(look.dash))
            for index, line in enumerate(lines):
                self.text(x + 26, row + index * font * 1.25, line, parent=group)
            row += (len(lines) - 1) * font * 1.25
            x += width
        self.top = row + font * 0.9

    def fill(self, number: int) -> str:
        """The series' fill: its colour, with its pattern from the second series on."""
        look = style(number)
        if not look.pattern or number == 0:
            return look.colour
        if self.defs is None:
            self.defs = ET.Element("defs")
            self.root.insert(2, self.defs)
        pattern_id = f"{self.frame.id_prefix}-pattern-{number}"
        if self.defs.find(f"pattern[@id='{pattern_id}']") is None:
            pattern = self.element("pattern", self.defs, id=pattern_id, patternUnits="userSpaceOnUse", width="6",
                                   height="6")
            self.element("rect", pattern, width="6", height="6", fill=look.colour)
            self.element("path", pattern, d=PATTERNS[look.pattern], stroke=BACKGROUND, stroke_width="1.2",
                         fill=BACKGROUND if look.pattern == "." else None)
        return f"url(#{pattern_id})"

    def finish(self, height: float) -> str:
        frame = self.frame
        if frame.standalone and frame.source:
            small = round(frame.font * 0.8)
            height += small * 0.6
            for line in self.wrap(frame.source, small, frame.width - 32):
                height += small * 1.35
                self.text(16, height, line, size=small, fill=MUTED)
            height += small * 0.8
        height = math.ceil(height)
        self.root.set("viewBox", f"0 0 {frame.width} {height}")
        if frame.standalone:
            self.background.set("height", str(height))
            self.root.set("width", str(frame.width))
            self.root.set("height", str(height))
        return ET.tostring(self.root, encoding="unicode")


def _marker(svg: _Svg, parent: ET.Element, symbol: str, x: float, y: float, colour: str, hollow: bool) -> ET.Element:
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
    points = " ".join(f"{_number(x + dx * size)},{_number(y + dy * size)}" for dx, dy in corners)
    return svg.element("polygon", parent, points=points, **attributes)


def _flagged(point: Point) -> str:
    return f"{point.label}{FLAG_MARK}" if point.flagged else point.label


# ------------------------------------------------------------------------------ line over time


def line_over_time(
    series: Sequence[Series],
    lang: str,
    *,
    axis: AxisFormat = AxisFormat(),
    frame: Frame = WIDE,
    title: str = "",
    desc: str = "",
    period_labels: dict[str, str] | None = None,
) -> str:
    """Lines over time, one per series; each point's x is a period code. A missing value breaks
    the line and is labelled at the axis. A single series has every value written on the chart
    when there is room; otherwise, and with several series (which get a legend), the first and
    last value of each, where they do not cover another label. `period_labels` names the periods on the axis (default: the codes)."""
    svg = _Svg(frame, title, desc)
    font = frame.font
    if len(series) > 1:
        svg.legend(series, bars=False)
    periods = sorted({p.x for one in series for p in one.points}, key=period_position)
    values = [p.y for one in series for p in one.points if p.y is not None]
    ticks = nice_ticks(min([0.0, *values]), max([0.0, *values]) * 1.08 or 1)
    labels = [tick_text(v, ticks, axis, lang) for v in ticks]
    left = 12 + max(_text_width(label, font) for label in labels)
    right = frame.width - 16 - font
    top = svg.top + font * 1.6  # room for the labels above the highest points
    bottom = top + frame.plot_height
    low, high = ticks[0], ticks[-1]

    def y_of(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    positions = [period_position(p) for p in periods] or [0.0]
    first, last = min(positions), max(positions)
    pad = max((last - first) * 0.04, 0.5)
    x_low, x_high = first - pad, last + pad

    def x_of(period: str) -> float:
        return left + 8 + (period_position(period) - x_low) / (x_high - x_low) * (right - left - 8)

    grid = svg.element("g", class_="grid")
    for value, label in zip(ticks, labels):
        y = y_of(value)
        svg.element("line", grid, x1=left, x2=right, y1=y, y2=y, stroke=AXIS if value == 0 else GRID, stroke_width="1")
        svg.text(left - 6, y + font * 0.35, label, parent=grid, anchor="end", fill=MUTED)

    # Period labels on the axis, thinned so they never overlap.
    names = {p: (period_labels or {}).get(p, p) for p in periods}
    widest = max((_text_width(n, font) for n in names.values()), default=0) + font * 0.8
    axis_group = svg.element("g", class_="x-axis")
    shown_until = -math.inf
    for index, period in enumerate(periods):
        x = x_of(period)
        svg.element("line", axis_group, x1=x, x2=x, y1=bottom, y2=bottom + 5, stroke=AXIS)
        is_last = index == len(periods) - 1
        if x - widest / 2 >= shown_until and (is_last or x + widest <= x_of(periods[-1]) - widest / 2 or len(periods) == 1):
            svg.text(x, bottom + font * 1.4, names[period], parent=axis_group, anchor="middle", fill=MUTED)
            shown_until = x + widest / 2

    missing_drawn: set[str] = set()
    placed: list[tuple[float, float, float, float]] = []  # value labels written so far
    room = (right - left) / max(len(periods), 1)
    label_all = len(series) == 1 and all(_text_width(_flagged(p), font) + 6 < room for p in series[0].points)
    for number, one in enumerate(series):
        look = style(number)
        group = svg.element("g", class_="series")
        run: list[Point] = []
        for point in [*one.points, None]:
            if point is not None and point.y is not None:
                run.append(point)
                continue
            if len(run) > 1:
                svg.element("polyline", group, fill="none", stroke=look.colour, stroke_width="2.5",
                            stroke_linejoin="round", stroke_dasharray=DASHES.get(look.dash),
                            points=" ".join(f"{_number(x_of(p.x))},{_number(y_of(p.y))}" for p in run))
            run = []
            if point is not None and point.x not in missing_drawn:
                # Written upwards from the axis: narrow, and clearly not a value of 0.
                missing_drawn.add(point.x)
                svg.text(x_of(point.x) + font * 0.35, y_of(low) - 6, point.label, parent=group, fill=MUTED,
                         italic=True, size=font - 1, rotate=True)
        shown = [p for p in one.points if p.y is not None]
        for point in shown:
            marker = _marker(svg, group, look.symbol, x_of(point.x), y_of(point.y), look.colour, point.flagged)
            ET.SubElement(marker, "title").text = point.hover or f"{names[point.x]}: {point.label}"
        written = shown if label_all else list(dict.fromkeys([*shown[:1], *shown[-1:]]))
        for point in written:
            x = x_of(point.x)
            anchor = "end" if x > right - _text_width(_flagged(point), font) / 2 else (
                "start" if x < left + _text_width(_flagged(point), font) / 2 else "middle")
            # Where the line is not: above a peak, below a dip, and beside the point on a slope
            # (above-right going down, above-left going up).
            index = shown.index(point)
            before = shown[index - 1].y if index > 0 else None
            after = shown[index + 1].y if index + 1 < len(shown) else None
            neighbours = [y for y in (before, after) if y is not None]
            below = bool(neighbours) and all(y > point.y for y in neighbours) and y_of(point.y) + font * 1.6 < bottom
            dx = 0.0
            if anchor == "middle" and before is not None and after is not None and not below:
                if before > point.y > after:
                    anchor, dx = "start", 7.0
                elif before < point.y < after:
                    anchor, dx = "end", -7.0
            # A label that would cover one already written goes to the other side of its point,
            # or is left out (the point's hover title and the table still give the value).
            for side_below in (below, not below):
                y = y_of(point.y) + (font + 8 if side_below else -10)
                box = _box(x + dx, y, _flagged(point), font, anchor)
                if not any(_overlap(box, other) for other in placed):
                    placed.append(box)
                    svg.text(x + dx, y, _flagged(point), parent=group, anchor=anchor, halo=True,
                             fill=INK if len(series) == 1 else look.colour, weight="bold" if len(series) > 1 else None)
                    break
    return svg.finish(bottom + font * 2.2)


def _box(x: float, y: float, text: str, font: float, anchor: str) -> tuple[float, float, float, float]:
    """The area a label covers (left, top, right, bottom), as estimated from its length."""
    width = _text_width(text, font)
    left = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
    return left, y - font, left + width, y + font * 0.3


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# ------------------------------------------------------------------------------ bars by category

BAR = 18  # bar thickness per series
BAR_GAP = 12  # between categories


def bars_by_category(
    categories: Sequence[str],
    series: Sequence[Series],
    lang: str,
    *,
    axis: AxisFormat = AxisFormat(),
    frame: Frame = WIDE,
    title: str = "",
    desc: str = "",
) -> str:
    """Horizontal bars, categories top to bottom in the order given, each category's name on
    its own line(s) above its bars (long names fit a phone). Points are matched to categories
    by their x. Values are written after the bars, so there is no value axis; a missing value
    gets its label and no bar; a category a series does not have at all is left out of it."""
    svg = _Svg(frame, title, desc)
    font = frame.font
    if len(series) > 1:
        svg.legend(series, bars=True)
    values = [p.y for one in series for p in one.points if p.y is not None]
    low, high = min([0.0, *values]), max([0.0, *values]) or 1.0
    widest_value = max((_text_width(_flagged(p) + (f" ({one.name})" if len(series) > 1 else ""), font)
                        for one in series for p in one.points), default=0)
    left, right = 16.0, frame.width - 16.0 - widest_value - 8
    right = max(right, left + frame.width * 0.3)

    def x_of(value: float) -> float:
        return left + (value - low) / (high - low) * (right - left)

    zero = x_of(0.0)
    y = svg.top + 4
    by_series = [{p.x: p for p in one.points} for one in series]
    for category in categories:
        group = svg.element("g", class_="category")
        for line in svg.wrap(category, font, frame.width - 32):
            y += font * 1.25
            svg.text(left, y, line, parent=group)
        y += 6
        for number, one in enumerate(series):
            point = by_series[number].get(category)
            if point is None:  # this series has no such category at all (not even a missing value)
                continue
            named = lambda p: _flagged(p) + (f" ({one.name})" if len(series) > 1 else "")  # noqa: E731
            centre = y + BAR / 2
            if point.y is None:
                svg.text(zero + 4, centre + font * 0.35, named(point), parent=group, fill=MUTED, italic=True)
            else:
                end = x_of(point.y)
                bar = svg.element("rect", group, x=min(zero, end), y=y + 1, width=max(abs(end - zero), 1.0),
                                  height=float(BAR - 2), fill=svg.fill(number),
                                  stroke=style(number).colour if point.flagged else None,
                                  stroke_width="2" if point.flagged else None,
                                  stroke_dasharray="3 2" if point.flagged else None)
                ET.SubElement(bar, "title").text = point.hover or f"{category}: {point.label}"
                outside = max(end, zero) + 6 if point.y >= 0 else end - 6
                svg.text(outside, centre + font * 0.35, named(point), parent=group,
                         anchor="start" if point.y >= 0 else "end")
            y += BAR
        y += BAR_GAP
    if low < 0:
        svg.element("line", x1=zero, x2=zero, y1=svg.top, y2=y, stroke=AXIS)
    return svg.finish(y)


def narrow(frame: Frame) -> Frame:
    """The same chart for a phone-sized box."""
    return replace(NARROW, id_prefix=frame.id_prefix + "-narrow")
