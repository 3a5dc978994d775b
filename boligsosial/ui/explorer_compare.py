"""The explorer's comparison of one figure across places: the switches, places over time (the
chart card), the ranking with "similar municipalities", and the map."""
from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import urlencode

import dash
from dash import html
from markupsafe import Markup

from boligsosial.charts import map_canvas, maps
from boligsosial.domain import explorer, explorer_state, gazetteer
from boligsosial.domain.explorer import Offer
from boligsosial.domain.explorer_state import State
from boligsosial.domain.gazetteer import Gazetteer
from boligsosial.domain.remarks import flags
from boligsosial.text.i18n import t
from boligsosial.text.numbers import (
    format_period,
    format_short,
    is_missing,
)
from boligsosial.ui import card, links, tables
from boligsosial.ui.components import source_line, switch
from boligsosial.ui.html_writer import element
from boligsosial.warehouse import place_rows, series_rows

Row = Mapping[str, Any]
TREND = "trend"  # the chart card's id


def _switch(state: State, label: str, name: str, options: list[tuple[str, str]], current: str, fragment: str) -> html.Div:
    links = [(value, text, state.link(fragment, **{"period": "", name: value})) for value, text in options]
    return switch(label, f"switch-{name}-label", links, current)


def _measure_label(offer: Offer, measure: str, catalogue: Mapping[str, Row], lang: str) -> str:
    if measure == "count":
        return t("explorer.measure.count", lang)
    unit = (catalogue.get(offer.rate) or {}).get(f"unit_label_{lang}") or t("explorer.measure.rate", lang)
    return unit[:1].upper() + unit[1:]


def compare_section(state: State, gaz: Gazetteer) -> html.Section:
    lang = state.view.lang
    catalogue = series_rows.indicators([i for o in explorer.offers() for i in (o.count, o.rate) if i])
    # Only figures the warehouse knows (a smaller test or partial build may lack some).
    offers = [o for o in explorer.offers() if all(i in catalogue for i in (o.count, o.rate) if i)]
    indicator_id = state.offer.indicator(state.measure)
    indicator = catalogue.get(indicator_id) or {}
    title = indicator.get(f"title_{lang}", indicator_id)
    names = [(o.id, (catalogue.get(o.count or o.rate) or {}).get(f"title_{lang}", o.id)) for o in offers]
    switches = [_switch(state, t("explorer.switch_indicator", lang), "indicator", names, state.offer.id, "compare")]
    if len(state.offer.measures()) > 1:
        switches.append(_switch(state, t("explorer.switch_measure", lang), "measure",
                                [(m, _measure_label(state.offer, m, catalogue, lang)) for m in state.offer.measures()],
                                state.measure, "compare"))
    return html.Section(
        [
            html.H2(t("explorer.compare_heading", lang, place=state.place.name), id="compare"),
            *switches,
            html.P([t("explorer.view_link", lang), " ", html.A(t("explorer.view_link_text", lang), href=state.link("compare"),
                                                             className="explorer-view-link")], className="context"),
            _trend(state, gaz, indicator_id, title),
            _ranking(state, gaz, indicator_id, indicator, title),
            map_section(state, gaz),
        ],
        className="explorer-compare", **{"aria-labelledby": "compare"},
    )


def _trend(state: State, gaz: Gazetteer, indicator_id: str, title: str) -> html.Section:
    lang = state.view.lang
    chain = explorer.comparison_places(state.place, gaz)
    places = [chain[0], *state.compare, *chain[1:]]
    rows = explorer.series(indicator_id, lang, [p.code for p in places])
    names = explorer.display_names(places, lang)
    # The context names what is drawn; a place without a figure is named as such, not as a line.
    with_figures = {r["region_code"] for r in rows if not is_missing(r["value"])}
    drawn = [names[p.code] for p in places if p.code in with_figures]
    context = t("explorer.trend_context", lang, names=_and(drawn, lang)) if drawn else ""
    lacking = [names[p.code] for p in places if p.code not in with_figures]
    if lacking:
        context = (context + " " if context else "") + t("explorer.trend_without", lang, names=_and(lacking, lang))
    also = []
    rate = series_rows.indicators([indicator_id]).get(indicator_id) or {}
    if any(r.get("derived") and r["indicator_id"] == indicator_id for r in rows) and rate.get("numerator"):
        also = [rate["numerator"], rate["denominator"]]  # what a computed rate was computed from
    spec = {
        "id": TREND, "chart": "places", "indicator": indicator_id, "codes": "current", "also_download": also,
        "also_rows": place_rows.explorer_rows(also, [p.code for p in places]) if also else [],
        "measures": [{"id": state.measure, "indicator": indicator_id}],  # the one shown, as every card names it
        "title": t("explorer.trend_title", lang, title=title),
        "context": context,
        "places": [(p.code, names[p.code]) for p in places], "rows": rows,
    }
    compare_links = [
        html.Li([p.name, " ", html.A(t("explorer.remove", lang, name=p.name),
                                     href=state.link("compare", compare=",".join(c.code for c in state.compare if c != p)))])
        for p in state.compare
    ]
    section = card.chart_card(spec, lang, state.view, explorer_state.PATH)
    if compare_links:
        section.children.insert(2, html.Ul(compare_links, className="explorer-compared"))
    return section


