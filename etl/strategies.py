"""National and municipal strategies (data/strategies.yaml) as warehouse tables.

The YAML nests goals, priority areas and targets under each strategy because that is how
people read and edit them; the warehouse wants flat tables keyed by strategy id. Links to
indicators are checked against the catalogue here, so a renamed indicator fails the build
instead of leaving a goal pointing at nothing.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from boligsosial import settings
from etl import catalogue
from etl.errors import EtlError

KINDS = {"national", "forerunner", "municipal"}
AREA_KINDS = {"priority_area", "strategy"}
DIRECTIONS = {"up", "down"}
_REGION = re.compile(r"0|\d{2}|\d{4}")
_PUBLISHED = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")

TABLE_COLUMNS = {
    "strategy": [
        "id", "kind", "name_nb", "name_en", "region_code", "period_start", "period_end",
        "publication_code", "published", "owners_nb", "source_publisher", "source_title",
        "source_url", "note",
    ],
    "goal": ["strategy_id", "goal_no", "text_nb", "text_en"],
    "priority_area": ["strategy_id", "area_no", "goal_no", "kind", "text_nb", "text_en"],
    "target": [
        "strategy_id", "target_no", "text_nb", "text_en", "indicator_id", "target_value",
        "direction", "due",
    ],
    "goal_indicator": ["strategy_id", "goal_no", "indicator_id", "why"],
}
# Whole-number columns that may be empty: pandas' nullable Int64 keeps them integers.
_NULLABLE_INTS = {"period_start", "period_end", "goal_no", "area_no", "target_no", "due"}


def default_path() -> Path:
    return settings.data_dir() / "strategies.yaml"


def _is_year(value) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 2100)


def _text(item: dict, field: str) -> bool:
    return isinstance(item.get(field), str) and item[field].strip() != ""


def _numbered(items, number: str, where: str, fields: list[str]) -> tuple[list[dict], list[str]]:
    """Validate a list of numbered sub-items (goals, areas, targets): mappings, unique numbers,
    required text fields. Returns the usable items and the problems found."""
    if items is None:
        return [], []
    if not isinstance(items, list):
        return [], [f"{where}: must be a list"]
    problems, good, numbers = [], [], set()
    for position, item in enumerate(items, start=1):
        label = f"{where}[{position}]"
        if not isinstance(item, dict):
            problems.append(f"{label}: must be a mapping")
            continue
        no = item.get(number)
        if not (isinstance(no, int) and not isinstance(no, bool)):
            problems.append(f"{label}: {number} must be a whole number")
            continue
        if no in numbers:
            problems.append(f"{label}: duplicate {number} {no}")
        numbers.add(no)
        missing = [f for f in fields if not _text(item, f)]
        problems += [f"{label}: missing {f}" for f in missing]
        good.append(item)
    return good, problems


def _strategy_problems(entry: dict, where: str, indicators: set[str]) -> list[str]:
    problems = [f"{where}: missing {f}" for f in ("id", "kind", "name_nb", "name_en") if not _text(entry, f)]
    if entry.get("kind") and entry["kind"] not in KINDS:
        problems.append(f"{where}: kind must be one of {sorted(KINDS)}")
    # Quoted in the YAML: an unquoted 0301 would be read as the number 301.
    if not (isinstance(entry.get("region_code"), str) and _REGION.fullmatch(entry["region_code"])):
        problems.append(f"{where}: region_code must be a quoted code such as \"0\" or \"3101\"")
    start, end = entry.get("period_start"), entry.get("period_end")
    if not (_is_year(start) and _is_year(end)):
        problems.append(f"{where}: period_start and period_end must be years or null")
    elif start and end and start > end:
        problems.append(f"{where}: period_start {start} is after period_end {end}")
    published = entry.get("published")
    if published is not None and not (isinstance(published, str) and _PUBLISHED.fullmatch(published)):
        problems.append(f"{where}: published must be a quoted YYYY, YYYY-MM or YYYY-MM-DD")
    for field in ("owners", "implementers"):
        value = entry.get(field, [])
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            problems.append(f"{where}: {field} must be a list of names")
    source = entry.get("source")
    if not (isinstance(source, dict) and _text(source, "publisher") and _text(source, "title")):
        problems.append(f"{where}: source needs publisher and title (url may be empty)")
    elif not isinstance(source.get("url", ""), str):
        problems.append(f"{where}: source url must be text")

    goals, found = _numbered(entry.get("goals"), "goal_no", f"{where}.goals", ["text_nb", "text_en"])
    problems += found
    goal_numbers = {g["goal_no"] for g in goals}
    for goal in goals:
        links = goal.get("indicators", [])
        if not isinstance(links, list):
            problems.append(f"{where} goal {goal['goal_no']}: indicators must be a list")
            continue
        for link in links:
            if not (isinstance(link, dict) and _text(link, "id") and _text(link, "why")):
                problems.append(f"{where} goal {goal['goal_no']}: each indicator needs id and why")
            elif link["id"] not in indicators:
                problems.append(f"{where} goal {goal['goal_no']}: unknown indicator {link['id']!r}")

    areas, found = _numbered(entry.get("priority_areas"), "area_no", f"{where}.priority_areas", ["text_nb", "text_en"])
    problems += found
    for area in areas:
        if area.get("kind") not in AREA_KINDS:
            problems.append(f"{where} area {area['area_no']}: kind must be one of {sorted(AREA_KINDS)}")
        if area.get("goal_no") is not None and area["goal_no"] not in goal_numbers:
            problems.append(f"{where} area {area['area_no']}: goal_no {area['goal_no']} is not a goal")

    targets, found = _numbered(entry.get("targets"), "target_no", f"{where}.targets", ["text_nb", "text_en"])
    problems += found
    for target in targets:
        label = f"{where} target {target['target_no']}"
        if target.get("direction") not in DIRECTIONS:
            problems.append(f"{label}: direction must be up or down")
        if target.get("indicator_id") is not None and target["indicator_id"] not in indicators:
            problems.append(f"{label}: unknown indicator {target['indicator_id']!r}")
        value = target.get("target_value")
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            problems.append(f"{label}: target_value must be a number or null")
        if value is not None and target.get("indicator_id") is None:
            problems.append(f"{label}: a target_value needs an indicator_id")
        if not _is_year(target.get("due")):
            problems.append(f"{label}: due must be a year or null")
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
    document = catalogue.read_yaml(path, "strategy file")
    entries = document.get("strategies")
    if not isinstance(entries, list) or not entries:
        raise EtlError(f"strategy file {path} has no `strategies:` list")
    indicators = set(catalogue.load_indicators(catalogue_path)["id"])

    problems: list[str] = []
    ids: list[str] = []
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            problems.append(f"strategy #{position}: must be a mapping")
            continue
        where = f"strategy {entry.get('id', f'#{position}')!r}"
        problems += _strategy_problems(entry, where, indicators)
        ids.append(entry.get("id"))
    problems += [f"duplicate strategy id {i!r}" for i in sorted({i for i in ids if i and ids.count(i) > 1})]
    if problems:
        raise EtlError(f"strategy file {path} is malformed", problems)

    rows: dict[str, list[dict]] = {name: [] for name in TABLE_COLUMNS}
    for entry in entries:
        sid, source = entry["id"], entry["source"]
        rows["strategy"].append({
            "id": sid, "kind": entry["kind"], "name_nb": entry["name_nb"], "name_en": entry["name_en"],
            "region_code": entry["region_code"], "period_start": entry.get("period_start"),
            "period_end": entry.get("period_end"), "publication_code": entry.get("publication_code"),
            "published": entry.get("published"), "owners_nb": "; ".join(entry.get("owners") or []),
            "source_publisher": source["publisher"], "source_title": source["title"],
            "source_url": source.get("url") or "", "note": _note(entry),
        })
        for goal in entry.get("goals") or []:
            rows["goal"].append({"strategy_id": sid, **{k: goal[k] for k in ("goal_no", "text_nb", "text_en")}})
            rows["goal_indicator"] += [
                {"strategy_id": sid, "goal_no": goal["goal_no"], "indicator_id": link["id"], "why": link["why"]}
                for link in goal.get("indicators") or []
            ]
        for area in entry.get("priority_areas") or []:
            rows["priority_area"].append({"strategy_id": sid, **{c: area.get(c) for c in TABLE_COLUMNS["priority_area"][1:]}})
        for target in entry.get("targets") or []:
            rows["target"].append({"strategy_id": sid, **{c: target.get(c) for c in TABLE_COLUMNS["target"][1:]}})
    return {name: _frame(name, table_rows) for name, table_rows in rows.items()}
