"""The card's "Om tallene" (About) panel: definition, sources in full, what the figures rest
on, and the notes on single figures, written from the warehouse's rows."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from dash import html

from boligsosial.charts import build
from boligsosial.domain import remarks, sources
from boligsosial.text.i18n import t
from boligsosial.text.numbers import format_date, format_period, is_missing
from boligsosial.ui.card_content import Content

Row = Mapping[str, Any]
Spec = Mapping[str, Any]


def about_panel(content: Content, lang: str) -> list:
    """Definition, unit, comparability, sources with dates, and how sure each figure is: all
    from the warehouse's indicator and source rows."""
    children: list = []
    for indicator_id, indicator in content.indicators.items():
        rows = [r for r in content.rows if r["indicator_id"] == indicator_id]
        facts: list = [
            html.Dt(t("about.definition", lang)),
            html.Dd(indicator.get(f"definition_{lang}") or ""),
            html.Dt(t("about.unit", lang)),
            html.Dd(build.unit_heading(indicator, lang)),
        ]
        if indicator.get(f"comparability_{lang}"):
            facts += [html.Dt(t("about.comparability", lang)), html.Dd(indicator[f"comparability_{lang}"])]
        facts += [html.Dt(t("about.sources", lang)), html.Dd(_sources(rows, lang))]
        facts += [html.Dt(t("page.data.field_basis", lang)), html.Dd(sources.basis_of(rows, lang))]
        facts += [html.Dt(t("about.confidence", lang)), html.Dd(_confidence(rows, lang))]
        notes = [(r, remarks.text(r, "note", lang)) for r in rows if not is_missing(r.get("value"))]
        notes = [(r, note) for r, note in notes if note.text]
        if notes:
            facts += [
                html.Dt(t("about.notes", lang)),
                html.Dd(html.Ul([html.Li([f"{_where(r, lang)}: ", _in_language(note, lang)]) for r, note in notes])),
            ]
        children += [html.H4(indicator.get(f"title_{lang}") or indicator_id), html.Dl(facts, className="about")]
    return children


def _sources(rows: Sequence[Row], lang: str) -> html.Ul | str:
    seen: dict[str, Row] = {}
    for row in rows:
        if row.get("source_id") and row["source_id"] not in seen:
            seen[row["source_id"]] = row
    if not seen:
        return t("about.no_rows", lang)
    items = []
    for row in seen.values():
        periods = sorted({r["period"] for r in rows if r.get("source_id") == row["source_id"]})
        published = (
            t("source.published", lang, date=format_date(row["source_published"], lang))
            if row.get("source_published") else t("about.published_unknown", lang)
        )
        parts: list = [f"{sources.publisher(row, lang)}, "]
        parts.append(html.A(row["source_title"], href=row["source_url"]) if row.get("source_url") else row["source_title"])
        parts.append(f" ({published}")
        if row.get("source_fetched_at"):
            parts.append("; " + t("about.fetched", lang, date=format_date(row["source_fetched_at"], lang)))
        parts.append("). " + t("about.source_periods", lang, periods=", ".join(format_period(p, lang) for p in periods)))
        items.append(html.Li(parts))
    return html.Ul(items)


def _confidence(rows: Sequence[Row], lang: str) -> list:
    shown = [r for r in rows if not is_missing(r.get("value"))]
    secondary = [r for r in shown if r.get("confidence") == "M"]
    derived = [r for r in shown if r.get("derived")]
    lines = []
    if not secondary:
        lines.append(html.P(t("about.confidence_all_h", lang)))
    else:
        lines.append(html.P(t("about.confidence_m", lang, count=len(secondary), total=len(shown),
                              where=", ".join(_where(r, lang) for r in secondary))))
    for row in derived:
        lines.append(html.P([f"{_where(row, lang)}: {t('figure.derived', lang)}: ",
                             _in_language(remarks.text(row, "derivation", lang), lang)]))
    return lines


def _in_language(text: remarks.Text, lang: str) -> Any:
    """A text from the data; marked with its language when it is not the page's."""
    return text.text if text.lang == lang else html.Span(text.text, lang=text.lang)


def _where(row: Row, lang: str) -> str:
    """Which figure a remark is about: its period, and its breakdown or region when the card
    shows several."""
    label = row.get("_label")
    return f"{format_period(row['period'], lang)}{f' ({label})' if label else ''}"
