"""What is new in the figures: each published data version and what it changed, from the log
the ETL writes at publish (etl/changelog.py: the tables data_release and change_log in the
served warehouse). The /nytt page and the /nytt.atom feed both say it from here, in the
reader's language, so they cannot disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from boligsosial.text.i18n import t
from boligsosial.text.numbers import format_date, format_number, format_period
from boligsosial.ui import components
from boligsosial.warehouse import release_rows, series_rows

FEED_ENTRIES = 50  # the feed's newest versions; the page lists them all
SHOWN_PERIODS = 6  # periods named in one line; more are counted


@dataclass
class Line:
    """One thing said about a version: text, and the page it links to (a public chart, or the
    source's own page)."""

    text: str
    name: str  # the indicator's title or the source's name, linked
    href: str
    kind: str


@dataclass
class Release:
    version: str
    built_at: str
    when: str  # in words, in the reader's language
    first: bool  # nothing to compare with: the first version recorded
    compared: bool  # False: the previous file could not be compared (said, not hidden)
    indicators: list[Line] = field(default_factory=list)
    sources: list[Line] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.indicators or self.sources)

    @property
    def anchor(self) -> str:
        return f"versjon-{self.version}"


def grouped(lines: list[Line]) -> list[tuple[str, str, list[str]]]:
    """(name, href, what was said) per indicator or source, in the order first met: one item
    for an indicator that got both a new period and changed figures."""
    found: dict[tuple[str, str], list[str]] = {}
    for line in lines:
        found.setdefault((line.name, line.href), []).append(line.text)
    return [(name, href, texts) for (name, href), texts in found.items()]


def releases(lang: str) -> list[Release]:
    """Every recorded data version, newest first, with its changes in `lang`."""
    changes: dict[str, list[dict[str, Any]]] = {}
    for row in release_rows.change_log():
        changes.setdefault(row["data_version"], []).append(row)
    ids = {row["indicator_id"] for rows in changes.values() for row in rows if row.get("indicator_id")}
    catalogue = series_rows.indicators(ids) if ids else {}
    found = []
    for release in release_rows.data_releases():
        rows = changes.get(release["data_version"], [])
        item = Release(
            version=release["data_version"], built_at=release["built_at"], when=when(release["built_at"], lang),
            first=release.get("previous_version") is None and not any(r["kind"] == "not_compared" for r in rows),
            compared=not any(r["kind"] == "not_compared" for r in rows),
        )
        for row in rows:
            if row.get("indicator_id"):
                item.indicators.append(_indicator_line(row, catalogue.get(row["indicator_id"]), lang))
            elif row.get("source_id"):
                item.sources.append(_source_line(row, lang))
        found.append(item)
    return found


def _indicator_line(row: dict[str, Any], indicator: dict[str, Any] | None, lang: str) -> Line:
    periods = [p for p in (row.get("periods") or "").split(",") if p]
    shown = ", ".join(format_period(p, lang) for p in periods[:SHOWN_PERIODS])
    if len(periods) > SHOWN_PERIODS:
        shown += " " + t("nytt.more_periods", lang, count=len(periods) - SHOWN_PERIODS)
    figures = int(row.get("figures") or 0)
    count = t("nytt.figures_one" if figures == 1 else "nytt.figures_many", lang, count=format_number(figures, 0, lang))
    text = t(f"nytt.kind.{row['kind']}", lang, periods=shown, figures=count)
    name = (indicator or {}).get(f"title_{lang}") or row["indicator_id"]
    # A removed indicator has no public page any more; its line links the catalogue.
    href = components.href("/data" if indicator is None else f"/figur/{row['indicator_id']}", lang)
    return Line(text=text, name=name, href=href, kind=row["kind"])


def _source_line(row: dict[str, Any], lang: str) -> Line:
    return Line(text=t(f"nytt.kind.{row['kind']}", lang, periods="", figures=""), name=row.get("label") or row["source_id"],
                href=row.get("url") or "", kind=row["kind"])


def when(timestamp: str, lang: str) -> str:
    """An ISO timestamp from the ETL as date and time in UTC; anything else as it came."""
    try:
        moment = datetime.fromisoformat(timestamp)
    except (TypeError, ValueError):
        return str(timestamp)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return t("page.status.when", lang, date=format_date(moment.date().isoformat(), lang), time=moment.strftime("%H:%M"))
