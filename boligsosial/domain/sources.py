"""The sources behind a set of figures: each distinct source once, in the order first met, and
as one line of plain text for images (where no link can be clicked)."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from boligsosial.i18n import t

Row = Mapping[str, Any]


def distinct(rows: Iterable[Row]) -> list[Row]:
    """One row per source (the first that names it), for rows that name a source."""
    seen: dict[str, Row] = {}
    for row in rows:
        if row.get("source_id") and row.get("source_title") and row["source_id"] not in seen:
            seen[row["source_id"]] = row
    return list(seen.values())


def publisher(row: Row, lang: str) -> str:
    """The source's publisher as the reader's language names it ("Statistics Norway (SSB)")."""
    return (row.get("source_publisher_en") if lang == "en" else None) or row.get("source_publisher") or ""


def source_text(rows: Iterable[Row], lang: str) -> str:
    """"Kilde: Publisher, Title" (or "Kilder: ...; ..."); "" when no row names a source."""
    names = list(dict.fromkeys(f"{publisher(row, lang)}, {row['source_title']}" for row in distinct(rows)))
    if not names:
        return ""
    return t("source.label" if len(names) == 1 else "source.label_many", lang) + " " + "; ".join(names)
