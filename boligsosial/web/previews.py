"""Social preview images: what a link to the site shows when it is pasted into a social
network or a chat (Open Graph / Twitter card `og:image`), 1200 × 630 PNG.

    /figur/<indicator>/preview.png?<view>   the chart of that public page, with its title,
                                            source and the site's name
    /preview.png?lang=                      the site's own image, for pages without a chart

A chart preview is the public page's own chart model (boligsosial/web/public.py build_chart)
drawn by the one SVG renderer (boligsosial/charts/svg.py) in a frame sized for the picture, set
into a 1200 × 630 canvas with the site's name along the foot, and rasterised by cairosvg. It
takes the view parameters of /figur, so a card's preview shows what the card shows. Images are
served through the public pages' cache, ETag and 304 (keyed on the data version), so a repeat
request does no drawing.
"""
from __future__ import annotations

import hashlib
import math
import textwrap
import xml.etree.ElementTree as ET
from dataclasses import replace

from flask import Blueprint, Response, request

from boligsosial.charts import svg
from boligsosial.charts.style import BACKGROUND, FONT, INK, MUTED
from boligsosial.domain import sources
from boligsosial.domain.selection import Selection
from boligsosial.text import i18n
from boligsosial.text.i18n import t
from boligsosial.warehouse import db
from boligsosial.web import api, public, public_chart, urls
from boligsosial.web.render_cache import Rendered

blueprint = Blueprint("previews", __name__)

WIDTH, HEIGHT = 1200, 630  # the size Open Graph and Twitter's large card show best
BAND = 64  # the strip along the foot with the site's name
BRAND = "#0f2d52"  # the site header's colour (assets/style.css --brand)
# The chart is drawn at this width and scaled up to the canvas, so its text is large enough
# to read when the picture is shown at a few hundred pixels in a feed.
DRAW_WIDTH = 900
DRAW_FONT = 18
KIND = "preview"
SVG_NS = "{http://www.w3.org/2000/svg}"


def available() -> bool:
    """PNG needs cairosvg (and libcairo2); without it no preview tags are written."""
    return public.cairosvg is not None


# ------------------------------------------------------------------------------ routes


@blueprint.get("/figur/<indicator_id>/preview.png")
def chart_preview(indicator_id: str):
    if not available():
        return public.error_page(404, "figur.not_found_heading", t("figur.png_unavailable", public.request_lang()))
    return public.serve(KIND, indicator_id)


@blueprint.get("/preview.png")
def site_preview():
    lang = i18n.language(request.args.get("lang"))
    if not available():
        return public.error_page(404, "figur.not_found_heading", t("figur.png_unavailable", lang), lang)
    try:
        version = db.data_version()
    except db.WarehouseUnavailable:
        version = ""  # the site's name needs no figures
    key = (KIND, "site", lang, urls.site_root())
    etag = hashlib.sha256("\x1f".join((public.FORMAT_VERSION, version, *key)).encode()).hexdigest()[:24]
    if api.not_modified(etag, None):
        response = Response(status=304)
    else:
        rendered = public.cache.get_or_build(version, key, lambda: _png(site_svg(lang, urls.site_root())))
        response = Response(rendered.body, content_type=rendered.content_type)
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = f"public, max-age={api.MAX_AGE}"
    return response


def _build_chart_preview(indicator_id: str, chosen: Selection, site: str, view: object) -> Rendered:
    # A map view (`vis=kart`) has no preview of its own; the picture is the chart it maps.
    return _png(chart_svg(public_chart.build_chart(indicator_id, chosen), site))


# The public pages' builders are a registry keyed by kind; the preview is one more kind, so it
# shares their cache, validation and error pages.
public.BUILDERS[KIND] = _build_chart_preview


def _png(drawing: str) -> Rendered:
    png = public.cairosvg.svg2png(bytestring=drawing.encode("utf-8"), output_width=WIDTH, output_height=HEIGHT)
    return Rendered(png, "image/png")


# ------------------------------------------------------------------------------ drawing


