"""National and municipal strategies (data/strategies.yaml) as warehouse tables.

The YAML nests goals, priority areas and targets under each strategy because that is how
people read and edit them; the warehouse wants flat tables keyed by strategy id. Links to
indicators are checked against the catalogue here, so a renamed indicator fails the build
instead of leaving a goal pointing at nothing.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from boligsosial.config import models, settings
from etl import catalogue
from etl.errors import EtlError

TABLE_COLUMNS = {
    "strategy": [
        "id", "kind", "name_nb", "name_en", "region_code", "period_start", "period_end",
        "publication_code", "published", "owners_nb", "source_publisher", "source_title",
        "source_url", "note", "name_nn",
    ],
    "goal": ["strategy_id", "goal_no", "text_nb", "text_en", "text_nn"],
    "priority_area": ["strategy_id", "area_no", "goal_no", "kind", "text_nb", "text_en", "text_nn"],
    "target": [
        "strategy_id", "target_no", "text_nb", "text_en", "indicator_id", "target_value",
        "direction", "due", "text_nn",
    ],
    "goal_indicator": ["strategy_id", "goal_no", "indicator_id", "why"],
}
# Whole-number columns that may be empty: pandas' nullable Int64 keeps them integers.
_NULLABLE_INTS = {"period_start", "period_end", "goal_no", "area_no", "target_no", "due"}


def default_path() -> Path:
    return settings.data_dir() / "strategies.yaml"


def _strategy_problems(entry: dict, where: str, indicators: set[str]) -> list[str]:
    """What the schema (boligsosial/config/models.py) cannot see: numbers that repeat, periods
    out of order, goals and indicators that do not exist."""
    problems = []
    start, end = entry.get("period_start"), entry.get("period_end")
    if start and end and start > end:
        problems.append(f"{where}: period_start {start} is after period_end {end}")
    for items, number in ((entry["goals"], "goal_no"), (entry["priority_areas"], "area_no"), (entry["targets"], "target_no")):
        numbers = [item[number] for item in items]
        problems += [f"{where}: duplicate {number} {n}" for n in sorted({n for n in numbers if numbers.count(n) > 1})]
    goal_numbers = {g["goal_no"] for g in entry["goals"]}
    for goal in entry["goals"]:
        problems += [f"{where} goal {goal['goal_no']}: unknown indicator {link['id']!r}"
                     for link in goal["indicators"] if link["id"] not in indicators]
    for area in entry["priority_areas"]:
        if area.get("goal_no") is not None and area["goal_no"] not in goal_numbers:
            problems.append(f"{where} area {area['area_no']}: goal_no {area['goal_no']} is not a goal")
    for target in entry["targets"]:
        label = f"{where} target {target['target_no']}"
        if target.get("indicator_id") is not None and target["indicator_id"] not in indicators:
            problems.append(f"{label}: unknown indicator {target['indicator_id']!r}")
        if target.get("target_value") is not None and target.get("indicator_id") is None:
            problems.append(f"{label}: a target_value needs an indicator_id")
    return problems


def _note(entry: dict) -> str:
    note = (entry.get("note") or "").strip()
    implementers = entry.get("implementers") or []
    if implementers:
        note = f"{note} Implemented by: {'; '.join(implementers)}.".strip()
    return note


def _frame(name: str, rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=TABLE_COLUMNS[name])
    for column in _NULLABLE_INTS & set(frame.columns):
        frame[column] = frame[column].astype("Int64")
    if name == "target":
        frame["target_value"] = frame["target_value"].astype("float64")
    return frame


def load_strategies(
    path: Path | str | None = None, catalogue_path: Path | str | None = None
) -> dict[str, pd.DataFrame]:
    """The tables strategy, goal, priority_area, target and goal_indicator."""
    path = Path(path) if path else default_path()
    # Checked against its schema first, with every default filled in.
    entries = [models.Strategy.model_validate(e).model_dump()
               for e in catalogue.read_yaml(path, models.Strategies)["strategies"]]
    indicators = set(catalogue.load_indicators(catalogue_path)["id"])
    problems: list[str] = []
    for entry in entries:
        problems += _strategy_problems(entry, f"strategy {entry['id']!r}", indicators)
    ids = [entry["id"] for entry in entries]
    problems += [f"duplicate strategy id {i!r}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    if problems:
        raise EtlError(f"strategy file {path} is malformed", problems)

    rows: dict[str, list[dict]] = {name: [] for name in TABLE_COLUMNS}
    for entry in entries:
        sid, source = entry["id"], entry["source"]
        rows["strategy"].append({
            "id": sid, "kind": entry["kind"], "name_nb": entry["name"]["nb"], "name_en": entry["name"]["en"],
            "name_nn": entry["name"]["nn"],
            "region_code": entry["region_code"], "period_start": entry.get("period_start"),
            "period_end": entry.get("period_end"), "publication_code": entry.get("publication_code"),
            "published": entry.get("published"), "owners_nb": "; ".join(entry.get("owners") or []),
            "source_publisher": source["publisher"], "source_title": source["title"],
            "source_url": source.get("url") or "", "note": _note(entry),
        })
        for goal in entry["goals"]:
            rows["goal"].append({"strategy_id": sid, "goal_no": goal["goal_no"], **_texts(goal)})
            rows["goal_indicator"] += [
                {"strategy_id": sid, "goal_no": goal["goal_no"], "indicator_id": link["id"], "why": link["why"]}
                for link in goal["indicators"]
            ]
        for area in entry["priority_areas"]:
            rows["priority_area"].append({"strategy_id": sid, "area_no": area["area_no"], "goal_no": area["goal_no"],
                                          "kind": area["kind"], **_texts(area)})
        for target in entry["targets"]:
            rows["target"].append({"strategy_id": sid, **_texts(target),
                                   **{c: target.get(c) for c in TABLE_COLUMNS["target"][1:] if c not in ("text_nb", "text_en", "text_nn")}})
    return {name: _frame(name, table_rows) for name, table_rows in rows.items()}


def _texts(item: dict) -> dict[str, str]:
    return {"text_nb": item["text"]["nb"], "text_en": item["text"]["en"], "text_nn": item["text"]["nn"]}
