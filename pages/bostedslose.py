"""Bostedsløse: the national homelessness surveys. Counts and rates for every survey year, the
breakdowns that exist, the definition and method, and the gaps in the figures.

What is shown is configured in data/pages/bostedslose.yaml; the definition comes from the
indicator catalogue in the warehouse.
"""
from __future__ import annotations

import dash
from dash import html

from boligsosial.config import page_config
from boligsosial.domain.url_state import View
from boligsosial.text.i18n import pick_text, t
from boligsosial.ui import page_layout
from boligsosial.warehouse import series_rows

PATH = "/bostedslose"
CONFIG = "pages/bostedslose.yaml"

dash.register_page(
    __name__,
    path=PATH,
    name="Bostedsløse",
    title="Bostedsløse – Boligsosial statistikk",
    description="Bostedsløse i Norge: de nasjonale kartleggingene 1996–2020, oppdelinger, definisjon og metode.",
    order=1,
    title_id="page.bostedslose.title",
    description_id="page.bostedslose.description",  # in the reader's language, for shared links
    name_id="page.bostedslose.name",
)


def layout(lang: str | None = None, **query) -> html.Div:
    config = page_config.load(CONFIG)
    view = page_layout.view_for(config, lang, query)
    return page_layout.compose(
        PATH, view, t("page.bostedslose.heading", view.lang), config.get("intro"),
        lambda v: [page_layout.tiles(config, v.lang), _method(config["method"], v), *page_layout.cards(config, v, PATH)],
    )


def _method(method: dict, view: View) -> html.Section:
    """Definition (from the warehouse), how the survey is done, and what is missing."""
    lang = view.lang
    indicator = series_rows.indicator(method["indicator"]) or {}
    return html.Section(
        className="card method",
        **{"aria-labelledby": "method-heading"},
        children=[
            html.H2(pick_text(method["heading"], lang), id="method-heading"),
            html.P(indicator.get(f"definition_{lang}") or ""),
            *[html.P(pick_text(paragraph, lang)) for paragraph in method.get("paragraphs", [])],
            html.H3(pick_text(method["gaps_heading"], lang)),
            html.Ul([html.Li(pick_text(gap, lang)) for gap in method.get("gaps", [])], className="gaps"),
        ],
    )
