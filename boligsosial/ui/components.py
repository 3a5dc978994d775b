"""Building blocks every page composes: the page frame, headline tiles, the source line, the
notices (warehouse not built, URL parameters not understood) and the server-side HTML writer.
Charts are shown in the chart card (boligsosial/ui/card.py).

Components take the language and a piece of page config (from data/*.yaml) and fetch their
own numbers through `queries`; pages only arrange them and never see SQL.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping
from urllib.parse import urlencode

import dash
from dash import html

from boligsosial.domain import sources
from boligsosial.domain.remarks import flags
from boligsosial.text.i18n import LANGUAGES, language_switch, pick_text, t
from boligsosial.text.numbers import format_date, format_period, value_parts
from boligsosial.warehouse import db, series_rows

Row = Mapping[str, Any]


# ------------------------------------------------------------------------------ page frame


def href(path: str, lang: str) -> str:
    """A link to the page at `path` that keeps the reader's language (bokmål needs no
    parameter), under whatever prefix the app is served at."""
    url = dash.get_relative_path(path)
    return url if lang == "nb" else f"{url}?{urlencode({'lang': lang})}"


def page(lang: str, path: str, children: list, view: Any = None) -> html.Div:
    """The frame around every page: skip link, header with menu and language switch, the page's
    own content as <main>, and a footer naming the data version and the licence.

    Every page renders its own frame (rather than app.layout holding it) because the frame's
    texts depend on the language, which only the page's layout function gets from the URL.
    Given the page's `view` (url_state.View), the language switch keeps every other choice in
    the URL, so switching language shows the same view in the other language."""
    switch = language_switch(lang, lambda code: view.url(path, lang=code) if view is not None else href(path, code))
    return html.Div(
        className="site",
        children=[
            html.A(t("site.skip_link", lang), href="#main", className="skip-link"),
            html.Header(
                className="site-header",
                children=html.Div(
                    className="wrap site-header-inner",
                    children=[
                        html.A(t("site.name", lang), href=href("/", lang), className="site-name"),
                        html.Nav(
                            html.Ul(_menu(lang, path)),
                            className="site-nav",
                            **{"aria-label": t("site.nav_label", lang)},
                        ),
                        # Each language named in itself, and marked so, so a screen reader says it right.
                        html.Nav(
                            html.Ul([html.Li(html.A(
                                entry["name"],
                                href=entry["href"],
                                lang=entry["code"],
                                hrefLang=entry["code"],
                                className="lang-switch",
                                **({"aria-current": "true"} if entry["current"] else {}),
                                # assets/card.js keeps it in step when a tab changes the URL.
                                **({"data-keeps-view": ""} if view is not None else {}),
                            )) for entry in switch]),
                            className="lang-nav",
                            **{"aria-label": t("site.lang_label", lang)},
                        ),
                    ],
                ),
            ),
            # tabIndex -1 lets the skip link move keyboard focus here, not just scroll.
            html.Main(html.Div(children, className="wrap"), id="main", tabIndex="-1"),
            html.Footer(html.Div(_footer_lines(lang), className="wrap"), className="site-footer"),
        ],
    )


def _menu(lang: str, path: str) -> list:
    """One item per registered page that names itself in the menu (register_page(name_id=...)),
    in the pages' order; the current page is marked for screen readers and styling."""
    return [
        html.Li(
            html.A(
                t(entry["name_id"], lang),
                href=href(entry["path"], lang),
                **({"aria-current": "page"} if entry["path"] == path else {}),
            )
        )
        for entry in dash.page_registry.values()
        if entry.get("name_id")
    ]


def _footer_lines(lang: str) -> list:
    # The status page says when the data was last refreshed and whether the latest run failed.
    lines = [html.P(t("site.footer_licence", lang)),
             html.P(html.A(t("site.footer_status", lang), href=href("/status", lang))),
             _site_links(lang)]
    try:
        info = db.status()
    except db.WarehouseUnavailable:
        return lines
    built = format_date(info["built_at"], lang)
    return [html.P(t("site.footer_data", lang, version=info["data_version"], built=built))] + lines


