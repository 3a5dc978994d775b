"""What the chart pages have in common: read the view from the URL, set out heading, intro,
headline tiles and chart cards from the page's config, and fall back to the "database not
built" notice when the warehouse cannot be read. Each page module adds only what is its own."""
from __future__ import annotations

import logging
from typing import Any, Callable, Mapping

from dash import html

from boligsosial.domain import url_state
from boligsosial.text.i18n import pick_text
from boligsosial.ui import card, components
from boligsosial.warehouse import db

logger = logging.getLogger(__name__)

Config = Mapping[str, Any]


def view_for(config: Config, lang: Any, query: Mapping[str, Any]) -> url_state.View:
    """The page's state from its URL: every card's choices, checked."""
    return url_state.read(query, [choice for spec in config.get("cards", []) for choice in card.choices(spec)], lang)


def tiles(config: Config, lang: str) -> html.Div | None:
    if not config.get("tiles"):
        return None
    return html.Div([components.headline_tile(tile, lang) for tile in config["tiles"]], className="tiles")


def cards(config: Config, view: url_state.View, path: str) -> list:
    return [card.chart_card(spec, view.lang, view, path) for spec in config.get("cards", [])]


def compose(
    path: str,
    view: url_state.View,
    heading: str,
    intro: Any,
    sections: Callable[[url_state.View], list],
) -> html.Div:
    """The page: heading, intro, a notice for URL values that were not understood, then the
    page's own sections (which read the warehouse) or, without a warehouse, how to build it."""
    content: list = [
        html.H1(heading),
        html.P(pick_text(intro, view.lang), className="lead") if intro else None,
        components.rejected_parameters(view.rejected, view.lang),
    ]
    try:
        content += sections(view)
    except db.WarehouseUnavailable as error:
        logger.warning("%s without figures: %s", path, error.message)
        content.append(components.warehouse_missing())
    return components.page(view.lang, path, content, view)
