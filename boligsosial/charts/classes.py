"""Classes for a choropleth map: which values share a colour, and how the legend states them.

Values are classed as they are written (rounded to the indicator's decimals, half away from
zero as boligsosial.text.numbers does), so a region's colour always agrees with the number in its
title and in the table. Up to five distinct values get a class each. More get five classes with
about as many regions in each (quantiles), their bounds rounded to two significant digits so
the legend reads "10,0–14,9" rather than "9,87–14,93"; a class no value
falls in joins the one below. The first class starts at the smallest value and the last ends at the
largest, so the legend also states the range of the data.

Colours: ColorBrewer's YlGnBu sequential scheme (Cynthia Brewer, colorbrewer2.org), light to
dark. It is marked colour-blind safe and print friendly there: lightness rises steadily, so the
order also reads in greyscale and for every kind of colour vision, and the change of hue from
yellow through green to blue keeps neighbouring classes apart better than a single-hue scale.
None of its colours is grey, so the grey hatching of missing values cannot be taken for a class.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Sequence

from boligsosial.text.numbers import format_number

# ColorBrewer YlGnBu, by number of classes (its 3-, 4- and 5-class schemes; 1 and 2 are taken
# from the 3-class one so a lone class is not the near-white end).
PALETTES: dict[int, tuple[str, ...]] = {
    1: ("#7fcdbb",),
    2: ("#edf8b1", "#2c7fb8"),
    3: ("#edf8b1", "#7fcdbb", "#2c7fb8"),
    4: ("#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"),
    5: ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"),
}
MAX_CLASSES = 5


def shown_value(value: float, decimals: int) -> float:
    """The value as it is written: 14.96 with one decimal -> 15.0 (half away from zero)."""
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return float(rounded)


@dataclass(frozen=True)
class MapClass:
    """One class: values from `low` to `high`, both included, as written with the classing's
    decimals (a value between `high` and the next class's `low` cannot be written)."""

    low: float
    high: float
    colour: str

    def text(self, decimals: int, lang: str) -> str:
        low, high = format_number(self.low, decimals, lang), format_number(self.high, decimals, lang)
        if low == high:
            return low
        # "10–14", but "-5 – -2": a dash beside a minus sign would read as one sign
        return f"{low}\u2013{high}" if self.low >= 0 and self.high >= 0 else f"{low} \u2013 {high}"


@dataclass(frozen=True)
class Classes:
    classes: tuple[MapClass, ...]
    decimals: int

    def index(self, value: float) -> int | None:
        """The class a value falls in (as written), or None when it lies outside every class
        (Norway's total of a count, say, is above every region's)."""
        shown = shown_value(value, self.decimals)
        for number, one in enumerate(self.classes):
            if one.low <= shown <= one.high:
                return number
        return None

    def colour(self, value: float) -> str | None:
        number = self.index(value)
        return None if number is None else self.classes[number].colour

    def texts(self, lang: str) -> list[str]:
        return [one.text(self.decimals, lang) for one in self.classes]


def classify(values: Iterable[float], decimals: int = 0, count: int = MAX_CLASSES) -> Classes:
    """Classes for the values given (missing ones left out by the caller)."""
    shown = sorted(shown_value(v, decimals) for v in values)
    if not shown:
        return Classes((), decimals)
    distinct = sorted(set(shown))
    if len(distinct) <= count:
        ranges = [(v, v) for v in distinct]
    else:
        ranges = _quantile_ranges(shown, decimals, count)
    colours = PALETTES[len(ranges)]
    return Classes(tuple(MapClass(low, high, colour) for (low, high), colour in zip(ranges, colours)), decimals)


def _quantile_ranges(shown: Sequence[float], decimals: int, count: int) -> list[tuple[float, float]]:
    smallest, largest = shown[0], shown[-1]
    resolution = 10.0 ** -decimals
    cuts: list[float] = []
    for number in range(1, count):
        at = shown[min(len(shown) - 1, math.ceil(number * len(shown) / count))]
        cut = _plain(at, resolution, decimals)
        if smallest < cut <= largest and (not cuts or cut > cuts[-1]):
            cuts.append(cut)
    lows = [smallest, *cuts]
    highs = [shown_value(cut - resolution, decimals) for cut in cuts] + [largest]
    # A class no value falls in (rounding moved two cuts together) joins the class below it.
    ranges: list[tuple[float, float]] = []
    for low, high in zip(lows, highs):
        if ranges and not any(low <= v <= high for v in shown):
            ranges[-1] = (ranges[-1][0], high)
        else:
            ranges.append((low, high))
    return ranges


def _plain(value: float, resolution: float, decimals: int) -> float:
    """A class bound near `value` with two significant digits (7.38 -> 7.4, 12.7 -> 13,
    48 213 -> 48 000), never finer than the values are written."""
    if value == 0:
        return 0.0
    step = max(10.0 ** (math.floor(math.log10(abs(value))) - 1), resolution)
    return shown_value(round(value / step) * step, decimals)
