"""Reading numbers as Norwegian files write them.

Norwegian tables group thousands with a space (often a no-break space U+00A0, or the narrow
no-break space U+202F that newer software puts in) and use a comma as the decimal sign:
``1 234,5``. Files written by software in English use ``1234.5``. Both are accepted; anything
else is refused rather than guessed at, because a misread number is worse than a rejected file.
"""
from __future__ import annotations

import re

from etl.tidy import STATUS_SYMBOLS

# Only spaces group thousands: "." is read as a decimal point, so "1.234,5" (a German-style
# grouping) is ambiguous and refused instead of being read as 1.234 or 1234.5.
_THOUSANDS = " \u00a0\u202f"
_NUMBER = re.compile(
    rf"(?P<sign>[+-]?)"
    rf"(?P<int>\d{{1,3}}(?:[{_THOUSANDS}]\d{{3}})+|\d+)"
    rf"(?:[.,](?P<frac>\d+))?"
)
# Typographic minus, as some word processors and SSB's own HTML tables write it.
_MINUS = "\u2212"


def parse_number(text: str) -> float:
    """``"1 234,5"`` -> 1234.5. Raises ValueError for anything that is not clearly one number.

    Groups must be whole: ``"12 34"`` is refused, since it is more likely two numbers run
    together than one number with a stray space."""
    cleaned = text.strip().replace(_MINUS, "-")
    match = _NUMBER.fullmatch(cleaned)
    if not match:
        raise ValueError(f"not a number: {text!r}")
    digits = re.sub(f"[{_THOUSANDS}]", "", match["int"])
    fraction = f".{match['frac']}" if match["frac"] else ""
    return float(f"{match['sign']}{digits}{fraction}")


def status_symbol(text: str) -> str | None:
    """The SSB status symbol a cell holds (``".."``, ``":"``...), or None when it holds none."""
    cleaned = text.strip()
    return cleaned if cleaned in STATUS_SYMBOLS else None
