"""Choropleth maps of Norway's counties or municipalities, drawn on the server as SVG.

    map_geometry.load_geometry(structure, level)   the committed shapes: data/geo/<structure>-<level>.json
    map_geometry.structure_for_year(year)          which structure a year's figures are drawn on
    choropleth(geometry, values, ...)              the map as an SVG string (no JavaScript)
    map_values.table_rows(geometry, values, ...)   the rows of the table beside it (place, value, class)

The shapes are SVG path strings in a fixed frame (ETRS89 / UTM 33N in 100 m units, built by
`python -m etl.geo`), so drawing needs no geometry library: the map is one scaled group of
paths. Every region is a link (`href(code)`) holding a <title> with place, value and year, which
is its accessible name and the browser's hover text. Colours come from boligsosial/charts/
classes.py; a missing value is hatched, a suppressed one cross-hatched, each named in the
legend, never coloured as a number. Norway's value is marked on the legend. Oslo and the dense
south-east are drawn again enlarged in a corner (its links are not in the tab order, so a
keyboard user meets each place once), and a region too small to see at the map's scale also
gets a dot, so Kvitsøy or Utsira can be seen and clicked. The focus ring on a shape is in
assets/map.css (class `map-svg`).

Built with ElementTree as the charts are, so the output is well-formed and every text escaped;
palette and font are the charts' own (boligsosial/charts/style.py). The parts: map_geometry.py
(the shapes), map_values.py (figures, their texts, the table), map_canvas.py (frame and drawing
surface), map_legend.py (the legend); this module draws the map and its inset.
"""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from typing import Callable, Mapping

from boligsosial.charts.classes import Classes
from boligsosial.charts.map_canvas import BORDER, DOT_PX, MAP_WIDE, MapCanvas, MapFrame, factor, pixels
from boligsosial.charts.map_geometry import Geometry
from boligsosial.charts.map_legend import draw_legend, legend_entries, measure_legend
from boligsosial.charts.map_values import (
    MapValue,
    check_classes,
    check_codes,
    legend_texts,
    map_classes,
    value_kind,
    value_text,
    with_unit,
)
from boligsosial.charts.style import BACKGROUND, INK, MUTED
from boligsosial.text.i18n import t

SMALL_PX = 3.0  # a region whose largest side is drawn shorter than this also gets a dot
BORDER_PX = {"county": 0.7, "municipality": 0.3}
OUTLINE_PX = 0.9  # county borders drawn over a municipality map


def choropleth(
    geometry: Geometry,
    values: Mapping[str, MapValue],
    *,
    href: Callable[[str], str],
    unit: str,
    title: str,
    year: str,
    names: Mapping[str, str] | None = None,
    lang: str = "nb",
    decimals: int = 0,
    norway: MapValue | None = None,
    texts: Mapping[str, str] | None = None,
    frame: MapFrame = MAP_WIDE,
    classes: Classes | None = None,
    outline: Geometry | None = None,
    desc: str = "",
) -> str:
    """The map as an SVG document (a string).

    `values` by region code of `geometry` (a region without one is drawn as missing; a code not
    on this map is an error: harmonise to the structure first). `names` are the place names to
    write (default: the boundary file's), `href(code)` each region's link, `unit` the unit label
    ("per 1 000 innbyggere"), `year` the period as written. `norway` is marked on the legend.
    `texts` overrides legend entries (keys of legend_texts). `classes` lets several maps share
    one classing; `outline` (a county Geometry) draws county borders over a municipality map."""
    check_codes(geometry, values)
    names = names or {}
    texts = legend_texts(lang, texts)
    classes = classes if classes is not None else map_classes(values, decimals)
    check_classes(values, classes)
    drawing = MapCanvas(frame)
    font = frame.font
    structure_text = t(f"map.structure.{geometry.structure}.{geometry.level}", lang)
    ET.SubElement(drawing.root, "title", {"id": f"{frame.id_prefix}-title"}).text = f"{title} ({year})" if year else title
    ET.SubElement(drawing.root, "desc", {"id": f"{frame.id_prefix}-desc"}).text = desc or t(
        "map.desc", lang, regions=t(f"map.regions.{geometry.level}", lang), structure=structure_text, unit=unit, year=year)

    top = 0.0
    if frame.standalone:
        background = drawing.element("rect", x="0", y="0", width=str(frame.width), fill=BACKGROUND)
        heading = round(font * 1.3)
        top = 12.0
        for line in drawing.wrap(frame.title or title, frame.width - 32, heading, bold=True):
            top += heading * 1.25
            drawing.text(16, top, line, size=heading, weight="bold")
        for line in drawing.wrap(frame.subtitle, frame.width - 32) if frame.subtitle else []:
            top += font * 1.35
            drawing.text(16, top, line, fill=MUTED)
        top += font * 0.6

    _, _, view_width, view_height = geometry.view_box
    scale = frame.width / view_width
    map_height = view_height * scale
    kinds = {code: value_kind(values.get(code)) for code in geometry.regions}

    def fill(code: str, at_scale: float) -> str:
        if kinds[code] != "value":
            return drawing.hatch(kinds[code], at_scale)
        return classes.colour(values[code].value)

    def shape_title(code: str) -> str:
        item = values.get(code)
        written = with_unit(value_text(item, decimals, lang, texts), item, unit, lang)
        return t("map.shape_title", lang, place=names.get(code) or geometry.regions[code].name, value=written, year=year)

    # The map: one group scaled from frame units to pixels; strokes are given in pixels.
    shapes = drawing.element("g", class_="map-regions", transform=f"translate(0 {pixels(top)}) scale({factor(scale)})",
                             fill_rule="evenodd", stroke=BORDER, stroke_width=BORDER_PX[geometry.level] / scale,
                             stroke_linejoin="round")
    small = []
    for code, region in geometry.regions.items():
        link = drawing.element("a", shapes, href=href(code))
        ET.SubElement(link, "title").text = shape_title(code)
        drawing.element("path", link, d=region.d, fill=fill(code, scale))
        if max(region.box[2] - region.box[0], region.box[3] - region.box[1]) * scale < SMALL_PX:
            small.append(code)
            drawing.element("circle", link, cx=region.point[0], cy=region.point[1], r=DOT_PX / scale,
                            fill=fill(code, scale), stroke=INK, stroke_width=0.6 / scale)
    if outline is not None:
        borders = drawing.element("g", class_="map-outline", transform=shapes.get("transform"), fill="none", stroke=INK,
                                  stroke_width=OUTLINE_PX / scale, stroke_linejoin="round", aria_hidden="true")
        for region in outline.regions.values():
            drawing.element("path", borders, d=region.d)

    _draw_inset(drawing, geometry, outline, top, scale, map_height, fill, shape_title, href,
                texts["inset"], names.get("0301") or names.get("03"))

    # The legend: in the sea west of Nordland when it fits there, else under the map.
    bottom = top + map_height
    legend_width = frame.width * 0.3 if frame.legend_inside else frame.width - 16
    entries = legend_entries(geometry, values, kinds, classes, norway, texts, decimals, lang, bool(small))
    heading = t("map.legend.heading", lang, unit=unit, year=year) if year else unit
    heading = heading[:1].upper() + heading[1:]
    legend_height = measure_legend(drawing, heading, entries, legend_width)
    inside = frame.legend_inside and legend_height < map_height * 0.44
    lx, ly = (8.0, top + 8.0) if inside else (8.0, bottom + font * 0.8)
    end = draw_legend(drawing, lx, ly, legend_width, heading, entries)
    bottom = max(bottom, end) if not inside else bottom

    # Which structure the map shows, and the attribution of the boundaries.
    small_font = round(font * 0.85)
    footer = [t("map.footer.structure", lang, structure=structure_text),
              t("map.footer.attribution", lang, attribution=geometry.attribution)]
    if frame.standalone and frame.source:
        footer.append(frame.source)
    bottom += small_font * 0.4
    for part in footer:  # each on lines of its own, so the attribution is never split across two
        for line in drawing.wrap(part, frame.width - 16, small_font):
            bottom += small_font * 1.3
            drawing.text(8, bottom, line, size=small_font, fill=MUTED)
    height = math.ceil(bottom + small_font * 0.6)
    drawing.root.set("viewBox", f"0 0 {frame.width} {height}")
    if frame.standalone:
        background.set("height", str(height))
        drawing.root.set("width", str(frame.width))
        drawing.root.set("height", str(height))
    return ET.tostring(drawing.root, encoding="unicode")