def _and(names: list[str], lang: str) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + t("alt.and", lang) + names[-1]


def _ranking(state: State, gaz: Gazetteer, indicator_id: str, indicator: Row, title: str) -> html.Section:
    lang = state.view.lang
    place = state.place
    scopes = [s for s in explorer.SCOPES if not (s == "county" and place.level != "municipality")]
    result = explorer.ranking(place, indicator_id, state.scope if state.scope in scopes else "all", gaz, lang, state.period)
    heading = html.H2(t("explorer.ranking_heading", lang, title=title), id="ranking")
    labels = [(s, t(f"explorer.scope.{s}", lang, level=t(f"explorer.levels.{place.level}", lang))) for s in scopes]
    parts: list = [heading, _switch(state, t("explorer.switch_scope", lang), "scope", labels, result.scope, "ranking")]
    periods = explorer_state.periods(state, gaz)
    if len(periods) > 1:
        shown = periods[-8:]
        parts.append(_switch(state, t("explorer.switch_period", lang), "period",
                             [(p, format_period(p, lang)) for p in shown], result.period or "", "ranking"))
    if result.scope == "similar":
        if result.population_missing:
            parts.append(html.P(t("explorer.similar_no_population", lang, place=place.name), className="notice notice-info"))
            return html.Section(parts, className="card explorer-ranking", **{"aria-labelledby": "ranking"})
        parts.append(html.P(t("explorer.similar_definition", lang, count=result.similar_count, place=place.name,
                              period=format_period(result.population_period, lang)), className="context"))
    if result.period is None or not any(e.rank for e in result.entries):
        parts.append(html.P(t("explorer.ranking_empty", lang), className="context"))
        return html.Section(parts, className="card explorer-ranking", **{"aria-labelledby": "ranking"})
    top = max(float(e.row["value"]) for e in result.entries if e.rank)
    # Two places with one name (Våler) are told apart by their county.
    names = [e.place.name for e in result.entries]
    limit = int(explorer.config().get("compare_limit", 6))
    body = []  # one row per place, up to every municipality: written as markup (html_writer.element)
    for entry in result.entries:
        name = entry.place.name
        if names.count(name) > 1 and gaz.county(entry.place):
            name = f"{name} ({gaz.county(entry.place).name})"
        chosen = entry.place.code == place.code
        value = format_short(entry.row, lang) if entry.row else t("status.missing", lang)
        width = f"{max(float(entry.row['value']) / top * 100, 0.5):.1f}%" if entry.rank and top > 0 else "0"
        action = None
        if not chosen and entry.place not in state.compare and len(state.compare) < limit:
            added = ",".join([c.code for c in state.compare] + [entry.place.code])
            action = element("a", t("explorer.add", lang), className="explorer-add", href=state.link("compare", compare=added),
                             **{"aria-label": t("explorer.add_label", lang, name=entry.place.name)})
        remarks = flags(entry.row, lang) if entry.row and entry.rank else []
        body.append(element(
            "tr",
            [
                element("td", str(entry.rank) if entry.rank else "–", className="num"),
                # The link to add a place to the comparison sits under its name: a fourth
                # column would not fit a phone.
                element("th", [name, element("span", t("explorer.chosen", lang), className="explorer-chosen-tag") if chosen else None,
                               element("br") if action else None, action], scope="row"),
                element("td", [element("span", value + ("*" if remarks else ""), className="explorer-value"),
                               element("span", className="explorer-bar", style={"width": width}, **{"aria-hidden": "true"})],
                        className="num explorer-bar-cell" + (" is-missing" if not entry.rank else "")),
            ],
            className="is-chosen" if chosen else None,
            **({"aria-current": "true"} if chosen else {}),
        ))
    caption = t("explorer.ranking_caption", lang, title=title, period=format_period(result.period, lang),
                scope=dict(labels)[result.scope].lower())
    table = html.Div(
        html.Table(
            [html.Caption(caption, id="ranking-caption"),
             html.Thead(html.Tr([html.Th(t("explorer.col_rank", lang), scope="col", className="num"),
                                 html.Th(t(f"explorer.level.{place.level}", lang), scope="col"),
                                 html.Th(_measure_label(state.offer, state.measure, {indicator_id: indicator}, lang),
                                         scope="col", className="num")])),
             html.Tbody(body)],
            className="data-table explorer-ranking-table", id="ranking-table",
        ),
        className="table-scroll explorer-ranking-scroll" + (" is-long" if len(body) > 25 else ""),
        tabIndex="0", role="region", **{"aria-labelledby": "ranking-caption"},
    )
    parts.append(table)
    derived = [e.row for e in result.entries if e.row and e.rank and flags(e.row, lang)]
    if derived:
        parts.append(html.P(t("explorer.ranking_flags", lang, note="; ".join(dict.fromkeys(f for r in derived for f in flags(r, lang)))),
                            className="context"))
    codes = [e.place.code for e in result.entries]
    download = links.Series(indicator_id, codes, [""], [result.period], "current")
    parts += [
        source_line([e.row for e in result.entries if e.row], lang),
        html.P([html.A(t("card.download_csv", lang), href=links.data_url(download, "csv", lang), download="", className="button",
                       **{"data-format": "csv"}),
                " ", html.A(t("card.download_xlsx", lang), href=links.data_url(download, "xlsx", lang), download="",
                             className="button")],
               className="download-links"),
    ]
    return html.Section(parts, className="card explorer-ranking", **{"aria-labelledby": "ranking"})


