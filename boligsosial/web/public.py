"""Public chart pages for journalists: one chart with its numbers and source, as plain HTML.

    /figur/<indicator>       the chart as inline SVG, a short summary, the table, the source,
                             downloads (CSV, XLSX, PNG, SVG), a share link and an embed code
    /figur/<indicator>.svg   the chart as an image with its title and source written in
    /figur/<indicator>.png   the same, rasterised (cairosvg, when installed)
    /embed/<indicator>       the chart with minimal chrome, for an <iframe> on another site
                             (security.py lets only /embed/ be framed)

They take the same view parameters as the app and the data API (boligsosial/domain/selection.py:
region, from, to, breakdown, by, codes, lang), so a page, its CSV and its embed show the same
rows. An open period ("from=2012", no "to") keeps an embed current when new data arrives.
With neither `breakdown` nor `by`, a page shows the total when the indicator has one.

No JavaScript at all: the SVG is drawn on the server (boligsosial/charts/svg.py) and every
point carries its value as a hover title. Responses are cached per data version and
parameters (boligsosial/web/render_cache.py) and carry an ETag and a short public max-age, so a
CDN can serve them too; a repeat request does no data query and no drawing.
"""
from __future__ import annotations

import hashlib
import logging
import math
import re
from dataclasses import replace
from html import escape
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request
from markupsafe import Markup

from boligsosial.charts import map_canvas, maps, svg
from boligsosial.charts.model import Chart
from boligsosial.config import settings
from boligsosial.domain import selection, sources
from boligsosial.domain.selection import Selection, SelectionError
from boligsosial.text import i18n
from boligsosial.text.i18n import t
from boligsosial.text.numbers import (
    format_date,
    format_number,
    format_period,
)
from boligsosial.ui import components, html_writer, links
from boligsosial.warehouse import db
from boligsosial.web import api, export_rows, social, static_assets
from boligsosial.web.public_chart import NotFound, PublicChart, build_chart
from boligsosial.web.public_map import MAP_LEVELS, MapView, PublicMap, build_map, map_view
from boligsosial.web.render_cache import RenderCache, Rendered

try:  # optional: PNG downloads need cairosvg (and the system's libcairo2)
    import cairosvg
except (ImportError, OSError):  # pragma: no cover - depends on the machine
    cairosvg = None

logger = logging.getLogger(__name__)

blueprint = Blueprint("public", __name__, template_folder="templates")
cache = RenderCache()

FORMAT_VERSION = "1"  # part of every ETag: raise it when the pages' markup changes
PNG_SCALE = 2  # sharp on high-density screens and in print
_ID = re.compile(r"[a-z0-9_]{1,64}")


# ------------------------------------------------------------------------------ routes


@blueprint.get("/figur/<name>")
def figure(name: str):
    indicator_id, dot, extension = name.partition(".")
    if dot and extension not in ("svg", "png"):
        return error_page(404, "figur.not_found_heading", t("figur.not_found", request_lang(), id=name[:80]))
    if extension == "png" and cairosvg is None:
        return error_page(404, "figur.not_found_heading", t("figur.png_unavailable", request_lang()))
    return serve(extension or "page", indicator_id)


@blueprint.get("/embed/<indicator_id>")
def embed(indicator_id: str):
    return serve("embed", indicator_id)


def serve(kind: str, indicator_id: str) -> Response:
    try:
        chosen = selection.parse(request.args)
        view = map_view(request.args)
    except SelectionError as error:
        return error_page(400, "figur.bad_request_heading", error.message(request_lang()))
    if not _ID.fullmatch(indicator_id):
        return _not_found(indicator_id, chosen.lang)
    version = db.data_version()
    site = settings.site_url()
    key = (kind, indicator_id, chosen.query_string(), view.query_string() if view else "", site)
    etag = hashlib.sha256("\x1f".join((FORMAT_VERSION, version, *key)).encode()).hexdigest()[:24]
    if api.not_modified(etag, None):
        response = Response(status=304)
    else:
        try:
            rendered = cache.get_or_build(version, key, lambda: BUILDERS[kind](indicator_id, chosen, site, view))
        except NotFound:
            return _not_found(indicator_id, chosen.lang)
        except SelectionError as error:  # a `by` dimension the warehouse does not have
            return error_page(400, "figur.bad_request_heading", error.message(chosen.lang))
        except export_rows.TooManyRows as error:
            message = t("figur.too_many_rows", chosen.lang, limit=format_number(error.limit, 0, chosen.lang))
            return error_page(400, "figur.bad_request_heading", message)
        response = Response(rendered.body, content_type=rendered.content_type)
        for name, value in rendered.headers:
            response.headers[name] = value
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = f"public, max-age={api.MAX_AGE}"
    return response


