"""Notices the website's own pages share with the statistics pages."""
from __future__ import annotations

from dash import html

from boligsosial.ui import components
from boligsosial.warehouse import db


def warehouse_missing() -> list[html.Section]:
    """The "figures not available" notice when no warehouse is served, else nothing. Pages that
    need no figures (the statement, privacy) still say so: the site's figures are its purpose,
    and a reader who arrives there should learn that they are missing."""
    try:
        db.status()
    except db.WarehouseUnavailable:
        return [components.warehouse_missing()]
    return []