def _draw_inset(drawing: MapCanvas, geometry: Geometry, outline: Geometry | None, top: float, scale: float,
                map_height: float, fill: Callable[[str, float], str], shape_title: Callable[[str], str],
                href: Callable[[str], str], label: str, oslo_name: str | None) -> None:
    """Oslo and the south-east enlarged in the bottom-right corner (Sweden's place), marked on
    the map by a frame. Its links repeat the map's, so they are kept out of the tab order and
    from assistive technology (the map's own links and the table give every place once)."""
    frame, font = drawing.frame, drawing.frame.font
    ix, iy, iw, ih = geometry.inset_box
    width_px = frame.width * (0.31 if frame.legend_inside else 0.36)
    inset_scale = width_px / iw
    height_px = ih * inset_scale
    left, upper = frame.width - 6 - width_px, top + map_height - 6 - height_px
    drawing.element("rect", x=ix * scale, y=top + iy * scale, width=iw * scale, height=ih * scale, fill="none",
                    stroke=INK, stroke_width="0.8", aria_hidden="true")
    inset = drawing.element("g", class_="map-inset", aria_hidden="true")
    drawing.element("rect", inset, x=left, y=upper, width=width_px, height=height_px, fill=BACKGROUND, stroke=INK,
                    stroke_width="0.8")
    clip_id = f"{frame.id_prefix}-inset-clip"
    clip = drawing.element("clipPath", inset, id=clip_id)
    drawing.element("rect", clip, x=ix, y=iy, width=iw, height=ih)
    zoomed = drawing.element("g", inset, transform=f"translate({pixels(left - ix * inset_scale)} {pixels(upper - iy * inset_scale)}) "
                                                   f"scale({factor(inset_scale)})", clip_path=f"url(#{clip_id})",
                             fill_rule="evenodd", stroke=BORDER, stroke_width=BORDER_PX[geometry.level] * 1.5 / inset_scale,
                             stroke_linejoin="round")
    for code, d in geometry.inset.items():
        link = drawing.element("a", zoomed, href=href(code), tabindex="-1")
        ET.SubElement(link, "title").text = shape_title(code)
        drawing.element("path", link, d=d, fill=fill(code, inset_scale))
    if outline is not None:
        borders = drawing.element("g", zoomed, fill="none", stroke=INK, stroke_width=OUTLINE_PX * 1.3 / inset_scale)
        for d in outline.inset.values():
            drawing.element("path", borders, d=d)
    drawing.text(left + 4, upper - 5, label, inset, size=font - 1, weight="bold")
    oslo = next((code for code in ("0301", "03") if code in geometry.regions), None)
    if oslo:
        px, py = geometry.regions[oslo].point
        drawing.text(left + (px - ix) * inset_scale, upper + (py - iy) * inset_scale + font * 0.35,
                     oslo_name or geometry.regions[oslo].name, inset, size=font - 1, anchor="middle", weight="bold",
                     halo=True)
