"""The indicator catalogue (data/indicators.yaml): what each indicator means, its unit, and how
a rate is built from counts.

The catalogue is metadata as data: the About panel, CSV headers, the API and the validation
ranges all read it. A malformed catalogue stops the build with every problem listed at once,
since a half-read catalogue would mislabel numbers silently.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from boligsosial import settings
from etl.errors import EtlError

TOPICS = {
    "homelessness",
    "disadvantaged",
    "municipal_housing",
    "temporary_accommodation",
    "start_loans",
    "housing_allowance",
    "housing_conditions",
    "evictions",
    "population",
}
BETTER = {"up", "down", "none"}
LEVELS = ("country", "county", "municipality")

REQUIRED_FIELDS = [
    "id", "topic", "title_nb", "title_en", "unit", "decimals", "better",
    "definition_nb", "definition_en", "comparability_nb", "comparability_en",
    "min_value", "max_value", "levels",
]
OPTIONAL_FIELDS = ["numerator", "denominator", "per"]

INDICATOR_COLUMNS = [
    "id", "topic", "title_nb", "title_en", "unit", "unit_label_nb", "unit_label_en",
    "decimals", "better", "definition_nb", "definition_en", "comparability_nb",
    "comparability_en", "min_value", "max_value", "levels", "numerator", "denominator", "per",
]
UNIT_COLUMNS = ["id", "label_nb", "label_en"]


def default_path() -> Path:
    return settings.data_dir() / "indicators.yaml"


def read_yaml(path: Path, what: str) -> dict:
    """Parse a YAML data file whose top level must be a mapping; EtlError names the file."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
    except FileNotFoundError:
        raise EtlError(f"{what} not found: {path}") from None
    except yaml.YAMLError as exc:
        raise EtlError(f"{what} {path} is not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise EtlError(f"{what} {path} must be a mapping at the top level")
    return document


def _units(document: dict, path: Path) -> dict[str, dict]:
    units = document.get("units")
    if not isinstance(units, dict) or not units:
        raise EtlError(f"indicator catalogue {path} has no `units:` mapping")
    problems = [
        f"unit {unit_id!r}: needs label_nb and label_en"
        for unit_id, labels in units.items()
        if not isinstance(labels, dict) or not labels.get("label_nb") or not labels.get("label_en")
    ]
    if problems:
        raise EtlError(f"indicator catalogue {path} has malformed units", problems)
    return units


def load_units(path: Path | str | None = None) -> pd.DataFrame:
    """One row per unit: id, label_nb, label_en."""
    path = Path(path) if path else default_path()
    units = _units(read_yaml(path, "indicator catalogue"), path)
    rows = [{"id": k, "label_nb": v["label_nb"], "label_en": v["label_en"]} for k, v in units.items()]
    return pd.DataFrame(rows, columns=UNIT_COLUMNS)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _problems(entry: dict, units: dict, position: int) -> list[str]:
    """Everything wrong with one indicator entry (empty when it is fine)."""
    if not isinstance(entry, dict):
        return [f"entry {position}: must be a mapping"]
    name = f"indicator {entry.get('id', f'#{position}')!r}"
    problems = [f"{name}: missing field {f!r}" for f in REQUIRED_FIELDS if entry.get(f) in (None, "")]
    unknown = set(entry) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS)
    if unknown:
        problems.append(f"{name}: unknown field(s) {sorted(unknown)}")
    if entry.get("unit") not in (None, "") and entry["unit"] not in units:
        problems.append(f"{name}: unknown unit {entry['unit']!r} (not under `units:`)")
    if entry.get("topic") not in (None, "") and entry["topic"] not in TOPICS:
        problems.append(f"{name}: unknown topic {entry['topic']!r}")
    if entry.get("better") not in (None, "") and entry["better"] not in BETTER:
        problems.append(f"{name}: better must be one of {sorted(BETTER)}")
    if "decimals" in entry and not (isinstance(entry["decimals"], int) and entry["decimals"] >= 0):
        problems.append(f"{name}: decimals must be a whole number >= 0")
    low, high = entry.get("min_value"), entry.get("max_value")
    if low is not None and high is not None:
        if not (_is_number(low) and _is_number(high)):
            problems.append(f"{name}: min_value and max_value must be numbers")
        elif low > high:
            problems.append(f"{name}: min_value {low} is above max_value {high}")
    levels = entry.get("levels")
    if levels is not None and (
        not isinstance(levels, list) or not levels or any(level not in LEVELS for level in levels)
    ):
        problems.append(f"{name}: levels must be a non-empty list drawn from {list(LEVELS)}")
    # A rate is recomputed as numerator / denominator * per, so half a recipe is an error.
    if bool(entry.get("numerator")) != bool(entry.get("denominator")):
        problems.append(f"{name}: a rate needs both numerator and denominator (or neither)")
    if entry.get("per") is not None and not (_is_number(entry["per"]) and entry["per"] > 0):
        problems.append(f"{name}: per must be a positive number")
    return problems


def load_indicators(path: Path | str | None = None) -> pd.DataFrame:
    """One row per indicator, with the unit labels joined in and levels as "country,county"."""
    path = Path(path) if path else default_path()
    document = read_yaml(path, "indicator catalogue")
    units = _units(document, path)
    entries = document.get("indicators")
    if not isinstance(entries, list) or not entries:
        raise EtlError(f"indicator catalogue {path} has no `indicators:` list")

    problems: list[str] = []
    for position, entry in enumerate(entries, start=1):
        problems += _problems(entry, units, position)
    ids = [e.get("id") for e in entries if isinstance(e, dict)]
    problems += [f"duplicate indicator id {i!r}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    known = set(ids)
    for entry in entries:
        for role in ("numerator", "denominator"):
            ref = entry.get(role) if isinstance(entry, dict) else None
            if ref and ref not in known:
                problems.append(f"indicator {entry['id']!r}: {role} {ref!r} is not in the catalogue")
    if problems:
        raise EtlError(f"indicator catalogue {path} is malformed", problems)

    rows = []
    for entry in entries:
        unit = units[entry["unit"]]
        row = {c: entry.get(c) for c in INDICATOR_COLUMNS}
        row.update(
            unit_label_nb=unit["label_nb"],
            unit_label_en=unit["label_en"],
            levels=",".join(entry["levels"]),
            min_value=float(entry["min_value"]),
            max_value=float(entry["max_value"]),
            per=float(entry["per"]) if entry.get("per") is not None else None,
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
