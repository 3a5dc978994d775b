"""Reading the YAML files under data/, each checked against its schema (models.py).

    load(path, model)   the file's document, checked; ConfigError otherwise
    check_all(root)     every problem in every data file (a test and the ETL build run this)

A problem names the file, the line and the key: "data/pages/bostedslose.yaml:142: cards[2].
choose_periods: unknown key", so a typo is found where it was made. (These are the project's own
files; files people bring, import mappings, are read with stricter limits by etl/imports/.)
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import BaseModel, ValidationError

from boligsosial.config import models, page_models

# Which schema each file follows, by path under data/ (a glob). Files not named here are not
# YAML configuration (CSV data, JSON geometry, README).
SCHEMAS: dict[str, type[BaseModel]] = {
    "indicators.yaml": models.Indicators,
    "strategies.yaml": models.Strategies,
    "headlines.yaml": page_models.StoryPage,
    "pages/bostedslose.yaml": page_models.StoryPage,
    "pages/vanskeligstilte.yaml": page_models.StoryPage,
    "pages/strategier.yaml": page_models.StoryPage,
    "pages/kommuner.yaml": page_models.ExplorerPage,
    "pages/nettsted.yaml": page_models.SiteContact,
    "pages/tilgjengelighet.yaml": page_models.AccessibilityStatement,
    "pages/personvern.yaml": page_models.PrivacyPage,
    "i18n.yaml": models.Texts,
    "i18n/*.yaml": models.Texts,
    "geo/sources.yaml": models.GeoSources,
    "openapi.yaml": models.OpenApi,
}


class ConfigError(ValueError):
    """A data file that does not follow its schema; `problems` are "file:line: key: message"."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__(f"{path} does not follow its schema:\n  " + "\n  ".join(problems))


@lru_cache(maxsize=256)  # asked on every page-config read, hundreds of times per explorer page
def schema_for(path: Path, root: Path) -> type[BaseModel] | None:
    relative = path.relative_to(root)
    for pattern, model in SCHEMAS.items():
        if relative.match(pattern) and len(relative.parts) == len(Path(pattern).parts):
            return model
    return None


def load(path: Path | str, model: type[BaseModel] | None = None) -> dict[str, Any]:
    """The document in `path`, checked against `model` (or the schema its place under data/
    names). Raises ConfigError naming every problem, with its line."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError(path, [f"{path}{line}: not valid YAML ({getattr(exc, 'problem', exc)})"]) from None
    if model is None:
        return document
    if model is models.Texts:
        problems = models.Texts.check(document)
    else:
        try:
            model.model_validate(document)
            problems = []
        except ValidationError as exc:
            problems = [(tuple(error["loc"]), _message(error)) for error in exc.errors()]
    if problems:
        raise ConfigError(path, [f"{path}:{_line(node, loc)}: {_key(loc) or '(top level)'}: {message}"
                                 for loc, message in problems])
    return document


@lru_cache(maxsize=64)
def _cached(path: str, stamp: float, model: type[BaseModel] | None) -> dict[str, Any]:
    return load(path, model)


def load_cached(path: Path, model: type[BaseModel] | None = None) -> dict[str, Any]:
    """load(), kept per process until the file changes (page configs are read on every page)."""
    return _cached(str(path), path.stat().st_mtime, model)


def check_all(root: Path) -> list[str]:
    """Every problem in every YAML file under `root` (data/), or [] when all follow their
    schema. A YAML file no schema names is itself a problem: every file must be checked."""
    problems: list[str] = []
    for path in sorted(root.rglob("*.yaml")):
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        model = schema_for(path, root)
        if model is None and not _checked_elsewhere(path, root):
            problems.append(f"{path}: no schema names this file (boligsosial/config/files.py SCHEMAS)")
            continue
        try:
            load(path, model)
        except ConfigError as error:
            problems += error.problems
    return problems


# Files whose owners check them with their own, fuller rules (and tests): import mappings
# (etl/imports/, which reports to the person importing) and SSB's table list and lock
# (etl/ssb.py). check_all reads them only for being valid YAML.
CHECKED_ELSEWHERE = ("import_mappings/*.yaml", "ssb_tables.yaml", "ssb_lock.yaml")


def _checked_elsewhere(path: Path, root: Path) -> bool:
    relative = path.relative_to(root)
    return any(relative.match(pattern) and len(relative.parts) == len(Path(pattern).parts) for pattern in CHECKED_ELSEWHERE)


def _message(error: dict) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key (a typo, or a setting this file does not have)"
    if error["type"] == "missing":
        return "missing"
    return error["msg"]


def _key(loc: Iterable[Any]) -> str:
    """A location as a reader writes it: cards[2].measures[0].indicator."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in ("line", "bar", "estimates") and text.endswith("]"):
            continue  # pydantic's name for the card kind it tried; not a key in the file
        else:
            text += ("." if text else "") + str(part)
    return text


def _line(node: yaml.Node | None, loc: Iterable[Any]) -> int:
    """The line of the deepest node the location reaches (1-based); the line of the mapping
    a missing or unknown key belongs to when the key itself is not there."""
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next(((key, value) for key, value in node.value if key.value == str(part)), None)
            if found is None:
                continue  # the card kind pydantic tried, or a missing key: stay on this mapping
            key, node = found
            line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
