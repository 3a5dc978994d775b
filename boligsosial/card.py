"""The chart card: the one component every chart on every page is shown in.

    chart_card(spec, lang, view, path) -> html.Section
    choices(spec)                     -> the URL parameters the card reads (url_state.Choice)

`spec` is one entry of a page's `cards:` list in data/headlines.yaml or data/pages/*.yaml
(the schema is described at the top of data/pages/bostedslose.yaml). A card has

    a heading and context          from the spec
    view switches                  count or rate ("measure"), which year ("year"): plain links
    four tabs                      Figur / Tabell / Last ned / Om tallene (Chart / Table /
                                   Download / About), an ARIA tab widget driven by
                                   assets/card.js; without JavaScript every panel shows as a
                                   section with its own heading
    a source line                  "Kilde: ..." under every chart
    a "Del / lenke" box            the link that reproduces exactly this view

The chart has a text alternative built from its data (boligsosial/alt_text.py); the table is a
real <table>; downloads link to the data API with the card's own parameters, so a CSV holds
exactly what is shown; the About panel is written from the indicator and source rows in the
warehouse, never from page code. Every choice is a URL parameter (tab-<card>, measure-<card>,
year-<card>), so reload and shared links restore the view.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import urlencode

import dash
import plotly.graph_objects as go
from dash import dcc, html

from boligsosial import alt_text, breakdowns, figures, queries, tables
from boligsosial.components import flags, source_line
from boligsosial.figures import Point, Series
from boligsosial.i18n import pick_text, t
from boligsosial.numbers import (
    format_date,
    format_period,
    format_range,
    format_short,
    is_missing,
    missing_text,
    value_parts,
)
from boligsosial.url_state import Choice, View

Row = Mapping[str, Any]
Spec = Mapping[str, Any]

TABS = ("chart", "table", "download", "about")
DATA_API = "/api/v1/indicators/{id}/data.{fmt}"
DOWNLOAD_FORMATS = (("csv", "card.download_csv"), ("xlsx", "card.download_xlsx"))


# ------------------------------------------------------------------------------ URL parameters


def choices(spec: Spec) -> list[Choice]:
    """The URL parameters this card reads, each with its allowed values (default first)."""
    card = spec["id"]
    found = [Choice(f"tab-{card}", TABS)]
    measures = spec.get("measures", [])
    if len(measures) > 1:
        found.append(Choice(f"measure-{card}", tuple(m["id"] for m in measures)))
    if spec.get("choose_period"):
        periods = [str(p) for p in spec["choose_period"]]
        # The latest year is the default; the others keep their order.
        found.append(Choice(f"year-{card}", (periods[-1], *periods[:-1])))
    return found


# ------------------------------------------------------------------------------ what a card holds


@dataclass
class Download:
    """One indicator's data API link parameters: exactly the series the card shows."""

    indicator_id: str
    regions: list[str]
    breakdowns: list[str]
    periods: list[str]
    codes: str = "original"  # "current": the series on today's region codes (the explorer's)


@dataclass
class Content:
    """What a loader hands to the frame: the figure and everything said about it."""

    figure: go.Figure
    alt: str
    table: Any
    rows: list[Row]  # every observation shown, for sources and the About panel
    indicators: dict[str, Row]  # catalogue rows of the indicators shown, in display order
    downloads: list[Download]
    height: int | None = None  # chart height in px when the figure decides it (bar charts)
    below_chart: list = field(default_factory=list)  # legends and notes under the chart


# ------------------------------------------------------------------------------ the card


