"""Kommuner og fylker: the region explorer. Pick a municipality or county (by name or number,
old ones too), see its profile against its county and the country, compare one figure across
places (ranking, places over time, a tile map of the counties) and switch between count and
rate. Every choice is in the URL, so a view is one link.

The logic (place lookup, profile, ranking, similar municipalities, computed rates) is in
boligsosial/domain/explorer.py; what the page offers is data/pages/kommuner.yaml; its texts are
data/i18n/kommuner.yaml.
"""
from __future__ import annotations

import re
from typing import Any, Mapping
from urllib.parse import urlencode

import dash
from dash import dcc, html
from markupsafe import Markup

from boligsosial.charts import choropleth, maps
from boligsosial.domain import explorer
from boligsosial.domain.explorer import Gazetteer, Offer, Place
from boligsosial.domain.remarks import flags
from boligsosial.text.i18n import pick_text, t
from boligsosial.text.numbers import (
    format_date,
    format_period,
    format_short,
    is_missing,
    value_parts,
)
from boligsosial.ui import card, links, page_layout, tables, url_state
from boligsosial.ui.components import source_line
from boligsosial.ui.url_state import Choice, View
from boligsosial.warehouse import db, place_rows, series_rows

PATH = "/kommuner"
SEARCH_ID = "kommuner-sted"
DATALIST_ID = "kommuner-steder"
TREND = "trend"  # the chart card's id
# Parameters whose values are open-ended (codes, periods, text): checked here, not by url_state.
FREE = ("region", "compare", "period", "sted")
_CODE = re.compile(r"[0-9]{1,4}")
_PERIOD = re.compile(r"[0-9]{4}(-[0-9A-Z]{2,3})?")

dash.register_page(
    __name__,
    path=PATH,
    name="Kommuner og fylker",
    title="Kommuner og fylker – Boligsosial statistikk",
    description="Tallene for én kommune eller ett fylke mot fylket og landet, rangeringer, lignende kommuner og utvikling over tid.",
    order=4,
    title_id="page.kommuner.title",
    name_id="page.kommuner.name",
)

Row = Mapping[str, Any]


class State:
    """The page's view: the url_state View (every parameter, for links) and what it means. (A
    plain class: Dash imports page modules in a way dataclasses cannot inspect.)"""

    def __init__(self, view: View, offer: Offer, measure: str, scope: str):
        self.view, self.offer, self.measure, self.scope = view, offer, measure, scope
        self.place: Place | None = None
        self.compare: list[Place] = []
        self.period: str | None = None
        self.notes: list[str] = []  # how an old name or number led to today's place
        self.lookup: explorer.Lookup | None = None  # a search that did not find exactly one place


def layout(lang: str | None = None, **query) -> html.Div:
    state = _read(query, lang)
    return page_layout.compose(PATH, state.view, t("page.kommuner.heading", state.view.lang),
                               explorer.config().get("intro"), lambda view: _sections(state))


def redirect_to(args: Mapping[str, Any]) -> str | None:
    """Where a search (?sted=) that found exactly one place should send the reader: the same
    view with region=<code>, so the address bar holds the link to share. A place found under an
    old name or number is sent to that old code, which leads to today's place with the same
    note. None when there is nothing to redirect (no search, none or several matches, no
    warehouse). app.py calls it before the page is rendered."""
    query = {name: args.get(name) for name in args}
    if not isinstance(query.get("sted"), str) or not query["sted"].strip():
        return None
    try:
        lookup = explorer.gazetteer().resolve(query["sted"])
    except db.WarehouseUnavailable:
        return None
    if len(lookup.matches) != 1:
        return None
    match = lookup.matches[0]
    query.pop("sted")
    state = _read({**query, "region": match.steps[0].old_code if match.steps else match.place.code}, query.get("lang"))
    view = state.view
    if match.steps:  # the old code, for the note; every link on the page then uses today's code
        view.values["region"] = match.steps[0].old_code
    return view.url(PATH)