def request_lang() -> str:
    return i18n.language(request.args.get("lang"))


# ------------------------------------------------------------------------------ responses


def _urls(chart: PublicChart | PublicMap, site: str) -> dict[str, str]:
    indicator_id = chart.indicator["id"]
    data_query = chart.selection.query_string()
    # A map's address is the map view (with its year, so a shared link keeps the map it shows).
    view = getattr(chart, "view", None)
    if view is not None:
        year = view.year  # without one, an embed shows the latest year as new data arrives
        query = MapView(view.level, year).query_string() + f"&lang={chart.lang}"
        in_language = lambda code: MapView(view.level, year).query_string() + f"&lang={code}"  # noqa: E731
    else:
        query = data_query
        in_language = lambda code: replace(chart.selection, lang=code).query_string()  # noqa: E731
    return {
        "canonical": f"{site}/figur/{indicator_id}?{query}",
        "languages": i18n.language_switch(chart.lang, lambda code: f"/figur/{indicator_id}?{in_language(code)}"),
        "embed": f"{site}/embed/{indicator_id}?{query}",
        "svg": f"/figur/{indicator_id}.svg?{query}",
        "png": f"/figur/{indicator_id}.png?{query}",
        "csv": f"{api.PREFIX}/indicators/{indicator_id}/data.csv?{data_query}",
        "xlsx": f"{api.PREFIX}/indicators/{indicator_id}/data.xlsx?{data_query}",
        "home": components.href("/", chart.lang),
        "app": links.app_page(indicator_id, chart.lang),
        "css": static_assets.asset_url("figur.css"),
        "map_css": static_assets.asset_url("map.css") if chart.kind == "map" else "",
        "icon": static_assets.favicon_url(),
    }


def _page_context(shown: PublicChart | PublicMap, site: str, embed: bool = False) -> dict[str, Any]:
    lang = shown.lang
    info = db.status()
    urls = _urls(shown, site)
    if shown.kind == "map":
        # A county map is small enough to send a phone's drawing too (legend under the map); a
        # municipality map is sent once and scales.
        wide = shown.drawing()
        narrow = shown.drawing(map_canvas.MAP_NARROW) if shown.data.level == "county" else ""
        height = _embed_height(wide)
    else:
        frame = svg.EMBED if embed else svg.WIDE
        wide = shown.svg(frame) if shown.kind else ""
        narrow = shown.svg(svg.narrow(frame)) if shown.kind else ""
        height = _embed_height(shown.svg(svg.EMBED) if shown.kind and not embed else wide)
    # The address is URL-encoded (no quotes or brackets), so it is written as it is, readable.
    embed_code = (f'<iframe title="{escape(shown.title, quote=True)}" src="{urls["embed"]}" width="100%" '
                  f'height="{height}" style="border:0;max-width:760px" loading="lazy"></iframe>')
    return {
        "lang": lang,
        "languages": urls["languages"],
        "t": lambda key, **values: t(key, lang, **values),
        "chart": shown,
        "svg_wide": Markup(wide),
        "svg_narrow": Markup(narrow),
        "table": Markup(html_writer.static_html(shown.table)) if shown.table is not None else "",
        "source": Markup(html_writer.static_html(components.source_line(shown.rows, lang))),
        "publishers": _publishers(shown.rows, lang),
        "sources": len(sources.distinct(shown.rows)),
        "definition": shown.indicator.get(f"definition_{lang}") or "",
        "urls": urls,
        "views": _views(shown),
        "embed_code": embed_code,
        "png": cairosvg is not None,
        "data_version": info["data_version"],
        "built": format_date(info["built_at"], lang),
        "site_name": t("site.name", lang),
        "social": social.chart_tags(shown, urls["canonical"], pictures=cairosvg is not None),
    }


def _views(shown: PublicChart | PublicMap) -> list[tuple[str, str, bool]]:
    """Other ways to see the indicator: as a chart, as a map of counties or municipalities, and
    the map's other years: (text, link, current)."""
    indicator_id, lang = shown.indicator["id"], shown.lang
    base = f"/figur/{indicator_id}"
    language = "" if lang == "nb" else f"&lang={lang}"
    found = []
    current = shown.view if shown.kind in ("map", "") and isinstance(shown, PublicMap) else None
    found.append((t("figur.view_chart", lang), base + (f"?lang={lang}" if lang != "nb" else ""), current is None))
    for name, level in MAP_LEVELS.items():
        if maps.periods(indicator_id, level):
            found.append((t(f"figur.view_map_{name}", lang), f"{base}?view=map&level={name}{language}",
                          current is not None and current.level == name and not current.year))
    if current is not None and len(shown.data.periods) > 1:
        for period in shown.data.periods[-8:]:
            found.append((format_period(period, lang), f"{base}?view=map&level={current.level}&year={period}{language}",
                          period == shown.data.period))
    return found


