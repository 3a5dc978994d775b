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
import json
import logging
import math
import re
import sys
from dataclasses import dataclass, replace
from html import escape
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import parse_qsl, urlencode

import dash
from flask import Blueprint, Response, render_template, request
from markupsafe import Markup

from boligsosial.charts import build, choropleth, context, maps, svg
from boligsosial.charts.maps import MapData
from boligsosial.charts.model import Chart, position
from boligsosial.charts.style import MAX_LINES
from boligsosial.config import page_config, settings
from boligsosial.domain import breakdowns, explorer, selection, sources
from boligsosial.domain.change import change
from boligsosial.domain.selection import Selection, SelectionError
from boligsosial.text import i18n
from boligsosial.text.i18n import t
from boligsosial.text.numbers import (
    UNIT_SIGNS,
    format_date,
    format_number,
    format_period,
    format_value,
    is_missing,
)
from boligsosial.ui import components, tables
from boligsosial.warehouse import catalogue_rows, db, place_rows, series_rows
from boligsosial.web import api, exports, social, static_assets
from boligsosial.web.render_cache import RenderCache, Rendered

try:  # optional: PNG downloads need cairosvg (and the system's libcairo2)
    import cairosvg
except (ImportError, OSError):  # pragma: no cover - depends on the machine
    cairosvg = None

logger = logging.getLogger(__name__)

blueprint = Blueprint("public", __name__, template_folder="templates")
cache = RenderCache()

FORMAT_VERSION = "1"  # part of every ETag: raise it when the pages' markup changes
MAX_ROWS = 5000  # rows on one page; more is a download, not a chart
MAX_BARS = 400  # a little under the number of municipalities Norway has ever had at once
PNG_SCALE = 2  # sharp on high-density screens and in print
_ID = re.compile(r"[a-z0-9_]{1,64}")


class _NotFound(LookupError):
    pass


# ------------------------------------------------------------------------------ routes


@blueprint.get("/figur/<name>")
def figure(name: str):
    indicator_id, dot, extension = name.partition(".")
    if dot and extension not in ("svg", "png"):
        return _error_page(404, "figur.not_found_heading", t("figur.not_found", _lang(), id=name[:80]))
    if extension == "png" and cairosvg is None:
        return _error_page(404, "figur.not_found_heading", t("figur.png_unavailable", _lang()))
    return _serve(extension or "page", indicator_id)


@blueprint.get("/embed/<indicator_id>")
def embed(indicator_id: str):
    return _serve("embed", indicator_id)


def _serve(kind: str, indicator_id: str) -> Response:
    try:
        chosen = selection.parse(request.args)
        view = map_view(request.args)
    except SelectionError as error:
        return _error_page(400, "figur.bad_request_heading", error.message(_lang()))
    if not _ID.fullmatch(indicator_id):
        return _not_found(indicator_id, chosen.lang)
    version = db.data_version()
    site = settings.site_url()
    key = (kind, indicator_id, chosen.query_string(), view.query_string() if view else "", site)
    etag = hashlib.sha256("\x1f".join((FORMAT_VERSION, version, *key)).encode()).hexdigest()[:24]
    if api._not_modified(etag, None):  # noqa: SLF001 - the API's validator logic, shared
        response = Response(status=304)
    else:
        try:
            rendered = cache.get_or_build(version, key, lambda: BUILDERS[kind](indicator_id, chosen, site, view))
        except _NotFound:
            return _not_found(indicator_id, chosen.lang)
        except SelectionError as error:  # a `by` dimension the warehouse does not have
            return _error_page(400, "figur.bad_request_heading", error.message(chosen.lang))
        except exports.TooManyRows as error:
            message = t("figur.too_many_rows", chosen.lang, limit=format_number(error.limit, 0, chosen.lang))
            return _error_page(400, "figur.bad_request_heading", message)
        response = Response(rendered.body, content_type=rendered.content_type)
        for name, value in rendered.headers:
            response.headers[name] = value
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = f"public, max-age={api.MAX_AGE}"
    return response


def _lang() -> str:
    return i18n.language(request.args.get("lang"))


# ------------------------------------------------------------------------------ the map view