# ------------------------------------------------------------------------------ the URL


def _choices() -> list[Choice]:
    settings = explorer.config()
    ids = [o.id for o in explorer.offers()]
    default = settings["default_indicator"]
    measure = settings.get("default_measure", "rate")
    return [
        Choice("region", ("",)),
        Choice("indicator", (default, *[i for i in ids if i != default])),
        Choice("measure", (measure, *[m for m in explorer.MEASURES if m != measure])),
        Choice("scope", explorer.SCOPES),
        Choice("compare", ("",)),
        Choice("period", ("",)),
        Choice("kart", ("fylke", "kommune")),
        *card.choices({"id": TREND}),
    ]


def _read(query: Mapping[str, Any], lang: Any) -> State:
    """The view from the URL. Open-ended values (region codes, the compare list, the period, a
    search) are checked against the warehouse; anything not understood is named in the notice
    and left out, never an error."""
    view = url_state.read({k: v for k, v in query.items() if k not in FREE}, _choices(), lang)
    offer = explorer.offer(view.get("indicator"))
    state = State(view, offer, offer.measure(view.get("measure")), view.get("scope"))
    try:
        gaz = explorer.gazetteer()
    except db.WarehouseUnavailable:
        return state  # the page says the database is missing; nothing more to check
    raw = {name: url_state.first(query.get(name)) for name in FREE}
    if raw["region"] is not None:
        place, notes = _code(gaz, raw["region"], view.lang)
        if place is None:
            view.rejected.append("region")
        else:
            state.place, state.notes = place, notes
    if isinstance(raw["sted"], str) and raw["sted"].strip():
        lookup = gaz.resolve(raw["sted"])
        if len(lookup.matches) == 1:
            state.place = lookup.matches[0].place
            state.notes = [explorer.step_text(step, view.lang) for step in lookup.matches[0].steps]
        else:
            state.lookup, state.place, state.notes = lookup, None, []
    elif raw["sted"] is not None and not isinstance(raw["sted"], str):
        view.rejected.append("sted")
    if state.place is not None:
        view.values["region"] = state.place.code
        if "indicator" not in query:  # no figure asked for: the first one this place has figures for
            _first_with_figures(state)
    else:
        view.values.pop("region", None)
    if raw["compare"] is not None:
        codes = [c.strip() for c in str(raw["compare"]).split(",") if c.strip()] if isinstance(raw["compare"], str) else None
        places = [_code(gaz, code, view.lang)[0] for code in codes or []]
        limit = int(explorer.config().get("compare_limit", 6))
        if codes is None or None in places or len(places) > limit:
            view.rejected.append("compare")
        chosen = [p for p in places if p is not None and (state.place is None or p.code != state.place.code)]
        state.compare = list({p.code: p for p in chosen}.values())[:limit]
        if state.compare:
            view.values["compare"] = ",".join(p.code for p in state.compare)
    if raw["period"] is not None:
        period = raw["period"] if isinstance(raw["period"], str) else ""
        if state.place is not None and _PERIOD.fullmatch(period) and period in _periods(state, gaz):
            state.period = view.values["period"] = period
        else:
            view.rejected.append("period")
    return state


def _first_with_figures(state: State) -> None:
    """Make the figure shown the first the explorer offers that the place has a figure for
    (the configured default when it has, or when it has none at all)."""
    have = {line.indicator_id for line in explorer.profile(state.place, explorer.gazetteer(), state.view.lang)
            if not is_missing(line.latest.get("value"))}
    offers = explorer.offers()
    if any(i in have for i in (state.offer.count, state.offer.rate) if i):
        return
    found = next((o for o in offers if any(i in have for i in (o.count, o.rate) if i)), None)
    if found is not None:
        state.offer = found
        state.measure = found.measure(state.measure if getattr(found, state.measure) in have else
                                      ("count" if found.count in have else "rate"))
        state.view.values["indicator"] = found.id
        state.view.values["measure"] = state.measure