def _publishers(rows: Sequence[Mapping[str, Any]], lang: str) -> str:
    """The embed's one source line: "Kilder: Husbanken, SINTEF" (titles and links are one
    click away, on the public page)."""
    names = list(dict.fromkeys(sources.publisher(row, lang) for row in rows if row.get("source_publisher")))
    if not names:
        return ""
    return t("source.label" if len(names) == 1 else "source.label_many", lang) + " " + ", ".join(names) + "."


def _embed_height(svg: str) -> int:
    """An iframe height that fits the embed's chart at a typical article width (640 px), with
    its title and source line."""
    match = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    chart = int(match[2]) * 640 / int(match[1]) if match else 0
    return int(math.ceil((chart + 170) / 10) * 10)


def _html(template: str, context: Mapping[str, Any]) -> Rendered:
    return Rendered(render_template(template, **context).encode("utf-8"), "text/html; charset=utf-8")


def _shown(indicator_id: str, chosen: Selection, view: MapView | None) -> PublicChart | PublicMap:
    return build_map(indicator_id, chosen, view) if view else build_chart(indicator_id, chosen)


def _build_page(indicator_id: str, chosen: Selection, site: str, view: MapView | None) -> Rendered:
    return _html("figur_page.html", _page_context(_shown(indicator_id, chosen, view), site))


def _build_embed(indicator_id: str, chosen: Selection, site: str, view: MapView | None) -> Rendered:
    return _html("figur_embed.html", _page_context(_shown(indicator_id, chosen, view), site, embed=True))


def image_svg(shown: PublicChart | PublicMap, site: str) -> str:
    """The chart or map as a file: title, subtitle, unit, key and source written into it."""
    where = f"{site}/figur/{shown.indicator['id']}"
    credit = f"{t('site.name', shown.lang)}: {where}"
    source = sources.source_text(shown.rows, shown.lang)
    written = f"{source}. {credit}" if source else credit
    if shown.kind == "map":
        return shown.image(replace(map_canvas.MAP_IMAGE, title=shown.title, subtitle=shown.subtitle, source=written))
    if not shown.kind and isinstance(shown, PublicMap):  # nothing to draw: an image that says why
        return svg.render(Chart(kind="", title=shown.title, lang=shown.lang, notice=shown.note),
                          replace(svg.IMAGE, title=shown.title, source=written))
    frame = replace(svg.IMAGE, title=shown.title, subtitle=shown.subtitle, source=written)
    return svg.render(shown.chart, frame)


def _image_headers(chart: PublicChart | PublicMap, extension: str) -> tuple[tuple[str, str], ...]:
    name = f"boligsosial-{chart.indicator['id']}-{db.data_version()[:8]}.{extension}"
    return (("Content-Disposition", f'inline; filename="{name}"'),)


def _build_svg(indicator_id: str, chosen: Selection, site: str, view: MapView | None) -> Rendered:
    shown = _shown(indicator_id, chosen, view)
    return Rendered(image_svg(shown, site).encode("utf-8"), "image/svg+xml; charset=utf-8", _image_headers(shown, "svg"))


def _build_png(indicator_id: str, chosen: Selection, site: str, view: MapView | None) -> Rendered:
    shown = _shown(indicator_id, chosen, view)
    png = cairosvg.svg2png(bytestring=image_svg(shown, site).encode("utf-8"), scale=PNG_SCALE)
    return Rendered(png, "image/png", _image_headers(shown, "png"))


BUILDERS: dict[str, Callable[[str, Selection, str, MapView | None], Rendered]] = {
    "page": _build_page, "embed": _build_embed, "svg": _build_svg, "png": _build_png,
}


# ------------------------------------------------------------------------------ errors


def _not_found(indicator_id: str, lang: str) -> Response:
    return error_page(404, "figur.not_found_heading", t("figur.not_found", lang, id=indicator_id[:80]), lang)


def error_page(status: int, heading: str, message: str, lang: str | None = None) -> Response:
    lang = lang or request_lang()
    args = {k: v for k, v in request.args.items(multi=False)}
    languages = i18n.language_switch(lang, lambda code: request.path + "?" + urlencode(args | {"lang": code}))
    context = {
        "lang": lang, "languages": languages, "t": lambda key, **values: t(key, lang, **values),
        "heading": t(heading, lang), "message": message, "status": status,
        "urls": {"home": components.href("/", lang), "data": components.href("/data", lang), "css": static_assets.asset_url("figur.css"),
                 "icon": static_assets.favicon_url()},
        "site_name": t("site.name", lang),
    }
    response = Response(render_template("figur_error.html", **context), status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response
