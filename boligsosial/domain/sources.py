"""The sources behind a set of figures: each distinct source once, in the order first met, and
as one line of plain text for images (where no link can be clicked)."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from boligsosial.text.i18n import t

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


def basis(primary: int, secondary: int, derived: int, lang: str) -> str:
    """What figures rest on: "5 fra primærkilder, 1 avledet", the kinds with none left out."""
    parts = [t(f"source.basis_{kind}", lang, count=count)
             for kind, count in (("primary", primary), ("secondary", secondary), ("derived", derived)) if count]
    return ", ".join(parts) if parts else t("source.basis_none", lang)


def basis_of(rows: Iterable[Row], lang: str) -> str:
    """`basis` counted over rows as the /data catalogue counts them: figures with a value, a
    derived one as derived whatever its source, the rest by their publisher's kind."""
    shown = [r for r in rows if r.get("value") is not None and r.get("value") == r.get("value")]
    kinds = [r.get("source_publisher_kind") for r in shown if not r.get("derived")]
    return basis(kinds.count("primary"), kinds.count("secondary"), len(shown) - len(kinds), lang)
