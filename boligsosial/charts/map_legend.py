"""The map's legend: its entries (classes, missing, suppressed, Norway's value, notes), their
height (to decide whether it fits in the sea) and their drawing."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Iterable, Mapping

from boligsosial.charts.classes import Classes
from boligsosial.charts.map_canvas import BORDER, DOT_PX, MapCanvas, pixels
from boligsosial.charts.map_geometry import Geometry
from boligsosial.charts.map_values import MapValue, value_text
from boligsosial.charts.style import BACKGROUND, INK
from boligsosial.text.i18n import t


@dataclass(frozen=True)
class _Entry:
    kind: str  # "class", "missing", "suppressed", "norway", "note"
    text: str
    colour: str = ""
    norway: bool = False  # Norway's value falls in this class


def legend_entries(geometry: Geometry, values: Mapping[str, MapValue], kinds: Mapping[str, str], classes: Classes,
                    norway: MapValue | None, texts: Mapping[str, str], decimals: int, lang: str,
                    small: bool) -> list[_Entry]:
    norway_class = classes.index(norway.value) if norway is not None and norway.value is not None else None
    entries = [_Entry("class", text, one.colour, number == norway_class)
               for number, (one, text) in enumerate(zip(classes.classes, classes.texts(lang)))]
    present = set(kinds.values())
    entries += [_Entry(kind, texts[kind]) for kind in ("missing", "suppressed") if kind in present]
    if norway is not None:
        written = value_text(norway, decimals, lang, texts)
        key = "map.legend.norway" if norway_class is not None or norway.value is None else "map.legend.norway_outside"
        entries.append(_Entry("norway", t(key, lang, value=written)))
    if any(values[code].flagged for code, kind in kinds.items() if kind == "value"):
        entries.append(_Entry("note", texts["flagged"]))
    if small:
        entries.append(_Entry("dot", texts["small"]))
    return entries


def _row_lines(drawing: MapCanvas, entry: _Entry, width: float) -> list[str]:
    return drawing.wrap(entry.text, width - drawing.frame.font * 2.2)


def measure_legend(drawing: MapCanvas, heading: str, entries: Iterable[_Entry], width: float) -> float:
    font = drawing.frame.font
    lines = len(drawing.wrap(heading, width, bold=True)) * font * 1.25 + font * 0.5
    return lines + sum(len(_row_lines(drawing, e, width)) * font * 1.25 + font * 0.45 for e in entries)


def _diamond(drawing: MapCanvas, parent: ET.Element, x: float, y: float, size: float) -> None:
    drawing.element("path", parent, d=f"M{pixels(x)},{pixels(y - size)}l{pixels(size)},{pixels(size)}"
                                      f"l{pixels(-size)},{pixels(size)}l{pixels(-size)},{pixels(-size)}z",
                    fill=INK, stroke=BACKGROUND, stroke_width="1")


def draw_legend(drawing: MapCanvas, x: float, y: float, width: float, heading: str, entries: list[_Entry]) -> float:
    """Heading, then one group per entry (swatch or symbol, text on one or more lines)."""
    font = drawing.frame.font
    legend = drawing.element("g", class_="map-legend")
    group = drawing.element("g", legend, class_="map-legend-heading")
    for line in drawing.wrap(heading, width, bold=True):
        y += font * 1.25
        drawing.text(x, y, line, group, weight="bold", halo=True)
    y += font * 0.5
    swatch_w, swatch_h = font * 1.5, font * 1.05
    for entry in entries:
        group = drawing.element("g", legend, class_=f"map-legend-entry is-{entry.kind}")
        lines = _row_lines(drawing, entry, width)
        row_top = y + font * 0.3
        if entry.kind in ("class", "missing", "suppressed"):
            fill = entry.colour if entry.kind == "class" else drawing.hatch(entry.kind, 1.0)
            drawing.element("rect", group, x=x, y=row_top, width=swatch_w, height=swatch_h, fill=fill, stroke=BORDER,
                            stroke_width="0.8")
            if entry.norway:
                _diamond(drawing, group, x + swatch_w / 2, row_top + swatch_h / 2, font * 0.42)
        elif entry.kind == "norway":
            _diamond(drawing, group, x + swatch_w / 2, row_top + swatch_h / 2, font * 0.42)
        elif entry.kind == "dot":
            drawing.element("circle", group, cx=x + swatch_w / 2, cy=row_top + swatch_h / 2, r=DOT_PX, fill=BACKGROUND,
                            stroke=INK, stroke_width="0.8")
        for number, line in enumerate(lines):
            drawing.text(x + swatch_w + font * 0.5, row_top + swatch_h * 0.82 + number * font * 1.25, line, group,
                         halo=True)
        y += len(lines) * font * 1.25 + font * 0.45
    return y
