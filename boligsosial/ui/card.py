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

The chart is the chart model (boligsosial/charts/) drawn as SVG on the server, the same drawing
as the public page and the images, with a text alternative built from its data; the table is a
real <table> of the same rows; downloads link to the data API with the card's own parameters,
so a CSV holds exactly what is shown, and the images are the public page's; the About panel is
written from the indicator and source rows in the warehouse, never from page code. Every choice is a URL parameter (tab-<card>, measure-<card>,
year-<card>), so reload and shared links restore the view.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence

from dash import html
from markupsafe import Markup

from boligsosial.charts import build, context, svg
from boligsosial.charts.model import Chart, Target, position
from boligsosial.domain import breakdowns, remarks, sources
from boligsosial.text.i18n import pick_text, t
from boligsosial.text.numbers import format_date, format_period, is_missing
from boligsosial.ui import links, tables
from boligsosial.ui.components import source_line
from boligsosial.ui.links import Series as Download
from boligsosial.ui.url_state import Choice, View
from boligsosial.warehouse import place_rows, series_rows, strategy_rows

Row = Mapping[str, Any]
Spec = Mapping[str, Any]

TABS = ("chart", "table", "download", "about")
DOWNLOAD_FORMATS = (("csv", "card.download_csv"), ("xlsx", "card.download_xlsx"))
IMAGE_FORMATS = (("png", "card.download_png"), ("svg", "card.download_svg"))


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
class Content:
    """What a loader hands to the frame: the chart and everything said about it."""

    chart: Chart
    table: Any
    rows: list[Row]  # every observation shown, for sources and the About panel
    indicators: dict[str, Row]  # catalogue rows of the indicators shown, in display order
    downloads: list[Download]  # one per indicator: exactly the rows the card shows
    shown: Download | None = None  # the series drawn: its public page and images
    below_chart: list = field(default_factory=list)  # what must be read with the chart (estimates' definitions)


# ------------------------------------------------------------------------------ the card


def chart_card(spec: Spec, lang: str, view: View, path: str) -> html.Section:
    content = LOADERS[spec["chart"]](spec, lang, view)
    card = spec["id"]
    base = f"card-{card}"
    title = pick_text(spec["title"], lang)
    selected = view.get(f"tab-{card}")
    source = source_line(content.rows, lang)
    panels = {
        "chart": _chart_panel(base, content),
        "table": [content.table],
        "download": _download_panel(content, lang),
        "about": _about_panel(content, lang),
    }
    return html.Section(
        id=base,
        className="card chart-card",
        **{"aria-labelledby": f"{base}-title", "data-card": card, "data-default-tab": TABS[0],
           "data-msg-copied": t("card.copied", lang)},
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
            # On paper, the address that gives this view again (the share box is not printed).
            html.P([t("card.print_link", lang), " ", html.A(view.url(path, fragment=base), href=view.url(path, fragment=base),
                                                           className="view-link", **{"data-keeps-view": ""})],
                   className="print-only"),
            html.P(className="visually-hidden card-status", role="status", **{"aria-live": "polite"}),
        ],
    )