MAP_LEVELS = {"fylke": "county", "kommune": "municipality"}  # as the URL names them, in Norwegian


@dataclass(frozen=True)
class MapView:
    """?view=map&level=fylke|kommune&year=YYYY: the indicator as a map of one period."""

    level: str  # fylke | kommune
    year: str | None  # a period code; None: the latest with figures

    def query_string(self) -> str:
        return urlencode([("view", "map"), ("level", self.level)] + ([("year", self.year)] if self.year else []))


def map_view(args: Mapping[str, Any]) -> MapView | None:
    """The map parameters of a request, checked (SelectionError names a bad one)."""
    view = (args.get("view") or "").strip()
    if not view:
        return None
    if view != "map":
        raise SelectionError("view", "choice", value=view[:40], choices="map")
    level = (args.get("level") or "fylke").strip()
    if level not in MAP_LEVELS:
        raise SelectionError("level", "choice", value=level[:40], choices=", ".join(MAP_LEVELS))
    year = (args.get("year") or "").strip() or None
    if year is not None and not re.fullmatch(r"[0-9]{4}(-[0-9]{2}|-Q[1-4])?", year):
        raise SelectionError("year", "period", value=year[:40])
    return MapView(level, year)


@dataclass
class PublicMap:
    """What a page, an embed or an image says about one indicator as a map of one period."""

    indicator: Mapping[str, Any]
    selection: Selection  # the rows drawn, for the files: these regions, this period
    lang: str
    title: str
    subtitle: str
    data: MapData
    view: MapView
    summary: list[str]
    table: Any
    rows: list[dict[str, Any]]
    kind: str = "map"
    note: str = ""

    def drawing(self, frame: choropleth.MapFrame = choropleth.MAP_WIDE) -> str:
        return maps.draw(self.data, self.title, self.lang, lambda code: place_link(code, self.indicator["id"], self.lang),
                         frame)

    def image(self, frame: choropleth.MapFrame) -> str:
        return self.drawing(frame)


def place_link(code: str, indicator_id: str, lang: str) -> str:
    """A place's view in the region explorer, on the figure the map shows where it offers it."""
    params = explorer.place_parameter(code)
    found = explorer.offer_for_indicator(indicator_id)
    if found:
        params |= {"indicator": found[0].id, "measure": found[1]}
    if lang != "nb":
        params["lang"] = lang
    return dash.get_relative_path("/kommuner") + "?" + urlencode(params) + "#place"


def build_map(indicator_id: str, chosen: Selection, view: MapView) -> PublicMap:
    indicator = series_rows.indicator(indicator_id)
    if indicator is None:
        raise _NotFound(indicator_id)
    lang = chosen.lang
    title = indicator.get(f"title_{lang}") or indicator_id
    level = MAP_LEVELS[view.level]
    data = maps.map_data(indicator_id, level, view.year, lang)
    if data is None:
        available = maps.periods(indicator_id, level)
        note = t("figur.map_no_period", lang, year=view.year, years=", ".join(available)) if view.year and available \
            else t("figur.map_no_data", lang, regions=t(f"map.regions.{level}", lang))
        empty = MapData(indicator, level, view.year or "", "2024", False, {}, {}, None, 0, [], available)
        return PublicMap(indicator, chosen, lang, title, "", empty, view, [], None, [], kind="", note=note)
    codes = sorted(data.values) + (["0"] if data.norway else [])
    shown = replace(chosen, regions=tuple(codes), period_from=data.period, period_to=data.period, breakdowns=("",),
                    by=None, codes="current" if data.harmonised else "original")
    structure = t(f"map.structure.{data.structure}.{level}", lang)
    subtitle = " · ".join([t(f"map.regions.{level}", lang).capitalize(), format_period(data.period, lang),
                           t("figur.map_harmonised" if data.harmonised else "figur.map_structure", lang, structure=structure)])
    rows = maps.rows(data, lang, lambda code: place_link(code, indicator_id, lang))
    unit = build.unit_heading(indicator, lang)
    table = tables.map_table(rows, t("figur.caption", lang, title=title, unit=unit) + f", {format_period(data.period, lang)}",
                             t(f"explorer.level.{level}", lang), unit, lang, "figur-data")
    with_values = [row for row in rows if row.value is not None]
    summary = [t("figur.map_summary", lang, count=len(with_values), total=len(rows),
                 regions=t(f"map.regions.{level}", lang))]
    if with_values:
        high = max(with_values, key=lambda row: row.value)
        low = min(with_values, key=lambda row: row.value)
        summary.append(t("figur.map_high_low", lang, high=high.place, high_value=high.value_text,
                         low=low.place, low_value=low.value_text))
    return PublicMap(indicator, shown, lang, title, subtitle, data, view, summary, table, data.rows)


