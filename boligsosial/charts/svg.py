"""Charts as static SVG, written on the server: the one renderer of the chart model
(boligsosial/charts/model.py). The app's chart cards, the public chart pages and their embeds,
and the SVG and PNG images all draw through `render`, so a chart looks and says the same
wherever it goes, and needs no JavaScript.

    render(chart, frame) -> str

What every drawing has: the unit above the values, the note (what must not be missed) on the
chart, lines only where the model joins points, bounds drawn as bounds, missing periods
labelled at the axis, and the key (what the marks mean) under the plot. A `Frame` gives the
size and, for images (`standalone`), the title, subtitle and source written in. Every point
and bar carries a <title>, which browsers show on hover.

The SVG is built with ElementTree, so it is always well-formed and every text is escaped. A
page draws a wide and a narrow version and lets CSS pick one, because text in an SVG scales
with it and a phone would otherwise get 7-pixel labels.
"""
from __future__ import annotations

import math
import textwrap
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from typing import Sequence

from boligsosial.charts.model import (
    Chart,
    KeyEntry,
    Point,
    Series,
    missing_runs,
    position,
)
from boligsosial.charts.style import (
    AXIS,
    BACKGROUND,
    FONT,
    GRID,
    INK,
    MUTED,
    AxisFormat,
    band_colours,
    style,
)
from boligsosial.text.numbers import format_number


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
CARD = Frame(960, 330, 14)  # an app card is wider than a public page's column
NARROW = Frame(320, 240, 13)  # a phone's column: about its real width, so text stays its size
EMBED = Frame(720, 260, 14, id_prefix="chart-embed")
IMAGE = Frame(960, 440, 18, standalone=True, id_prefix="image")

CHAR_WIDTH = 0.56  # average glyph width of the sans-serif fonts used, as a share of font size
DASHES = {"solid": None, "dash": "7 4", "dot": "2 3", "dashdot": "7 3 2 3", "longdash": "12 4",
          "longdashdot": "12 4 2 4"}
# White lines over the series colour, as print charts draw bar patterns.
PATTERNS = {"/": "M0,6L6,0M-1,1L1,-1M5,7L7,5", "\\": "M0,0L6,6M-1,5L1,7M5,-1L7,1", "x": "M0,0L6,6M0,6L6,0",
            "+": "M3,0V6M0,3H6", ".": "M2,2h1.5v1.5h-1.5z"}
BREAK_DASH = "4 4"
BOUND_DASH = "4 3"


def narrow(frame: Frame) -> Frame:
    """The same chart for a phone-sized box."""
    return replace(NARROW, id_prefix=frame.id_prefix + "-narrow")


def render(chart: Chart, frame: Frame = WIDE) -> str:
    """The chart as SVG. A chart with nothing to draw (kind "") is an image that says why."""
    svg = _Svg(frame, chart.title, chart.alt or chart.notice)
    if chart.kind == "line":
        bottom = _line(svg, chart)
    elif chart.kind == "bar":
        bottom = _bars(svg, chart)
    elif chart.kind == "estimates":
        bottom = _estimates(svg, chart)
    else:
        bottom = svg.paragraph(chart.notice, fill=MUTED)
    return svg.finish(svg.key(chart.key(), bottom))


def _text_width(text: str, font: float) -> float:
    return len(text) * font * CHAR_WIDTH


