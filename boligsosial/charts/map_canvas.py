"""The map's drawing surface: its frame (size, font, where the legend goes), the SVG root built with
ElementTree, text with a halo, wrapping and the hatched fills of missing and suppressed values."""
from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace

from boligsosial.charts.style import AXIS, BACKGROUND, FONT, INK, MUTED
from boligsosial.charts.svg_canvas import CHAR_WIDTH

BORDER = AXIS  # region borders: 4.8:1 on white and on the lightest class, still visible on the darkest
HATCH = MUTED
DOT_PX = 2.6


@dataclass(frozen=True)
class MapFrame:
    """Drawing size and what the image itself says. `legend_inside` puts the legend in the sea
    west of Nordland (wide frames); otherwise it goes under the map (phones), where its text
    keeps the page's size. `standalone` images (downloads) carry title and source as text."""

    width: int = 600
    font: int = 13
    legend_inside: bool = True
    id_prefix: str = "map"
    standalone: bool = False
    title: str = ""
    subtitle: str = ""
    source: str = ""


MAP_WIDE = MapFrame()
MAP_NARROW = MapFrame(360, 13, legend_inside=False, id_prefix="map-narrow")
MAP_IMAGE = MapFrame(960, 18, standalone=True)


def narrow(frame: MapFrame) -> MapFrame:
    """The same map for a phone-sized box: legend under the map."""
    return replace(MAP_NARROW, id_prefix=frame.id_prefix + "-narrow")


def pixels(value: float) -> str:
    """A length in pixels, short: 12.5 -> "12.5", 12.0 -> "12"."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def factor(value: float) -> str:
    """A scale factor or a length in frame units: enough digits that 1 500 units stay in place."""
    return f"{value:.6g}"


class MapCanvas:
    def __init__(self, frame: MapFrame):
        self.frame = frame
        self.root = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "class": "map-svg", "role": "group",
                                       "font-family": FONT, "font-size": str(frame.font),
                                       "aria-labelledby": f"{frame.id_prefix}-title {frame.id_prefix}-desc"})
        self.defs: ET.Element | None = None

    def element(self, tag: str, parent: ET.Element | None = None, **attributes) -> ET.Element:
        attrib = {name.rstrip("_").replace("_", "-"): pixels(value) if isinstance(value, float) else str(value)
                  for name, value in attributes.items() if value is not None}
        return ET.SubElement(self.root if parent is None else parent, tag, attrib)

    def text(self, x: float, y: float, content: str, parent: ET.Element | None = None, *, size: float | None = None,
             fill: str = INK, anchor: str | None = None, weight: str | None = None, halo: bool = False) -> None:
        common = dict(x=float(x), y=float(y), font_size=size, text_anchor=anchor, font_weight=weight)
        if halo:  # a white outline under the label, as its own element (not every renderer knows paint-order)
            self.element("text", parent, fill=BACKGROUND, stroke=BACKGROUND, stroke_width="3", stroke_linejoin="round",
                         aria_hidden="true", **common).text = content
        self.element("text", parent, fill=fill, **common).text = content

    def wrap(self, text: str, width: float, size: float | None = None, bold: bool = False) -> list[str]:
        size = size or self.frame.font
        return textwrap.wrap(text, max(8, int(width / (size * (CHAR_WIDTH + (0.04 if bold else 0)))))) or [""]

    def hatch(self, kind: str, scale: float) -> str:
        """A fill for missing (diagonal lines) or suppressed (crossed lines) values, sized in
        screen pixels whatever the scale of the group that uses it."""
        if self.defs is None:
            self.defs = ET.Element("defs")
            self.root.insert(2, self.defs)
        name = f"{self.frame.id_prefix}-{kind}-{factor(scale).replace('.', '_')}"
        if self.defs.find(f"pattern[@id='{name}']") is None:
            size = 6 / scale
            pattern = self.element("pattern", self.defs, id=name, patternUnits="userSpaceOnUse", width=size, height=size)
            self.element("rect", pattern, width=size, height=size, fill=BACKGROUND)
            lines = f"M0,{pixels(size)}L{pixels(size)},0" + (f"M0,0L{pixels(size)},{pixels(size)}" if kind == "suppressed" else "")
            self.element("path", pattern, d=lines, stroke=HATCH, stroke_width=1 / scale, stroke_linecap="square")
        return f"url(#{name})"
