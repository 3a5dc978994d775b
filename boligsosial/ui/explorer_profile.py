"""The explorer's place profile: each figure for the place against its county and the country,
and what the municipality took part in (housing strategies, Husbanken's programmes)."""
from __future__ import annotations

from typing import Any, Mapping

from dash import html

from boligsosial.domain import explorer
from boligsosial.domain.explorer_state import State
from boligsosial.domain.gazetteer import Gazetteer
from boligsosial.text.i18n import LANGUAGES, pick_text, t
from boligsosial.text.numbers import (
    format_date,
    format_period,
    format_short,
)
from boligsosial.ui import tables
from boligsosial.ui.components import source_line

Row = Mapping[str, Any]


def profile_section(state: State, gaz: Gazetteer) -> html.Section:
    lang = state.view.lang
    chain = explorer.comparison_places(state.place, gaz)
    lines = state.profile()
    heading = html.H2(t("explorer.profile_heading", lang, place=state.place.name), id="profile")
    if not lines:
        return html.Section([heading, html.P(t("explorer.profile_empty", lang), className="context")],
                            className="card", **{"aria-labelledby": "profile"})
    columns = [tables.Column(t("explorer.col_period", lang), numeric=False)]
    names = explorer.display_names(chain, lang)
    columns += [tables.Column(names[p.code]) for p in chain]
    columns.append(tables.Column(t("explorer.col_first", lang), numeric=False))
    rows = []
    for line in lines:
        header: Any = line.title
        if line.offer is not None:
            header = html.A(line.title, href=state.link("compare", indicator=line.offer.id, measure=line.measure, period=""))
        cells = [tables.Cell(format_period(line.latest["period"], lang)), tables.cell(line.latest, lang)]
        cells += [tables.cell(r, lang) if r else tables.Cell(t("status.missing", lang), missing=True) for r in line.others]
        cells.append(tables.Cell(
            f"{format_short(line.first, lang)} ({format_period(line.first['period'], lang)})" if line.first else "–"))
        rows.append(tables.Row(tables.Cell(header), tuple(cells)))
    table = tables.data_table(t("explorer.profile_caption", lang, place=state.place.name), t("explorer.col_indicator", lang),
                              columns, rows, lang, table_id="profile-table")
    return html.Section(
        [heading, html.P(t("explorer.profile_intro", lang), className="context"), table,
         source_line([r for line in lines for r in line.rows], lang)],
        className="card explorer-profile", **{"aria-labelledby": "profile"},
    )


def partnership_section(periods: list[Row], lang: str) -> html.Section | None:
    """Husbanken's programme periods the municipality is named in, each with its source; the
    list is partial (only municipalities a found source names), and says so."""
    if not periods:
        return None
    items = []
    for period in periods:
        years = f"{period['period_start']}\u2013{period['period_end']}" if period.get("period_end") else str(period["period_start"])
        text = t(f"explorer.partnership.{period['status']}", lang, programme=t(f"explorer.programme.{period['programme']}", lang),
                 years=years)
        note = pick_text({code: period.get(f"note_{code}") or "" for code in LANGUAGES}, lang)
        source = [t("strategy.source", lang), " ", period["publisher"], ", ", html.A(period["title"], href=period["url"]), "."]
        items.append(html.Li([html.P(text), html.P(note, className="context") if note else None,
                              html.P(source, className="source-line")]))
    return html.Section(
        [html.H2(t("explorer.partnership_heading", lang), id="partnership"), html.Ul(items, className="partnership-list"),
         html.P(t("explorer.partnership_partial", lang), className="context")],
        className="card explorer-partnership", **{"aria-labelledby": "partnership"},
    )


def strategy_section(strategy: Row, lang: str) -> html.Section:
    heading_id = f"strategy-{strategy['id']}"
    name = pick_text({"nb": strategy["name_nb"], "nn": strategy.get("name_nn"), "en": strategy["name_en"]}, lang)
    facts = []
    if strategy.get("published"):
        facts.append(t("explorer.strategy_adopted", lang, date=format_date(strategy["published"], lang)))
    if strategy.get("publication_code"):
        facts.append(t("explorer.strategy_case", lang, code=strategy["publication_code"]))
    source: list = [t("strategy.source", lang), " ", strategy.get("source_publisher") or "", ", "]
    title = strategy.get("source_title") or ""
    quoted = f"«{title}»" if lang != "en" else f"“{title}”"
    source += [html.A(title, href=strategy["source_url"]) if strategy.get("source_url") else quoted, "."]
    goals = [html.Li(pick_text({"nb": g["text_nb"], "nn": g.get("text_nn"), "en": g["text_en"]}, lang)) for g in strategy["goals"]]
    areas = [html.Li(pick_text({"nb": a["text_nb"], "nn": a.get("text_nn"), "en": a["text_en"]}, lang)) for a in strategy["priority_areas"]]
    return html.Section(
        [
            html.H2(name, id=heading_id),
            html.P(" ".join(facts), className="context") if facts else None,
            html.H3(t("strategy.goals", lang)),
            html.Ol(goals),
            html.H3(t("explorer.strategy_areas", lang)) if areas else None,
            html.Ol(areas) if areas else None,
            html.P(source, className="source-line"),
        ],
        className="card explorer-strategy", **{"aria-labelledby": heading_id},
    )