def _code(gaz: Gazetteer, text: Any, lang: str) -> tuple[Place | None, list[str]]:
    """Today's place for a code in the URL (an old code from an old link leads to today's place,
    with a note); None when the code is not a region or leads to several places."""
    if not isinstance(text, str) or not _CODE.fullmatch(text.strip()):
        return None, []
    lookup = gaz.resolve(text.strip())
    if len(lookup.matches) != 1:
        return None, []
    return lookup.matches[0].place, [explorer.step_text(s, lang) for s in lookup.matches[0].steps]


def _periods(state: State, gaz: Gazetteer) -> list[str]:
    level = state.place.level if state.place and state.place.level != "country" else "county"
    return explorer.periods_with_values(explorer.series(state.offer.indicator(state.measure), state.view.lang, level=level))


# ------------------------------------------------------------------------------ the page


def _sections(state: State) -> list:
    lang = state.view.lang
    gaz = explorer.gazetteer()
    parts: list = [_picker(state, gaz)]
    if state.lookup is not None:
        parts.append(_lookup_result(state))
    loaded = explorer.regional_data_loaded()
    if not loaded:
        parts.append(_not_loaded(lang))
    if state.place is None:
        if not loaded:
            parts.append(_places_with_data(state, gaz))
        parts += [_map_section(state, gaz)]
        return parts
    parts += [
        _place_heading(state, gaz),
        _profile_section(state, gaz),
        *[_strategy(s, lang) for s in explorer.strategies(state.place)],
        _partnership(place_rows.partnerships(state.place.code), lang),
        _compare_section(state, gaz),
    ]
    return parts


def _link(state: State, fragment: str = "", **changes: str) -> str:
    return state.view.url(PATH, fragment=fragment, **changes)


def _picker(state: State, gaz: Gazetteer) -> html.Form:
    lang = state.view.lang
    options = [html.Option(value=p.name, label=f"{p.name} ({p.code})") for p in gaz.places() if p.code != explorer.COUNTRY]
    keep = {name: value for name, value in state.view.params().items() if name not in ("region", "compare", "period")}
    return html.Form(
        [
            # The hint is part of the label, so it is read with the field (dcc.Input takes no aria-*).
            html.Label([html.Span(t("explorer.search_label", lang), className="explorer-label"),
                        html.Span(t("explorer.search_hint", lang), className="explorer-hint")], htmlFor=SEARCH_ID),
            html.Div(
                [
                    dcc.Input(id=SEARCH_ID, name="sted", type="search", list=DATALIST_ID, autoComplete="off",
                              maxLength=explorer.MAX_QUERY, value=state.place.name if state.place else ""),
                    html.Button(t("explorer.search_button", lang), type="submit"),
                ],
                className="explorer-search-row",
            ),
            html.Datalist(options, id=DATALIST_ID),
            # The figure and its settings travel with a new search; the place does not.
            *[dcc.Input(type="hidden", name=name, value=value) for name, value in keep.items()],
        ],
        action=dash.get_relative_path(PATH), method="get", role="search", className="explorer-search",
    )


def _lookup_result(state: State) -> html.Div:
    lang = state.view.lang
    lookup = state.lookup
    if lookup.problem == "too_long":
        return html.Div(html.P(t("explorer.too_long", lang, limit=explorer.MAX_QUERY)), className="notice notice-error", role="alert")
    if not lookup.matches:
        return html.Div(html.P(t("explorer.not_found", lang, query=lookup.query)), className="notice notice-error", role="alert")
    items = []
    for match in lookup.matches:
        place = match.place
        words = [html.A(f"{place.name} ({place.code})", href=_link(state, region=place.code)),
                 f" – {t(f'explorer.level.{place.level}', lang)}"]
        if match.steps:
            words += [". ", " ".join(explorer.step_text(s, lang) for s in match.steps)]
        items.append(html.Li(words))
    return html.Div([html.P(t("explorer.several", lang, query=lookup.query, count=len(items))), html.Ul(items)],
                    className="notice notice-info explorer-choices", role="status")