def _number(value: float) -> str:
    """A coordinate, short: 12.5 -> "12.5", 12.0 -> "12"."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


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
    return format_number(value, decimals, lang) + axis.suffix


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

    def paragraph(self, text: str, *, fill: str = INK, size: float | None = None) -> float:
        """Text across the drawing's width, wrapped, from the current top; returns the new top."""
        size = size or self.frame.font
        for line in self.wrap(text, size, self.frame.width - 32):
            self.top += size * 1.3
            self.text(16, self.top, line, fill=fill, size=size)
        self.top += size * 0.5
        return self.top

    def heading(self, chart: Chart) -> None:
        """The note (what must not be missed) and the unit, above the plot."""
        font = self.frame.font
        if chart.note:
            group = self.element("g", class_="chart-note")
            for line in self.wrap(chart.note, font, self.frame.width - 32):
                self.top += font * 1.3
                self.text(16, self.top, line, parent=group, weight="bold")
            self.top += font * 0.4
        if chart.unit:
            self.top += font * 1.2
            self.text(16, self.top, chart.unit, fill=MUTED, size=font - 1)
            self.top += font * 0.2

    def legend(self, series: Sequence[Series], bars: bool) -> None:
        """One entry per series that has a figure drawn (swatch in its style, then its name),
        side by side while they fit, a long name wrapped onto lines of its own."""
        font = self.frame.font
        x, row = 16.0, self.top + font
        room = self.frame.width - 16 - 8 - 26
        wrapped = False
        for number, one in enumerate(series):
            if all(p.missing for p in one.points):
                continue  # nothing of it is drawn (the text alternative and the table say so)
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

    def key(self, entries: Sequence[KeyEntry], top: float) -> float:
        """What the marks mean, one entry per line under the plot, each after its glyph."""
        if not entries:
            return top
        font = self.frame.font
        size = font - 1
        group = self.element("g", class_="chart-key")
        y = top + size * 0.4
        for entry in entries:
            lines = self.wrap(entry.text, size, self.frame.width - 32 - 26)
            y += size * 1.35
            self._glyph(group, entry, 16.0, y - size * 0.35, size)
            for index, line in enumerate(lines):
                self.text(42, y + index * size * 1.3, line, parent=group, size=size)
            y += (len(lines) - 1) * size * 1.3
        return y + size * 0.6

    def _glyph(self, parent: ET.Element, entry: KeyEntry, x: float, y: float, size: float) -> None:
        colour = style(0).colour
        if entry.mark == "flag":
            self.element("circle", parent, cx=x + 9, cy=y, r=4.5, fill=BACKGROUND, stroke=colour, stroke_width="2")
        elif entry.mark == "bound":
            _bound_mark(self, parent, x + 9, y - size * 0.6, "lt", colour, size * 1.2)
        elif entry.mark == "break":
            self.element("line", parent, x1=x + 9, x2=x + 9, y1=y - size * 0.7, y2=y + size * 0.5, stroke=INK,
                         stroke_width="1.5", stroke_dasharray=BREAK_DASH)
        elif entry.mark == "snapshot":
            for dx in (3, 15):
                _marker(self, parent, "circle", x + dx, y, colour, False)
        elif entry.mark == "band":
            self.element("rect", parent, x=x, y=y - size * 0.6, width=18, height=size * 1.1, fill=entry.colour,
                         stroke=AXIS, stroke_width="0.5")

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


def _bound_mark(svg: _Svg, parent: ET.Element, x: float, y: float, bound: str, colour: str,
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
        f"{_number(x - 6)},{_number(tip - sign * 8)} {_number(x + 6)},{_number(tip - sign * 8)} {_number(x)},{_number(tip)}"))
    return group


def _box(x: float, y: float, text: str, font: float, anchor: str) -> tuple[float, float, float, float]:
    """The area a label covers (left, top, right, bottom), as estimated from its length."""
    width = _text_width(text, font)
    left = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
    return left, y - font, left + width, y + font * 0.3


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# ------------------------------------------------------------------------------ line over time


