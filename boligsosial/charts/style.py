"""How charts look: the palette, the series styles and the value-axis format, in one place.

Accessibility rules every renderer follows: every series colour has at least 3:1 contrast on
the background (tests/test_chart_style.py checks), series also differ by marker, dash or bar
pattern, values are written on the chart, and missing values are labelled, never drawn as 0.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

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
MAX_LINES = len(STYLES)  # series one line chart can show, each in a style of its own

# Strategy periods behind time series: faint enough that lines stay readable on top. National
# strategies alternate between two tints so neighbours differ; forerunners share a grey. The
# names and years are written in the chart's key, so the tint is never the only cue.
BANDS: dict[str, tuple[str, ...]] = {
    "national": ("rgba(29, 79, 145, 0.11)", "rgba(176, 74, 0, 0.13)"),
    "forerunner": ("rgba(74, 74, 74, 0.10)", "rgba(46, 107, 52, 0.12)"),
}

FLAG_MARK = "*"  # after a value that is derived or from a secondary source (explained in the key)


def style(number: int) -> Style:
    return STYLES[number % len(STYLES)]


def band_colours(kinds: Sequence[str]) -> list[str]:
    """The tint of each band, by kind: bands of one kind alternate between that kind's tints,
    in the order given (the chart and its key call this alike, so their colours match)."""
    seen: dict[str, int] = {}
    colours = []
    for kind in kinds:
        tints = BANDS.get(kind, BANDS["forerunner"])
        colours.append(tints[seen.get(kind, 0) % len(tints)])
        seen[kind] = seen.get(kind, 0) + 1
    return colours


@dataclass(frozen=True)
class AxisFormat:
    """How values are written on the value axis: decimals and a unit sign after the number."""

    decimals: int = 0
    suffix: str = ""


def axis_format(unit: str, decimals: int, lang: str) -> AxisFormat:
    """Rates keep their decimals (trailing zeros dropped when ticks are drawn), percentages get
    a % sign."""
    suffix = ("\u00a0%" if lang != "en" else "%") if unit == "percent" else ""
    return AxisFormat(decimals, suffix)
