"""Curated facts (data/facts/*.csv): published figures typed in by hand, one row per number.

These numbers come from reports, press releases and articles rather than an API, so the
loader is strict: a number that does not parse, a unit that disagrees with the catalogue or
a breakdown without labels stops the build, and the message names the file and line so a
person can fix the CSV. Every problem in a run is reported at once.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from boligsosial.config import settings
from etl import catalogue
from etl.errors import EtlError
from etl.tidy import (
    CATEGORY_COLUMNS,
    CONFIDENCE,
    DIMENSION_COLUMNS,
    OBSERVATION_COLUMNS,
    QUALIFIERS,
    SOURCE_COLUMNS,
    TEXTS,
    Bundle,
    breakdown_key,
    normalise_period,
    source_id,
)

FACT_COLUMNS = [
    "indicator_id", "region_code", "period", "breakdown", "value", "qualifier", "unit",
    "publisher", "title", "url", "published", "confidence", "derived",
    *TEXTS["derivation"], *TEXTS["note"],
]
PUBLISHER_COLUMNS = ["publisher", "name_en", "kind", "why_nb", "why_en"]
PUBLISHER_KINDS = {"primary", "secondary"}
PARTNERSHIP_COLUMNS = [
    "region_code", "name", "programme", "husbanken_region", "period_start", "period_end", "status",
    "publisher", "title", "url", "published", *TEXTS["note"],
]
PARTNERSHIP_STATUSES = {"invited", "participated"}
LABEL_FILES = {"categories.csv", "dimensions.csv"}
# Files in data/facts that hold metadata, not figures: everything else is a facts file.
NON_FACT_FILES = LABEL_FILES | {"publishers.csv", "partnership_municipalities.csv"}

# The date the figures were read from the sources; stands in for a snapshot's fetch time.
CURATED_ON = "2026-11-21"

# Plain numbers only: a thousands separator or decimal comma in a hand-typed file is more
# likely a typo than a convention, and "9,2" silently read as 92 would be worse than an error.
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_REGION = re.compile(r"0|\d{2}|\d{4}")
_CODE = re.compile(r"[a-z0-9]+(_[a-z0-9]+)*")
_PUBLISHED = re.compile(r"(\d{4})(-\d{2}(-\d{2})?)?")
_BOOLEAN = {"true": True, "false": False}


def facts_dir() -> Path:
    return settings.data_dir() / "facts"


def _read_csv(path: Path, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs; the header must be exactly `columns`, in that order."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        if header != columns:
            missing = [c for c in columns if c not in header]
            extra = [c for c in header if c not in columns]
            raise EtlError(
                f"{path.name}:1: columns must be exactly {','.join(columns)}"
                f" (missing {missing}, unexpected {extra})"
            )
        rows = []
        for row in reader:
            if None in row or any(v is None for v in row.values()):
                raise EtlError(f"{path.name}:{reader.line_num}: wrong number of fields")
            rows.append((reader.line_num, row))
        return rows


def _read_table(folder: Path, name: str, columns: list[str]) -> pd.DataFrame:
    path = folder / name
    if not path.exists():
        raise EtlError(f"curated facts: {path} is missing")
    rows = [row for _, row in _read_csv(path, columns)]
    return pd.DataFrame(rows, columns=columns)


def load_dimensions(folder: Path | str | None = None) -> pd.DataFrame:
    """dimension, label_nb, label_nn, label_en: one row per breakdown dimension."""
    table = _read_table(Path(folder) if folder else facts_dir(), "dimensions.csv", DIMENSION_COLUMNS)
    problems = [f"dimensions.csv: duplicate dimension {d!r}" for d in table.loc[table["dimension"].duplicated(), "dimension"]]
    problems += _unlabelled(table, "dimensions.csv", ["dimension"])
    if problems:
        raise EtlError("curated dimension labels are malformed", problems)
    return table


def _unlabelled(table: pd.DataFrame, name: str, key: list[str]) -> list[str]:
    """Curated labels are written in every language: an empty one would show another language's."""
    columns = [c for c in DIMENSION_COLUMNS if c.startswith("label_")]
    return [f"{name}: {'/'.join(row[k] for k in key)} has no {c}"
            for row in table.to_dict("records") for c in columns if not row[c].strip()]


