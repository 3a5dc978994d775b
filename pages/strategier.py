"""Strategier: the national strategies side by side (goals, priority areas, result targets),
each goal with the indicators that bear on it and how they have moved since the strategy
began; the zero vision for homelessness against the actual counts; and a timeline of the
national strategies and their forerunners.

Strategies, goals and which indicators serve which goal come from the warehouse (loaded from
data/strategies.yaml); what the page shows is configured in data/pages/strategier.yaml; the
baseline/latest/direction rules are in boligsosial/domain/progress.py.
"""
from __future__ import annotations

from typing import Any, Mapping

import dash
from dash import html

from boligsosial.config import page_config
from boligsosial.domain import sources
from boligsosial.domain.progress import Progress, progress
from boligsosial.domain.remarks import flags
from boligsosial.domain.url_state import View
from boligsosial.text.i18n import pick_text, t
from boligsosial.text.numbers import format_date, format_period, value_parts
from boligsosial.ui import page_layout, tables
from boligsosial.warehouse import series_rows, strategy_rows

PATH = "/strategier"
CONFIG = "pages/strategier.yaml"

dash.register_page(
    __name__,
    path=PATH,
    name="Strategier",
    title="Strategier – Boligsosial statistikk",
    description="De nasjonale strategiene for boligsosialt arbeid: mål, innsatsområder, resultatmål og hvordan tallene har utviklet seg.",
    order=3,
    title_id="page.strategier.title",
    description_id="page.strategier.description",  # in the reader's language, for shared links
    name_id="page.strategier.name",
)

Row = Mapping[str, Any]


def layout(lang: str | None = None, **query) -> html.Div:
    config = page_config.load(CONFIG)
    view = page_layout.view_for(config, lang, query)
    return page_layout.compose(
        PATH, view, t("page.strategier.heading", view.lang), config.get("intro"), lambda v: _sections(config, v),
    )


def _sections(config: Mapping[str, Any], view: View) -> list:
    lang = view.lang
    strategies = {row["id"]: row for row in strategy_rows.strategy_timeline(["national"])}
    shown = [strategies[i] for i in config["strategies"] if i in strategies]
    return [
        html.Section(
            **{"aria-labelledby": "side-by-side"},
            children=[
                html.H2(t("strategy.side_by_side", lang), id="side-by-side"),
                html.P(t("strategy.baseline_rule", lang), className="context"),
                html.Div([_strategy(s, config, lang) for s in shown], className="strategies"),
            ],
        ),
        *page_layout.cards(config, view, PATH),
        _timeline(config, lang),
    ]


def _name(row: Row, lang: str) -> str:
    return pick_text({"nb": row["name_nb"], "nn": row.get("name_nn"), "en": row["name_en"]}, lang)


def _period(row: Row, lang: str) -> str:
    return t("strategy.period", lang, start=row["period_start"] or "", end=row["period_end"] or "")


def _strategy(strategy: Row, config: Mapping[str, Any], lang: str) -> html.Article:
    plan = strategy_rows.strategy_plan(strategy["id"])
    indicator_ids = list(dict.fromkeys(
        [g["indicator_id"] for g in plan["goal_indicators"]] + [x["indicator_id"] for x in plan["targets"] if x["indicator_id"]]
    ))
    catalogue = series_rows.indicators(indicator_ids)
    # Most indicators are read from their national total; a few (the disadvantaged estimates)
    # only exist as named estimates, listed per indicator in the page's configuration.
    series = config.get("series_breakdowns") or {}
    wanted = [""] + sorted({key for keys in series.values() for key in keys})
    rows: dict[str, list[Row]] = {}
    for row in series_rows.card_rows(indicator_ids, ["0"], wanted):
        if row["breakdown"] in series.get(row["indicator_id"], [""]):
            rows.setdefault(row["indicator_id"], []).append(row)
    heading_id = f"strategy-{strategy['id']}"
    meta = []
    if strategy.get("published"):
        meta.append(t("strategy.published", lang, date=format_date(strategy["published"], lang)))
    if strategy.get("publication_code"):
        meta.append(t("strategy.publication_code", lang, code=strategy["publication_code"]))
    if strategy.get("owners_nb"):
        meta.append(t("strategy.owners", lang, owners=strategy["owners_nb"].replace("; ", ", ")))
    goals = []
    for goal in plan["goals"]:
        ids = [g["indicator_id"] for g in plan["goal_indicators"] if g["goal_no"] == goal["goal_no"]]
        goals.append(html.Li([
            html.H4([html.Span(t("strategy.goal", lang, number=goal["goal_no"]) + ": ", className="goal-number"),
                     pick_text({"nb": goal["text_nb"], "nn": goal.get("text_nn"), "en": goal["text_en"]}, lang)]),
            _goal_table(strategy, goal["goal_no"], ids, catalogue, rows, config, lang) if ids
            else html.P(t("strategy.no_indicators", lang), className="context"),
        ], className="goal"))
    areas = [
        html.Li(pick_text({"nb": a["text_nb"], "nn": a.get("text_nn"), "en": a["text_en"]}, lang)
                + (f" ({t('strategy.goal', lang, number=a['goal_no']).lower()})" if a.get("goal_no") else ""))
        for a in plan["priority_areas"]
    ]
    targets = [_target(x, catalogue, rows, lang) for x in plan["targets"]]
    return html.Article(
        className="card strategy",
        **{"aria-labelledby": heading_id},
        children=[
            html.H3([_name(strategy, lang), " ", html.Span(f"({_period(strategy, lang)})", className="period")],
                    id=heading_id),
            html.P(" ".join(meta), className="context") if meta else None,
            _strategy_source(strategy, lang),
            html.H4(t("strategy.goals", lang), className="plan-heading"),
            html.Ol(goals, className="goals"),
            html.H4(t("strategy.priority_areas", lang), className="plan-heading"),
            html.Ol(areas),
            html.H4(t("strategy.targets", lang), className="plan-heading"),
            html.Ol(targets) if targets else html.P(t("strategy.no_targets", lang), className="context"),
        ],
    )


