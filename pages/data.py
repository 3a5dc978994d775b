"""Data: the catalogue of every indicator (definition, unit, sources, levels, periods, last
update, confidence), searchable with ?q=, with downloads of each indicator and of the whole
database, and a short account of the data API.

The search is a plain GET form, so it works without JavaScript: the server renders the
filtered list. Downloads are links to the API (boligsosial/web/api.py), which writes the files.
"""
from __future__ import annotations

import logging
from typing import Any

import dash
from dash import dcc, html

from boligsosial.domain import sources
from boligsosial.domain.selection import (
    MAX_SEARCH_LENGTH,
    Selection,
    SelectionError,
    parse_search,
)
from boligsosial.text.i18n import language, t
from boligsosial.text.numbers import format_date, format_period
from boligsosial.ui import components
from boligsosial.warehouse import catalogue_rows, db

logger = logging.getLogger(__name__)

PATH = "/data"
API = "/api/v1"
SEARCH_ID = "data-q"
# Display order of the topics; a topic not listed here comes after these, by id.
TOPICS = (
    "homelessness", "disadvantaged", "municipal_housing", "temporary_accommodation", "start_loans",
    "housing_allowance", "housing_conditions", "evictions", "population",
)
DOWNLOADS = (("csv", "CSV"), ("xlsx", "Excel (XLSX)"), ("parquet", "Parquet"))

dash.register_page(
    __name__,
    path=PATH,
    name="Data",
    title="Data og nedlasting – Boligsosial statistikk",
    description="Alle indikatorene med definisjon, kilde og siste oppdatering; nedlasting som CSV, Excel og Parquet, og et data-API.",
    order=60,
    title_id="page.data.title",
    description_id="page.data.description",  # in the reader's language, for shared links
    name_id="page.data.name",
)


def layout(lang: str | None = None, q: str | None = None, **_query) -> html.Div:
    lang = language(lang)
    content: list = [html.H1(t("page.data.heading", lang)), html.P(t("page.data.intro", lang), className="lead")]
    try:
        # Shortcuts first, the catalogue next, the longer account of the downloads and the API
        # last: on a phone the search is then within the first screen.
        content += [_shortcuts(lang), *_catalogue(lang, q), _overview(lang)]
    except db.WarehouseUnavailable as error:
        logger.warning("Data page without a warehouse: %s", error.message)
        content.append(components.warehouse_missing())
    return components.page(lang, PATH, content)


def _api(path: str) -> str:
    return dash.get_relative_path(API + path)


def _whole(lang: str) -> str:
    """The query that downloads an indicator whole: every region, period and breakdown."""
    return Selection(regions=None, lang=lang).query_string()


# ------------------------------------------------------------------------------ database and API


def _database(lang: str) -> str:
    return _api("/download/boligsosial.zip") + ("" if lang == "nb" else f"?lang={lang}")


def _shortcuts(lang: str) -> html.Ul:
    return html.Ul(
        [
            html.Li(html.A(t("page.data.whole_link", lang), href=_database(lang), className="data-download")),
            html.Li(html.A(t("page.data.api_heading", lang), href="#data-api")),
            html.Li(html.A(t("page.data.api_docs_link", lang), href=components.href("/data/api", lang))),
        ],
        className="data-shortcuts",
    )


def _overview(lang: str) -> html.Div:
    database = _database(lang)
    return html.Div(
        className="data-overview",
        children=[
            html.Section(
                className="card",
                **{"aria-labelledby": "data-whole"},
                children=[
                    html.H2(t("page.data.whole_heading", lang), id="data-whole"),
                    html.P(t("page.data.whole_body", lang)),
                    html.P(html.A(t("page.data.whole_link", lang), href=database, className="data-download")),
                    html.P(t("page.data.formats_note", lang), className="context"),
                ],
            ),
            html.Section(
                className="card",
                id="api",
                **{"aria-labelledby": "data-api"},
                children=[
                    html.H2(t("page.data.api_heading", lang), id="data-api"),
                    html.P(t("page.data.api_body", lang)),
                    html.P([t("page.data.api_example", lang), " ", html.Code(
                        f"{API}/indicators/homeless/data.csv?region=0&from=2012", className="data-example")]),
                    html.Ul([
                        html.Li(html.A(t("page.data.api_docs_link", lang), href=components.href("/data/api", lang))),
                        html.Li(html.A(t("page.data.api_openapi_link", lang), href=_api("/openapi.json"))),
                        html.Li(html.A(t("page.data.api_catalogue_link", lang), href=_api("/indicators"))),
                    ], className="data-links"),
                ],
            ),
        ],
    )