# ------------------------------------------------------------------------------ what the page shows


@dataclass
class PublicChart:
    """Everything a page, an embed or an image says about one selection: the chart model, the
    table with the same rows, the summary sentences and the rows (for sources)."""

    indicator: Mapping[str, Any]
    selection: Selection  # as shown: with the default view filled in
    lang: str
    title: str
    subtitle: str
    chart: Chart
    summary: list[str]
    table: Any  # a Dash component tree (boligsosial/ui/tables.py), written out with static_html
    rows: list[dict[str, Any]]

    @property
    def kind(self) -> str:
        return self.chart.kind

    @property
    def note(self) -> str:
        return self.chart.notice

    def svg(self, frame: svg.Frame) -> str:
        return svg.render(self.chart, frame)


def default_view(indicator: Mapping[str, Any], chosen: Selection) -> Selection:
    """The view a URL that names none opens with: the indicator's own (`public:` in
    data/indicators.yaml), else its total when it has one."""
    if chosen.breakdowns is not None or chosen.by is not None:
        return chosen
    untouched = chosen.regions == ("0",) and chosen.period_from is None and chosen.period_to is None
    if indicator.get("public_query") and untouched:
        own = selection.parse(dict(parse_qsl(indicator["public_query"])))
        return replace(own, lang=chosen.lang, codes=chosen.codes)
    if any(row["breakdown"] == "" for row in catalogue_rows.indicator_breakdowns(indicator["id"])):
        return replace(chosen, breakdowns=("",))
    return chosen