# What a public body's site links from every page: what is new, accessibility, privacy.
SITE_LINKS = (("/nytt", "site.footer_whats_new"), ("/tilgjengelighet", "site.footer_accessibility"),
              ("/personvern", "site.footer_privacy"))


def _site_links(lang: str) -> html.P:
    links: list = []
    for path, text_id in SITE_LINKS:
        links += [" · "] if links else []
        links.append(html.A(t(text_id, lang), href=href(path, lang)))
    return html.P(links, className="site-links")


def rejected_parameters(names: Iterable[str], lang: str) -> html.Div | None:
    """A polite notice when the URL asked for something the page does not know (an old or
    mistyped link): what was set back to its default. Only the parameter names are repeated,
    never the values, which may be anything."""
    names = list(dict.fromkeys(names))
    if not names:
        return None
    return html.Div(
        html.P(t("params.rejected", lang, names=", ".join(f"«{name}»" if lang != "en" else f"“{name}”" for name in names))),
        className="notice notice-info",
        role="status",
    )


def warehouse_missing() -> html.Section:
    """Said in both languages, since a reader who cannot get numbers may not find the switch.
    The technical reason (with server paths) goes to /healthz and the logs, not to the public."""
    commands = html.Ul([html.Li(html.Code(command)) for command in db.BUILD_COMMANDS])
    return html.Section(
        className="notice notice-error",
        role="alert",
        children=[
            html.Div(
                lang=lang,
                children=[
                    html.H2(t("warehouse.missing_heading", lang)),
                    html.P(t("warehouse.missing_body", lang)),
                    commands,
                ],
            )
            for lang in LANGUAGES
        ],
    )


# ------------------------------------------------------------------------------ sources


def source_line(rows: Iterable[Row], lang: str) -> html.P | html.Div | None:
    """ "Kilde: <publisher>, <title>" with the title linking to the source and the publication
    date when the source gives one; several distinct sources become a list under "Kilder:", in
    the order met. None when no row names a source (callers then show nothing, not a label)."""
    seen: dict[str, Row] = {}
    for row in rows:
        if row.get("source_id") and row.get("source_title") and row["source_id"] not in seen:
            seen[row["source_id"]] = row
    if not seen:
        return None
    if len(seen) == 1:
        return html.P([t("source.label", lang), " ", *_source(next(iter(seen.values())), lang)], className="source-line")
    return html.Div(
        [html.P(t("source.label_many", lang)), html.Ul([html.Li(_source(row, lang)) for row in seen.values()])],
        className="source-line",
    )


def _source(row: Row, lang: str) -> list:
    parts: list = [f"{sources.publisher(row, lang)}, ", html.A(row["source_title"], href=row["source_url"])]
    if row.get("source_published"):
        parts.append(", " + t("source.published", lang, date=format_date(row["source_published"], lang)))
    return parts + ["."]


# ------------------------------------------------------------------------------ headline tiles


def _by_period(indicator_id: str, region: str, breakdown: str, periods: list[str]) -> dict[str, Row]:
    return {row["period"]: row for row in series_rows.observations(indicator_id, region, breakdown, periods)}


def _missing_row(period: str) -> Row:
    """A stand-in for a period the warehouse has no row for: shown as missing, never as 0."""
    return {"period": period, "value": None, "status": "..", "qualifier": ""}




def _value(row: Row, lang: str, class_name: str) -> html.P:
    parts = value_parts(row, lang)
    if parts.missing:
        return html.P(parts.number, className=f"{class_name} is-missing")
    children: list = []
    if parts.qualifier:
        children += [html.Span(parts.qualifier, className="qualifier"), " "]
    children.append(html.Span(parts.number, className="number"))
    if parts.unit:
        children += [" ", html.Span(parts.unit, className="unit")]
    return html.P(children, className=class_name)