def load_categories(folder: Path | str | None = None) -> pd.DataFrame:
    """dimension, code, label_nb, label_nn, label_en, sort_order: one row per breakdown category."""
    folder = Path(folder) if folder else facts_dir()
    table = _read_table(folder, "categories.csv", CATEGORY_COLUMNS)
    problems = [
        f"categories.csv: duplicate ({d}, {c})"
        for d, c in table.loc[table.duplicated(["dimension", "code"]), ["dimension", "code"]].itertuples(index=False)
    ]
    unknown = sorted(set(table["dimension"]) - set(load_dimensions(folder)["dimension"]))
    problems += [f"categories.csv: dimension {d!r} has no row in dimensions.csv" for d in unknown]
    problems += _unlabelled(table, "categories.csv", ["dimension", "code"])
    if problems:
        raise EtlError("curated category labels are malformed", problems)
    table["sort_order"] = pd.to_numeric(table["sort_order"], errors="raise").astype("int64")
    return table


def load_publishers(folder: Path | str | None = None) -> pd.DataFrame:
    """publisher, kind (primary | secondary), why_nb, why_en: every publisher a figure may cite.

    A primary publisher produced the figure (SSB, Husbanken, the ministries, the research
    institute that ran the survey); a secondary one repeats someone else's figure (news, NGOs)."""
    table = _read_table(Path(folder) if folder else facts_dir(), "publishers.csv", PUBLISHER_COLUMNS)
    problems = [f"publishers.csv: duplicate publisher {p!r}" for p in table.loc[table["publisher"].duplicated(), "publisher"]]
    problems += [f"publishers.csv: {p!r} has kind {k!r}, not primary or secondary"
                 for p, k in zip(table["publisher"], table["kind"]) if k not in PUBLISHER_KINDS]
    problems += [f"publishers.csv: {p!r} does not say why in both languages"
                 for p, nb, en in zip(table["publisher"], table["why_nb"], table["why_en"]) if not (nb.strip() and en.strip())]
    if problems:
        raise EtlError("the publisher list is malformed", problems)
    return table


def load_partnerships(folder: Path | str | None = None) -> pd.DataFrame:
    """Municipalities in a Husbanken partnership programme, one row per municipality and period,
    on the municipality code valid at period_start (the explorer maps it to today's code)."""
    folder = Path(folder) if folder else facts_dir()
    path = folder / "partnership_municipalities.csv"
    if not path.exists():
        return pd.DataFrame(columns=PARTNERSHIP_COLUMNS)
    publishers = set(load_publishers(folder)["publisher"])
    problems, rows = [], []
    for line, row in _read_csv(path, PARTNERSHIP_COLUMNS):
        where = f"{path.name}:{line}"
        if not re.fullmatch(r"\d{4}", row["region_code"]):
            problems.append(f"{where}: region_code {row['region_code']!r} must be a four-digit municipality code")
        if not (re.fullmatch(r"\d{4}", row["period_start"]) and re.fullmatch(r"\d{4}|", row["period_end"])):
            problems.append(f"{where}: period_start and period_end must be years (period_end may be empty)")
        if row["status"] not in PARTNERSHIP_STATUSES:
            problems.append(f"{where}: status {row['status']!r} is not one of {sorted(PARTNERSHIP_STATUSES)}")
        if row["publisher"] not in publishers:
            problems.append(f"{where}: publisher {row['publisher']!r} is not in publishers.csv")
        if not row["url"].startswith(("http://", "https://")) or not row["title"].strip():
            problems.append(f"{where}: the source needs a title and an http(s) url")
        problems += [f"{where}: {p}" for p in _language_problems(row, {"note": TEXTS["note"]})]
        rows.append(row)
    if problems:
        raise EtlError("the partnership list is malformed", problems)
    frame = pd.DataFrame(rows, columns=PARTNERSHIP_COLUMNS)
    frame["period_start"] = frame["period_start"].astype("int64")
    frame["period_end"] = pd.to_numeric(frame["period_end"]).astype("Int64")
    return frame


