"""Addresses of the site's own outputs, built in one place: a series' public chart page and its
images (/figur), and its data in the data API (/api/v1). Pages, cards and the public pages all
link through these, so a card's image and files are exactly what its public page shows."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Sequence
from urllib.parse import urlencode

import dash

from boligsosial.charts.model import position
from boligsosial.config import page_config
from boligsosial.ui.components import href

DATA_API = "/api/v1/indicators/{id}/data.{fmt}"
PUBLIC = {"page": "/figur/{id}", "embed": "/embed/{id}", "png": "/figur/{id}.png", "svg": "/figur/{id}.svg"}


@dataclass(frozen=True)
class Series:
    """One indicator's selection as a card or a page shows it: regions, the breakdown keys
    ("" = total) and the periods shown; `codes` "current" for today's region codes."""

    indicator_id: str
    regions: Sequence[str]
    breakdowns: Sequence[str]
    periods: Sequence[str]
    codes: str = "original"


def data_url(series: Series, fmt: str, lang: str) -> str:
    """The data API link for exactly the rows shown: regions, the period range, the breakdown
    keys (`total` for the total) and the language."""
    periods = sorted(series.periods, key=position)
    params = {"region": ",".join(series.regions)}
    if periods:
        params |= {"from": periods[0], "to": periods[-1]}
    params |= {"breakdown": ",".join(b or "total" for b in series.breakdowns)}
    if series.codes != "original":
        params["codes"] = series.codes
    params["lang"] = lang
    return f"{dash.get_relative_path(DATA_API.format(id=series.indicator_id, fmt=fmt))}?{urlencode(params)}"


def public_url(series: Series, lang: str, kind: str = "page") -> str:
    """The public chart page (or its embed, PNG or SVG) of one series: its regions and
    breakdowns, from its first period on (open-ended, so it stays current) or, for one period,
    that period alone."""
    params: list[tuple[str, str]] = [("region", ",".join(dict.fromkeys(series.regions)) or "0")]
    if series.periods:
        params.append(("from", min(series.periods, key=position)))
        if len(set(series.periods)) == 1:
            params.append(("to", series.periods[0]))
    params.append(("breakdown", ",".join(dict.fromkeys(key or "total" for key in series.breakdowns)) or "total"))
    if series.codes != "original":
        params.append(("codes", series.codes))
    params.append(("lang", lang))
    return dash.get_relative_path(PUBLIC[kind].format(id=series.indicator_id)) + "?" + urlencode(params, safe=",|=")


def app_page(indicator_id: str, lang: str) -> str:
    """The app page where the indicator lives: the first story page (in menu order) with a
    chart card for it, at that card; the front page's cards next; else the data catalogue."""
    found = _app_page(indicator_id)
    if found is None:
        return href("/data", lang)
    path, card_id = found
    return href(path, lang) + (f"#card-{card_id}" if card_id else "")


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
