"""Choropleth maps of Norway's counties or municipalities, drawn on the server as SVG.

    load_geometry(structure, level)      the committed shapes: data/geo/<structure>-<level>.json
    structure_for_year(year)             which structure a year's figures are drawn on
    choropleth(geometry, values, ...)    the map as an SVG string (no JavaScript)
    table_rows(geometry, values, ...)    the rows of the table beside it (place, value, class)

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

Built with ElementTree as boligsosial/charts/svg.py is, so the output is well-formed and every
text escaped; palette and font are the charts' own (boligsosial/charts/style.py).
"""
from __future__ import annotations

import json
import math
import textwrap
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable, Iterable, Mapping

from boligsosial.charts.classes import Classes, classify
from boligsosial.charts.style import AXIS, BACKGROUND, FLAG_MARK, FONT, INK, MUTED
from boligsosial.charts.svg import CHAR_WIDTH
from boligsosial.config import settings
from boligsosial.text.i18n import t
from boligsosial.text.numbers import format_number, missing_text, qualifier_text

GEO_DIR = settings.ROOT / "data" / "geo"
STRUCTURES = ("2020", "2024")
LEVELS = ("county", "municipality")
SUPPRESSED = ":"  # SSB's symbol for a figure withheld to protect privacy

BORDER = AXIS  # region borders: 4.8:1 on white and on the lightest class, still visible on the darkest
BORDER_PX = {"county": 0.7, "municipality": 0.3}
OUTLINE_PX = 0.9  # county borders drawn over a municipality map
HATCH = MUTED
SMALL_PX = 3.0  # a region whose largest side is drawn shorter than this also gets a dot
DOT_PX = 2.6


# ------------------------------------------------------------------------------ geometry


@dataclass(frozen=True)
class Region:
    name: str  # as the boundary file names it (the map writes the names it is given)
    d: str  # SVG path in frame units
    box: tuple[int, int, int, int]  # min x, min y, max x, max y
    point: tuple[int, int]  # inside its largest part


@dataclass(frozen=True)
class Geometry:
    structure: str  # "2020" (2020-2023) or "2024"
    level: str  # "county" or "municipality"
    valid_on: str
    view_box: tuple[int, int, int, int]
    attribution: str
    regions: Mapping[str, Region]
    inset_box: tuple[int, int, int, int]  # x, y, width, height in frame units
    inset: Mapping[str, str]  # code -> path, clipped to inset_box, more detailed


@lru_cache(maxsize=None)
def load_geometry(structure: str, level: str) -> Geometry:
    """The shapes of one structure ("2020" or "2024") and level ("county" or "municipality")."""
    if structure not in STRUCTURES or level not in LEVELS:
        raise ValueError(f"No map geometry for structure {structure!r} and level {level!r}: "
                         f"structure is one of {STRUCTURES}, level one of {LEVELS}.")
    with open(GEO_DIR / f"{structure}-{level}.json", encoding="utf-8") as handle:
        data = json.load(handle)
    regions = {code: Region(r["name"], r["d"], tuple(r["box"]), tuple(r["point"])) for code, r in data["regions"].items()}
    return Geometry(data["structure"], data["level"], data["valid_on"], tuple(data["view_box"]), data["attribution"],
                    regions, tuple(data["inset"]["box"]), dict(data["inset"]["regions"]))


def structure_for_year(year: int) -> str | None:
    """The structure a year's regional figures are published on: 2024 onwards the present one,
    2020-2023 the one of 2020; earlier years have no geometry here (None)."""
    if year >= 2024:
        return "2024"
    if year >= 2020:
        return "2020"
    return None


# ------------------------------------------------------------------------------ data in


@dataclass(frozen=True)
class MapValue:
    """One region's figure. `value` None means not there: `status` says why (SSB's symbols,
    ":" = suppressed), and it is drawn hatched, never as a number."""

    value: float | None = None
    status: str = ""
    qualifier: str = ""  # "approx", "gt", "lt" (boligsosial.text.numbers)
    flagged: bool = False  # derived or from a secondary source: marked * and explained in the legend
    label: str = ""  # the value as written elsewhere on the page, if the caller has it ("ca. 12")


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


@dataclass(frozen=True)
class TableRow:
    code: str
    place: str
    value: float | None  # for sorting; None when missing or suppressed
    value_text: str  # as in the shape's title, without the unit: "ca. 12,3*", "Tall mangler"
    class_text: str  # the legend entry: "10,0–14,9", "Tall mangler", "Skjult av personvernhensyn"
    class_index: int | None  # 0 = lightest; None for missing and suppressed
    href: str


