"""A map of one indicator, read from the warehouse: which period, which boundaries, which values.

    map_data(indicator_id, level, period, lang) -> MapData | None

The figures of a period are drawn on the boundaries of their time: 2024 on.. on today's, 2020-2023
on the 2020 structure, with the codes they were published under. Earlier figures have no
boundaries of their own here, so they are drawn on today's structure with the codes the ETL
moved them to (observation_current: counts of merged places summed, rates recomputed, or
missing when that cannot be done honestly), and the map says so. boligsosial/charts/
choropleth.py draws the result; the public pages and the region explorer both call this.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from boligsosial.charts.choropleth import choropleth
from boligsosial.charts.map_canvas import MAP_WIDE, MapFrame
from boligsosial.charts.map_geometry import load_geometry, structure_for_year
from boligsosial.charts.map_values import MapValue, TableRow, table_rows
from boligsosial.domain.remarks import flags
from boligsosial.text.numbers import (
    format_period,
    format_short,
    is_missing,
    shown_decimals,
)
from boligsosial.warehouse import place_rows, series_rows

LEVELS = ("county", "municipality")
TODAY = "2024"  # the newest structure with boundaries in data/geo

Row = Mapping[str, Any]


@dataclass
class MapData:
    indicator: Mapping[str, Any]
    level: str  # county | municipality
    period: str
    structure: str  # "2020" | "2024": the boundaries drawn
    harmonised: bool  # figures moved onto today's codes (the period predates the boundaries)
    values: dict[str, MapValue]
    names: dict[str, str]
    norway: MapValue | None
    decimals: int = 0  # as the figures were published (a 2005 rate of 20.3 keeps its decimal)
    rows: list[dict] = field(default_factory=list)  # every row drawn, Norway's too: sources, downloads
    periods: list[str] = field(default_factory=list)  # every period this level has figures for


def periods(indicator_id: str, level: str) -> list[str]:
    """The periods with at least one figure for a region of `level`, oldest first."""
    return place_rows.level_periods(indicator_id, level)


def map_data(indicator_id: str, level: str, period: str | None, lang: str) -> MapData | None:
    """The map of `indicator_id` for `level` in `period` (default: the latest with figures);
    None when the level has no figures at all or the period is not one of them."""
    indicator = series_rows.indicator(indicator_id)
    available = periods(indicator_id, level)
    if indicator is None or not available:
        return None
    period = period or available[-1]
    if period not in available:
        return None
    structure = structure_for_year(int(period[:4]))
    harmonised = structure is None
    structure = structure or TODAY
    geometry = load_geometry(structure, level)
    rows = [dict(r) for r in place_rows.level_rows(indicator_id, level, period, current=harmonised)
            if r["region_code"] in geometry.regions]
    unit_fields = {k: indicator.get(k) for k in ("decimals", "unit", "unit_label_nb", "unit_label_nn", "unit_label_en")}
    values = {r["region_code"]: _value({**r, **unit_fields}, lang) for r in rows}
    norway_rows = place_rows.level_rows(indicator_id, "country", period, current=False)
    norway = _value({**norway_rows[0], **unit_fields}, lang) if norway_rows else None
    names = place_rows.region_names(values)
    decimals = max([shown_decimals({**r, **unit_fields}) for r in rows + norway_rows] or [unit_fields["decimals"] or 0])
    return MapData(indicator, level, period, structure, harmonised, values, names, norway, decimals,
                   rows + [dict(r) for r in norway_rows], available)


def _value(row: Row, lang: str) -> MapValue:
    missing = is_missing(row.get("value"))
    return MapValue(
        value=None if missing else float(row["value"]),
        status=(row.get("status") or "").strip(),
        qualifier=(row.get("qualifier") or "").strip(),
        flagged=bool(flags(row, lang)),
        label="" if missing else format_short(row, lang),
    )


def draw(data: MapData, title: str, lang: str, href, frame: MapFrame = MAP_WIDE) -> str:
    """The map as SVG (boligsosial/charts/choropleth.py): on a municipality map the county
    borders are drawn over it."""
    geometry = load_geometry(data.structure, data.level)
    outline = load_geometry(data.structure, "county") if data.level == "municipality" else None
    return choropleth(geometry, data.values, href=href, unit=data.indicator.get(f"unit_label_{lang}") or "",
                      title=title, year=format_period(data.period, lang), names=data.names, lang=lang,
                      decimals=data.decimals, norway=data.norway, frame=frame, outline=outline)


def rows(data: MapData, lang: str, href) -> list[TableRow]:
    """The table beside the map: every region with its figure as the map writes it, and its class."""
    return table_rows(load_geometry(data.structure, data.level), data.values, href=href, names=data.names, lang=lang,
                      decimals=data.decimals)