def _strategy_source(strategy: Row, lang: str) -> html.P | None:
    if not strategy.get("source_title"):
        return None
    title = html.A(strategy["source_title"], href=strategy["source_url"]) if strategy.get("source_url") else strategy["source_title"]
    return html.P([t("strategy.source", lang), f" {strategy['source_publisher']}, ", title, "."], className="source-line")


def _figure(row: Row | None, lang: str) -> tables.Cell:
    if row is None:
        return tables.Cell(t("status.missing", lang), missing=True)
    text = t("strategy.value_period", lang, value=value_parts(row, lang).text(), period=format_period(row["period"], lang))
    # Every figure names its source: numbered notes under the table, each source once.
    return tables.Cell(text, (*flags(row, lang), sources.source_text([row], lang)))


def _change(result: Progress, note: str, lang: str) -> tables.Cell:
    """The direction in words; why there is none goes under the table as a note, so the row
    stays short on a phone."""
    if note or result.reason:
        return tables.Cell(t("strategy.change.none", lang), (note or result.reason,))
    if result.direction == "none" and result.baseline is not None and result.latest is not None:
        return tables.Cell(t("strategy.change.none", lang), (t("strategy.bound_note", lang),))
    words = t(f"strategy.change.{result.direction}", lang)
    if result.direction == "about_same":
        return tables.Cell(words, (t("strategy.about_same_note", lang),))
    if result.wanted:
        words += ", " + t(f"strategy.wanted.{result.wanted}", lang)
    return tables.Cell(words)


def _goal_table(strategy: Row, goal_no: int, ids: list[str], catalogue: Mapping[str, Row],
                rows: Mapping[str, list[Row]], config: Mapping[str, Any], lang: str) -> html.Div:
    start = int(strategy["period_start"])
    notes = config.get("progress_notes") or {}
    body = []
    for indicator_id in ids:
        indicator = catalogue.get(indicator_id, {})
        result = progress(rows.get(indicator_id, []), start, indicator.get("better", "none"),
                          indicator.get(f"compare_{lang}") or "")
        body.append(tables.Row(
            tables.Cell(indicator.get(f"title_{lang}") or indicator_id),
            (_figure(result.baseline, lang), _figure(result.latest, lang),
             _change(result, pick_text(notes.get(indicator_id), lang), lang)),
        ))
    return tables.data_table(
        t("strategy.indicators_caption", lang, number=goal_no),
        t("strategy.col_indicator", lang),
        [tables.Column(t("strategy.col_baseline", lang, year=start), numeric=False),
         tables.Column(t("strategy.col_latest", lang), numeric=False),
         tables.Column(t("strategy.col_change", lang), numeric=False)],
        body, lang, table_id=f"goal-{strategy['id']}-{goal_no}",
    )


def _target(target: Row, catalogue: Mapping[str, Row], rows: Mapping[str, list[Row]], lang: str) -> html.Li:
    parts: list = [pick_text({"nb": target["text_nb"], "nn": target.get("text_nn"), "en": target["text_en"]}, lang)]
    indicator = catalogue.get(target.get("indicator_id") or "")
    if indicator:
        latest = progress(rows.get(indicator["id"], []), 9999, "none").latest
        figure = _figure(latest, lang).text
        source = sources.source_text([latest], lang) if latest else ""
        parts.append(html.Br())
        line = t("strategy.target_indicator", lang, indicator=indicator[f"title_{lang}"], latest=figure)
        if target.get("target_value") is not None:
            goal = value_parts({**indicator, "value": target["target_value"], "status": "", "qualifier": ""}, lang).text()
            line = t("strategy.target_value", lang, value=goal) + ". " + line
        parts.append(html.Span(line, className="target-status"))
        if source:
            parts += [html.Br(), html.Span(f"{source}.", className="target-source")]
    return html.Li(parts)


def _timeline(config: Mapping[str, Any], lang: str) -> html.Section:
    entries = strategy_rows.strategy_timeline(config.get("timeline_kinds", ["national"]))
    items = []
    for row in entries:
        source = [row["source_publisher"], ", ", html.A(row["source_title"], href=row["source_url"])] if row.get("source_url") else []
        items.append(html.Li([
            html.Span(_period(row, lang), className="timeline-period"),
            html.Span([html.Strong(_name(row, lang)), html.Br(), html.Span(t(f"strategy.kind.{row['kind']}", lang),
                                                                          className="timeline-kind")]),
            html.Span(source, className="timeline-source") if source else None,
        ], className=f"timeline-{row['kind']}"))
    return html.Section(
        className="card",
        **{"aria-labelledby": "timeline-heading"},
        children=[html.H2(t("strategy.timeline", lang), id="timeline-heading"), html.Ol(items, className="timeline")],
    )
