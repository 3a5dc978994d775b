"""Oversikt (start page): the headline figures, each with its source, and the main series as
chart cards with the strategy periods shaded.

What is shown is configured in data/headlines.yaml; this module only arranges it.
"""
from __future__ import annotations

import dash
from dash import html

from boligsosial.config import page_config
from boligsosial.text.i18n import t
from boligsosial.ui import page_layout

PATH = "/"
CONFIG = "headlines.yaml"

dash.register_page(
    __name__,
    path=PATH,
    name="Oversikt",
    title="Oversikt – Boligsosial statistikk",
    description="Vanskeligstilte på boligmarkedet og bostedsløse i Norge: hovedtall med kilder.",
    order=0,
    # Interface text ids (data/i18n.yaml): the document title, read by app.py, and the menu
    # entry, read by components.page, each in the reader's language.
    title_id="page.oversikt.title",
    description_id="page.oversikt.description",  # in the reader's language, for shared links
    name_id="page.oversikt.name",
)


def layout(lang: str | None = None, **query) -> html.Div:
    config = page_config.load(CONFIG)
    view = page_layout.view_for(config, lang, query)
    return page_layout.compose(
        PATH, view, t("page.oversikt.heading", view.lang), t("page.oversikt.intro", view.lang),
        lambda v: [page_layout.tiles(config, v.lang), *page_layout.cards(config, v, PATH)],
    )