def _not_loaded(lang: str) -> html.Section:
    """What there is and when it was last updated: words for readers. Which command fills it in
    is for whoever runs the site, on /status."""
    built = (db.status().get("built_at") or "")[:10]
    return html.Section(
        [html.H2(t("explorer.not_loaded_heading", lang)),
         html.P(t("explorer.not_loaded_body", lang)),
         html.P([t("explorer.not_loaded_updated", lang, date=format_date(built, lang)) if built else "",
                 " ", html.A(t("explorer.not_loaded_status", lang), href=dash.get_relative_path("/status"))])],
        className="notice notice-info explorer-not-loaded", role="status", id="not-loaded",
    )


def _places_with_data(state: State, gaz: Gazetteer) -> html.Section:
    """Before the municipal statistics are loaded: the places that do have figures."""
    lang = state.view.lang
    places = explorer.places_with_data(gaz)
    items = [html.Li([html.A(f"{p.name} ({p.code})", href=_link(state, "place", region=p.code)),
                      " – ", t("explorer.indicator_count" if n > 1 else "explorer.indicator_count_one", lang, count=n)]) for p, n in places]
    return html.Section(
        [html.H2(t("explorer.with_data_heading", lang), id="with-data"),
         html.Ul(items, className="explorer-with-data") if items else html.P(t("explorer.with_data_none", lang))],
        className="card", **{"aria-labelledby": "with-data"},
    )


def _place_heading(state: State, gaz: Gazetteer) -> html.Div:
    lang = state.view.lang
    place = state.place
    county = gaz.county(place)
    facts = [t(f"explorer.level.{place.level}", lang) + f" {place.code}"]
    if county:
        facts.append(t("explorer.in_county", lang, county=county.name))
    people = explorer.population(place, None)
    facts.append(t("explorer.population", lang, value=value_parts(people, lang).text(), period=format_period(people["period"], lang))
                 if people else t("explorer.population_missing", lang))
    return html.Div(
        [
            html.H2(place.name, id="place"),
            html.P(" · ".join(facts), className="explorer-facts"),
            html.Div([html.P(note) for note in state.notes], className="notice notice-info", role="status") if state.notes else None,
        ],
        className="explorer-place",
    )


# ------------------------------------------------------------------------------ profile


def _profile_section(state: State, gaz: Gazetteer) -> html.Section:
    lang = state.view.lang
    chain = explorer.comparison_places(state.place, gaz)
    lines = explorer.profile(state.place, gaz, lang)
    heading = html.H2(t("explorer.profile_heading", lang, place=state.place.name), id="profile")
    if not lines:
        return html.Section([heading, html.P(t("explorer.profile_empty", lang), className="context")],
                            className="card", **{"aria-labelledby": "profile"})
    columns = [tables.Column(t("explorer.col_period", lang), numeric=False)]
    names = explorer.display_names(chain, lang)
    columns += [tables.Column(names[p.code]) for p in chain]
    columns.append(tables.Column(t("explorer.col_first", lang), numeric=False))
    rows = []
    for line in lines:
        header: Any = line.title
        if line.offer is not None:
            header = html.A(line.title, href=_link(state, "compare", indicator=line.offer.id, measure=line.measure, period=""))
        cells = [tables.Cell(format_period(line.latest["period"], lang)), tables.cell(line.latest, lang)]
        cells += [tables.cell(r, lang) if r else tables.Cell(t("status.missing", lang), missing=True) for r in line.others]
        cells.append(tables.Cell(
            f"{format_short(line.first, lang)} ({format_period(line.first['period'], lang)})" if line.first else "–"))
        rows.append(tables.Row(tables.Cell(header), tuple(cells)))
    table = tables.data_table(t("explorer.profile_caption", lang, place=state.place.name), t("explorer.col_indicator", lang),
                              columns, rows, lang, table_id="profile-table")
    return html.Section(
        [heading, html.P(t("explorer.profile_intro", lang), className="context"), table,
         source_line([r for line in lines for r in line.rows], lang)],
        className="card explorer-profile", **{"aria-labelledby": "profile"},
    )


