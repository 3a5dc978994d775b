"""The drawing surface every chart kind draws on: its frame (size, font, what an image says), the
SVG root built with ElementTree, and its text, wrapping, heading, fill patterns and finish."""
from __future__ import annotations

import math
import textwrap
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from boligsosial.charts.model import Chart
from boligsosial.charts.style import BACKGROUND, FONT, INK, MUTED, style


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


CHAR_WIDTH = 0.56  # average glyph width of the sans-serif fonts used, as a share of font size
DASHES = {"solid": None, "dash": "7 4", "dot": "2 3", "dashdot": "7 3 2 3", "longdash": "12 4",
          "longdashdot": "12 4 2 4"}
# White lines over the series colour, as print charts draw bar patterns.
PATTERNS = {"/": "M0,6L6,0M-1,1L1,-1M5,7L7,5", "\\": "M0,0L6,6M-1,5L1,7M5,-1L7,1", "x": "M0,0L6,6M0,6L6,0",
            "+": "M3,0V6M0,3H6", ".": "M2,2h1.5v1.5h-1.5z"}
BREAK_DASH = "4 4"
BOUND_DASH = "4 3"


def text_width(text: str, font: float) -> float:
    return len(text) * font * CHAR_WIDTH


def coord(value: float) -> str:
    """A coordinate, short: 12.5 -> "12.5", 12.0 -> "12"."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


class Canvas:
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
        attrib = {name.rstrip("_").replace("_", "-"): coord(value) if isinstance(value, float) else str(value)
                  for name, value in attributes.items() if value is not None}
        return ET.SubElement(self.root if parent is None else parent, tag, attrib)

    def text(self, x: float, y: float, content: str, *, parent: ET.Element | None = None, size: float | None = None,
             anchor: str | None = None, fill: str = INK, weight: str | None = None, italic: bool = False,
             halo: bool = False, rotate: bool = False) -> ET.Element:
        common = dict(x=float(x), y=float(y), font_size=size, text_anchor=anchor, font_weight=weight,
                      font_style="italic" if italic else None,
                      transform=f"rotate(-90 {coord(x)} {coord(y)})" if rotate else None)
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
