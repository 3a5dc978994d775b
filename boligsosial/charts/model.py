"""The chart model: everything a chart says, before anything draws it.

Every output of a figure is drawn from a `Chart`: the chart in an app card, the public chart
page (/figur) and its embed, and the PNG and SVG images. The rules that keep them honest live
here, once:

- the time axis holds every period a series has a row for, and a period whose row has no value
  is a point without a value: a gap in the line with its reason written at the axis, never 0;
- a figure given only as a bound ("under 125 000") is a point with `bound`: drawn as a bound and
  never joined to its neighbours by a line;
- a line joins two points only when both are exact values, no method change (`Break`) lies
  between them and the indicator's figures are a series at all (`joined`; snapshots and
  cohorts are not);
- `key()` says what each mark on the chart means (open points, bounds, breaks, strategy bands),
  so the explanation travels with every rendering, image files included.

Builders (boligsosial/charts/build.py) make charts from warehouse rows; renderers
(boligsosial/charts/svg.py) draw them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from boligsosial.charts.style import FLAG_MARK, AxisFormat, band_colours
from boligsosial.text.i18n import t

KINDS = ("line", "bar", "estimates")
BOUNDS = ("gt", "lt")


@dataclass(frozen=True)
class Point:
    """One figure. `value` None means missing: labelled with `label`, never drawn as 0."""

    x: str  # a period code on time charts, a category name on bar charts
    value: float | None
    label: str  # the figure as written: "ca. 6 200", "under 125 000", "Tall mangler"
    hover: str = ""  # the full sentence, for the point's title
    bound: str = ""  # "gt" | "lt": the source gives only a bound ("over", "under")
    flagged: bool = False  # derived or from a secondary source: drawn open and marked *

    @property
    def missing(self) -> bool:
        return self.value is None

    @property
    def exact(self) -> bool:
        """A value a line may pass through: present and not a bound."""
        return self.value is not None and not self.bound

    @property
    def text(self) -> str:
        """The label as written on the chart, with the flag mark."""
        return self.label + (FLAG_MARK if self.flagged and not self.missing else "")


@dataclass(frozen=True)
class Series:
    name: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Break:
    """From `period` on, the figures rest on another method: no line across, no change."""

    period: str
    reason: str


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
class Estimate:
    """One estimate on an estimates chart: a named point at its year, never joined to others."""

    year: int
    name: str
    point: Point


@dataclass(frozen=True)
class EstimateRange:
    """An estimate given as a range (low to high) at one point in time."""

    year: int
    name: str
    low: float
    high: float
    label: str  # "177 000–282 400"
    hover: str = ""


@dataclass(frozen=True)
class KeyEntry:
    """One line of a chart's key: what a mark means. `mark` names the glyph a renderer draws
    before the text (flag, bound, break, band, snapshot); `colour` is a band's tint."""

    mark: str
    text: str
    colour: str = ""


@dataclass(frozen=True)
class Chart:
    kind: str  # line | bar | estimates | "" (nothing to draw: `notice` says why)
    title: str
    lang: str
    unit: str = ""  # what the values are, as the axis is headed: "Personer", "Per 1 000 innbyggere"
    axis: AxisFormat = AxisFormat()
    series: tuple[Series, ...] = ()
    periods: tuple[str, ...] = ()  # line charts: the time axis, oldest first
    period_labels: Mapping[str, str] = field(default_factory=dict)
    categories: tuple[str, ...] = ()  # bar charts: top to bottom
    joined: bool = True  # False: the figures are snapshots or cohorts, never joined by a line
    breaks: tuple[Break, ...] = ()
    bands: tuple[Band, ...] = ()
    target: Target | None = None
    estimates: tuple[Estimate, ...] = ()
    ranges: tuple[EstimateRange, ...] = ()
    note: str = ""  # what must not be missed when reading the chart: written on it
    notice: str = ""  # why there is no chart (kind "")
    alt: str = ""  # the text alternative

    # ------------------------------------------------------------------ lines

    def segments(self, series: Series) -> list[list[Point]]:
        """The runs of points a line joins: consecutive exact values with no break between
        them. A point alone in its run is drawn as a mark only."""
        runs: list[list[Point]] = []
        run: list[Point] = []
        breaks = [position(b.period) for b in self.breaks]
        for point in series.points:
            across = bool(run) and any(position(run[-1].x) < at <= position(point.x) for at in breaks)
            if not point.exact or not self.joined or across:
                if len(run) > 1:
                    runs.append(run)
                run = []
            if point.exact:
                run.append(point)
        if len(run) > 1:
            runs.append(run)
        return runs

    def points(self) -> list[Point]:
        return [p for one in self.series for p in one.points] + [e.point for e in self.estimates]

    # ------------------------------------------------------------------ key

    def key(self) -> list[KeyEntry]:
        """What the chart's marks mean, for the marks this chart has."""
        lang, entries = self.lang, []
        shown = self.points()
        if any(p.flagged and not p.missing for p in shown):
            entries.append(KeyEntry("flag", t("chart.key.flag" if self.kind == "line" else "chart.key.flag_other", lang)))
        if any(p.bound for p in shown):
            entries.append(KeyEntry("bound", t(f"chart.key.bound_{self.kind or 'line'}", lang)))
        if self.kind == "line" and not self.joined and len([p for p in shown if not p.missing]) > 1:
            entries.append(KeyEntry("snapshot", t("chart.key.snapshots", lang)))
        for one in self.breaks:
            entries.append(KeyEntry("break", t("chart.key.break", lang, period=self.period_labels.get(one.period, one.period),
                                                reason=one.reason)))
        for band, colour in zip(self.bands, band_colours([b.kind for b in self.bands])):
            entries.append(KeyEntry("band", t("chart.key.band", lang, name=band.name, start=band.start, end=band.end),
                                    colour))
        return entries


_QUARTER = re.compile(r"(\d{4})-Q([1-4])")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")


def position(period: str) -> float:
    """A period code as a position in years, so uneven gaps between surveys stay uneven:
    "2020" -> 2020, "2022-04" -> 2022.25, "2022-Q2" -> 2022.25, "2022-W27" -> 2022.5."""
    if match := _QUARTER.fullmatch(period):
        return int(match[1]) + (int(match[2]) - 1) / 4
    if match := _MONTH.fullmatch(period):
        return int(match[1]) + (int(match[2]) - 1) / 12
    if match := _WEEK.fullmatch(period):
        return int(match[1]) + (int(match[2]) - 1) / 52
    return float(int(period[:4]))


def missing_runs(points: Sequence[Point]) -> list[list[Point]]:
    """Consecutive missing points with the same label, so a gap of several years gets one
    "Tall mangler" instead of a row of them."""
    runs: list[list[Point]] = []
    previous_missing = False
    for point in points:
        if point.missing:
            if previous_missing and runs[-1][0].label == point.label:
                runs[-1].append(point)
            else:
                runs.append([point])
            previous_missing = True
        else:
            previous_missing = False
    return runs