def _partnership(periods: list[Row], lang: str) -> html.Section | None:
    """Husbanken's programme periods the municipality is named in, each with its source; the
    list is partial (only municipalities a found source names), and says so."""
    if not periods:
        return None
    items = []
    for period in periods:
        years = f"{period['period_start']}\u2013{period['period_end']}" if period.get("period_end") else str(period["period_start"])
        text = t(f"explorer.partnership.{period['status']}", lang, programme=t(f"explorer.programme.{period['programme']}", lang),
                 years=years)
        note = pick_text({"nb": period.get("note_nb") or "", "en": period.get("note_en") or ""}, lang)
        source = [t("strategy.source", lang), " ", period["publisher"], ", ", html.A(period["title"], href=period["url"]), "."]
        items.append(html.Li([html.P(text), html.P(note, className="context") if note else None,
                              html.P(source, className="source-line")]))
    return html.Section(
        [html.H2(t("explorer.partnership_heading", lang), id="partnership"), html.Ul(items, className="partnership-list"),
         html.P(t("explorer.partnership_partial", lang), className="context")],
        className="card explorer-partnership", **{"aria-labelledby": "partnership"},
    )


def _strategy(strategy: Row, lang: str) -> html.Section:
    heading_id = f"strategy-{strategy['id']}"
    name = pick_text({"nb": strategy["name_nb"], "nn": strategy.get("name_nn"), "en": strategy["name_en"]}, lang)
    facts = []
    if strategy.get("published"):
        facts.append(t("explorer.strategy_adopted", lang, date=format_date(strategy["published"], lang)))
    if strategy.get("publication_code"):
        facts.append(t("explorer.strategy_case", lang, code=strategy["publication_code"]))
    source: list = [t("strategy.source", lang), " ", strategy.get("source_publisher") or "", ", "]
    title = strategy.get("source_title") or ""
    source += [html.A(title, href=strategy["source_url"]) if strategy.get("source_url") else f"«{title}»" if lang != "en" else f"“{title}”", "."]
    goals = [html.Li(pick_text({"nb": g["text_nb"], "nn": g.get("text_nn"), "en": g["text_en"]}, lang)) for g in strategy["goals"]]
    areas = [html.Li(pick_text({"nb": a["text_nb"], "nn": a.get("text_nn"), "en": a["text_en"]}, lang)) for a in strategy["priority_areas"]]
    return html.Section(
        [
            html.H2(name, id=heading_id),
            html.P(" ".join(facts), className="context") if facts else None,
            html.H3(t("strategy.goals", lang)),
            html.Ol(goals),
            html.H3(t("explorer.strategy_areas", lang)) if areas else None,
            html.Ol(areas) if areas else None,
            html.P(source, className="source-line"),
        ],
        className="card explorer-strategy", **{"aria-labelledby": heading_id},
    )


# ------------------------------------------------------------------------------ compare


def _switch(state: State, label: str, name: str, options: list[tuple[str, str]], current: str, fragment: str) -> html.Div:
    label_id = f"switch-{name}-label"
    return html.Div(
        [html.Span(label, id=label_id, className="switch-label"),
         html.Ul([html.Li(html.A(text, href=_link(state, fragment, **{"period": "", name: value}), className="switch-option",
                                 **({"aria-current": "true"} if value == current else {})))
                  for value, text in options])],
        className="switch", role="group", **{"aria-labelledby": label_id},
    )


