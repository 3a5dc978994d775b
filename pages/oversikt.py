"""Oversikt (start page): the headline figures, each with its source, and the homeless trend.

What is shown is configured in data/headlines.yaml; this module only arranges it.
"""
from __future__ import annotations

import logging
from functools import lru_cache

import dash
import yaml
from dash import html

from boligsosial import components, queries, settings
from boligsosial.i18n import language, t

logger = logging.getLogger(__name__)

PATH = "/"
CONFIG_FILE = settings.ROOT / "data" / "headlines.yaml"

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
    name_id="page.oversikt.name",
)


@lru_cache(maxsize=1)
def headlines() -> dict:
    with open(CONFIG_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = language(lang)
    content: list = [
        html.H1(t("page.oversikt.heading", lang)),
        html.P(t("page.oversikt.intro", lang), className="lead"),
    ]
    try:
        config = headlines()
        content += [
            html.Div([components.headline_tile(tile, lang) for tile in config.get("tiles", [])], className="tiles"),
        ]
        content += [components.trend_card(trend, lang) for trend in config.get("trends", [])]
    except queries.WarehouseUnavailable as error:
        logger.warning("Oversikt without figures: %s", error.message)
        content.append(components.warehouse_missing())
    return components.page(lang, PATH, content)
