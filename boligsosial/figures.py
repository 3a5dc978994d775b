"""Chart figures: the palette in one place and one function per chart kind.

    line_over_time     a series (or a few) over the years: counts, rates, a target line
    bar_by_category    one value per category, optionally one bar per period side by side
    estimates          separate estimates of one thing that must not be read as a time series:
                       a dot (or a low-to-high bar) per estimate

The functions take plain, already formatted data (`Point`, `Series`, ...) and return a
plotly graph_objects Figure; they never query. Text on a chart (values, "Tall mangler") is
written by the caller with boligsosial.numbers, so a chart says exactly what its table says.
graph_objects only: plotly.express costs about ten times as much per figure.

Accessibility rules applied everywhere: every series colour has at least 3:1 contrast on the
background (tests/test_figures.py checks), series also differ by marker, dash or bar pattern,
values are written on the chart (direct labels), missing values are labelled, never drawn as 0,
and figures are static (no zoom or pan to stumble into on a touch screen).
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any, Sequence

import plotly.graph_objects as go

from boligsosial.numbers import SEPARATORS

# ------------------------------------------------------------------------------ palette

BACKGROUND = "#ffffff"
INK = "#1a1a1a"
MUTED = "#4a4a4a"
GRID = "#e3e3e3"
AXIS = "#6b6b6b"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


@dataclass(frozen=True)
class Style:
    """How one series is drawn: its colour and three ways to tell it apart without colour."""

    colour: str
    dash: str  # line dash
    symbol: str  # marker
    pattern: str  # bar fill pattern ('' = solid)


STYLES: tuple[Style, ...] = (
    Style("#1d4f91", "solid", "circle", ""),
    Style("#b04a00", "dash", "square", "/"),
    Style("#2e6b34", "dot", "diamond", "x"),
    Style("#7a2e8c", "dashdot", "triangle-up", "."),
    Style("#a3123f", "longdash", "triangle-down", "\\"),
    Style("#4a4a4a", "longdashdot", "hexagon", "+"),
)

# Strategy periods behind time series: faint enough that lines stay readable on top. National
# strategies alternate between two tints so neighbours differ; forerunners share a grey. The
# names and years are written beside the chart (card legend), so the tint is never the only cue.
BANDS: dict[str, tuple[str, ...]] = {
    "national": ("rgba(29, 79, 145, 0.11)", "rgba(176, 74, 0, 0.13)"),
    "forerunner": ("rgba(74, 74, 74, 0.10)", "rgba(46, 107, 52, 0.12)"),
}


def style(number: int) -> Style:
    return STYLES[number % len(STYLES)]


def band_colours(bands: Sequence["Band"]) -> list[str]:
    """The tint of each band: bands of one kind alternate between that kind's tints, in the
    order given (the chart and its legend call this alike, so their colours match)."""
    seen: dict[str, int] = {}
    colours = []
    for band in bands:
        tints = BANDS.get(band.kind, BANDS["forerunner"])
        colours.append(tints[seen.get(band.kind, 0) % len(tints)])
        seen[band.kind] = seen.get(band.kind, 0) + 1
    return colours


# ------------------------------------------------------------------------------ data in


@dataclass(frozen=True)
class Point:
    """One value on a chart. `y` None means missing: labelled with `label`, never drawn as 0."""

    x: Any  # a year on time axes, a category key on bar charts
    y: float | None
    label: str  # the value as written: "ca. 6 200", "23 %", "Tall mangler"
    hover: str = ""  # the full sentence for the tooltip
    flagged: bool = False  # derived or from a secondary source: drawn open and marked *


@dataclass(frozen=True)
class Series:
    name: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Band:
    """A strategy period, shaded from the start of its first year to the end of its last."""

    start: int
    end: int
    name: str
    kind: str = "national"


@dataclass(frozen=True)
class Target:
    """A horizontal goal line, such as the zero vision for homelessness."""

    value: float
    label: str


@dataclass(frozen=True)
class AxisFormat:
    """Value-axis tick format (d3 format, with the language's separators) and suffix."""

    tickformat: str = ",d"
    ticksuffix: str = ""


@dataclass(frozen=True)
class Estimate:
    """One estimate on an estimates chart: its year, value and short name."""

    x: int
    y: float | None
    name: str  # short name written on the chart
    label: str  # its value as written
    hover: str = ""
    flagged: bool = False


@dataclass(frozen=True)
class EstimateRange:
    """An estimate given as a range (low to high) at one point in time."""

    x: int
    low: float
    high: float
    name: str
    label: str  # "177 000–282 400"
    hover: str = ""


FLAG_MARK = "*"  # after a value that is derived or from a secondary source (explained under the chart)


def axis_format(unit: str, decimals: int, lang: str) -> AxisFormat:
    """Tick format for an indicator's unit: whole numbers grouped (179 000), rates with their
    decimals but no trailing zeros (0,5 not 0,50), percentages with a % sign."""
    tickformat = ",d" if not decimals else f",.{decimals}~f"
    suffix = ("\u00a0%" if lang == "nb" else "%") if unit == "percent" else ""
    return AxisFormat(tickformat, suffix)


# ------------------------------------------------------------------------------ chart kinds


def line_over_time(
    series: Sequence[Series],
    lang: str,
    *,
    axis: AxisFormat = AxisFormat(),
    bands: Sequence[Band] = (),
    target: Target | None = None,
    note: str = "",
) -> go.Figure:
    """Lines over years, one per series. Gaps stay gaps (a missing year breaks the line and is
    labelled "Tall mangler" at the axis). A single series has its first and last values written
    on the chart; several series have their names written at their last point instead of a
    legend. Strategy periods are shaded bands; a target is a labelled dashed line."""
    figure = _Draft()
    years = [p.x for s in series for p in s.points]
    for number, one in enumerate(series):
        look = style(number)
        xs = [p.x for p in one.points]
        figure.add_trace(
            dict(
                type="scatter",
                x=xs,
                y=[p.y for p in one.points],
                name=one.name,
                mode="lines+markers",
                connectgaps=False,
                line={"color": look.colour, "width": 2.5, "dash": look.dash},
                marker={
                    "color": [BACKGROUND if p.flagged else look.colour for p in one.points],
                    "line": {"color": look.colour, "width": 2},
                    "symbol": look.symbol,
                    "size": 9,
                },
                customdata=[p.hover or p.label for p in one.points],
                hovertemplate="%{customdata}<extra></extra>",
            )
        )
        shown = [p for p in one.points if p.y is not None]
        if shown and len(series) == 1:
            ends = [shown[0], shown[-1]] if len(shown) > 1 else [shown[0]]
            for point in ends:
                figure.add_annotation(
                    x=point.x, y=point.y, text=_flagged(point), showarrow=False, yshift=16,
                    xanchor=_edge_anchor(point.x, years), font={"size": 13, "color": INK},
                    bgcolor="rgba(255,255,255,0.85)",
                )
        elif shown:
            last = shown[-1]
            figure.add_annotation(
                x=last.x, y=last.y, text=f"{one.name}: {_flagged(last)}", showarrow=False, yshift=16,
                xanchor="right", font={"size": 12, "color": look.colour}, bgcolor="rgba(255,255,255,0.85)",
            )
        for run in _missing_runs(one.points):
            # Written upwards from the axis at the missing year(s): narrow enough not to run
            # into its neighbours on a phone, and clearly not a value of 0.
            middle = (run[0].x + run[-1].x) / 2
            figure.add_annotation(
                x=middle, y=0, yref="y", text=run[0].label, showarrow=False, textangle=-90, yanchor="bottom",
                yshift=6, font={"size": 11, "color": MUTED, "style": "italic"},
            )
    for band, colour in zip(bands, band_colours(bands)):
        figure.add_vrect(x0=band.start - 0.5, x1=band.end + 0.5, fillcolor=colour, line_width=0, layer="below")
    if target is not None:
        figure.add_hline(y=target.value, line={"color": INK, "width": 2, "dash": "dash"})
        figure.add_annotation(
            x=0, xref="paper", y=target.value, text=target.label, showarrow=False, xanchor="left",
            yanchor="bottom", yshift=4, font={"size": 12, "color": INK}, bgcolor="rgba(255,255,255,0.85)",
        )
    _layout(figure, lang, note=note)
    if years:
        figure.update_xaxes(range=[min(years) - 0.8, max(years) + 0.8])
    figure.update_xaxes(tickformat="d", showgrid=False, linecolor=AXIS, ticks="outside", fixedrange=True)
    figure.update_yaxes(
        rangemode="tozero", tickformat=axis.tickformat, ticksuffix=axis.ticksuffix, gridcolor=GRID,
        zeroline=True, zerolinecolor=AXIS, fixedrange=True,
    )
    return figure.done()


# Pixel sizes of a horizontal bar chart: each category gets its name on its own line(s) above
# its bars, so long names ("Over 39 999 innbyggere, utenom de fire største byene") fit a phone
# instead of squeezing the bars.
BAR_PX = 18
LABEL_LINE_PX = 16
SLOT_GAP_PX = 12
LABEL_WIDTH = 40  # characters per line of a category name
BAR_MARGIN = {"l": 8, "r": 16, "t": 8, "b": 8}


def bar_chart_height(categories: Sequence[str], n_series: int, note: str = "") -> int:
    """The height a bar chart needs, in pixels (the card sizes the chart box with it)."""
    return len(categories) * _slot_px(categories, n_series) + BAR_MARGIN["t"] + BAR_MARGIN["b"] + _note_px(note)


def bar_by_category(
    categories: Sequence[str],
    series: Sequence[Series],
    lang: str,
    *,
    axis: AxisFormat = AxisFormat(),
    note: str = "",
) -> go.Figure:
    """Horizontal bars, categories top to bottom in the order given. Each series' points are
    matched to `categories` by their x (the category name). Values are written at the bar ends
    (with the series name when there are several, which also have their own fill pattern), so
    the value axis itself is left out. A missing value gets no bar, only its label."""
    slot = _slot_px(categories, len(series))
    label_px = slot - SLOT_GAP_PX - BAR_PX * len(series)
    figure = _Draft()
    top = max((p.y for s in series for p in s.points if p.y is not None), default=0) or 1
    for number, one in enumerate(series):
        look = style(number)
        by_category = {p.x: p for p in one.points}
        ys, xs, texts, hovers = [], [], [], []
        for index, category in enumerate(categories):
            point = by_category.get(category)
            centre = index - 0.5 + (label_px + BAR_PX * (number + 0.5)) / slot
            if point is None:
                continue
            if point.y is None:
                figure.add_annotation(
                    x=0, y=centre, text=_named(one, point, series), showarrow=False, xanchor="left",
                    font={"size": 12, "color": MUTED, "style": "italic"},
                )
                continue
            ys.append(centre)
            xs.append(point.y)
            texts.append(_named(one, point, series))
            hovers.append(point.hover or point.label)
        figure.add_trace(
            dict(
                type="bar",
                orientation="h",
                x=xs,
                y=ys,
                width=(BAR_PX - 4) / slot,
                name=one.name,
                text=texts,
                textposition="outside",
                cliponaxis=False,
                textfont={"color": INK, "size": 13},
                marker=_bar_marker(look),
                customdata=hovers,
                hovertemplate="%{customdata}<extra></extra>",
            )
        )
    for index, category in enumerate(categories):
        figure.add_annotation(
            x=0, xref="paper", y=index - 0.5 + label_px / slot, yanchor="bottom", xanchor="left", align="left",
            text="<br>".join(_wrap(category)), showarrow=False, font={"size": 13, "color": INK},
        )
    _layout(figure, lang, note=note, margin=BAR_MARGIN)
    figure.update_layout(height=bar_chart_height(categories, len(series), note), barmode="overlay", bargap=0)
    # Room on the right for the value written after the longest bar.
    figure.update_xaxes(range=[0, top * 1.32], visible=False, fixedrange=True)
    figure.update_yaxes(range=[len(categories) - 0.5, -0.5], visible=False, fixedrange=True)
    return figure.done()


def estimates(
    points: Sequence[Estimate],
    lang: str,
    *,
    ranges: Sequence[EstimateRange] = (),
    axis: AxisFormat = AxisFormat(),
    note: str = "",
) -> go.Figure:
    """Separate estimates of one thing as a dot chart: one row per estimate, oldest first, its
    name and year written above it and its value beside the dot; an estimate given as a range
    is a bar from low to high. No line joins them: they rest on different definitions, and a
    line would read as a trend. Rows (not a time axis) keep every name readable on a phone."""
    rows: list[tuple[int, str, Any]] = [(e.x, f"{e.x}: {e.name}", e) for e in points]
    # A range's values go with its name: beside the bar they would run off a phone's screen.
    rows += [(r.x, f"{r.x}: {r.name}: {r.label}", r) for r in ranges]
    rows.sort(key=lambda row: row[0])  # stable: the config's order within a year
    labels = [label for _, label, _ in rows]
    slot = _slot_px(labels, 1)
    label_px = slot - SLOT_GAP_PX - BAR_PX
    top = max([e.y for e in points if e.y is not None] + [r.high for r in ranges], default=1) or 1
    figure = _Draft()
    for index, (_, _, item) in enumerate(rows):
        look = style(index)
        centre = index - 0.5 + (label_px + BAR_PX / 2) / slot
        if isinstance(item, EstimateRange):
            figure.add_trace(dict(
                type="scatter",
                x=[item.low, item.high], y=[centre, centre], name=item.name, mode="lines+markers",
                line={"color": look.colour, "width": 6}, marker={"symbol": "line-ns", "size": 16,
                                                                   "line": {"color": look.colour, "width": 3}},
                customdata=[item.hover or item.label] * 2, hovertemplate="%{customdata}<extra></extra>",
            ))
            continue
        if item.y is None:
            figure.add_annotation(x=0, y=centre, text=item.label, showarrow=False, xanchor="left",
                                  font={"size": 12, "color": MUTED, "style": "italic"})
            continue
        figure.add_trace(dict(
            type="scatter",
            x=[item.y], y=[centre], name=item.name, mode="markers+text",
            text=[item.label + (FLAG_MARK if item.flagged else "")], textposition="middle right",
            textfont={"size": 13, "color": INK}, cliponaxis=False,
            marker={"symbol": look.symbol, "size": 13, "color": BACKGROUND if item.flagged else look.colour,
                    "line": {"color": look.colour, "width": 2.5}},
            customdata=[item.hover or item.label], hovertemplate="%{customdata}<extra></extra>",
        ))
    for index, label in enumerate(labels):
        figure.add_annotation(
            x=0, xref="paper", y=index - 0.5 + label_px / slot, yanchor="bottom", xanchor="left", align="left",
            text="<br>".join(_wrap(label)), showarrow=False, font={"size": 13, "color": INK},
        )
    margin = {**BAR_MARGIN, "b": 36}
    _layout(figure, lang, note=note, margin=margin)
    figure.update_layout(height=estimates_height(points, ranges, note))
    # Room on the right for the value written after the dot; the axis starts at zero, so the
    # distances between the dots are true.
    figure.update_xaxes(
        range=[0, top * 1.38], nticks=5, tickformat=axis.tickformat, ticksuffix=axis.ticksuffix, gridcolor=GRID,
        zeroline=True, zerolinecolor=AXIS, showline=True, linecolor=AXIS, ticks="outside", fixedrange=True,
    )
    figure.update_yaxes(range=[len(labels) - 0.5, -0.5], visible=False, fixedrange=True)
    return figure.done()


def estimates_height(points: Sequence[Estimate], ranges: Sequence[EstimateRange], note: str = "") -> int:
    labels = [f"{e.x}: {e.name}" for e in points] + [f"{r.x}: {r.name}: {r.label}" for r in ranges]
    return len(labels) * _slot_px(labels, 1) + BAR_MARGIN["t"] + 36 + _note_px(note)


# ------------------------------------------------------------------------------ shared


class _Draft:
    """A figure in the making, as plain dicts: graph_objects check every property on every
    add_annotation or update call (about 100 ms for a bar chart with its labels), so the parts
    are collected here and the Figure is made once at the end without checking them again.
    tests/test_figures.py builds every chart kind with full validation instead."""

    def __init__(self) -> None:
        self.data: list[dict] = []
        self.layout: dict[str, Any] = {"annotations": [], "shapes": []}

    def add_trace(self, trace: dict) -> None:
        self.data.append(trace)

    def add_annotation(self, **annotation: Any) -> None:
        self.layout["annotations"].append(annotation)

    def add_vrect(self, *, x0: float, x1: float, fillcolor: str, line_width: float = 0, layer: str = "below") -> None:
        self.layout["shapes"].append({"type": "rect", "xref": "x", "yref": "paper", "x0": x0, "x1": x1, "y0": 0,
                                      "y1": 1, "fillcolor": fillcolor, "line": {"width": line_width}, "layer": layer})

    def add_hline(self, *, y: float, line: dict) -> None:
        self.layout["shapes"].append({"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": y,
                                      "y1": y, "line": line})

    def update_layout(self, **changes: Any) -> None:
        self.layout.update(changes)

    def update_xaxes(self, **changes: Any) -> None:
        self.layout.setdefault("xaxis", {}).update(changes)

    def update_yaxes(self, **changes: Any) -> None:
        self.layout.setdefault("yaxis", {}).update(changes)

    def done(self) -> go.Figure:
        return go.Figure(data=self.data, layout=self.layout, _validate=False)


def _layout(figure: _Draft, lang: str, *, note: str = "", margin: dict | None = None) -> None:
    decimal_sign, thousands = SEPARATORS[lang]
    margin = dict(margin or {"l": 64, "r": 16, "t": 16, "b": 36})
    if note:
        # A note that belongs to reading the chart ("categories differ between years") is
        # written on the chart itself, so it travels with every screenshot and PNG export.
        margin["t"] += _note_px(note)
        figure.add_annotation(
            x=0, xref="paper", y=1, yref="paper", yanchor="bottom", xanchor="left", align="left", yshift=8,
            text="<br>".join(_wrap(note, NOTE_WIDTH)), showarrow=False, font={"size": 12, "color": INK},
        )
    figure.update_layout(
        # Everything the charts need is set here; plotly's default template would add 7 kB of
        # styling to every figure in the page.
        template="none",
        separators=decimal_sign + thousands,
        margin=margin,
        autosize=True,  # the width follows the card; the height comes from the stylesheet or the card
        showlegend=False,
        dragmode=False,
        plot_bgcolor=BACKGROUND,
        paper_bgcolor=BACKGROUND,
        font={"family": FONT, "size": 13, "color": INK},
        hoverlabel={"font": {"size": 14, "family": FONT}},
    )


def _bar_marker(look: Style) -> dict:
    marker: dict[str, Any] = {"color": look.colour, "line": {"color": look.colour, "width": 1}}
    if look.pattern:
        # Every series after the first has a fill pattern, so bars side by side differ without
        # colour; the pattern's background keeps the bar solid enough to read.
        marker["pattern"] = {"shape": look.pattern, "fgcolor": BACKGROUND, "bgcolor": look.colour, "solidity": 0.35}
    return marker


def _flagged(point: Point) -> str:
    return point.label + (FLAG_MARK if point.flagged else "")


def _named(one: Series, point: Point, series: Sequence[Series]) -> str:
    text = _flagged(point)
    return f"{one.name}: {text}" if len(series) > 1 else text


def _edge_anchor(x: float, xs: Sequence[float]) -> str:
    """Text at the first or last year would be cut off at the plot's edge when centred."""
    if not xs:
        return "center"
    if x >= max(xs):
        return "right"
    if x <= min(xs):
        return "left"
    return "center"


def _missing_runs(points: Sequence[Point]) -> list[list[Point]]:
    """Consecutive missing points with the same label, so a gap of several years gets one
    "Tall mangler" instead of a row of them."""
    runs: list[list[Point]] = []
    previous_missing = False
    for point in points:
        if point.y is None:
            if previous_missing and runs[-1][0].label == point.label:
                runs[-1].append(point)
            else:
                runs.append([point])
            previous_missing = True
        else:
            previous_missing = False
    return runs


def _wrap(text: str, width: int = LABEL_WIDTH) -> list[str]:
    return textwrap.wrap(text, width) or [""]


NOTE_WIDTH = 46  # characters per line of a note written on a chart: fits a phone


def _note_px(note: str) -> int:
    return 16 * len(_wrap(note, NOTE_WIDTH)) + 8 if note else 0


def _slot_px(categories: Sequence[str], n_series: int) -> int:
    lines = max((len(_wrap(c)) for c in categories), default=1)
    return lines * LABEL_LINE_PX + 4 + BAR_PX * max(n_series, 1) + SLOT_GAP_PX