def build_chart(indicator_id: str, chosen: Selection) -> PublicChart:
    indicator = series_rows.indicator(indicator_id)
    if indicator is None:
        raise _NotFound(indicator_id)
    lang = chosen.lang
    chosen = default_view(indicator, chosen)
    dataset = exports.load(indicator_id, chosen, "", MAX_ROWS)
    fields = build.unit_fields(indicator)
    rows = [{**row, **fields} for row in dataset.rows]
    title = indicator.get(f"title_{lang}") or indicator_id
    unit = build.unit_heading(indicator, lang)

    # One series per (region, breakdown), named by what differs between them.
    by_series: dict[tuple[str, str], dict[str, dict]] = {}
    names: dict[str, str] = {}
    for row in rows:
        by_series.setdefault((row["region_code"], row["breakdown"]), {})[row["period"]] = row
        names.setdefault(row["region_code"], explorer.region_name(row["region_code"], row.get("region_name") or row["region_code"], lang))
    keys = sorted(by_series, key=lambda k: (len(k[0]), k[0], _breakdown_order(k[1], dataset.categories)))
    periods = sorted({row["period"] for row in rows}, key=position)
    estimates = _estimate_keys(indicator, keys)
    bars = not estimates and (chosen.by is not None or len(periods) == 1)
    if len(keys) == 1:  # a line is named by what it shows; a lone bar by where
        labels = {keys[0]: names[keys[0][0]] if bars else title}
    else:
        labels = _series_labels(keys, names, dataset, lang)
    period_text = _span(periods, lang)
    subtitle = _subtitle(keys, names, dataset, period_text, lang)
    base = dict(indicator=indicator, selection=chosen, lang=lang, title=title, subtitle=subtitle, rows=rows)
    if not rows:
        empty = Chart(kind="", title=title, lang=lang, notice=t("figur.no_data", lang))
        return PublicChart(**base, chart=empty, summary=[], table=None)

    def row_for(key: tuple[str, str], period: str) -> dict:
        return by_series[key].get(period) or build.stand_in(indicator, period)

    if estimates:
        chart = _estimates(indicator, title, lang, keys, by_series, labels)
        columns = [tables.Column(t("table.estimate", lang), numeric=False), tables.Column(unit)]
        table_rows = [tables.Row(tables.Cell(format_period(row["period"], lang)),
                                 (tables.Cell(labels[key]), tables.cell(row, lang)))
                      for key in keys for row in sorted(by_series[key].values(), key=lambda r: position(r["period"]))]
        header = t("table.period", lang)
        summary = [t("figur.estimates_summary", lang)]
    elif bars:
        categories = [labels[k] for k in keys]
        several = len(periods) > 1
        # A category a period has no row for at all is left out of that period's bars (the
        # table still shows it as missing); a row without a value is drawn as missing.
        series = [(format_period(p, lang) if several else title,
                   {labels[k]: row_for(k, p) for k in keys if p in by_series[k] or not several}) for p in periods]
        chart = build.bar_chart(indicator, title, lang, categories, series, period_text=period_text)
        if len(keys) > MAX_BARS:
            chart = replace(chart, kind="", notice=t("figur.too_many_bars", lang, limit=MAX_BARS))
        columns = [tables.Column(f"{unit}, {format_period(p, lang)}" if several else unit) for p in periods]
        table_rows = [tables.Row(tables.Cell(labels[k]), tuple(tables.cell(row_for(k, p), lang) for p in periods))
                      for k in keys]
        header = t("table.category", lang)
        # In words: the highest and lowest of each period (the missing ones are in the table).
        summary = [_sentence(chart.alt.split(": ", 1)[-1])] if chart.kind else []
    else:
        series = [(labels[k], {p: row_for(k, p) for p in periods}) for k in keys]
        chart = build.time_chart(indicator, title, lang, series, breaks=context.breaks(indicator_id, lang),
                                 bands=context.strategy_bands(lang))
        if len(keys) > MAX_LINES:
            chart = replace(chart, kind="", notice=t("figur.too_many_lines", lang, limit=MAX_LINES))
        columns = [tables.Column(unit if len(keys) == 1 else labels[k]) for k in keys]
        table_rows = [tables.Row(tables.Cell(format_period(p, lang)), tuple(tables.cell(row_for(k, p), lang) for k in keys))
                      for p in periods]
        header = t("table.period", lang)
        # A sentence per series while they are few enough to draw; past that, the table says it.
        summary = _line_summary(keys, by_series, labels, indicator, lang) if chart.kind else []
    caption = t("figur.caption", lang, title=title, unit=unit) + (f", {period_text}" if bars else "")
    table = tables.data_table(caption, header, columns, table_rows, lang, table_id="figur-data")
    # Places the address names that have no figure at all are named, not silently left out.
    asked = [code for code in chosen.regions or () if code not in names]
    if asked:
        unknown = place_rows.region_names(asked)
        summary.append(t("figur.without_figures", lang, names=", ".join(unknown.get(c, c) for c in asked)))
    return PublicChart(**base, chart=chart, summary=summary, table=table)


def _estimate_keys(indicator: Mapping[str, Any], keys: Sequence[tuple[str, str]]) -> bool:
    """Whether the series shown are separate estimates (the indicator's `estimates` dimension
    tells them apart): then they are points, never a line."""
    dimension = indicator.get("estimates_dimension")
    if not dimension:
        return False
    found = {breakdowns.parse(key).get(dimension) for _, key in keys}
    return len(found) > 1 and None not in found