def _line(svg: _Svg, chart: Chart) -> float:
    """Lines over time, one per series. The model says which points a line joins; a missing
    value is a gap labelled at the axis; a bound is an arrow; a method change a dashed rule.
    A single series has every value written when there is room, else its first and last;
    several series get a legend and the first and last value of each where labels fit."""
    frame, lang, series = svg.frame, chart.lang, chart.series
    font = frame.font
    svg.heading(chart)
    if len(series) > 1:
        svg.legend(series, bars=False)
    periods = list(chart.periods)
    values = [p.value for one in series for p in one.points if p.value is not None]
    if chart.target is not None:
        values.append(chart.target.value)
    ticks = nice_ticks(min([0.0, *values]), max([0.0, *values]) * 1.08 or 1)
    labels = [tick_text(v, ticks, chart.axis, lang) for v in ticks]
    left = 12 + max(_text_width(label, font) for label in labels)
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
    label_all = len(series) == 1 and all(_text_width(p.text, font) + 6 < room for p in series[0].points)
    for number, one in enumerate(series):
        look = style(number)
        group = svg.element("g", class_="series")
        for run in chart.segments(one):
            svg.element("polyline", group, fill="none", stroke=look.colour, stroke_width="2.5",
                        stroke_linejoin="round", stroke_dasharray=DASHES.get(look.dash),
                        points=" ".join(f"{_number(x_of(p.x))},{_number(y_of(p.value))}" for p in run))
        shown = [p for p in one.points if not p.missing]
        for point in shown:
            if point.bound:
                mark = _bound_mark(svg, group, x_of(point.x), y_of(point.value), point.bound, look.colour)
            else:
                mark = _marker(svg, group, look.symbol, x_of(point.x), y_of(point.value), look.colour, point.flagged)
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
    anchor = "end" if x > right - _text_width(text, font) / 2 else (
        "start" if x < left + _text_width(text, font) / 2 else "middle")
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
    for side_below in (below, not below):
        y = y_of(point.value) + (font + 8 if side_below else -10)
        box = _box(x + dx, y, text, font, anchor)
        if not any(_overlap(box, other) for other in placed):
            placed.append(box)
            svg.text(x + dx, y, text, parent=group, anchor=anchor, halo=True, fill=colour,
                     weight="bold" if bold else None)
            return


# ------------------------------------------------------------------------------ bars by category

BAR = 18  # bar thickness per series
BAR_GAP = 12  # between categories


def _bars(svg: _Svg, chart: Chart) -> float:
    """Horizontal bars, categories top to bottom in the order given, each category's name on
    its own line(s) above its bars (long names fit a phone). Values are written after the bars,
    so there is no value axis; a missing value gets its label and no bar; a bound is an open,
    dashed bar with its arrow; a category a series does not have at all is left out of it."""
    frame, series = svg.frame, chart.series
    font = frame.font
    svg.heading(chart)
    if len(series) > 1:
        svg.legend(series, bars=True)
    values = [p.value for one in series for p in one.points if p.value is not None]
    low, high = min([0.0, *values]), max([0.0, *values]) or 1.0
    widest_value = max((_text_width(p.text + (f" ({one.name})" if len(series) > 1 else ""), font)
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
                        f"{_number(end)},{_number(centre - 5)} {_number(end)},{_number(centre + 5)} {_number(tip)},{_number(centre)}"))
                    outside = max(end, tip, zero) + 6
                svg.text(outside, centre + font * 0.35, text, parent=group, anchor="start")
            y += BAR
        y += BAR_GAP
    if low < 0:
        svg.element("line", x1=zero, x2=zero, y1=svg.top, y2=y, stroke=AXIS)
    return y


# ------------------------------------------------------------------------------ estimates


def _estimates(svg: _Svg, chart: Chart) -> float:
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
    widest = max([_text_width(e.point.text, font) for e in chart.estimates] +
                 [_text_width(r.label, font) for r in chart.ranges] + [0])
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
                mark = (_bound_mark(svg, group, x, centre, "lt" if point.bound == "gt" else "gt", colour, 12)
                        if point.bound else _marker(svg, group, style(number).symbol, x, centre, colour, point.flagged))
                if point.bound:
                    mark.set("transform", f"rotate(-90 {_number(x)} {_number(centre)})")
                ET.SubElement(mark, "title").text = point.hover or point.label
                svg.text(x + (24 if point.bound == "gt" else 12), centre + font * 0.35, point.text, parent=group)
        y += 6 + BAR + BAR_GAP
    for value in ticks:
        x = x_of(value)
        svg.element("line", axis, x1=x, x2=x, y1=grid_top, y2=y, stroke=AXIS if value == 0 else GRID,
                    stroke_width="1")
        svg.text(x, y + font * 1.2, tick_text(value, ticks, chart.axis, lang), parent=axis, anchor="middle", fill=MUTED)
    return y + font * 1.8
