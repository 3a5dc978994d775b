"""Vanskeligstilte: the estimates of how many are disadvantaged on the housing market, each
with what it measures (the definitions differ, which the chart itself says), and the 2011
breakdowns by county, tenure, household type, children, immigrant background and municipality
size.

What is shown is configured in data/pages/vanskeligstilte.yaml.
"""
from __future__ import annotations

import dash
from dash import html

from boligsosial.config import page_config
from boligsosial.text.i18n import t
from boligsosial.ui import page_layout

PATH = "/vanskeligstilte"
CONFIG = "pages/vanskeligstilte.yaml"

dash.register_page(
    __name__,
    path=PATH,
    name="Vanskeligstilte",
    title="Vanskeligstilte – Boligsosial statistikk",
    description="Vanskeligstilte på boligmarkedet: anslagene og hva de måler, og oppdelingene for 2011.",
    order=2,
    title_id="page.vanskeligstilte.title",
    description_id="page.vanskeligstilte.description",  # in the reader's language, for shared links
    name_id="page.vanskeligstilte.name",
)


def layout(lang: str | None = None, **query) -> html.Div:
    config = page_config.load(CONFIG)
    view = page_layout.view_for(config, lang, query)
    return page_layout.compose(
        PATH, view, t("page.vanskeligstilte.heading", view.lang), config.get("intro"),
        lambda v: [page_layout.tiles(config, v.lang), *page_layout.cards(config, v, PATH)],
    )