# ------------------------------------------------------------------------------ the catalogue


def _catalogue(lang: str, query: str | None) -> list:
    problem = None
    try:
        words = parse_search(query)
    except SelectionError as error:
        problem, words, query = error.message(lang), (), ""
    entries = catalogue_rows.catalogue(words)
    total = len(entries) if not words else len(catalogue_rows.catalogue())
    by_indicator: dict[str, list] = {}
    for source in catalogue_rows.indicator_sources():
        by_indicator.setdefault(source["indicator_id"], []).append(source)

    parts: list = [_search_form(lang, query or "", problem), _count(lang, len(entries), total, query or "")]
    topics = sorted({e["topic"] for e in entries}, key=lambda topic: (TOPICS.index(topic) if topic in TOPICS else len(TOPICS), topic))
    if len(topics) > 1:
        parts.append(html.Nav(
            html.Ul([html.Li(html.A(_topic(topic, lang), href=f"#topic-{topic}")) for topic in topics]),
            className="catalogue-topics",
            **{"aria-label": t("page.data.topics_label", lang)},
        ))
    for topic in topics:
        heading_id = f"topic-{topic}"
        parts.append(html.Section(
            className="catalogue-topic",
            **{"aria-labelledby": heading_id},
            children=[html.H2(_topic(topic, lang), id=heading_id)]
            + [_entry(e, by_indicator.get(e["id"], []), lang) for e in entries if e["topic"] == topic],
        ))
    return parts


def _search_form(lang: str, query: str, problem: str | None) -> html.Form:
    fields: list = [
        html.Label(t("page.data.search_label", lang), htmlFor=SEARCH_ID),
        html.P(t("page.data.search_hint", lang), id=f"{SEARCH_ID}-hint", className="catalogue-hint"),
        html.Div(
            className="catalogue-search-row",
            children=[
                dcc.Input(id=SEARCH_ID, name="q", type="search", value=query, maxLength=MAX_SEARCH_LENGTH,
                          autoComplete="off"),
                html.Button(t("page.data.search_button", lang), type="submit"),
            ],
        ),
    ]
    if lang != "nb":  # the language travels with the search
        fields.append(dcc.Input(type="hidden", name="lang", value=lang))
    if problem:
        fields.append(html.P(problem, className="notice notice-error", role="alert"))
    return html.Form(fields, action=dash.get_relative_path(PATH), method="get", role="search", className="catalogue-search")


def _count(lang: str, shown: int, total: int, query: str) -> html.P:
    if not query.strip():
        return html.P(t("page.data.count_all", lang, count=total), className="catalogue-count")
    if not shown:
        text = t("page.data.no_match", lang, query=query.strip())
    else:
        text = t("page.data.count_matching", lang, count=shown, total=total, query=query.strip())
    return html.P([text, " ", html.A(t("page.data.search_clear", lang), href=components.href(PATH, lang))],
                  className="catalogue-count")


def _topic(topic: str, lang: str) -> str:
    try:
        return t(f"topic.{topic}", lang)
    except KeyError:
        return topic