def chart_card(spec: Spec, lang: str, view: View, path: str) -> html.Section:
    content = LOADERS[spec["chart"]](spec, lang, view)
    card = spec["id"]
    base = f"card-{card}"
    title = pick_text(spec["title"], lang)
    selected = view.get(f"tab-{card}")
    source = source_line(content.rows, lang)
    panels = {
        "chart": _chart_panel(base, content, lang),
        "table": [content.table],
        "download": _download_panel(base, title, content, lang, _source_text(content.rows, lang)),
        "about": _about_panel(content, lang),
    }
    return html.Section(
        id=base,
        className="card chart-card",
        **{"aria-labelledby": f"{base}-title", "data-card": card, "data-default-tab": TABS[0],
           "data-msg-copied": t("card.copied", lang), "data-msg-export": t("card.exporting", lang)},
        children=[
            html.H2(title, id=f"{base}-title"),
            html.P(pick_text(spec.get("context"), lang), className="context") if spec.get("context") else None,
            *_switches(spec, lang, view, path, base, content.indicators),
            html.Div(
                [
                    html.Button(
                        t(f"card.tab.{tab}", lang),
                        id=f"{base}-tab-{tab}",
                        type="button",
                        role="tab",
                        tabIndex="0" if tab == selected else "-1",
                        disable_n_clicks=True,
                        **{"aria-selected": "true" if tab == selected else "false", "aria-controls": f"{base}-{tab}",
                           "data-tab": tab},
                    )
                    for tab in TABS
                ],
                role="tablist",
                className="card-tabs",
                **{"aria-label": t("card.tabs_label", lang, title=title)},
            ),
            *[
                html.Div(
                    [html.H3(t(f"card.tab.{tab}", lang), className="panel-heading"), *panels[tab]],
                    id=f"{base}-{tab}",
                    role="tabpanel",
                    className=f"card-panel panel-{tab}",
                    hidden=tab != selected,
                    # The chart panel holds nothing focusable, so it takes focus itself (APG tabs).
                    tabIndex="0" if tab == "chart" else None,
                    **{"aria-labelledby": f"{base}-tab-{tab}"},
                )
                for tab in TABS
            ],
            source,
            _share(base, lang, view, path, spec, content),
            html.P(className="visually-hidden card-status", role="status", **{"aria-live": "polite"}),
        ],
    )


def _chart_panel(base: str, content: Content, lang: str) -> list:
    style = {"height": f"{content.height}px"} if content.height else None
    return [
        # role=img gives assistive technology the text alternative instead of the SVG's loose
        # tick labels; the table tab carries the numbers themselves.
        html.Div(
            dcc.Graph(
                id=f"{base}-graph",
                figure=content.figure,
                config={"displayModeBar": False, "responsive": True},
                className="card-graph-canvas",
            ),
            role="img",
            className="card-graph needs-js",
            style=style,
            **{"aria-label": content.alt},
        ),
        # Without JavaScript there is no chart: say what it would show, and where the numbers are.
        html.P([content.alt, " ", t("card.no_js_chart", lang)], className="no-js-only chart-summary"),
        *content.below_chart,
    ]


def _switches(spec: Spec, lang: str, view: View, path: str, base: str, catalogue: Mapping[str, Row]) -> list:
    """Count or rate, and which year: links to the same page with one parameter changed, so
    they work without JavaScript and every view has its own address."""
    card = spec["id"]
    groups = []
    measures = spec.get("measures", [])
    if len(measures) > 1:
        options = [
            (m["id"], pick_text(m.get("label"), lang) or _unit_heading(catalogue.get(m["indicator"], {}), lang))
            for m in measures
        ]
        groups.append(_switch(t("card.switch_measure", lang), f"measure-{card}", options, view, path, base))
    if spec.get("choose_period"):
        options = [(str(p), format_period(str(p), lang)) for p in spec["choose_period"]]
        groups.append(_switch(t("card.switch_period", lang), f"year-{card}", options, view, path, base))
    return groups


def _switch(label: str, param: str, options: list[tuple[str, str]], view: View, path: str, base: str) -> html.Div:
    label_id = f"{base}-{param.split('-')[0]}-label"
    current = view.get(param)
    return html.Div(
        [
            html.Span(label, id=label_id, className="switch-label"),
            html.Ul(
                [
                    html.Li(
                        html.A(
                            text,
                            href=view.url(path, fragment=base, **{param: value}),
                            className="switch-option",
                            **({"aria-current": "true"} if value == current else {}),
                            **{"data-keeps-view": ""},
                        )
                    )
                    for value, text in options
                ]
            ),
        ],
        className="switch",
        role="group",
        **{"aria-labelledby": label_id},
    )


