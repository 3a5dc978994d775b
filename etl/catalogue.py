"""The indicator catalogue (data/indicators.yaml): what each indicator means, its unit, and how
a rate is built from counts.

The catalogue is metadata as data: the About panel, CSV headers, the API and the validation
ranges all read it. A malformed catalogue stops the build with every problem listed at once,
since a half-read catalogue would mislabel numbers silently.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import yaml

from boligsosial import settings
from etl.errors import EtlError
from etl.tidy import STATUS_SYMBOLS

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
OPTIONAL_FIELDS = ["numerator", "denominator", "per", "series", "public"]
SERIES_FIELDS = {"periods", "missing", "joined", "breaks", "compare", "estimates", "ranges"}
PUBLIC_FIELDS = {"region", "from", "to", "breakdown", "by"}

INDICATOR_COLUMNS = [
    "id", "topic", "title_nb", "title_en", "unit", "unit_label_nb", "unit_label_en",
    "decimals", "better", "definition_nb", "definition_en", "comparability_nb",
    "comparability_en", "min_value", "max_value", "levels", "numerator", "denominator", "per",
    # How the figures are drawn and compared (the `series:` and `public:` blocks).
    "expected_periods", "joined", "compare_nb", "compare_en", "estimates_dimension", "estimate_ranges",
    "public_query",
]
EXPECTED_COLUMNS = ["indicator_id", "period", "status", "note_nb", "note_en"]
BREAK_COLUMNS = ["indicator_id", "period", "reason_nb", "reason_en"]
_YEAR = re.compile(r"[0-9]{4}")
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
    return problems + _series_problems(entry.get("series"), name) + _public_problems(entry.get("public"), name)


def _bilingual(value) -> bool:
    return isinstance(value, dict) and all(isinstance(value.get(k), str) and value[k].strip() for k in ("nb", "en"))


def _series_problems(series, name: str) -> list[str]:
    if series is None:
        return []
    if not isinstance(series, dict):
        return [f"{name}: series must be a mapping"]
    problems = [f"{name}: unknown series field(s) {sorted(set(series) - SERIES_FIELDS)}"] if set(series) - SERIES_FIELDS else []
    periods = series.get("periods")
    if periods is not None:
        try:
            expected = expected_periods(periods)
        except ValueError as exc:
            problems.append(f"{name}: series.periods {exc}")
            expected = []
        for period, why in (series.get("missing") or {}).items():
            if str(period) not in expected:
                problems.append(f"{name}: series.missing names {period!r}, which is not in series.periods")
            if not _bilingual(why):
                problems.append(f"{name}: series.missing[{period!r}] needs nb and en texts")
            elif why.get("status", "..") not in STATUS_SYMBOLS:
                problems.append(f"{name}: series.missing[{period!r}].status must be one of {sorted(STATUS_SYMBOLS)}")
    elif series.get("missing"):
        problems.append(f"{name}: series.missing needs series.periods")
    if "joined" in series and not isinstance(series["joined"], bool):
        problems.append(f"{name}: series.joined must be true or false")
    for position, entry in enumerate(series.get("breaks") or [], start=1):
        if not _bilingual(entry) or not isinstance(entry.get("period"), str):
            problems.append(f"{name}: series.breaks #{position} needs a period and nb and en texts")
    if "compare" in series and not _bilingual(series["compare"]):
        problems.append(f"{name}: series.compare needs nb and en texts")
    for position, pair in enumerate(series.get("ranges") or [], start=1):
        if not series.get("estimates") or not isinstance(pair, dict) or set(pair) != {"low", "high"}:
            problems.append(f"{name}: series.ranges #{position} needs low and high, and series.estimates")
    return problems


def _public_problems(public, name: str) -> list[str]:
    if public is None:
        return []
    if not isinstance(public, dict) or set(public) - PUBLIC_FIELDS:
        return [f"{name}: public must be a mapping of {sorted(PUBLIC_FIELDS)}"]
    return []


def expected_periods(periods) -> list[str]:
    """The periods a series lists: as given, or every year from `first` to `last`."""
    if isinstance(periods, list) and periods and all(isinstance(p, str) and p for p in periods):
        return list(periods)
    if isinstance(periods, dict) and set(periods) == {"first", "last"}:
        first, last = str(periods["first"]), str(periods["last"])
        if _YEAR.fullmatch(first) and _YEAR.fullmatch(last) and first <= last:
            return [str(year) for year in range(int(first), int(last) + 1)]
    raise ValueError("must be a list of period codes or {first: YYYY, last: YYYY}")


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
        series = entry.get("series") or {}
        row = {c: entry.get(c) for c in INDICATOR_COLUMNS}
        row.update(
            unit_label_nb=unit["label_nb"],
            unit_label_en=unit["label_en"],
            levels=",".join(entry["levels"]),
            min_value=float(entry["min_value"]),
            max_value=float(entry["max_value"]),
            per=float(entry["per"]) if entry.get("per") is not None else None,
            expected_periods=",".join(expected_periods(series["periods"])) if series.get("periods") else None,
            joined=bool(series.get("joined", True)),
            compare_nb=(series.get("compare") or {}).get("nb"),
            compare_en=(series.get("compare") or {}).get("en"),
            estimates_dimension=series.get("estimates"),
            estimate_ranges=json.dumps([[r["low"], r["high"]] for r in series["ranges"]]) if series.get("ranges") else None,
            public_query=urlencode({k: str(v) for k, v in entry["public"].items()}, safe=",|=") if entry.get("public") else None,
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


def _entries(path: Path | str | None) -> list[dict]:
    return load_document(path)["indicators"]


def load_document(path: Path | str | None = None) -> dict:
    """The catalogue file, checked (load_indicators raises on any problem)."""
    path = Path(path) if path else default_path()
    load_indicators(path)
    return read_yaml(path, "indicator catalogue")


def load_expected(path: Path | str | None = None) -> pd.DataFrame:
    """Every period a national total is expected for, with the status and reason to show when
    it has no figure (see `series.periods` and `series.missing`)."""
    rows = []
    for entry in _entries(path):
        series = entry.get("series") or {}
        if not series.get("periods"):
            continue
        for period in expected_periods(series["periods"]):
            why = (series.get("missing") or {}).get(period) or {}
            rows.append({"indicator_id": entry["id"], "period": period, "status": why.get("status", ".."),
                         "note_nb": why.get("nb", ""), "note_en": why.get("en", "")})
    return pd.DataFrame(rows, columns=EXPECTED_COLUMNS)


def load_breaks(path: Path | str | None = None) -> pd.DataFrame:
    """Method changes: from `period` on, the series cannot be compared with what came before."""
    rows = [{"indicator_id": entry["id"], "period": b["period"], "reason_nb": b["nb"], "reason_en": b["en"]}
            for entry in _entries(path) for b in (entry.get("series") or {}).get("breaks") or []]
    return pd.DataFrame(rows, columns=BREAK_COLUMNS)
