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

from boligsosial.config import files, models, settings
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
INDICATOR_COLUMNS = [
    "id", "topic", "title_nb", "title_en", "unit", "unit_label_nb", "unit_label_en",
    "decimals", "better", "definition_nb", "definition_en", "comparability_nb",
    "comparability_en", "min_value", "max_value", "levels", "numerator", "denominator", "per",
    # How the figures are drawn and compared (the `series:` and `public:` blocks).
    "expected_periods", "joined", "compare_nb", "compare_en", "estimates_dimension", "estimate_ranges",
    "public_query",
    # Nynorsk, added after the others so the bokmål/English order above stays as it was.
    "title_nn", "unit_label_nn", "definition_nn", "comparability_nn", "compare_nn",
]
EXPECTED_COLUMNS = ["indicator_id", "period", "status", "note_nb", "note_nn", "note_en"]
BREAK_COLUMNS = ["indicator_id", "period", "reason_nb", "reason_en", "reason_nn"]
_YEAR = re.compile(r"[0-9]{4}")
UNIT_COLUMNS = ["id", "label_nb", "label_en"]


def default_path() -> Path:
    return settings.data_dir() / "indicators.yaml"


def read_yaml(path: Path, model: type | None = None) -> dict:
    """A data file, checked against its schema (boligsosial/config/models.py); EtlError names
    the file and, for each problem, the line and key."""
    try:
        document = files.load(path, model)
    except FileNotFoundError:
        raise EtlError(f"{path} not found") from None
    except files.ConfigError as error:
        raise EtlError(f"{path} does not follow its schema", error.problems) from None
    if not isinstance(document, dict):
        raise EtlError(f"{path} must be a mapping at the top level")
    return document


def load_units(path: Path | str | None = None) -> pd.DataFrame:
    """One row per unit: id, label_nb, label_en."""
    path = Path(path) if path else default_path()
    units = read_yaml(path, models.Indicators)["units"]
    rows = [{"id": k, "label_nb": v["nb"], "label_en": v["en"]} for k, v in units.items()]
    return pd.DataFrame(rows, columns=UNIT_COLUMNS)


def _problems(entry: dict, units: dict) -> list[str]:
    """What the schema cannot see in one entry: references and ranges (empty when fine)."""
    name = f"indicator {entry['id']!r}"
    problems = []
    if entry["unit"] not in units:
        problems.append(f"{name}: unknown unit {entry['unit']!r} (not under `units:`)")
    if entry["topic"] not in TOPICS:
        problems.append(f"{name}: unknown topic {entry['topic']!r}")
    if entry["min_value"] > entry["max_value"]:
        problems.append(f"{name}: min_value {entry['min_value']} is above max_value {entry['max_value']}")
    # A rate is recomputed as numerator / denominator * per, so half a recipe is an error.
    if bool(entry.get("numerator")) != bool(entry.get("denominator")):
        problems.append(f"{name}: a rate needs both numerator and denominator (or neither)")
    return problems + _series_problems(entry.get("series"), name)


def _series_problems(series, name: str) -> list[str]:
    if not series:
        return []
    problems = []
    periods = series.get("periods")
    if periods is not None:
        try:
            expected = expected_periods(periods)
        except ValueError as exc:
            problems.append(f"{name}: series.periods {exc}")
            expected = []
        problems += [f"{name}: series.missing names {period!r}, which is not in series.periods"
                     for period in series.get("missing") or {} if str(period) not in expected]
    elif series.get("missing"):
        problems.append(f"{name}: series.missing needs series.periods")
    if series.get("ranges") and not series.get("estimates"):
        problems.append(f"{name}: series.ranges needs series.estimates")
    return problems


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
    document = read_yaml(path, models.Indicators)
    units, entries = document["units"], document["indicators"]
    problems: list[str] = []
    for entry in entries:
        problems += _problems(entry, units)
    ids = [e["id"] for e in entries]
    problems += [f"duplicate indicator id {i!r}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    known = set(ids)
    for entry in entries:
        for role in ("numerator", "denominator"):
            ref = entry.get(role)
            if ref and ref not in known:
                problems.append(f"indicator {entry['id']!r}: {role} {ref!r} is not in the catalogue")
    if problems:
        raise EtlError(f"indicator catalogue {path} is malformed", problems)

    rows = []
    for entry in entries:
        unit = units[entry["unit"]]
        series = entry.get("series") or {}
        row = {c: entry.get(c) for c in INDICATOR_COLUMNS}
        for field in ("title", "definition", "comparability"):
            row |= {f"{field}_{lang}": entry[field][lang] for lang in ("nb", "nn", "en")}
        row.update(
            unit_label_nb=unit["nb"],
            unit_label_en=unit["en"],
            unit_label_nn=unit["nn"],
            levels=",".join(entry["levels"]),
            min_value=float(entry["min_value"]),
            max_value=float(entry["max_value"]),
            per=float(entry["per"]) if entry.get("per") is not None else None,
            expected_periods=",".join(expected_periods(series["periods"])) if series.get("periods") else None,
            joined=bool(series.get("joined", True)),
            compare_nb=(series.get("compare") or {}).get("nb"),
            compare_en=(series.get("compare") or {}).get("en"),
            compare_nn=(series.get("compare") or {}).get("nn"),
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
    return read_yaml(path, models.Indicators)


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
                         **{f"note_{lang}": why.get(lang, "") for lang in ("nb", "nn", "en")}})
    return pd.DataFrame(rows, columns=EXPECTED_COLUMNS)


def load_breaks(path: Path | str | None = None) -> pd.DataFrame:
    """Method changes: from `period` on, the series cannot be compared with what came before."""
    rows = [{"indicator_id": entry["id"], "period": b["period"], "reason_nb": b["nb"], "reason_en": b["en"],
             "reason_nn": b["nn"]}
            for entry in _entries(path) for b in (entry.get("series") or {}).get("breaks") or []]
    return pd.DataFrame(rows, columns=BREAK_COLUMNS)
