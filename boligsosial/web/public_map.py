"""The map view of a public chart page (`vis=kart`): which level and period the URL asks for,
and the map model drawn from the warehouse for it."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Mapping
from urllib.parse import urlencode

import dash

from boligsosial.charts import build, choropleth, maps
from boligsosial.charts.maps import MapData
from boligsosial.domain import explorer, gazetteer
from boligsosial.domain.selection import Selection, SelectionError
from boligsosial.text.i18n import t
from boligsosial.text.numbers import (
    format_period,
)
from boligsosial.ui import tables
from boligsosial.warehouse import series_rows
from boligsosial.web.public_chart import NotFound

MAP_LEVELS = {"fylke": "county", "kommune": "municipality"}  # as the URL names them, in Norwegian


@dataclass(frozen=True)
class MapView:
    """?view=map&level=fylke|kommune&year=YYYY: the indicator as a map of one period."""

    level: str  # fylke | kommune
    year: str | None  # a period code; None: the latest with figures

    def query_string(self) -> str:
        return urlencode([("view", "map"), ("level", self.level)] + ([("year", self.year)] if self.year else []))


def map_view(args: Mapping[str, Any]) -> MapView | None:
    """The map parameters of a request, checked (SelectionError names a bad one)."""
    view = (args.get("view") or "").strip()
    if not view:
        return None
    if view != "map":
        raise SelectionError("view", "choice", value=view[:40], choices="map")
    level = (args.get("level") or "fylke").strip()
    if level not in MAP_LEVELS:
        raise SelectionError("level", "choice", value=level[:40], choices=", ".join(MAP_LEVELS))
    year = (args.get("year") or "").strip() or None
    if year is not None and not re.fullmatch(r"[0-9]{4}(-[0-9]{2}|-Q[1-4])?", year):
        raise SelectionError("year", "period", value=year[:40])
    return MapView(level, year)


@dataclass
class PublicMap:
    """What a page, an embed or an image says about one indicator as a map of one period."""

    indicator: Mapping[str, Any]
    selection: Selection  # the rows drawn, for the files: these regions, this period
    lang: str
    title: str
    subtitle: str
    data: MapData
    view: MapView
    summary: list[str]
    table: Any
    rows: list[dict[str, Any]]
    kind: str = "map"
    note: str = ""

    def drawing(self, frame: choropleth.MapFrame = choropleth.MAP_WIDE) -> str:
        return maps.draw(self.data, self.title, self.lang, lambda code: place_link(code, self.indicator["id"], self.lang),
                         frame)

    def image(self, frame: choropleth.MapFrame) -> str:
        return self.drawing(frame)


def place_link(code: str, indicator_id: str, lang: str) -> str:
    """A place's view in the region explorer, on the figure the map shows where it offers it."""
    params = gazetteer.place_parameter(code)
    found = explorer.offer_for_indicator(indicator_id)
    if found:
        params |= {"indicator": found[0].id, "measure": found[1]}
    if lang != "nb":
        params["lang"] = lang
    return dash.get_relative_path("/kommuner") + "?" + urlencode(params) + "#place"


def build_map(indicator_id: str, chosen: Selection, view: MapView) -> PublicMap:
    indicator = series_rows.indicator(indicator_id)
    if indicator is None:
        raise NotFound(indicator_id)
    lang = chosen.lang
    title = indicator.get(f"title_{lang}") or indicator_id
    level = MAP_LEVELS[view.level]
    data = maps.map_data(indicator_id, level, view.year, lang)
    if data is None:
        available = maps.periods(indicator_id, level)
        note = t("figur.map_no_period", lang, year=view.year, years=", ".join(available)) if view.year and available \
            else t("figur.map_no_data", lang, regions=t(f"map.regions.{level}", lang))
        empty = MapData(indicator, level, view.year or "", "2024", False, {}, {}, None, 0, [], available)
        return PublicMap(indicator, chosen, lang, title, "", empty, view, [], None, [], kind="", note=note)
    codes = sorted(data.values) + (["0"] if data.norway else [])
    shown = replace(chosen, regions=tuple(codes), period_from=data.period, period_to=data.period, breakdowns=("",),
                    by=None, codes="current" if data.harmonised else "original")
    structure = t(f"map.structure.{data.structure}.{level}", lang)
    subtitle = " · ".join([t(f"map.regions.{level}", lang).capitalize(), format_period(data.period, lang),
                           t("figur.map_harmonised" if data.harmonised else "figur.map_structure", lang, structure=structure)])
    rows = maps.rows(data, lang, lambda code: place_link(code, indicator_id, lang))
    unit = build.unit_heading(indicator, lang)
    table = tables.map_table(rows, t("figur.caption", lang, title=title, unit=unit) + f", {format_period(data.period, lang)}",
                             t(f"explorer.level.{level}", lang), unit, lang, "figur-data")
    with_values = [row for row in rows if row.value is not None]
    summary = [t("figur.map_summary", lang, count=len(with_values), total=len(rows),
                 regions=t(f"map.regions.{level}", lang))]
    if with_values:
        high = max(with_values, key=lambda row: row.value)
        low = min(with_values, key=lambda row: row.value)
        summary.append(t("figur.map_high_low", lang, high=high.place, high_value=high.value_text,
                         low=low.place, low_value=low.value_text))
    return PublicMap(indicator, shown, lang, title, subtitle, data, view, summary, table, data.rows)