def chart_svg(shown: public_chart.PublicChart, site: str) -> str:
    """The chart with its title, subtitle and source, fitted into the canvas above the band."""
    lang = shown.lang
    frame = replace(svg.IMAGE, width=DRAW_WIDTH, font=DRAW_FONT, id_prefix="preview", title=shown.title,
                    subtitle=shown.subtitle, source=_source_line(shown.rows, lang))
    room = (HEIGHT - BAND) * DRAW_WIDTH / WIDTH  # the drawing's height that fills the space exactly
    drawing = svg.render(shown.chart, frame)
    # A line chart's height follows its plot height: one correction makes it fill the space.
    # (A bar chart grows with its bars; it is scaled to fit, with margins at the sides.)
    height = _height(drawing)
    if shown.chart.kind == "line" and abs(height - room) > 4:
        frame = replace(frame, plot_height=max(140, int(frame.plot_height + room - height)))
        drawing = svg.render(shown.chart, frame)
    canvas = _canvas(f"{shown.title}. {shown.subtitle}".strip(" ."), lang, site)
    inner = _plain(ET.fromstring(drawing))
    inner.attrib.update({"x": "0", "y": "0", "width": str(WIDTH), "height": str(HEIGHT - BAND),
                         "preserveAspectRatio": "xMidYMid meet"})
    canvas.insert(1, inner)
    return ET.tostring(canvas, encoding="unicode")


def site_svg(lang: str, site: str) -> str:
    """The site's name and what it is about, for pages without a chart."""
    canvas = _canvas(t("site.name", lang), lang, site)
    _text(canvas, 64, 220, t("site.name", lang), 72, INK, bold=True)
    y = 300.0
    for line in _wrap(t("social.site_tagline", lang), 38, WIDTH - 128):
        _text(canvas, 64, y, line, 38, MUTED)
        y += 52
    return ET.tostring(canvas, encoding="unicode")


def _canvas(label: str, lang: str, site: str) -> ET.Element:
    root = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "width": str(WIDTH), "height": str(HEIGHT),
                              "viewBox": f"0 0 {WIDTH} {HEIGHT}", "role": "img", "aria-label": label,
                              "font-family": FONT})
    ET.SubElement(root, "rect", {"width": str(WIDTH), "height": str(HEIGHT), "fill": BACKGROUND})
    ET.SubElement(root, "rect", {"y": str(HEIGHT - BAND), "width": str(WIDTH), "height": str(BAND), "fill": BRAND})
    baseline = HEIGHT - BAND / 2 + 10
    _text(root, 32, baseline, t("site.name", lang), 28, BACKGROUND, bold=True)
    host = site.split("://", 1)[-1]
    _text(root, WIDTH - 32, baseline, host, 24, BACKGROUND, anchor="end")
    return root


def _source_line(rows, lang: str) -> str:
    """The source in full when there is one; the publishers when there are several (the public
    page names them all)."""
    found = sources.distinct(rows)
    if len(found) <= 1:
        return sources.source_text(rows, lang)
    names = list(dict.fromkeys(row["source_publisher"] for row in found))
    return t("source.label_many", lang) + " " + ", ".join(names)


def _height(drawing: str) -> float:
    root = ET.fromstring(drawing)
    return float(root.get("viewBox", "0 0 0 0").split()[3])


def _plain(element: ET.Element) -> ET.Element:
    """The parsed drawing without ElementTree's namespace prefixes, to nest in the canvas."""
    for node in element.iter():
        if node.tag.startswith(SVG_NS):
            node.tag = node.tag[len(SVG_NS):]
    return element


def _text(parent: ET.Element, x: float, y: float, content: str, size: int, fill: str, bold: bool = False,
          anchor: str | None = None) -> None:
    attributes = {"x": f"{x:g}", "y": f"{y:g}", "font-size": str(size), "fill": fill}
    if bold:
        attributes["font-weight"] = "bold"
    if anchor:
        attributes["text-anchor"] = anchor
    ET.SubElement(parent, "text", attributes).text = content


def _wrap(text: str, size: int, width: float) -> list[str]:
    return textwrap.wrap(text, max(10, math.floor(width / (size * svg.CHAR_WIDTH))))