def _chart_panel(base: str, content: Content) -> list:
    """The chart as SVG drawn on the server (boligsosial/charts/svg.py): a wide and a narrow
    drawing, CSS shows the one that fits. It needs no JavaScript, prints, and is the same
    drawing as the public page and the images."""
    frame = replace(svg.CARD, id_prefix=f"{base}-chart")
    if not content.chart.kind:  # nothing to draw: say so, not an empty frame
        return [html.P(content.chart.notice, className="notice notice-info chart-notice"), *content.below_chart]
    return [
        html.Div(
            [html.Div(Markup(svg.render(content.chart, frame)), className="chart-wide"),
             html.Div(Markup(svg.render(content.chart, svg.narrow(frame))), className="chart-narrow")],
            id=f"{base}-graph",
            className="card-graph",
        ),
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
            (m["id"], pick_text(m.get("label"), lang) or build.unit_heading(catalogue.get(m["indicator"], {}), lang))
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
    link = view.url(path, fragment=base)
    # The series shown, on its public page (/figur): to share or embed on its own.
    public_link = links.public_url(content.shown, lang) if content.shown else None
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


def _download_panel(content: Content, lang: str) -> list:
    """The card's figures as files (the data API, with exactly the card's rows), and the chart
    as an image: the public page's PNG and SVG of the series drawn, title and source written in."""
    items = []
    for download in content.downloads:
        indicator = content.indicators.get(download.indicator_id, {})
        name = indicator.get(f"title_{lang}") or download.indicator_id
        files = [html.A(t(text_id, lang), href=links.data_url(download, fmt, lang), download="", className="button",
                        **{"data-format": fmt}) for fmt, text_id in DOWNLOAD_FORMATS]
        items.append(html.Li([html.Span(name, className="download-name"), html.Span(_spaced(files), className="download-links")]))
    images = []
    if content.shown and content.chart.kind:
        images = [
            html.H4(t("card.download_image", lang)),
            html.P(_spaced([html.A(t(text_id, lang), href=links.public_url(content.shown, lang, fmt), download="",
                                   className="button", **{"data-format": fmt}) for fmt, text_id in IMAGE_FORMATS]),
                   className="export-buttons"),
        ]
    return [
        html.H4(t("card.download_data", lang)),
        html.Ul(items, className="downloads"),
        html.P(t("card.download_data_note", lang), className="download-note"),
        *images,
    ]


def _spaced(parts: list) -> list:
    spaced: list = []
    for part in parts:
        spaced += [" ", part] if spaced else [part]
    return spaced


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


# ------------------------------------------------------------------------------ loaders


def _measure(spec: Spec, view: View) -> Mapping[str, Any]:
    measures = spec["measures"]
    if len(measures) == 1:
        return measures[0]
    chosen = view.get(f"measure-{spec['id']}")
    return next(m for m in measures if m["id"] == chosen)


def _with_units(row: Row, indicator: Row) -> dict[str, Any]:
    return {**row, **build.unit_fields(indicator)}


def _line(spec: Spec, lang: str, view: View) -> Content:
    """Series over time: one indicator drawn (the measure chosen), all the card's measures in
    the table. The periods are the warehouse's: every period with a figure and every expected
    period without one (a row with no value and the reason), so a missing survey is on the
    axis, in the table and in the files alike."""
    region = str(spec.get("region", "0"))
    breakdown = str(spec.get("breakdown", ""))
    ids = [m["indicator"] for m in spec["measures"]]
    catalogue = series_rows.indicators(ids)
    found = {(r["indicator_id"], r["period"]): r for r in series_rows.card_rows(ids, [region], [breakdown])}
    periods = sorted({period for _, period in found}, key=position)

    def row(indicator_id: str, period: str) -> Row:
        indicator = catalogue.get(indicator_id, {"id": indicator_id})
        return found.get((indicator_id, period)) or build.stand_in(indicator, period)

    chosen = _measure(spec, view)["indicator"]
    indicator = catalogue.get(chosen, {"id": chosen})
    name = indicator.get(f"title_{lang}", chosen)
    title = pick_text(spec["title"], lang)
    chart = build.time_chart(
        indicator, title, lang, [(name, {p: row(chosen, p) for p in periods})],
        breaks=context.breaks(chosen, lang), bands=context.strategy_bands(lang),
        target=_target(spec.get("target"), lang), note=pick_text(spec.get("note"), lang), what=name,
    )
    columns = [tables.Column(build.unit_heading(catalogue.get(i, {}), lang)) for i in ids]
    table_rows = [tables.Row(tables.Cell(format_period(p, lang)), tuple(tables.cell(row(i, p), lang) for i in ids))
                  for p in periods]
    table = tables.data_table(t("table.caption", lang, title=title), t("table.period", lang), columns, table_rows, lang,
                              table_id=f"card-{spec['id']}-data")
    downloads = [Download(i, [region], [breakdown], [p for (j, p) in found if j == i]) for i in ids]
    return Content(
        chart=chart, table=table, rows=list(found.values()),
        indicators={i: catalogue[i] for i in ids if i in catalogue},
        downloads=downloads, shown=next(d for d in downloads if d.indicator_id == chosen),
    )


def _target(config: Mapping[str, Any] | None, lang: str) -> Target | None:
    if not config:
        return None
    target = strategy_rows.strategy_target(config["strategy"], config["target_no"])
    if target is None or target.get("target_value") is None:
        return None
    return Target(target["target_value"], pick_text({"nb": target["text_nb"], "nn": target.get("text_nn"), "en": target["text_en"]}, lang))


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
        for place in place_rows.regions_at(spec["level"], int(periods[0][:4])):
            if all(b.key != place["code"] for b in bars):
                bars.append(_Bar(place["code"], place["name"], place["code"], fixed))
        return bars, False
    if by:
        dims = [by] if isinstance(by, str) else list(by)
        for category in series_rows.categories(dims):
            label = category[f"label_{lang}"]
            if len(dims) > 1:
                label = f"{category[f'dimension_label_{lang}']}: {label[:1].lower() + label[1:]}"
            bars.append(_Bar(f"{category['dimension']}={category['code']}", label, region,
                             breakdowns.with_part(fixed, category["dimension"], category["code"])))
        return bars, False
    labels = {f"{c['dimension']}={c['code']}": c[f"label_{lang}"]
              for c in series_rows.categories({d for b in spec["bars"] for d in breakdowns.parse(b.get("breakdown", ""))})}
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
    catalogue = series_rows.indicators(ids)
    bars, keep_empty = _bar_list(spec, lang, periods)
    rows = series_rows.card_rows(ids, sorted({b.region for b in bars}), sorted({b.breakdown for b in bars}), periods)
    found = {(r["indicator_id"], r["region_code"], r["breakdown"], r["period"]): r for r in rows}
    if not keep_empty:
        bars = [b for b in bars if any((i, b.region, b.breakdown, p) in found for i in ids for p in periods)]
    for row in rows:  # for the About panel: which bar a remark is about
        bar = next((b for b in bars if (b.region, b.breakdown) == (row["region_code"], row["breakdown"])), None)
        row["_label"] = bar.label if bar else ""

    def row_for(indicator_id: str, bar: _Bar, period: str) -> Row:
        return found.get((indicator_id, bar.region, bar.breakdown, period)) or build.stand_in(
            catalogue.get(indicator_id, {"id": indicator_id}), period)

    chosen = _measure(spec, view)["indicator"]
    indicator = catalogue.get(chosen, {"id": chosen})
    several = len(periods) > 1
    title = pick_text(spec["title"], lang)
    period_text = ", ".join(format_period(p, lang) for p in periods)
    # With several years side by side, a year without a row for a category has no bar there.
    series = [(format_period(p, lang) if several else indicator.get(f"title_{lang}", chosen),
               {b.label: row_for(chosen, b, p) for b in bars if not several or (chosen, b.region, b.breakdown, p) in found}) for p in periods]
    chart = build.bar_chart(indicator, title, lang, [b.label for b in bars], series, period_text=period_text,
                            note=pick_text(spec.get("note"), lang))
    columns, cells = [], []
    for i in ids:
        for p in periods:
            heading = build.unit_heading(catalogue.get(i, {}), lang)
            columns.append(tables.Column(f"{heading}, {format_period(p, lang)}" if several else heading))
            cells.append((i, p))
    table_rows = [
        tables.Row(tables.Cell(b.label), tuple(tables.cell(row_for(i, b, p), lang) for i, p in cells)) for b in bars
    ]
    table = tables.data_table(t("table.caption_period", lang, title=title, period=period_text),
                              pick_text(spec.get("category_heading"), lang) or t("table.category", lang),
                              columns, table_rows, lang, table_id=f"card-{spec['id']}-data")
    downloads = [Download(i, sorted({b.region for b in bars}), [b.breakdown for b in bars], periods) for i in ids]
    return Content(
        chart=chart, table=table, rows=rows,
        indicators={i: catalogue[i] for i in ids if i in catalogue},
        downloads=downloads, shown=next(d for d in downloads if d.indicator_id == chosen),
    )


def _estimates(spec: Spec, lang: str, view: View) -> Content:
    """Estimates that rest on different definitions: each its own named point, ranges as
    bars from low to high, and a list saying what each one measures."""
    indicator_id = spec["measures"][0]["indicator"]
    catalogue = series_rows.indicators([indicator_id])
    indicator = catalogue.get(indicator_id, {"id": indicator_id})
    region = str(spec.get("region", "0"))
    fixed = str(spec.get("fixed", ""))
    dimension = spec["dimension"]
    key = {code: breakdowns.with_part(fixed, dimension, code)
           for code in [e["code"] for e in spec["estimates"]] + [c for r in spec.get("ranges", []) for c in (r["low"], r["high"])]}
    rows = series_rows.card_rows([indicator_id], [region], list(key.values()))
    by_key: dict[str, list[Row]] = {}
    for row in rows:
        by_key.setdefault(row["breakdown"], []).append(row)
    long_labels = {c["code"]: c[f"label_{lang}"] for c in series_rows.categories([dimension])}
    estimates, table_rows = [], []
    for entry in spec["estimates"]:
        short = pick_text(entry["short"], lang)
        for row in by_key.get(key[entry["code"]], []):
            row["_label"] = short
            estimates.append((short, row))
            table_rows.append((row["period"], tables.Row(
                tables.Cell(format_period(row["period"], lang)),
                (tables.Cell(long_labels.get(entry["code"], short)), tables.cell(row, lang)))))
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
                        (tables.Cell(row["_label"]), tables.cell(row, lang)))))
            if high is not None:
                ranges.append((short, low, high))
    table_rows.sort(key=lambda pair: pair[0])
    title = pick_text(spec["title"], lang)
    chart = build.estimate_chart(indicator, title, lang, estimates, ranges, note=pick_text(spec.get("note"), lang),
                                 what=indicator.get(f"title_{lang}", indicator_id))
    table = tables.data_table(
        t("table.caption", lang, title=title), t("table.period", lang),
        [tables.Column(t("table.estimate", lang), numeric=False), tables.Column(build.unit_heading(indicator, lang))],
        [row for _, row in table_rows], lang, table_id=f"card-{spec['id']}-data",
    )
    # What each estimate measures, in the chart's order (oldest first).
    first_year = {e.name: e.year for e in chart.estimates} | {r.name: r.year for r in chart.ranges}
    entries = sorted(spec["estimates"] + spec.get("ranges", []),
                     key=lambda entry: first_year.get(pick_text(entry["short"], lang), 9999))
    measures = html.Dl(
        [part for entry in entries
         for part in (html.Dt(pick_text(entry["short"], lang)), html.Dd(pick_text(entry.get("measures"), lang)))],
        className="estimate-list",
    )
    periods = sorted({r["period"] for r in rows})
    download = Download(indicator_id, [region], list(key.values()), periods)
    return Content(
        chart=chart, table=table, rows=rows, indicators=catalogue, downloads=[download], shown=download,
        below_chart=[html.H4(t("card.estimates_measure", lang)), measures],
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
    catalogue = series_rows.indicators([indicator_id, *also])
    indicator = catalogue.get(indicator_id, {"id": indicator_id})
    places = [(str(code), name) for code, name in spec["places"]]
    names = dict(places)
    rows = [dict(r, _label=names[r["region_code"]]) for r in spec["rows"] if r["region_code"] in names]
    used = [dict(r, _label=names[r["region_code"]]) for r in spec.get("also_rows", []) if r["region_code"] in names]
    periods = sorted({r["period"] for r in rows}, key=position)
    found = {(r["region_code"], r["period"]): r for r in rows}

    def row(code: str, period: str) -> Row:
        return found.get((code, period)) or build.stand_in(indicator, period)

    title = pick_text(spec["title"], lang)
    name = indicator.get(f"title_{lang}", indicator_id)
    chart = build.time_chart(indicator, title, lang, [(place, {p: row(code, p) for p in periods}) for code, place in places],
                             breaks=context.breaks(indicator_id, lang), bands=context.strategy_bands(lang), what=name)
    table = tables.data_table(
        t("table.caption", lang, title=title), t("table.period", lang),
        [tables.Column(place) for _, place in places],
        [tables.Row(tables.Cell(format_period(p, lang)), tuple(tables.cell(row(code, p), lang) for code, _ in places))
         for p in periods],
        lang, table_id=f"card-{spec['id']}-data",
    )
    downloads = [Download(i, [code for code, _ in places], [""], periods, spec.get("codes", "original"))
                 for i in [indicator_id, *also]]
    return Content(
        chart=chart, table=table, rows=rows + used,
        indicators={i: catalogue[i] for i in [indicator_id, *also] if i in catalogue},
        downloads=downloads, shown=downloads[0],
    )


LOADERS: dict[str, Callable[[Spec, str, View], Content]] = {
    "line": _line, "bar": _bars, "estimates": _estimates, "places": _places,
}