def _estimates(indicator, title, lang, keys, by_series, labels) -> Chart:
    dimension = indicator["estimates_dimension"]
    pairs = json.loads(indicator.get("estimate_ranges") or "[]")
    code_of = {key: breakdowns.parse(key[1]).get(dimension) for key in keys}
    in_range = {code for pair in pairs for code in pair}
    estimates = [(labels[key], row) for key in keys if code_of[key] not in in_range
                 for row in by_series[key].values()]
    ranges = []
    for low_code, high_code in pairs:
        low = next((k for k in keys if code_of[k] == low_code), None)
        high = next((k for k in keys if code_of[k] == high_code), None)
        if low is None or high is None:  # half a range is shown as the estimate it is
            estimates += [(labels[k], row) for k in (low, high) if k for row in by_series[k].values()]
            continue
        for period, low_row in by_series[low].items():
            if period in by_series[high]:
                name = f"{labels[low]} – {labels[high]}"
                ranges.append((name, low_row, by_series[high][period]))
    return build.estimate_chart(indicator, title, lang, estimates, ranges,
                                note=t("figur.estimates_note", lang))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _breakdown_order(key: str, categories: Mapping[tuple[str, str], Mapping[str, Any]]) -> tuple:
    """A breakdown key in its categories' own order (sort_order), the total first."""
    return tuple(((categories.get(part) or {}).get("sort_order") or 10**6, part[1])
                 for part in breakdowns.parse(key).items())


def _series_labels(keys, names, dataset, lang) -> dict[tuple[str, str], str]:
    """Each series named by what differs between them: the place, and the breakdown's parts
    that vary (just the category when one dimension varies: "Under 25 år")."""
    regions_vary = len({k[0] for k in keys}) > 1
    parsed = {k: breakdowns.parse(k[1]) for k in keys}
    dimensions = sorted({d for parts in parsed.values() for d in parts})
    varying = [d for d in dimensions if len({parts.get(d) for parts in parsed.values()}) > 1]
    labels = {}
    for key in keys:
        words = []
        for dimension in varying:
            code = parsed[key].get(dimension)
            if code is None:
                continue
            category = (dataset.categories.get((dimension, code)) or {}).get(f"label_{lang}") or code
            dimension_name = (dataset.dimensions.get(dimension) or {}).get(f"label_{lang}") or dimension
            words.append(category if len(varying) == 1 else f"{dimension_name}: {category}")
        text = "; ".join(words) or (t("breakdown.total", lang) if not regions_vary else "")
        labels[key] = " – ".join(part for part in ((names[key[0]] if regions_vary else ""), text) if part)
    return labels


def _subtitle(keys, names, dataset, period_text: str, lang: str) -> str:
    """Where, which breakdown (when all series share one) and when: "Norge · 1996–2020"."""
    parts = []
    regions = list(dict.fromkeys(names[k[0]] for k in keys))
    if len(regions) > 4:  # named one by one in the chart and the table
        parts.append(t("figur.regions", lang, count=len(regions)))
    elif regions:
        parts.append(", ".join(regions))
    shared = {k[1] for k in keys}
    if len(shared) == 1 and (only := shared.pop()):
        parts.append(selection.breakdown_label(only, lang, dataset.dimensions, dataset.categories))
    if period_text:
        parts.append(period_text)
    return " · ".join(parts)


def _span(periods: Sequence[str], lang: str) -> str:
    if not periods:
        return ""
    first, last = format_period(periods[0], lang), format_period(periods[-1], lang)
    return first if first == last else f"{first}–{last}"


def _line_summary(keys, by_series, labels, indicator, lang: str) -> list[str]:
    """The latest figure of each series and, for one series, the change since the first figure
    shown: a number we computed, so it is labelled as such, and said honestly (domain/change)."""
    sentences = []
    for key in keys:
        shown = [row for period, row in sorted(by_series[key].items(), key=lambda item: position(item[0]))
                 if not is_missing(row.get("value"))]
        name = labels[key]
        if not shown:
            sentences.append(t("figur.summary_none", lang, name=name))
            continue
        last = shown[-1]
        sentences.append(t("figur.summary_latest", lang, name=name, period=format_period(last["period"], lang),
                           value=format_value(last, lang)))
        if len(keys) == 1 and len(shown) > 1:
            sentences.append(change_sentence(shown[0], last, indicator, lang))
    return sentences