# ------------------------------------------------------------------------------ texts


def legend_texts(lang: str, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The legend's fixed entries (missing, suppressed, flagged, small, inset), from
    data/i18n/maps.yaml unless the caller gives its own."""
    keys = ("missing", "suppressed", "flagged", "small")
    texts = {key: t(f"map.legend.{key}", lang) for key in keys}
    texts["inset"] = t("map.inset", lang)
    return {**texts, **(overrides or {})}


def _kind(item: MapValue | None) -> str:
    if item is None or item.value is None:
        return "suppressed" if item is not None and item.status.strip() == SUPPRESSED else "missing"
    return "value"


def value_text(item: MapValue | None, decimals: int, lang: str, texts: Mapping[str, str]) -> str:
    """A region's figure as written in its title and table row (no unit)."""
    kind = _kind(item)
    if kind == "suppressed":
        return texts["suppressed"]
    if kind == "missing":
        return item.label if item is not None and item.label else (
            missing_text(item.status, lang) if item is not None and item.status else texts["missing"])
    written = item.label or " ".join(
        part for part in (qualifier_text(item.qualifier, lang), format_number(item.value, decimals, lang)) if part)
    return written + (FLAG_MARK if item.flagged and not written.endswith(FLAG_MARK) else "")


def _with_unit(text: str, item: MapValue | None, unit: str, lang: str) -> str:
    return t("map.value_unit", lang, value=text, unit=unit) if unit and _kind(item) == "value" else text


def _check_codes(geometry: Geometry, values: Mapping[str, MapValue]) -> None:
    unknown = sorted(set(values) - set(geometry.regions))
    if unknown:
        raise ValueError(f"Values for codes that are not on the {geometry.level} map of structure {geometry.structure}: "
                         f"{', '.join(unknown[:10])}{' …' if len(unknown) > 10 else ''}. Harmonise them to that structure first.")


def _check_classes(values: Mapping[str, MapValue], classes: Classes) -> None:
    outside = [code for code, item in values.items() if _kind(item) == "value" and classes.index(item.value) is None]
    if outside:
        raise ValueError(f"Values of {', '.join(outside[:10])} lie outside the classes given; classify all values drawn.")


def map_classes(values: Mapping[str, MapValue], decimals: int) -> Classes:
    """The classes a map of these values gets by default (pass them to choropleth and
    table_rows, or classes of several maps' values together to compare maps)."""
    return classify([v.value for v in values.values() if v.value is not None], decimals)


def table_rows(geometry: Geometry, values: Mapping[str, MapValue], *, href: Callable[[str], str],
               names: Mapping[str, str] | None = None, lang: str = "nb", decimals: int = 0, classes: Classes | None = None,
               texts: Mapping[str, str] | None = None) -> list[TableRow]:
    """One row per region on the map, in code order, saying what the map says: the region's
    value and its class as the legend writes it. A region without a value gets a row too."""
    _check_codes(geometry, values)
    classes = classes if classes is not None else map_classes(values, decimals)
    _check_classes(values, classes)
    texts = legend_texts(lang, texts)
    class_texts = classes.texts(lang)
    rows = []
    for code, region in geometry.regions.items():
        item = values.get(code)
        kind = _kind(item)
        number = classes.index(item.value) if kind == "value" else None
        rows.append(TableRow(code, (names or {}).get(code) or region.name, item.value if kind == "value" else None,
                             value_text(item, decimals, lang, texts),
                             class_texts[number] if number is not None else texts[kind],
                             number, href(code)))
    return rows


# ------------------------------------------------------------------------------ drawing


def _number(value: float) -> str:
    """A length in pixels, short: 12.5 -> "12.5", 12.0 -> "12"."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _factor(value: float) -> str:
    """A scale factor or a length in frame units: enough digits that 1 500 units stay in place."""
    return f"{value:.6g}"


class _Drawing:
    def __init__(self, frame: MapFrame):
        self.frame = frame
        self.root = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "class": "map-svg", "role": "group",
                                       "font-family": FONT, "font-size": str(frame.font),
                                       "aria-labelledby": f"{frame.id_prefix}-title {frame.id_prefix}-desc"})
        self.defs: ET.Element | None = None

    def element(self, tag: str, parent: ET.Element | None = None, **attributes) -> ET.Element:
        attrib = {name.rstrip("_").replace("_", "-"): _number(value) if isinstance(value, float) else str(value)
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
        name = f"{self.frame.id_prefix}-{kind}-{_factor(scale).replace('.', '_')}"
        if self.defs.find(f"pattern[@id='{name}']") is None:
            size = 6 / scale
            pattern = self.element("pattern", self.defs, id=name, patternUnits="userSpaceOnUse", width=size, height=size)
            self.element("rect", pattern, width=size, height=size, fill=BACKGROUND)
            lines = f"M0,{_number(size)}L{_number(size)},0" + (f"M0,0L{_number(size)},{_number(size)}" if kind == "suppressed" else "")
            self.element("path", pattern, d=lines, stroke=HATCH, stroke_width=1 / scale, stroke_linecap="square")
        return f"url(#{name})"


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
    _check_codes(geometry, values)
    names = names or {}
    texts = legend_texts(lang, texts)
    classes = classes if classes is not None else map_classes(values, decimals)
    _check_classes(values, classes)
    drawing = _Drawing(frame)
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
    kinds = {code: _kind(values.get(code)) for code in geometry.regions}

    def fill(code: str, at_scale: float) -> str:
        if kinds[code] != "value":
            return drawing.hatch(kinds[code], at_scale)
        return classes.colour(values[code].value)

    def shape_title(code: str) -> str:
        item = values.get(code)
        written = _with_unit(value_text(item, decimals, lang, texts), item, unit, lang)
        return t("map.shape_title", lang, place=names.get(code) or geometry.regions[code].name, value=written, year=year)

    # The map: one group scaled from frame units to pixels; strokes are given in pixels.
    shapes = drawing.element("g", class_="map-regions", transform=f"translate(0 {_number(top)}) scale({_factor(scale)})",
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
    entries = _legend_entries(geometry, values, kinds, classes, norway, texts, decimals, lang, bool(small))
    heading = t("map.legend.heading", lang, unit=unit, year=year) if year else unit
    heading = heading[:1].upper() + heading[1:]
    legend_height = _legend_height(drawing, heading, entries, legend_width)
    inside = frame.legend_inside and legend_height < map_height * 0.44
    lx, ly = (8.0, top + 8.0) if inside else (8.0, bottom + font * 0.8)
    end = _draw_legend(drawing, lx, ly, legend_width, heading, entries)
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


def _draw_inset(drawing: _Drawing, geometry: Geometry, outline: Geometry | None, top: float, scale: float,
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
    zoomed = drawing.element("g", inset, transform=f"translate({_number(left - ix * inset_scale)} {_number(upper - iy * inset_scale)}) "
                                                   f"scale({_factor(inset_scale)})", clip_path=f"url(#{clip_id})",
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


# ------------------------------------------------------------------------------ legend


@dataclass(frozen=True)
class _Entry:
    kind: str  # "class", "missing", "suppressed", "norway", "note"
    text: str
    colour: str = ""
    norway: bool = False  # Norway's value falls in this class


def _legend_entries(geometry: Geometry, values: Mapping[str, MapValue], kinds: Mapping[str, str], classes: Classes,
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


def _row_lines(drawing: _Drawing, entry: _Entry, width: float) -> list[str]:
    return drawing.wrap(entry.text, width - drawing.frame.font * 2.2)


def _legend_height(drawing: _Drawing, heading: str, entries: Iterable[_Entry], width: float) -> float:
    font = drawing.frame.font
    lines = len(drawing.wrap(heading, width, bold=True)) * font * 1.25 + font * 0.5
    return lines + sum(len(_row_lines(drawing, e, width)) * font * 1.25 + font * 0.45 for e in entries)


def _diamond(drawing: _Drawing, parent: ET.Element, x: float, y: float, size: float) -> None:
    drawing.element("path", parent, d=f"M{_number(x)},{_number(y - size)}l{_number(size)},{_number(size)}"
                                      f"l{_number(-size)},{_number(size)}l{_number(-size)},{_number(-size)}z",
                    fill=INK, stroke=BACKGROUND, stroke_width="1")


def _draw_legend(drawing: _Drawing, x: float, y: float, width: float, heading: str, entries: list[_Entry]) -> float:
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


def narrow(frame: MapFrame) -> MapFrame:
    """The same map for a phone-sized box: legend under the map."""
    return replace(MAP_NARROW, id_prefix=frame.id_prefix + "-narrow")