def headline_tile(tile: Mapping[str, Any], lang: str) -> html.Section:
    """One headline card from its config entry (see data/headlines.yaml): each listed period's
    figure with qualifier, unit, rate, flags and source, in the order the config lists them.

    When every figure rests on the same sources, the source line is given once under the card
    instead of repeated under each figure."""
    region = str(tile.get("region", "0"))
    figures = tile["figures"]
    periods = [str(f["period"]) for f in figures]
    counts: dict[str, dict[str, Row]] = {}  # per breakdown, so each breakdown is one query
    for breakdown in {str(f.get("breakdown", tile.get("breakdown", ""))) for f in figures}:
        counts[breakdown] = _by_period(tile["indicator"], region, breakdown, periods)
    rate_id = tile.get("rate_indicator")
    rates = _by_period(rate_id, region, str(tile.get("breakdown", "")), periods) if rate_id else {}

    shown = []  # (figure config, count row, rate row or None)
    for figure in figures:
        period = str(figure["period"])
        breakdown = str(figure.get("breakdown", tile.get("breakdown", "")))
        shown.append((figure, counts[breakdown].get(period) or _missing_row(period), rates.get(period)))
    source_sets = {tuple(r["source_id"] for r in (row, rate) if r and r.get("source_id")) for _, row, rate in shown}
    shared_source = len(source_sets) == 1

    items = []
    for figure, row, rate in shown:
        label = pick_text(figure.get("label"), lang)
        heading = [html.Span(label, className="figure-label"), " "] if label else []
        children = [
            html.P(heading + [html.Span(format_period(row["period"], lang), className="period")], className="figure-period"),
            _value(row, lang, "figure-value"),
        ]
        if rate:
            children.append(_value(rate, lang, "figure-rate"))
        remarks = flags(row, lang) + (flags(rate, lang) if rate else [])
        if remarks:
            children.append(html.Ul([html.Li(remark) for remark in remarks], className="flags"))
        if not shared_source:
            children.append(source_line([r for r in (row, rate) if r], lang))
        items.append(html.Li(children, className="figure"))

    heading_id = f"tile-{tile['id']}"
    return html.Section(
        className="card tile",
        # Each card asks for room to set its figures side by side (see .tile in style.css).
        style={"--figures": str(len(figures))},
        **{"aria-labelledby": heading_id},
        children=[
            html.H2(pick_text(tile["title"], lang), id=heading_id),
            html.P(pick_text(tile.get("context"), lang), className="context") if tile.get("context") else None,
            html.P(pick_text(tile["warning"], lang), className="tile-warning") if tile.get("warning") else None,
            html.Ol(items, className="figures"),
            source_line([r for _, row, rate in shown for r in (row, rate) if r], lang) if shared_source else None,
            # Where the story continues: a page with the breakdowns and the method.
            html.P(html.A(pick_text(tile["more"]["text"], lang), href=href(tile["more"]["path"], lang)), className="more")
            if tile.get("more") else None,
        ],
    )


def switch(label: str, label_id: str, options: Iterable[tuple[str, str, str]], current: str,
           keeps_view: bool = False) -> html.Div:
    """A choice of views ("Vis: Personer | Per 1 000 innbyggere") as plain links, (value, text,
    href) each: it works without JavaScript and every view has its own address; the current one
    is marked aria-current. `keeps_view`: assets/card.js keeps the card's tab in these links."""
    return html.Div(
        [html.Span(label, id=label_id, className="switch-label"),
         html.Ul([html.Li(html.A(text, href=href, className="switch-option",
                                 **({"aria-current": "true"} if value == current else {}),
                                 **({"data-keeps-view": ""} if keeps_view else {})))
                  for value, text, href in options])],
        className="switch", role="group", **{"aria-labelledby": label_id},
    )