def publishers_in_english(sources: pd.DataFrame, publishers: pd.DataFrame) -> pd.Series:
    """Each source's publisher as English pages name it: the list's `name_en` where the name
    differs in English ("Statistics Norway (SSB)"), else the publisher's own name."""
    english = {p: e for p, e in zip(publishers["publisher"], publishers["name_en"]) if e.strip()}
    return pd.Series([english.get(p, p) for p in sources["publisher"]], index=sources.index, dtype="object")


def publisher_kinds(sources: pd.DataFrame, publishers: pd.DataFrame) -> pd.Series:
    """primary | secondary for each source row: SSB's own tables are primary; a curated or
    imported source takes its publisher's kind from the list, or "" when it is not listed."""
    kinds = dict(zip(publishers["publisher"], publishers["kind"]))
    return pd.Series(
        ["primary" if kind == "ssb" else kinds.get(publisher, "") for kind, publisher in zip(sources["kind"], sources["publisher"])],
        index=sources.index, dtype="object",
    )


def _breakdown_problems(text: str, labelled: set[tuple[str, str]]) -> list[str]:
    if text == "":
        return []
    parts = text.split("|")
    if any(part.count("=") != 1 for part in parts):
        return [f"breakdown {text!r} must be dim=code parts joined by '|'"]
    pairs = dict(part.split("=") for part in parts)
    problems = []
    if len(pairs) != len(parts) or breakdown_key(pairs) != text:
        problems.append(f"breakdown {text!r} is not canonical; write {breakdown_key(pairs)!r}")
    for dim, code in pairs.items():
        if not (_CODE.fullmatch(dim) and _CODE.fullmatch(code)):
            problems.append(f"breakdown part {dim}={code} must be lower-case snake_case ascii")
        elif (dim, code) not in labelled:
            problems.append(f"breakdown {dim}={code} has no label in categories.csv")
    return problems


def _row_problems(row: dict[str, str], units: dict[str, str], labelled: set[tuple[str, str]],
                  publishers: dict[str, str]) -> list[str]:
    """Everything wrong with one CSV row, as short phrases."""
    problems = []
    if row["publisher"].strip() and row["publisher"] not in publishers:
        problems.append(f"publisher {row['publisher']!r} is not in publishers.csv (say whether it is primary or secondary)")
    elif row["confidence"] == "H" and publishers.get(row["publisher"]) != "primary":
        problems.append(f"confidence H needs a primary publisher; {row['publisher']!r} is secondary")
    indicator = row["indicator_id"]
    if indicator not in units:
        problems.append(f"indicator {indicator!r} is not in the catalogue")
    elif row["unit"] != units[indicator]:
        problems.append(f"unit {row['unit']!r} differs from the catalogue's {units[indicator]!r} for {indicator}")
    if not _REGION.fullmatch(row["region_code"]):
        problems.append(f"region_code {row['region_code']!r} must be 0, two or four digits")
    try:
        if normalise_period(row["period"]) != row["period"]:
            problems.append(f"period {row['period']!r} must be written {normalise_period(row['period'])!r}")
    except ValueError:
        problems.append(f"period {row['period']!r} is not YYYY or YYYY-MM")
    if not _PLAIN_NUMBER.fullmatch(row["value"]):
        problems.append(f"value {row['value']!r} is not a plain number (digits, optional '.' decimals)")
    if row["qualifier"] not in QUALIFIERS:
        problems.append(f"qualifier {row['qualifier']!r} is not one of {sorted(QUALIFIERS)}")
    if row["confidence"] not in CONFIDENCE:
        problems.append(f"confidence {row['confidence']!r} must be H or M")
    if row["derived"] not in _BOOLEAN:
        problems.append(f"derived {row['derived']!r} must be true or false")
    elif _BOOLEAN[row["derived"]]:
        problems += [f"derived row has no {c}" for c in TEXTS["derivation"] if not row[c].strip()]
    elif any(row[c].strip() for c in TEXTS["derivation"]):
        problems.append("a derivation is given but derived is not true")
    problems += _language_problems(row)
    for field in ("publisher", "title", "url"):
        if not row[field].strip():
            problems.append(f"{field} is empty")
    if row["url"] and not row["url"].startswith(("http://", "https://")):
        problems.append(f"url {row['url']!r} must start with http")
    if row["published"] and not _PUBLISHED.fullmatch(row["published"]):
        problems.append(f"published {row['published']!r} must be YYYY, YYYY-MM or YYYY-MM-DD")
    return problems + _breakdown_problems(row["breakdown"], labelled)


