"""Kommuner og fylker: the region explorer. Pick a municipality or county (by name or number,
old ones too), see its profile against its county and the country, compare one figure across
places (ranking, places over time, a tile map of the counties) and switch between count and
rate. Every choice is in the URL, so a view is one link.

The view is read from the URL by boligsosial/domain/explorer_state.py; the logic (profile,
ranking, similar municipalities) is boligsosial/domain/explorer.py, places are found by
domain/gazetteer.py; the profile and comparison sections are boligsosial/ui/explorer_profile.py
and ui/explorer_compare.py. What the page offers is data/pages/kommuner.yaml; its texts are
data/i18n/kommuner.yaml.
"""
from __future__ import annotations

from typing import Any, Mapping

import dash
from dash import dcc, html

from boligsosial.domain import explorer, explorer_state, gazetteer
from boligsosial.domain.explorer_state import State
from boligsosial.domain.gazetteer import Gazetteer
from boligsosial.text.i18n import t
from boligsosial.text.numbers import (
    format_date,
    format_period,
    value_parts,
)
from boligsosial.ui import card, explorer_compare, explorer_profile, page_layout
from boligsosial.warehouse import db, place_rows

PATH = explorer_state.PATH
SEARCH_ID = "kommuner-sted"
DATALIST_ID = "kommuner-steder"

dash.register_page(
    __name__,
    path=PATH,
    name="Kommuner og fylker",
    title="Kommuner og fylker – Boligsosial statistikk",
    description="Tallene for én kommune eller ett fylke mot fylket og landet, rangeringer, lignende kommuner og utvikling over tid.",
    order=4,
    title_id="page.kommuner.title",
    description_id="page.kommuner.description",  # in the reader's language, for shared links
    name_id="page.kommuner.name",
)

Row = Mapping[str, Any]


def layout(lang: str | None = None, **query) -> html.Div:
    state = explorer_state.read(query, lang, card.choices({"id": explorer_compare.TREND}))
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
        lookup = gazetteer.load().resolve(query["sted"])
    except db.WarehouseUnavailable:
        return None
    if len(lookup.matches) != 1:
        return None
    match = lookup.matches[0]
    query.pop("sted")
    state = explorer_state.read({**query, "region": match.steps[0].old_code if match.steps else match.place.code}, query.get("lang"),
                                 card.choices({"id": explorer_compare.TREND}))
    view = state.view
    if match.steps:  # the old code, for the note; every link on the page then uses today's code
        view.values["region"] = match.steps[0].old_code
    return view.url(PATH)


# ------------------------------------------------------------------------------ the page


def _sections(state: State) -> list:
    lang = state.view.lang
    gaz = gazetteer.load()
    parts: list = [_picker(state, gaz)]
    if state.lookup is not None:
        parts.append(_lookup_result(state))
    loaded = explorer.regional_data_loaded()
    if not loaded:
        parts.append(_not_loaded(lang))
    if state.place is None:
        if not loaded:
            parts.append(_places_with_data(state, gaz))
        parts += [explorer_compare.map_section(state, gaz)]
        return parts
    parts += [
        _place_heading(state, gaz),
        explorer_profile.profile_section(state, gaz),
        *[explorer_profile.strategy_section(s, lang) for s in explorer.strategies(state.place)],
        explorer_profile.partnership_section(place_rows.partnerships(state.place.code), lang),
        explorer_compare.compare_section(state, gaz),
    ]
    return parts


def _link(state: State, fragment: str = "", **changes: str) -> str:
    return state.view.url(PATH, fragment=fragment, **changes)


def _picker(state: State, gaz: Gazetteer) -> html.Form:
    lang = state.view.lang
    options = [html.Option(value=p.name, label=f"{p.name} ({p.code})") for p in gaz.places() if p.code != gazetteer.COUNTRY]
    keep = {name: value for name, value in state.view.params().items() if name not in ("region", "compare", "period")}
    return html.Form(
        [
            # The hint is part of the label, so it is read with the field (dcc.Input takes no aria-*).
            html.Label([html.Span(t("explorer.search_label", lang), className="explorer-label"),
                        html.Span(t("explorer.search_hint", lang), className="explorer-hint")], htmlFor=SEARCH_ID),
            html.Div(
                [
                    dcc.Input(id=SEARCH_ID, name="sted", type="search", list=DATALIST_ID, autoComplete="off",
                              maxLength=gazetteer.MAX_QUERY, value=state.place.name if state.place else ""),
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
        return html.Div(html.P(t("explorer.too_long", lang, limit=gazetteer.MAX_QUERY)), className="notice notice-error", role="alert")
    if not lookup.matches:
        return html.Div(html.P(t("explorer.not_found", lang, query=lookup.query)), className="notice notice-error", role="alert")
    items = []
    for match in lookup.matches:
        place = match.place
        words = [html.A(f"{place.name} ({place.code})", href=state.link(region=place.code)),
                 f" – {t(f'explorer.level.{place.level}', lang)}"]
        if match.steps:
            words += [". ", " ".join(gazetteer.step_text(s, lang) for s in match.steps)]
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
    items = [html.Li([html.A(f"{p.name} ({p.code})", href=state.link("place", region=p.code)),
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