def map_section(state: State, gaz: Gazetteer) -> html.Section:
    """The chosen figure as a map of the counties (or the municipalities, where there are
    municipal figures), drawn as on its public page: the latest period, on the boundaries of
    its time, each place a link to its view here, the same numbers in a table beside it."""
    lang = state.view.lang
    indicator_id = state.offer.indicator(state.measure)
    indicator = series_rows.indicators([indicator_id]).get(indicator_id) or {}
    title = indicator.get(f"title_{lang}", indicator_id)
    levels = [level for level in maps.LEVELS if maps.periods(indicator_id, level)]
    level = "municipality" if state.view.get("kart") == "kommune" and "municipality" in levels else "county"
    data = maps.map_data(indicator_id, level, None, lang)
    heading = html.H2(t("explorer.map_heading", lang, title=title), id="map")
    if data is None:
        return html.Section([heading, html.P(t("explorer.map_empty", lang), className="context")],
                            className="card explorer-map", **{"aria-labelledby": "map"})
    parts: list = [heading]
    if len(levels) > 1:
        parts.append(_switch(state, t("explorer.switch_map", lang), "kart",
                             [("fylke", t("explorer.levels.county", lang).capitalize()),
                              ("kommune", t("explorer.levels.municipality", lang).capitalize())],
                             "kommune" if level == "municipality" else "fylke", "map"))
    structure = t(f"map.structure.{data.structure}.{level}", lang)
    parts.append(html.P(t("figur.map_harmonised" if data.harmonised else "figur.map_structure", lang, structure=structure) + ".",
                        className="context"))

    def href(code: str) -> str:
        params = gazetteer.place_parameter(code)
        if "region" in params:
            return state.link("place", region=code, period="")
        return dash.get_relative_path(explorer_state.PATH) + "?" + urlencode({**state.view.params(), **params}) + "#place"

    caption = t("explorer.map_caption", lang, title=title, period=format_period(data.period, lang),
                level=t(f"explorer.level_word.{level}", lang))
    drawing = html.Div([html.Div(Markup(maps.draw(data, title, lang, href)), className="chart-wide"),
                        html.Div(Markup(maps.draw(data, title, lang, href, map_canvas.MAP_NARROW)), className="chart-narrow")]
                       if level == "county" else Markup(maps.draw(data, title, lang, href)), className="card-graph explorer-map-drawing")
    table = tables.map_table(maps.rows(data, lang, href), caption, t(f"explorer.level.{level}", lang),
                             _measure_label(state.offer, state.measure, {indicator_id: indicator}, lang), lang, "map-table")
    view = "fylke" if level == "county" else "kommune"
    public = dash.get_relative_path(f"/figur/{indicator_id}") + f"?view=map&level={view}" + ("" if lang == "nb" else f"&lang={lang}")
    parts += [html.Div([drawing, table], className="explorer-map-body"), source_line(data.rows, lang),
              html.P(html.A(t("explorer.map_public", lang), href=public), className="context")]
    return html.Section(parts, className="card explorer-map", **{"aria-labelledby": "map"})
