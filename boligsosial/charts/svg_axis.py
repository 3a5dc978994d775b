"""The value axis: round tick values and their labels, with as many decimals as the step needs;
shared by the line chart and the dot chart of estimates."""
from __future__ import annotations

import math
from typing import Sequence

from boligsosial.charts.style import AxisFormat
from boligsosial.text.numbers import format_number


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering low..high (low <= 0 <= high is kept when given)."""
    if high <= low:
        high = low + (abs(low) or 1)
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks, value = [], start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def tick_text(value: float, ticks: Sequence[float], axis: AxisFormat, lang: str) -> str:
    """A tick label with as many decimals as the step needs (0,2 steps -> one decimal)."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0
    if step == 2.5 * 10 ** math.floor(math.log10(step)) and step < 10:
        decimals += 1
    return format_number(value, decimals, lang) + axis.suffix
