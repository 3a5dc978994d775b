"""What a cell says, whatever wrote it (CSV text, Excel numbers and dates, YAML scalars): shared
by the mapping's checks, the readers and the rows, so a cell reads the same everywhere."""
from __future__ import annotations

from datetime import datetime
from typing import Any


class _Formula:
    """Stands in for a formula cell: already reported, so its row is not checked again."""

    def __str__(self) -> str:
        return "(formula)"


FORMULA = _Formula()


def is_blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def number_text(value: int | float) -> str:
    # Excel stores 2022 and 301 as floats; "2022.0" would be an unknown period.
    return str(int(value)) if float(value).is_integer() else str(value)


def cell_text(cell: Any) -> str:
    if is_blank(cell):
        return ""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return number_text(cell)
    if isinstance(cell, datetime) and cell.time() == datetime.min.time():
        return cell.date().isoformat()
    return str(cell).strip()
