"""How far a strategy's indicators have moved: the figure at the strategy's start, the latest
figure, the direction of change and whether that is the direction the indicator should go.

Pure functions over warehouse rows (national totals of one indicator), so the rules are tested
without a database:

- baseline: the latest figure from the strategy's first year or earlier (a strategy starting in
  2014 is measured from the 2012 survey if that is the last one before it);
- latest: the newest figure of all; when it is the baseline itself, there is no newer figure
  and no change to report;
- direction: from boligsosial/domain/change.py, which says it honestly: none when the figures
  are not comparable (with the reason) or one is only a bound, "about unchanged" when rounding
  alone could explain the difference;
- wanted: whether the direction is the indicator's `better` (up or down); an indicator with
  better = none has no wanted direction, and an unchanged figure has moved in neither.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from boligsosial.domain.change import change
from boligsosial.text.numbers import is_missing

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Progress:
    baseline: Row | None
    latest: Row | None
    direction: str  # up | down | same | about_same | no_newer | none
    wanted: str  # yes | no | none ("" when there is no direction)
    reason: str = ""  # why there is no direction (figures not comparable)


def _year(row: Row) -> int:
    return int(str(row["period"])[:4])


def progress(rows: Sequence[Row], start_year: int, better: str, reason: str = "") -> Progress:
    """`rows`: one indicator's national totals, any order; rows without a value are ignored
    (a suppressed figure is not a baseline). `reason`: why its figures cannot be compared."""
    usable = sorted((r for r in rows if not is_missing(r.get("value"))), key=lambda r: str(r["period"]))
    before = [r for r in usable if _year(r) <= start_year]
    baseline = before[-1] if before else None
    latest = usable[-1] if usable else None
    if baseline is None or latest is None:
        return Progress(baseline, latest, "none", "")
    if latest is baseline:
        return Progress(baseline, latest, "no_newer", "")
    found = change(baseline, latest, reason)
    if found.kind in ("not_comparable", "bound"):
        return Progress(baseline, latest, "none", "", found.reason)
    if found.kind == "within_rounding":
        return Progress(baseline, latest, "about_same", "")
    direction = found.direction
    if direction == "same":
        wanted = ""  # no movement, in any direction
    elif better not in ("up", "down"):
        wanted = "none"
    else:
        wanted = "yes" if direction == better else "no"
    return Progress(baseline, latest, direction, wanted)