def change_sentence(first: Mapping[str, Any], last: Mapping[str, Any], indicator: Mapping[str, Any], lang: str) -> str:
    """The change from `first` to `last` in words, as exact as the figures allow."""
    periods = dict(start=format_period(first["period"], lang), end=format_period(last["period"], lang))
    broken = [b for b in series_rows.comparability_breaks(indicator["id"])
              if position(first["period"]) < position(b["period"]) <= position(last["period"])]
    reason = indicator.get(f"compare_{lang}") or (broken[0][f"reason_{lang}"] if broken else "")
    found = change(first, last, reason)
    if found.kind == "not_comparable":
        return t("figur.change_not_comparable", lang, reason=found.reason, **periods)
    if found.kind == "bound":
        return t("figur.change_unknown", lang, **periods)
    if found.kind == "within_rounding":
        return t("figur.change_within_rounding", lang, **periods)
    decimals = int(first.get("decimals") or 0)
    difference = found.difference
    sign = "+" if difference > 0 else "−" if difference < 0 else "±"
    percent = first.get("unit") == "percent"
    amount = f"{sign}{format_number(abs(difference), decimals, lang)}"
    unit = t("figur.percentage_points", lang) if percent else (first.get(f"unit_label_{lang}") or "")
    text = f"{amount} {unit}".strip()
    if found.relative is not None:
        relative = found.relative
        text += f" ({'+' if relative > 0 else '−' if relative < 0 else '±'}{format_number(abs(relative), 0, lang)}{UNIT_SIGNS['percent'][lang]})"
    return t("figur.change_approx" if found.kind == "approx" else "figur.change", lang, change=text, **periods)


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
        "app": app_page(indicator_id, chart.lang),
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
        narrow = shown.drawing(choropleth.MAP_NARROW) if shown.data.level == "county" else ""
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
        "table": Markup(components.static_html(shown.table)) if shown.table is not None else "",
        "source": Markup(components.static_html(components.source_line(shown.rows, lang))),
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
        return shown.image(replace(choropleth.MAP_IMAGE, title=shown.title, subtitle=shown.subtitle, source=written))
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


# ------------------------------------------------------------------------------ links


def app_page(indicator_id: str, lang: str) -> str:
    """The app page where the indicator lives: the first story page (in menu order) with a
    chart card for it, at that card; the front page's cards next; else the data catalogue."""
    found = _app_page(indicator_id)
    if found is None:
        return components.href("/data", lang)
    path, card_id = found
    return components.href(path, lang) + (f"#card-{card_id}" if card_id else "")


def _app_page(indicator_id: str) -> tuple[str, str] | None:
    candidates = []
    for entry in dash.page_registry.values():
        config_name = getattr(sys.modules.get(entry.get("module", "")), "CONFIG", None)
        if not config_name:
            continue
        config = page_config.load(config_name)
        for spec in config.get("cards", []):
            if any(measure.get("indicator") == indicator_id for measure in spec.get("measures", [])):
                candidates.append((entry["path"] == "/", entry.get("order") or 0, entry["path"], spec["id"]))
                break
        else:
            if any(tile.get("indicator") == indicator_id or tile.get("rate_indicator") == indicator_id
                   for tile in config.get("tiles", [])):
                candidates.append((entry["path"] == "/", entry.get("order") or 0, entry["path"], ""))
    if not candidates:
        return None
    _, _, path, card_id = min(candidates)
    return path, card_id


def public_url(indicator_id: str, regions: Sequence[str], breakdown_keys: Sequence[str], periods: Sequence[str],
               lang: str, codes: str = "original") -> str:
    """The public page of one series as a card shows it (used by the card's share box): its
    regions and breakdowns, from its first period on (open-ended, so it stays current)."""
    params: list[tuple[str, str]] = [("region", ",".join(dict.fromkeys(regions)) or "0")]
    if periods:
        params.append(("from", min(periods, key=position)))
        if len(set(periods)) == 1:
            params.append(("to", periods[0]))
    params.append(("breakdown", ",".join(dict.fromkeys(key or "total" for key in breakdown_keys)) or "total"))
    if codes != "original":
        params.append(("codes", codes))
    params.append(("lang", lang))
    return dash.get_relative_path(f"/figur/{indicator_id}") + "?" + urlencode(params, safe=",|=")


# ------------------------------------------------------------------------------ errors


def _not_found(indicator_id: str, lang: str) -> Response:
    return _error_page(404, "figur.not_found_heading", t("figur.not_found", lang, id=indicator_id[:80]), lang)


def _error_page(status: int, heading: str, message: str, lang: str | None = None) -> Response:
    lang = lang or _lang()
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