def _share(base: str, lang: str, view: View, path: str, spec: Spec, content: Content) -> html.Details:
    from boligsosial import public  # imports this module

    link = view.url(path, fragment=base)
    # The measure shown, on its public page (/figur): to share or embed on its own.
    chosen = _measure(spec, view)["indicator"] if spec.get("measures") else None
    shown = next((d for d in content.downloads if chosen in (None, d.indicator_id)), None)
    public_link = shown and public.public_url(shown.indicator_id, shown.regions, shown.breakdowns, shown.periods, lang,
                                              shown.codes)
    return html.Details(
        className="share",
        children=[
            html.Summary(t("card.share", lang)),
            html.P(t("card.share_intro", lang)),
            html.P(html.A(link, href=link, className="share-link", **{"data-keeps-view": ""})),
            html.Button(
                t("card.copy", lang), type="button", className="button needs-js", disable_n_clicks=True,
                **{"data-copy-link": base},
            ),
            html.P(html.A(t("figur.card_link", lang), href=public_link, className="public-link")) if public_link else None,
        ],
    )


def _download_panel(base: str, title: str, content: Content, lang: str, source_text: str) -> list:
    items = []
    for download in content.downloads:
        indicator = content.indicators.get(download.indicator_id, {})
        name = indicator.get(f"title_{lang}") or download.indicator_id
        links: list = []
        for fmt, text_id in DOWNLOAD_FORMATS:
            if links:
                links.append(" ")
            links.append(
                html.A(t(text_id, lang), href=download_url(download, fmt, lang), download="", className="button",
                       **{"data-format": fmt})
            )
        items.append(html.Li([html.Span(name, className="download-name"), html.Span(links, className="download-links")]))
    return [
        html.H4(t("card.download_data", lang)),
        html.Ul(items, className="downloads"),
        html.P(t("card.download_data_note", lang), className="download-note"),
        html.Div(
            className="needs-js",
            children=[
                html.H4(t("card.download_image", lang)),
                html.P(
                    [
                        html.Button(
                            t(f"card.download_{fmt}", lang),
                            type="button",
                            className="button",
                            disable_n_clicks=True,
                            **{"data-export": fmt, "data-graph": f"{base}-graph", "data-title": title,
                               "data-source": source_text, "data-filename": base.removeprefix("card-")},
                        )
                        for fmt in ("png", "svg")
                    ],
                    className="export-buttons",
                ),
            ],
        ),
    ]


def download_url(download: Download, fmt: str, lang: str) -> str:
    """The data API link for one indicator with the card's selection: regions, the period range
    shown, the breakdown keys shown (`total` for the total) and the language."""
    periods = sorted(download.periods)
    params = {"region": ",".join(download.regions)}
    if periods:
        params |= {"from": periods[0], "to": periods[-1]}
    params |= {"breakdown": ",".join(b or "total" for b in download.breakdowns)}
    if download.codes != "original":
        params["codes"] = download.codes
    params["lang"] = lang
    path = dash.get_relative_path(DATA_API.format(id=download.indicator_id, fmt=fmt))
    return f"{path}?{urlencode(params)}"


