"""How far a strategy's indicators have moved: the figure at the strategy's start, the latest
figure, the direction of change and whether that is the direction the indicator should go.

Pure functions over warehouse rows (national totals of one indicator), so the rules are tested
without a database:

- baseline: the latest figure from the strategy's first year or earlier (a strategy starting in
  2014 is measured from the 2012 survey if that is the last one before it);
- latest: the newest figure of all; when it is the baseline itself, there is no newer figure
  and no change to report;
- direction: up, down or same, from the values; nothing when either is missing;
- wanted: whether the direction is the indicator's `better` (up or down); an indicator with
  better = none has no wanted direction, and an unchanged figure has moved in neither.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from boligsosial.numbers import change_direction, is_missing

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Progress:
    baseline: Row | None
    latest: Row | None
    direction: str  # up | down | same | no_newer | none
    wanted: str  # yes | no | none ("" when there is no direction)


def _year(row: Row) -> int:
    return int(str(row["period"])[:4])


def progress(rows: Sequence[Row], start_year: int, better: str) -> Progress:
    """`rows`: one indicator's national totals, any order; rows without a value are ignored
    (a suppressed figure is not a baseline)."""
    usable = sorted((r for r in rows if not is_missing(r.get("value"))), key=lambda r: str(r["period"]))
    before = [r for r in usable if _year(r) <= start_year]
    baseline = before[-1] if before else None
    latest = usable[-1] if usable else None
    if baseline is None or latest is None:
        return Progress(baseline, latest, "none", "")
    if latest is baseline:
        return Progress(baseline, latest, "no_newer", "")
    direction = change_direction(baseline["value"], latest["value"])
    if direction == "same":
        wanted = ""  # no movement, in any direction
    elif better not in ("up", "down"):
        wanted = "none"
    else:
        wanted = "yes" if direction == better else "no"
    return Progress(baseline, latest, direction, wanted)
