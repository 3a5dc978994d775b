"""Change between two figures of one series, said honestly.

A change is a number we compute, so it is only as exact as the figures it comes from:

- a figure given as a bound ("under 7 000") has no known value: no change can be computed;
- figures that are not comparable (the indicator says why, or a method change lies between
  them) get no change and no direction, only the reason;
- a figure may be rounded: a rate or share carries only its published decimals, a figure
  marked "ca." and a count ending in zeros (6 200) may be rounded to those zeros. Such a change
  is "about" (approx), and when rounding alone could explain it (20 -> 21 per 1 000, each
  rounded to whole numbers) it is "about unchanged" with no direction;
- only two counts that carry every digit give an exact change.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from boligsosial.text.numbers import is_missing

Row = Mapping[str, Any]
RATE_UNITS = {"percent", "per_1000"}


@dataclass(frozen=True)
class Change:
    kind: str  # exact | approx | within_rounding | bound | not_comparable | missing
    difference: float | None = None
    relative: float | None = None  # per cent of the first figure; None for shares and rates
    reason: str = ""  # why there is no change (not_comparable)

    @property
    def direction(self) -> str:
        """up, down or same for a change that has one; "" where none can be said."""
        if self.kind not in ("exact", "approx") or self.difference is None:
            return "same" if self.kind == "within_rounding" else ""
        return "up" if self.difference > 0 else "down" if self.difference < 0 else "same"


def rounding(row: Row) -> float:
    """Half a unit of the last digit the figure may be rounded to (0 for a figure that carries
    every digit)."""
    value = float(row["value"])
    decimals = int(row.get("decimals") or 0)
    if (row.get("unit") or "") in RATE_UNITS or decimals:
        return 0.5 * 10 ** -decimals
    if value != int(value):
        return 0.0
    zeros = _trailing_zeros(int(abs(value)))
    if (row.get("qualifier") or "") == "approx":
        return 0.5 * 10 ** max(zeros, 0) if zeros else 0.5
    return 0.5 * 10 ** zeros if zeros >= 2 else 0.0


def _trailing_zeros(number: int) -> int:
    if number == 0:
        return 0
    count = 0
    while number % 10 == 0:
        number //= 10
        count += 1
    return count


def change(first: Row, last: Row, reason: str = "") -> Change:
    """From `first` to `last` (rows with value, qualifier, unit, decimals). `reason`, when
    given, says why the two are not comparable (the indicator's, or a method change)."""
    if is_missing(first.get("value")) or is_missing(last.get("value")):
        return Change("missing")
    if reason:
        return Change("not_comparable", reason=reason)
    if {first.get("qualifier"), last.get("qualifier")} & {"gt", "lt"}:
        return Change("bound")
    difference = float(last["value"]) - float(first["value"])
    share = (first.get("unit") or "") in RATE_UNITS
    relative = None if share or float(first["value"]) == 0 else difference / abs(float(first["value"])) * 100
    uncertainty = rounding(first) + rounding(last)
    if uncertainty == 0:
        return Change("exact", difference, relative)
    if abs(difference) <= uncertainty + 1e-9 * max(1.0, abs(difference)):
        return Change("within_rounding", difference, relative)
    return Change("approx", difference, relative)


def is_close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
