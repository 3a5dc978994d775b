"""Charts as static SVG, written on the server: the one renderer of the chart model
(boligsosial/charts/model.py). The app's chart cards, the public chart pages and their embeds,
and the SVG and PNG images all draw through `render`, so a chart looks and says the same
wherever it goes, and needs no JavaScript.

    render(chart, frame) -> str

What every drawing has: the unit above the values, the note (what must not be missed) on the
chart, lines only where the model joins points, bounds drawn as bounds, missing periods
labelled at the axis, and the key (what the marks mean) under the plot. A `Frame` gives the
size and, for images (`standalone`), the title, subtitle and source written in. Every point
and bar carries a <title>, which browsers show on hover.

The SVG is built with ElementTree, so it is always well-formed and every text is escaped. A
page draws a wide and a narrow version and lets CSS pick one, because text in an SVG scales
with it and a phone would otherwise get 7-pixel labels.

This module picks the drawing for the chart's kind. The parts: svg_canvas.py (frame and drawing
surface), svg_key.py (legend and key), svg_marks.py (points and bounds), svg_axis.py (ticks),
svg_line.py (lines over time), svg_bars.py (bars by category), svg_estimates.py (estimates).
"""
from __future__ import annotations

from dataclasses import replace

from boligsosial.charts.model import Chart
from boligsosial.charts.style import MUTED
from boligsosial.charts.svg_bars import draw_bars
from boligsosial.charts.svg_canvas import Canvas, Frame
from boligsosial.charts.svg_estimates import draw_estimates
from boligsosial.charts.svg_key import draw_key
from boligsosial.charts.svg_line import draw_line

WIDE = Frame(720, 330, 14)
CARD = Frame(960, 330, 14)  # an app card is wider than a public page's column
NARROW = Frame(320, 240, 13)  # a phone's column: about its real width, so text stays its size
EMBED = Frame(720, 260, 14, id_prefix="chart-embed")
IMAGE = Frame(960, 440, 18, standalone=True, id_prefix="image")


def narrow(frame: Frame) -> Frame:
    """The same chart for a phone-sized box."""
    return replace(NARROW, id_prefix=frame.id_prefix + "-narrow")


def render(chart: Chart, frame: Frame = WIDE) -> str:
    """The chart as SVG. A chart with nothing to draw (kind "") is an image that says why."""
    svg = Canvas(frame, chart.title, chart.alt or chart.notice)
    if chart.kind == "line":
        bottom = draw_line(svg, chart)
    elif chart.kind == "bar":
        bottom = draw_bars(svg, chart)
    elif chart.kind == "estimates":
        bottom = draw_estimates(svg, chart)
    else:
        bottom = svg.paragraph(chart.notice, fill=MUTED)
    return svg.finish(draw_key(svg, chart.key(), bottom))