def _entry(entry: dict[str, Any], sources: list[dict], lang: str) -> html.Article:
    indicator_id = entry["id"]
    title = entry[f"title_{lang}"]
    heading_id = f"indicator-{indicator_id}"
    facts = [
        (t("page.data.field_definition", lang), entry[f"definition_{lang}"]),
        (t("page.data.field_unit", lang), entry[f"unit_label_{lang}"]),
    ]
    if entry.get("row_count"):
        facts += [
            (t("page.data.field_levels", lang), ", ".join(t(f"level.{level}", lang) for level in entry["levels_present"] or [])),
            (t("page.data.field_periods", lang), _periods(entry, lang)),
            (t("page.data.field_updated", lang), _updated(entry, lang)),
            (t("page.data.field_confidence", lang), _confidence(entry, lang)),
            (t("page.data.field_basis", lang), _basis(entry, lang)),
            (t("page.data.field_sources", lang), _sources(sources, lang)),
            (t("page.data.field_download", lang), _downloads(indicator_id, title, lang)),
        ]
    else:
        facts.append((t("page.data.field_periods", lang), t("page.data.no_data", lang)))
    children: list = [
        html.H3([title, " ", html.Code(indicator_id, className="catalogue-id")], id=heading_id),
        html.Dl([part for label, value in facts for part in (html.Dt(label), html.Dd(value))], className="catalogue-facts"),
    ]
    comparability = entry.get(f"comparability_{lang}")
    if comparability:
        children.append(html.Details([html.Summary(t("page.data.field_comparability", lang)), html.P(comparability)]))
    return html.Article(children, className="card catalogue-entry", **{"aria-labelledby": heading_id})


def _periods(entry: dict[str, Any], lang: str) -> str:
    first, last = format_period(entry["first_period"], lang), format_period(entry["last_period"], lang)
    span = first if first == last else f"{first}–{last}"
    if entry["row_count"] == 1:
        text = t("page.data.periods_one", lang, span=span)
    else:
        text = t("page.data.periods_value", lang, span=span, rows=entry["row_count"])
    if entry.get("missing_values"):
        text += " " + t("page.data.periods_missing", lang, missing=entry["missing_values"])
    return text


def _updated(entry: dict[str, Any], lang: str) -> str:
    fetched = format_date(entry.get("last_fetched"), lang)
    if entry.get("last_published"):
        return t("page.data.updated_value", lang, published=format_date(entry["last_published"], lang), fetched=fetched)
    return t("page.data.updated_fetched", lang, fetched=fetched)


def _confidence(entry: dict[str, Any], lang: str) -> str:
    high, medium = entry.get("confidence_h") or 0, entry.get("confidence_m") or 0
    if high + medium == 1:
        return t("page.data.confidence_one_h" if high else "page.data.confidence_one_m", lang)
    if not medium:
        return t("page.data.confidence_all_h", lang, count=high)
    if not high:
        return t("page.data.confidence_all_m", lang, count=medium)
    return t("page.data.confidence_mix", lang, high=high, medium=medium)


def _basis(entry: dict[str, Any], lang: str) -> str:
    """How many of the shown figures rest on a primary source, on a secondary one, or are derived."""
    return sources.basis(entry.get("figures_primary") or 0, entry.get("figures_secondary") or 0,
                         entry.get("figures_derived") or 0, lang)


# More sources than this are folded away behind "all N sources", so one indicator with many
# sources does not push the rest of the catalogue down.
SHOWN_SOURCES = 3


def _sources(sources: list[dict], lang: str) -> list:
    items = [_source(source, lang) for source in sources]
    if len(items) <= SHOWN_SOURCES + 1:
        return [html.Ul(items, className="catalogue-sources")]
    return [
        html.Ul(items[:SHOWN_SOURCES], className="catalogue-sources"),
        html.Details([
            html.Summary(t("page.data.more_sources", lang, count=len(items) - SHOWN_SOURCES)),
            html.Ul(items[SHOWN_SOURCES:], className="catalogue-sources"),
        ]),
    ]


def _source(source: dict, lang: str) -> html.Li:
    parts: list = [f"{source['publisher']}, ", html.A(source["title"], href=source["url"])]
    if source.get("published"):
        parts.append(", " + t("source.published", lang, date=format_date(source["published"], lang)))
    return html.Li(parts)


def _downloads(indicator_id: str, title: str, lang: str) -> html.Ul:
    query = _whole(lang)
    links = [
        html.Li(html.A(label, href=f"{_api(f'/indicators/{indicator_id}/data.{fmt}')}?{query}",
                       **{"aria-label": t("page.data.download_as", lang, title=title, format=label)}))
        for fmt, label in DOWNLOADS
    ]
    links.append(html.Li(html.A(t("page.data.metadata_link", lang), href=_api(f"/indicators/{indicator_id}"),
                                **{"aria-label": t("page.data.metadata_of", lang, title=title)})))
    return html.Ul(links, className="catalogue-downloads")