def _measure_label(offer: Offer, measure: str, catalogue: Mapping[str, Row], lang: str) -> str:
    if measure == "count":
        return t("explorer.measure.count", lang)
    unit = (catalogue.get(offer.rate) or {}).get(f"unit_label_{lang}") or t("explorer.measure.rate", lang)
    return unit[:1].upper() + unit[1:]


def _compare_section(state: State, gaz: Gazetteer) -> html.Section:
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
            html.P([t("explorer.view_link", lang), " ", html.A(t("explorer.view_link_text", lang), href=_link(state, "compare"),
                                                             className="explorer-view-link")], className="context"),
            _trend(state, gaz, indicator_id, title),
            _ranking(state, gaz, indicator_id, indicator, title),
            _map_section(state, gaz),
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
                                     href=_link(state, "compare", compare=",".join(c.code for c in state.compare if c != p)))])
        for p in state.compare
    ]
    section = card.chart_card(spec, lang, state.view, PATH)
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
    periods = _periods(state, gaz)
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
    body = []
    for entry in result.entries:
        name = entry.place.name
        if names.count(name) > 1 and gaz.county(entry.place):
            name = f"{name} ({gaz.county(entry.place).name})"
        chosen = entry.place.code == place.code
        value = format_short(entry.row, lang) if entry.row else t("status.missing", lang)
        width = f"{max(float(entry.row['value']) / top * 100, 0.5):.1f}%" if entry.rank and top > 0 else "0"
        action = None
        if not chosen and entry.place not in state.compare and len(state.compare) < int(explorer.config().get("compare_limit", 6)):
            action = html.A(t("explorer.add", lang), className="explorer-add", href=_link(state, "compare", compare=",".join(
                [c.code for c in state.compare] + [entry.place.code])), **{"aria-label": t("explorer.add_label", lang, name=entry.place.name)})
        remarks = flags(entry.row, lang) if entry.row and entry.rank else []
        body.append(html.Tr(
            [
                html.Td(str(entry.rank) if entry.rank else "–", className="num"),
                # The link to add a place to the comparison sits under its name: a fourth
                # column would not fit a phone.
                html.Th([name, html.Span(t("explorer.chosen", lang), className="explorer-chosen-tag") if chosen else None,
                         html.Br() if action else None, action], scope="row"),
                html.Td([html.Span(value + ("*" if remarks else ""), className="explorer-value"),
                         html.Span(className="explorer-bar", style={"width": width}, **{"aria-hidden": "true"})],
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


def _map_section(state: State, gaz: Gazetteer) -> html.Section:
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
        params = explorer.place_parameter(code)
        if "region" in params:
            return _link(state, "place", region=code, period="")
        return dash.get_relative_path(PATH) + "?" + urlencode({**state.view.params(), **params}) + "#place"

    caption = t("explorer.map_caption", lang, title=title, period=format_period(data.period, lang),
                level=t(f"explorer.level_word.{level}", lang))
    drawing = html.Div([html.Div(Markup(maps.draw(data, title, lang, href)), className="chart-wide"),
                        html.Div(Markup(maps.draw(data, title, lang, href, choropleth.MAP_NARROW)), className="chart-narrow")]
                       if level == "county" else Markup(maps.draw(data, title, lang, href)), className="card-graph explorer-map-drawing")
    table = tables.map_table(maps.rows(data, lang, href), caption, t(f"explorer.level.{level}", lang),
                             _measure_label(state.offer, state.measure, {indicator_id: indicator}, lang), lang, "map-table")
    view = "fylke" if level == "county" else "kommune"
    public = dash.get_relative_path(f"/figur/{indicator_id}") + f"?view=map&level={view}" + ("" if lang == "nb" else f"&lang={lang}")
    parts += [html.Div([drawing, table], className="explorer-map-body"), source_line(data.rows, lang),
              html.P(html.A(t("explorer.map_public", lang), href=public), className="context")]
    return html.Section(parts, className="card explorer-map", **{"aria-labelledby": "map"})