def _about_panel(content: Content, lang: str) -> list:
    """Definition, unit, comparability, sources with dates, and how sure each figure is: all
    from the warehouse's indicator and source rows."""
    children: list = []
    for indicator_id, indicator in content.indicators.items():
        rows = [r for r in content.rows if r["indicator_id"] == indicator_id]
        facts: list = [
            html.Dt(t("about.definition", lang)),
            html.Dd(indicator.get(f"definition_{lang}") or ""),
            html.Dt(t("about.unit", lang)),
            html.Dd(_unit_heading(indicator, lang)),
        ]
        if indicator.get(f"comparability_{lang}"):
            facts += [html.Dt(t("about.comparability", lang)), html.Dd(indicator[f"comparability_{lang}"])]
        facts += [html.Dt(t("about.sources", lang)), html.Dd(_sources(rows, lang))]
        facts += [html.Dt(t("about.confidence", lang)), html.Dd(_confidence(rows, lang))]
        notes = [r for r in rows if r.get("note")]
        if notes:
            # The notes are kept as the curators wrote them, in English: marked so, for screen readers.
            facts += [
                html.Dt(t("about.notes", lang)),
                html.Dd(html.Ul([html.Li([f"{_where(r, lang)}: ", html.Span(r["note"], lang="en")]) for r in notes])),
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
        parts: list = [f"{row['source_publisher']}, "]
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
        lines.append(html.P([f"{_where(row, lang)}: {t('figure.derived', lang)}: ", html.Span(row.get("derivation") or "", lang="en")]))
    return lines


def _where(row: Row, lang: str) -> str:
    """Which figure a remark is about: its period, and its breakdown or region when the card
    shows several."""
    label = row.get("_label")
    return f"{format_period(row['period'], lang)}{f' ({label})' if label else ''}"


def _source_text(rows: Sequence[Row], lang: str) -> str:
    """The source as one line of plain text, for exported images."""
    names = []
    for row in rows:
        if row.get("source_title"):
            name = f"{row['source_publisher']}, {row['source_title']}"
            if name not in names:
                names.append(name)
    if not names:
        return ""
    return t("source.label" if len(names) == 1 else "source.label_many", lang) + " " + "; ".join(names)


# ------------------------------------------------------------------------------ loaders


def _measure(spec: Spec, view: View) -> Mapping[str, Any]:
    measures = spec["measures"]
    if len(measures) == 1:
        return measures[0]
    chosen = view.get(f"measure-{spec['id']}")
    return next(m for m in measures if m["id"] == chosen)


def _stand_in(indicator: Row, period: str, expected: Mapping[str, Any]) -> dict[str, Any]:
    """A row for a period the warehouse has nothing for: missing (never 0), with the reason
    the page config gives for it when it knows one (a survey not yet published)."""
    known = expected.get(period) or {}
    return {
        "indicator_id": indicator.get("id"), "period": period, "value": None,
        "status": known.get("status", ".."), "qualifier": "", "unit": indicator.get("unit"),
        "decimals": indicator.get("decimals"), "unit_label_nb": indicator.get("unit_label_nb"),
        "unit_label_en": indicator.get("unit_label_en"), "_expected_note": known.get("note"),
    }


def _point(row: Row, x: Any, lang: str, name: str = "") -> Point:
    # A figure that is not there has no derivation or confidence to flag.
    row_flags = [] if is_missing(row.get("value")) else flags(row, lang)
    what = f"{name}, " if name else ""
    hover = f"{what}{format_period(row['period'], lang)}: {value_parts(row, lang).text()}"
    if row_flags:
        hover += " (" + "; ".join(row_flags) + ")"
    value = row.get("value")
    return Point(x, None if is_missing(value) else float(value), format_short(row, lang), hover, bool(row_flags))


def _cell(row: Row, lang: str) -> tables.Cell:
    missing = is_missing(row.get("value"))
    notes = [] if missing else list(flags(row, lang))
    if missing and row.get("_expected_note"):
        notes.append(pick_text(row["_expected_note"], lang))
    elif missing:
        notes.append(t("table.missing_note", lang, text=missing_text(row.get("status"), lang)))
    return tables.Cell(format_short(row, lang), tuple(notes), missing)


def _year(period: str) -> float:
    """A period as a position on a time axis: 2020 -> 2020, 2022-01 -> 2022.0."""
    year = int(period[:4])
    if len(period) == 7 and period[4] == "-" and period[5:].isdigit():
        return year + (int(period[5:]) - 1) / 12
    return year


def _what(text: str) -> str:
    """A title as the subject of a sentence ("Bostedsløse" -> "bostedsløse"), but not acronyms."""
    return text[:1].lower() + text[1:] if len(text) > 1 and not text[1].isupper() else text


def _unit_heading(indicator: Row, lang: str) -> str:
    label = indicator.get(f"unit_label_{lang}") or indicator.get(f"title_{lang}", "")
    return label[:1].upper() + label[1:]


def _bands(kinds: Sequence[str], lang: str) -> list[figures.Band]:
    found = []
    for kind in kinds:
        for row in queries.strategies(kind):
            found.append(figures.Band(row["period_start"], row["period_end"], pick_text(
                {"nb": row["name_nb"], "en": row["name_en"]}, lang), kind))
    return sorted(found, key=lambda band: band.start)


def _bands_legend(bands: Sequence[figures.Band], lang: str) -> html.P | None:
    if not bands:
        return None
    items: list = [t("card.bands", lang), " "]
    for number, (band, colour) in enumerate(zip(bands, figures.band_colours(bands))):
        if number:
            items.append("; ")
        items += [html.Span(className="swatch", style={"background": colour}), f"{band.name} ({band.start}–{band.end})"]
    items.append(".")
    return html.P(items, className="marks-legend")


def _flag_legend(points: Sequence[Any], lang: str, markers: bool = True) -> html.P | None:
    """What * (and an open marker) on the chart means, when the chart has any."""
    if any(getattr(p, "flagged", False) for p in points):
        return html.P(t("card.flag_legend" if markers else "card.flag_legend_bars", lang), className="flag-legend")
    return None


def _line(spec: Spec, lang: str, view: View) -> Content:
    """Series over time: one indicator drawn (the measure chosen), all the card's measures in
    the table, every listed period present (missing ones labelled)."""
    region = str(spec.get("region", "0"))
    breakdown = str(spec.get("breakdown", ""))
    periods = [str(p) for p in spec["periods"]]
    expected = spec.get("expected") or {}
    ids = [m["indicator"] for m in spec["measures"]]
    catalogue = queries.indicators(ids)
    found = {(r["indicator_id"], r["period"]): r for r in queries.card_rows(ids, [region], [breakdown], periods)}

    def row(indicator_id: str, period: str) -> Row:
        return found.get((indicator_id, period)) or _stand_in(catalogue.get(indicator_id, {"id": indicator_id}), period, expected)

    chosen = _measure(spec, view)["indicator"]
    indicator = catalogue.get(chosen, {})
    name = indicator.get(f"title_{lang}", chosen)
    series = [Series(name, tuple(_point(row(chosen, p), _year(p), lang) for p in periods))]
    bands = _bands(spec.get("marks", []), lang)
    target = _target(spec.get("target"), lang)
    note = pick_text(spec.get("note"), lang)
    figure = figures.line_over_time(
        series, lang, axis=figures.axis_format(indicator.get("unit", ""), indicator.get("decimals") or 0, lang),
        bands=bands, target=target, note=note,
    )
    columns = [tables.Column(_unit_heading(catalogue.get(i, {}), lang)) for i in ids]
    table_rows = [
        tables.Row(tables.Cell(format_period(p, lang)), tuple(_cell(row(i, p), lang) for i in ids)) for p in periods
    ]
    title = pick_text(spec["title"], lang)
    table = tables.data_table(t("table.caption", lang, title=title), t("table.period", lang), columns, table_rows, lang,
                              table_id=f"card-{spec['id']}-data")
    alt = alt_text.line(_what(name), series, lang) + (f" {note}" if note else "")
    if target is not None:
        alt += " " + t("alt.target", lang, label=target.label)
    shown = list(found.values())
    return Content(
        figure=figure, alt=alt, table=table, rows=shown,
        indicators={i: catalogue[i] for i in ids if i in catalogue},
        downloads=[Download(i, [region], [breakdown], periods) for i in ids],
        below_chart=[_bands_legend(bands, lang), _flag_legend(series[0].points, lang)],
    )


def _target(config: Mapping[str, Any] | None, lang: str) -> figures.Target | None:
    if not config:
        return None
    target = queries.strategy_target(config["strategy"], config["target_no"])
    if target is None or target.get("target_value") is None:
        return None
    return figures.Target(target["target_value"], pick_text({"nb": target["text_nb"], "en": target["text_en"]}, lang))


@dataclass
class _Bar:
    key: str
    label: str
    region: str
    breakdown: str


def _bar_list(spec: Spec, lang: str, periods: Sequence[str]) -> tuple[list[_Bar], bool]:
    """The bars a card asks for, and whether to keep bars that have no value (only when the
    config lists them one by one: categories of a dimension without a value that year are
    simply not among that year's categories)."""
    region = str(spec.get("region", "0"))
    fixed = str(spec.get("fixed", ""))
    bars: list[_Bar] = []
    if spec.get("total"):
        bars.append(_Bar("total", pick_text(spec["total"], lang), region, fixed))
    by = spec.get("by")
    if by == "region":
        for place in queries.regions_at(spec["level"], int(periods[0][:4])):
            if all(b.key != place["code"] for b in bars):
                bars.append(_Bar(place["code"], place["name"], place["code"], fixed))
        return bars, False
    if by:
        dims = [by] if isinstance(by, str) else list(by)
        for category in queries.categories(dims):
            label = category[f"label_{lang}"]
            if len(dims) > 1:
                label = f"{category[f'dimension_label_{lang}']}: {label[:1].lower() + label[1:]}"
            bars.append(_Bar(f"{category['dimension']}={category['code']}", label, region,
                             breakdowns.with_part(fixed, category["dimension"], category["code"])))
        return bars, False
    labels = {f"{c['dimension']}={c['code']}": c[f"label_{lang}"]
              for c in queries.categories({d for b in spec["bars"] for d in breakdowns.parse(b.get("breakdown", ""))})}
    for bar in spec["bars"]:
        key = str(bar.get("breakdown", ""))
        last_part = key.split("|")[-1] if key else ""
        bars.append(_Bar(key or "total", pick_text(bar.get("label"), lang) or labels.get(last_part, key), region, key))
    return bars, True


def _bars(spec: Spec, lang: str, view: View) -> Content:
    """Bars by category (a dimension's categories, regions, or listed breakdowns) for one year
    (chosen or fixed), or for a few years side by side."""
    if spec.get("group_periods"):
        periods = [str(p) for p in spec["group_periods"]]
    elif spec.get("choose_period"):
        periods = [view.get(f"year-{spec['id']}")]
    else:
        periods = [str(spec["period"])]
    ids = [m["indicator"] for m in spec["measures"]]
    catalogue = queries.indicators(ids)
    bars, keep_empty = _bar_list(spec, lang, periods)
    rows = queries.card_rows(ids, sorted({b.region for b in bars}), sorted({b.breakdown for b in bars}), periods)
    found = {(r["indicator_id"], r["region_code"], r["breakdown"], r["period"]): r for r in rows}
    if not keep_empty:
        bars = [b for b in bars if any((i, b.region, b.breakdown, p) in found for i in ids for p in periods)]
    for row in rows:  # for the About panel: which bar a remark is about
        bar = next((b for b in bars if (b.region, b.breakdown) == (row["region_code"], row["breakdown"])), None)
        row["_label"] = bar.label if bar else ""

    def row_for(indicator_id: str, bar: _Bar, period: str) -> Row:
        return found.get((indicator_id, bar.region, bar.breakdown, period)) or _stand_in(
            catalogue.get(indicator_id, {"id": indicator_id}), period, spec.get("expected") or {})

    chosen = _measure(spec, view)["indicator"]
    indicator = catalogue.get(chosen, {})
    several = len(periods) > 1
    series = [
        Series(format_period(p, lang) if several else indicator.get(f"title_{lang}", chosen),
               tuple(_point(row_for(chosen, b, p), b.label, lang, b.label) for b in bars))
        for p in periods
    ]
    labels = [b.label for b in bars]
    note = pick_text(spec.get("note"), lang)
    figure = figures.bar_by_category(
        labels, series, lang, axis=figures.axis_format(indicator.get("unit", ""), indicator.get("decimals") or 0, lang),
        note=note,
    )
    columns, cells = [], []
    for i in ids:
        for p in periods:
            heading = _unit_heading(catalogue.get(i, {}), lang)
            columns.append(tables.Column(f"{heading}, {format_period(p, lang)}" if several else heading))
            cells.append((i, p))
    table_rows = [
        tables.Row(tables.Cell(b.label), tuple(_cell(row_for(i, b, p), lang) for i, p in cells)) for b in bars
    ]
    title = pick_text(spec["title"], lang)
    period_text = ", ".join(format_period(p, lang) for p in periods)
    table = tables.data_table(t("table.caption_period", lang, title=title, period=period_text),
                              pick_text(spec.get("category_heading"), lang) or t("table.category", lang),
                              columns, table_rows, lang, table_id=f"card-{spec['id']}-data")
    alt = alt_text.bars(_what(title), period_text, labels, series, lang) + (f" {note}" if note else "")
    return Content(
        figure=figure, alt=alt, table=table, rows=rows,
        indicators={i: catalogue[i] for i in ids if i in catalogue},
        downloads=[Download(i, sorted({b.region for b in bars}), [b.breakdown for b in bars], periods) for i in ids],
        height=figures.bar_chart_height(labels, len(series), note),
        below_chart=[_flag_legend([p for s in series for p in s.points], lang, markers=False)],
    )


def _estimates(spec: Spec, lang: str, view: View) -> Content:
    """Estimates that rest on different definitions: each its own named point, ranges as
    whiskers, and a list saying what each one measures."""
    indicator_id = spec["measures"][0]["indicator"]
    catalogue = queries.indicators([indicator_id])
    indicator = catalogue.get(indicator_id, {})
    region = str(spec.get("region", "0"))
    fixed = str(spec.get("fixed", ""))
    dimension = spec["dimension"]
    key = {code: breakdowns.with_part(fixed, dimension, code)
           for code in [e["code"] for e in spec["estimates"]] + [c for r in spec.get("ranges", []) for c in (r["low"], r["high"])]}
    rows = queries.card_rows([indicator_id], [region], list(key.values()))
    by_key: dict[str, list[Row]] = {}
    for row in rows:
        by_key.setdefault(row["breakdown"], []).append(row)
    long_labels = {c["code"]: c[f"label_{lang}"] for c in queries.categories([dimension])}
    points, table_rows = [], []
    for entry in spec["estimates"]:
        short = pick_text(entry["short"], lang)
        for row in by_key.get(key[entry["code"]], []):
            row["_label"] = short
            points.append(figures.Estimate(
                x=int(row["period"][:4]), y=None if is_missing(row["value"]) else float(row["value"]), name=short,
                label=format_short(row, lang), flagged=bool(flags(row, lang)),
                hover=f"{long_labels.get(entry['code'], short)}, {format_period(row['period'], lang)}: "
                      f"{value_parts(row, lang).text()}",
            ))
            table_rows.append((row["period"], tables.Row(
                tables.Cell(format_period(row["period"], lang)),
                (tables.Cell(long_labels.get(entry["code"], short)), _cell(row, lang)))))
    ranges = []
    for entry in spec.get("ranges", []):
        short = pick_text(entry["short"], lang)
        lows, highs = by_key.get(key[entry["low"]], []), by_key.get(key[entry["high"]], [])
        for low in lows:
            high = next((h for h in highs if h["period"] == low["period"]), None)
            for row in (low, high):
                if row is not None:
                    row["_label"] = f"{short}: {long_labels.get(entry['low' if row is low else 'high'], '')}"
                    table_rows.append((row["period"], tables.Row(
                        tables.Cell(format_period(row["period"], lang)),
                        (tables.Cell(row["_label"]), _cell(row, lang)))))
            if high is None or is_missing(low["value"]) or is_missing(high["value"]):
                continue
            label = format_range(low["value"], high["value"], indicator.get("decimals") or 0, lang)
            ranges.append(figures.EstimateRange(
                x=int(low["period"][:4]), low=float(low["value"]), high=float(high["value"]), name=short, label=label,
                hover=f"{short}, {format_period(low['period'], lang)}: {label} {indicator.get(f'unit_label_{lang}', '')}",
            ))
    table_rows.sort(key=lambda pair: pair[0])
    note = pick_text(spec.get("note"), lang)
    figure = figures.estimates(
        points, lang, ranges=ranges, note=note,
        axis=figures.axis_format(indicator.get("unit", ""), indicator.get("decimals") or 0, lang),
    )
    title = pick_text(spec["title"], lang)
    table = tables.data_table(
        t("table.caption", lang, title=title), t("table.period", lang),
        [tables.Column(t("table.estimate", lang), numeric=False), tables.Column(_unit_heading(indicator, lang))],
        [row for _, row in table_rows], lang, table_id=f"card-{spec['id']}-data",
    )
    # What each estimate measures, in the chart's order (oldest first).
    first_year = {e.name: e.x for e in points} | {r.name: r.x for r in ranges}
    entries = sorted(spec["estimates"] + spec.get("ranges", []),
                     key=lambda entry: first_year.get(pick_text(entry["short"], lang), 9999))
    measures = html.Dl(
        [part for entry in entries
         for part in (html.Dt(pick_text(entry["short"], lang)), html.Dd(pick_text(entry.get("measures"), lang)))],
        className="estimate-list",
    )
    alt = alt_text.estimates(_what(indicator.get(f"title_{lang}", indicator_id)), points, ranges, lang)
    periods = sorted({r["period"] for r in rows})
    return Content(
        figure=figure, alt=alt, table=table, rows=rows, indicators=catalogue,
        height=figures.estimates_height(points, ranges, note),
        downloads=[Download(indicator_id, [region], list(key.values()), periods)],
        below_chart=[html.H4(t("card.estimates_measure", lang)), measures, _flag_legend(points, lang)],
    )


def _places(spec: Spec, lang: str, view: View) -> Content:
    """One indicator over time for several places, a line each (a place against its county
    and the country, or places side by side). The page hands in the rows (`rows`, which may
    hold rates it computed and marked derived) and the places to draw, in order (`places`:
    code and name pairs); `codes` says which region codes the download links ask for;
    `also_download` names indicators a computed rate was computed from, with their rows in
    `also_rows` (offered for download and described under About, as the figures rest on them)."""
    indicator_id = spec["indicator"]
    also = list(spec.get("also_download", []))
    catalogue = queries.indicators([indicator_id, *also])
    indicator = catalogue.get(indicator_id, {"id": indicator_id})
    places = [(str(code), name) for code, name in spec["places"]]
    names = dict(places)
    rows = [dict(r, _label=names[r["region_code"]]) for r in spec["rows"] if r["region_code"] in names]
    used = [dict(r, _label=names[r["region_code"]]) for r in spec.get("also_rows", []) if r["region_code"] in names]
    periods = sorted({r["period"] for r in rows})
    found = {(r["region_code"], r["period"]): r for r in rows}

    def row(code: str, period: str) -> Row:
        return found.get((code, period)) or _stand_in(indicator, period, {})

    series = [Series(name, tuple(_point(row(code, p), _year(p), lang, name) for p in periods)) for code, name in places]
    figure = figures.line_over_time(
        series, lang, axis=figures.axis_format(indicator.get("unit", ""), indicator.get("decimals") or 0, lang))
    title = pick_text(spec["title"], lang)
    table = tables.data_table(
        t("table.caption", lang, title=title), t("table.period", lang),
        [tables.Column(name) for _, name in places],
        [tables.Row(tables.Cell(format_period(p, lang)), tuple(_cell(row(code, p), lang) for code, _ in places))
         for p in periods],
        lang, table_id=f"card-{spec['id']}-data",
    )
    name = indicator.get(f"title_{lang}", indicator_id)
    return Content(
        figure=figure, alt=alt_text.line(_what(name), series, lang), table=table, rows=rows + used,
        indicators={i: catalogue[i] for i in [indicator_id, *also] if i in catalogue},
        downloads=[Download(i, [code for code, _ in places], [""], periods, spec.get("codes", "original"))
                   for i in [indicator_id, *also]],
        below_chart=[_flag_legend([p for s in series for p in s.points], lang)],
    )


LOADERS: dict[str, Callable[[Spec, str, View], Content]] = {
    "line": _line, "bar": _bars, "estimates": _estimates, "places": _places,
}