def _language_problems(row: dict[str, str], texts: dict | None = None) -> list[str]:
    """A note or derivation given in some languages only: those pages would show another
    language's text."""
    problems = []
    for columns in (texts or TEXTS).values():
        given = [c for c in columns if row[c].strip()]
        if given and len(given) < len(columns):
            lacking = [c for c in columns if c not in given]
            problems.append(f"{', '.join(given)} {'is' if len(given) == 1 else 'are'} given but {', '.join(lacking)} "
                            f"{'is' if len(lacking) == 1 else 'are'} empty")
    return problems


def _fact_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.glob("*.csv") if p.name not in NON_FACT_FILES)
    if not files:
        raise EtlError(f"curated facts: no CSV files in {folder}")
    return files


def load_bundle(folder: Path | str | None = None, catalogue_path: Path | str | None = None) -> Bundle:
    """Read every curated CSV into the tidy Bundle "curated" (observations, sources, labels)."""
    folder = Path(folder) if folder else facts_dir()
    indicators = catalogue.load_indicators(catalogue_path)
    units = dict(zip(indicators["id"], indicators["unit"]))
    categories = load_categories(folder)
    labelled = set(zip(categories["dimension"], categories["code"]))
    publishers = load_publishers(folder)
    kinds = dict(zip(publishers["publisher"], publishers["kind"]))

    problems: list[str] = []
    observations: list[dict] = []
    sources: dict[str, dict] = {}
    seen: dict[tuple, str] = {}  # observation key -> "file:line" where it first appeared
    for path in _fact_files(folder):
        for line, row in _read_csv(path, FACT_COLUMNS):
            where = f"{path.name}:{line}"
            row_problems = _row_problems(row, units, labelled, kinds)
            key = (row["indicator_id"], row["region_code"], row["period"], row["breakdown"])
            if key in seen:
                row_problems.append(f"duplicate of {seen[key]} (same indicator, region, period, breakdown)")
            seen.setdefault(key, where)
            sid = source_id(row["publisher"], row["title"], row["url"])
            known = sources.get(sid)
            if known and known["published"] != row["published"]:
                row_problems.append(
                    f"published {row['published']!r} disagrees with {known['published']!r} for the same source"
                )
            problems += [f"{where}: {p}" for p in row_problems]
            if row_problems:
                continue
            sources.setdefault(sid, {
                "source_id": sid, "publisher": row["publisher"], "title": row["title"],
                "url": row["url"], "table_id": "", "published": row["published"], "license": "",
                "fetched_at": CURATED_ON, "checksum": "", "kind": "curated",
            })
            observations.append({
                "indicator_id": row["indicator_id"], "region_code": row["region_code"],
                "period": row["period"], "breakdown": row["breakdown"], "value": float(row["value"]),
                "status": "", "qualifier": row["qualifier"], "source_id": sid,
                "derived": _BOOLEAN[row["derived"]], "derivation": row["derivation_en"],
                "confidence": row["confidence"], "note": row["note_en"],
                **{column: row[column] for columns in TEXTS.values() for column in columns},
            })
    if problems:
        raise EtlError(f"curated facts in {folder} have {len(problems)} problem(s)", problems)

    frame = pd.DataFrame(observations, columns=OBSERVATION_COLUMNS)
    frame["value"] = frame["value"].astype("float64")
    frame["derived"] = frame["derived"].astype(bool)
    return Bundle(
        "curated",
        frame,
        pd.DataFrame(list(sources.values()), columns=SOURCE_COLUMNS),
        categories[CATEGORY_COLUMNS],
    )
