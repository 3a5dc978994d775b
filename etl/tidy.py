"""The tidy format every source is brought into before it reaches the warehouse.

One row per number. Every source module (curated facts, SSB, imports) returns frames with
exactly these columns; harmonise, validate and publish work only on this shape.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import pandas as pd

from boligsosial.text.i18n import LANGUAGES

# SSB's standard table symbols. A row with a status has no value: a suppressed number is never 0.
STATUS_SYMBOLS = {
    ".": "not applicable",  # ikke mulig å oppgi tall
    "..": "missing",  # tallgrunnlag mangler
    "...": "not yet available",  # oppgave mangler
    ":": "confidential",  # vises ikke av konfidensialitetshensyn
    "-": "nil",  # null, intet å registrere
}

# How a published figure was worded: "about 150 000", "more than 170 000", "under 7 000".
QUALIFIERS = {"", "approx", "gt", "lt"}

CONFIDENCE = {"H", "M"}

OBSERVATION_COLUMNS = [
    "indicator_id",  # id in data/indicators.yaml
    "region_code",  # "0" = Norway; county "03"; municipality "0301" (KLASS 104/131)
    "period",  # "2012", "2022-01" (month), "2022-Q1", "2012-W48"
    "breakdown",  # "" for the total, else "dim=code|dim2=code2" with dims sorted
    "value",  # float, NaN when status says why
    "status",  # "" or one of STATUS_SYMBOLS
    "qualifier",  # one of QUALIFIERS
    "source_id",  # id in the source table
    "derived",  # bool: computed here, not published as such
    "derivation",  # how, when derived (English; kept while the runtime reads it, = derivation_en)
    "confidence",  # H or M (see data-facts.md)
    "note",  # period notes, caveats (English; kept while the runtime reads it, = note_en)
    "note_nb",  # the note in bokmål, nynorsk and English: all three given, or none
    "note_nn",
    "note_en",
    "derivation_nb",  # the derivation, likewise in all three languages or none
    "derivation_nn",
    "derivation_en",
]

# The languages an observation's texts are written in (the interface's), and their columns per text.
TEXT_LANGUAGES = LANGUAGES
TEXTS = {name: tuple(f"{name}_{lang}" for lang in TEXT_LANGUAGES) for name in ("note", "derivation")}
NO_TEXTS = {column: "" for columns in TEXTS.values() for column in columns}  # a row with neither

SOURCE_COLUMNS = [
    "source_id",
    "publisher",
    "title",  # report, article or table title
    "url",
    "table_id",  # SSB table id or ""
    "published",  # "YYYY-MM-DD", "YYYY-MM", "YYYY" or "" when the source does not say
    "license",
    "fetched_at",  # ISO timestamp of the snapshot, or the date a figure was curated
    "checksum",  # sha256 of the snapshot, or "" for curated figures
    "kind",  # curated | ssb | import
]

# Labels of breakdowns. label_nn is "" where only bokmål exists (SSB's own labels, imported files):
# nynorsk pages then show the bokmål label.
CATEGORY_COLUMNS = ["dimension", "code", "label_nb", "label_nn", "label_en", "sort_order"]
DIMENSION_COLUMNS = ["dimension", "label_nb", "label_nn", "label_en"]


def empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def breakdown_key(parts: dict[str, str]) -> str:
    """Canonical text key for a breakdown: stable whatever order the dimensions came in."""
    return "|".join(f"{k}={parts[k]}" for k in sorted(parts) if parts[k] not in ("", None))


def parse_breakdown(key: str) -> dict[str, str]:
    if not key:
        return {}
    return dict(part.split("=", 1) for part in key.split("|"))


_PERIOD_PATTERNS = [
    (re.compile(r"^(\d{4})$"), "{0}"),
    (re.compile(r"^(\d{4})M(\d{2})$"), "{0}-{1}"),
    (re.compile(r"^(\d{4})-(\d{2})$"), "{0}-{1}"),
    (re.compile(r"^(\d{4})K(\d)$"), "{0}-Q{1}"),
    (re.compile(r"^(\d{4})-Q(\d)$"), "{0}-Q{1}"),
    (re.compile(r"^(\d{4})U(\d{2})$"), "{0}-W{1}"),
    (re.compile(r"^(\d{4})-W(\d{2})$"), "{0}-W{1}"),
]


def normalise_period(code: str) -> str:
    """SSB time codes (2023, 2023M01, 2023K1, 2023U48) to our period strings.

    Raises ValueError for anything else, so an upstream format change stops the run
    instead of producing wrong periods."""
    text = str(code).strip()
    for pattern, template in _PERIOD_PATTERNS:
        match = pattern.match(text)
        if match:
            return template.format(*match.groups())
    raise ValueError(f"unrecognised period {code!r}")


def period_year(period: str) -> int:
    return int(period[:4])


def source_id(*parts: str) -> str:
    """Short stable id for a source from its identifying fields."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:12]


def check_columns(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what}: missing columns {missing}")


@dataclass
class Bundle:
    """What one source contributes to a build: its numbers, where they came from, and the
    labels of the breakdown categories it uses."""

    name: str
    observations: pd.DataFrame
    sources: pd.DataFrame
    categories: pd.DataFrame

    def __post_init__(self) -> None:
        check_columns(self.observations, OBSERVATION_COLUMNS, f"{self.name} observations")
        check_columns(self.sources, SOURCE_COLUMNS, f"{self.name} sources")
        check_columns(self.categories, CATEGORY_COLUMNS, f"{self.name} categories")

    @classmethod
    def empty(cls, name: str) -> "Bundle":
        return cls(name, empty(OBSERVATION_COLUMNS), empty(SOURCE_COLUMNS), empty(CATEGORY_COLUMNS))
