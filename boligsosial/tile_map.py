"""A tile-grid map of Norway's counties: one square per county, placed by hand so the grid reads
as the shape of the country (data/regions/county_tiles.yaml), coloured by a figure.

Used where no boundary geometry is available offline. It is plain HTML (a CSS grid of list
items), not a picture: every tile writes its county and its value as text, so the colour is
never the only way to read it and a screen reader reads the list; the page gives the same
numbers in a table beside it. Tiles have a dark border (3:1 against the page) whatever their
fill, text on a tile is dark or white to keep 4.5:1 on its fill, and a county without a figure
is hatched and says "mangler".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from dash import html

from boligsosial import page_config
from boligsosial.i18n import t
from boligsosial.numbers import format_number, format_short, is_missing

LAYOUT = "regions/county_tiles.yaml"

# Light to dark; the text colour on each keeps at least 4.5:1 contrast with the fill.
SCALE = (("#e3eef9", "#1a1a1a"), ("#b7d0ea", "#1a1a1a"), ("#7fa9d6", "#1a1a1a"), ("#3f78b8", "#ffffff"),
         ("#1d4f91", "#ffffff"))

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    fill: str
    ink: str


def bands(values: Sequence[float]) -> list[Band]:
    """Light to dark: one class per value when there are at most five distinct values, else
    five classes with about as many counties in each (quantiles)."""
    distinct = sorted(set(values))
    if not distinct:
        return []
    if len(distinct) <= len(SCALE):
        limits = [(v, v) for v in distinct]
    else:
        ordered = sorted(values)
        cuts = [ordered[round(n * (len(ordered) - 1) / len(SCALE))] for n in range(len(SCALE) + 1)]
        limits = [(cuts[n], cuts[n + 1]) for n in range(len(SCALE)) if n == 0 or cuts[n + 1] > cuts[n]]
    found = []
    for number, (low, high) in enumerate(limits):
        fill, ink = SCALE[round(number * (len(SCALE) - 1) / max(len(limits) - 1, 1))]
        found.append(Band(low, high, fill, ink))
    return found


def band_for(value: float, scale: Sequence[Band]) -> Band:
    for band in scale:
        if value <= band.high:
            return band
    return scale[-1]


def county_map(values: Mapping[str, Row], names: Mapping[str, str], caption: str, lang: str,
               chosen: str | None = None, decimals: int = 0) -> html.Figure:
    """The counties placed as Norway: `values` are rows by county code (a county without one is
    drawn as missing), `names` today's county names, `chosen` a county to outline."""
    layout = page_config.load(LAYOUT)
    scale = bands([float(r["value"]) for r in values.values() if not is_missing(r.get("value"))])
    tiles = [
        _tile(spot["short"], names.get(code, spot["short"]), values.get(code), scale, lang, code == chosen,
              {"gridColumn": str(spot["col"] + 1), "gridRow": str(spot["row"] + 1)})
        for code, spot in layout["tiles"].items()
    ]
    grid = html.Ul(tiles, className="tile-map-grid", style={"--columns": str(layout["columns"]), "--rows": str(layout["rows"])},
                   **{"aria-label": caption})
    return _figure(grid, scale, caption, lang, decimals, "county")


def group_map(places: Sequence[tuple[str, str]], values: Mapping[str, Row], caption: str, lang: str,
              chosen: str | None = None, decimals: int = 0) -> html.Figure:
    """The municipalities of one county as tiles in a row-wrapping grid, in the order given
    (code and name pairs), coloured on their own scale."""
    scale = bands([float(r["value"]) for r in values.values() if not is_missing(r.get("value"))])
    tiles = [_tile(name, name, values.get(code), scale, lang, code == chosen, {}) for code, name in places]
    grid = html.Ul(tiles, className="tile-map-grid is-group", **{"aria-label": caption})
    return _figure(grid, scale, caption, lang, decimals, "group")


def _tile(short: str, name: str, row: Row | None, scale: Sequence[Band], lang: str, chosen: bool, style: dict) -> html.Li:
    missing = row is None or is_missing(row.get("value"))
    # A row without a value says why (suppressed, not yet published); no row at all: missing.
    value = t("tilemap.missing", lang) if row is None else format_short(row, lang)
    if not missing and row.get("derived"):
        value += "*"  # computed, not published: explained in the figure's note
    if not missing:
        band = band_for(float(row["value"]), scale)
        style = {**style, "background": band.fill, "color": band.ink}
    classes = "tile-map-tile" + (" is-missing" if missing else "") + (" is-chosen" if chosen else "")
    return html.Li(
        [html.Span(short, className="tile-map-name", title=name),
         html.Span(f" {name}: " if short != name else ": ", className="visually-hidden"),
         html.Span(value, className="tile-map-value")],
        className=classes, style=style,
    )


def _figure(grid: html.Ul, scale: Sequence[Band], caption: str, lang: str, decimals: int, key: str) -> html.Figure:
    label_id = f"tile-map-legend-{key}"
    legend = [
        html.Li([html.Span(className="tile-map-swatch", style={"background": band.fill}),
                 format_number(band.low, decimals, lang) if band.low == band.high
                 else f"{format_number(band.low, decimals, lang)}–{format_number(band.high, decimals, lang)}"])
        for band in scale
    ] + [html.Li([html.Span(className="tile-map-swatch is-missing"), t("tilemap.missing", lang)])]
    return html.Figure(
        className="tile-map",
        children=[
            grid,
            html.Figcaption([
                html.P(caption, className="tile-map-caption"),
                html.P(t("tilemap.legend", lang), className="tile-map-legend-label", id=label_id),
                html.Ul(legend, className="tile-map-legend", **{"aria-labelledby": label_id}),
                html.P(t(f"tilemap.note_{key}", lang), className="context"),
            ]),
        ],
    )
