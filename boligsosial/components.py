"""Building blocks every page composes: the page frame, headline tiles, the source line, the
small trend card (chart + the same numbers as a table), and the notice shown when the
warehouse is not built.

Components take the language and a piece of page config (from data/*.yaml) and fetch their
own numbers through `queries`; pages only arrange them and never see SQL.
"""
from __future__ import annotations

from html import escape
from typing import Any, Iterable, Mapping
from urllib.parse import urlencode

import dash
import plotly.graph_objects as go
from dash import dcc, html

from boligsosial import queries
from boligsosial.i18n import pick_text, t
from boligsosial.numbers import format_date, format_period, is_missing, value_parts

Row = Mapping[str, Any]

# Colours chosen for contrast on white: line and text over 4.5:1, the strategy bands faint
# enough that the line stays readable on top of them.
INK = "#1a1a1a"
LINE = "#1d4f91"
BANDS = ["rgba(29, 79, 145, 0.10)", "rgba(176, 96, 0, 0.13)"]  # alternate, so neighbours differ


# ------------------------------------------------------------------------------ page frame


def href(path: str, lang: str) -> str:
    """A link to the page at `path` that keeps the reader's language (bokmål needs no
    parameter), under whatever prefix the app is served at."""
    url = dash.get_relative_path(path)
    return url if lang == "nb" else f"{url}?{urlencode({'lang': lang})}"


def page(lang: str, path: str, children: list) -> html.Div:
    """The frame around every page: skip link, header with menu and language switch, the page's
    own content as <main>, and a footer naming the data version and the licence.

    Every page renders its own frame (rather than app.layout holding it) because the frame's
    texts depend on the language, which only the page's layout function gets from the URL."""
    other = "en" if lang == "nb" else "nb"
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
                        # Named in its own language, and marked so, so a screen reader says it right.
                        html.A(
                            t("site.lang_switch", lang),
                            href=href(path, other),
                            lang=other,
                            hrefLang=other,
                            className="lang-switch",
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
    lines = [html.P(t("site.footer_licence", lang))]
    try:
        info = queries.status()
    except queries.WarehouseUnavailable:
        return lines
    built = format_date(info["built_at"], lang)
    return [html.P(t("site.footer_data", lang, version=info["data_version"], built=built))] + lines


def warehouse_missing() -> html.Section:
    """Said in both languages, since a reader who cannot get numbers may not find the switch.
    The technical reason (with server paths) goes to /healthz and the logs, not to the public."""
    commands = html.Ul([html.Li(html.Code(command)) for command in queries.BUILD_COMMANDS])
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
            for lang in ("nb", "en")
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
    parts: list = [f"{row['source_publisher']}, ", html.A(row["source_title"], href=row["source_url"])]
    if row.get("source_published"):
        parts.append(", " + t("source.published", lang, date=format_date(row["source_published"], lang)))
    return parts + ["."]


# ------------------------------------------------------------------------------ figures


def _by_period(indicator_id: str, region: str, breakdown: str, periods: list[str]) -> dict[str, Row]:
    return {row["period"]: row for row in queries.observations(indicator_id, region, breakdown, periods)}


def _missing_row(period: str) -> Row:
    """A stand-in for a period the warehouse has no row for: shown as missing, never as 0."""
    return {"period": period, "value": None, "status": "..", "qualifier": ""}


def _flags(row: Row, lang: str) -> list[str]:
    """Why a reader should weigh this number differently: it was derived, or rests on a
    secondary source."""
    flags = []
    if row.get("derived"):
        derivation = (row.get("derivation") or "").rstrip(". ")
        flags.append(t("figure.derived", lang) + (f": {derivation}" if derivation else ""))
    if row.get("confidence") == "M":
        flags.append(t("figure.confidence_m", lang))
    return flags


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
        flags = _flags(row, lang) + (_flags(rate, lang) if rate else [])
        if flags:
            children.append(html.Ul([html.Li(flag) for flag in flags], className="flags"))
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
            html.Ol(items, className="figures"),
            source_line([r for _, row, rate in shown for r in (row, rate) if r], lang) if shared_source else None,
        ],
    )


# ------------------------------------------------------------------------------ trend card


def trend_figure(rows: list[Row], lang: str, marks: list[Row] = ()) -> go.Figure:
    """A small line chart of one series over the listed periods. Missing periods break the line
    and are labelled; strategy periods are shaded (and named in the card's HTML, where the
    names can wrap on a phone). Built with graph_objects: plotly.express is ten times slower."""
    years = [int(row["period"][:4]) for row in rows]
    values = [None if is_missing(row.get("value")) else row["value"] for row in rows]
    hover = [f"{format_period(row['period'], lang)}: {value_parts(row, lang).text()}" for row in rows]
    figure = go.Figure(
        go.Scatter(
            x=years,
            y=values,
            mode="lines+markers",
            line={"color": LINE, "width": 2.5},
            marker={"color": LINE, "size": 9},
            connectgaps=False,
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
        )
    )
    for row, year, value in zip(rows, years, values):
        if value is None:
            figure.add_annotation(
                x=year, y=0, text=value_parts(row, lang).number, showarrow=False,
                yshift=14, font={"size": 11, "color": INK},
            )
    for number, mark in enumerate(marks):
        figure.add_vrect(
            x0=mark["period_start"] - 0.45, x1=mark["period_end"] + 0.45,
            fillcolor=BANDS[number % len(BANDS)], line_width=0, layer="below",
        )
    decimal_sign, thousands = (",", " ") if lang == "nb" else (".", ",")
    figure.update_layout(
        separators=decimal_sign + thousands,
        margin={"l": 56, "r": 12, "t": 12, "b": 32},
        autosize=True,  # the height comes from the stylesheet, smaller on phones
        showlegend=False,
        plot_bgcolor="white",
        paper_bgcolor="white",
        font={"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13, "color": INK},
        hoverlabel={"font": {"size": 14}},
    )
    # Automatic year ticks (not one per survey) stay readable at phone width; the survey
    # years are on the markers, in the hover text and in the table.
    figure.update_xaxes(tickformat="d", showgrid=False, linecolor="#6b6b6b", ticks="outside")
    figure.update_yaxes(rangemode="tozero", tickformat=",d", gridcolor="#e3e3e3", zeroline=True, zerolinecolor="#6b6b6b")
    return figure


def _alt_text(title: str, rows: list[Row], lang: str) -> str:
    points = ", ".join(
        t("trend.alt_point", lang, value=value_parts(row, lang).text(), period=format_period(row["period"], lang))
        for row in rows
    )
    return t("trend.alt", lang, title=title, points=points)


def _cell(row: Row, lang: str) -> str:
    """A table cell: the number with its qualifier; the unit is in the column heading."""
    parts = value_parts(row, lang)
    return " ".join(part for part in (parts.qualifier, parts.number) if part)


def _marks_legend(marks: list[Row], lang: str) -> html.P | None:
    if not marks:
        return None
    items: list = [t("trend.marks", lang), " "]
    for number, mark in enumerate(marks):
        if number:
            items.append(", ")
        items += [
            html.Span(className="swatch", style={"background": BANDS[number % len(BANDS)]}),
            f"{pick_text({'nb': mark['name_nb'], 'en': mark['name_en']}, lang)} ({mark['period_start']}–{mark['period_end']})",
        ]
    items.append(".")
    return html.P(items, className="marks-legend")


def _data_table(rows: list[Row], rates: dict[str, Row], indicator: Row, rate_indicator: Row | None, lang: str) -> list:
    """The chart's numbers as a real table. Flags (derived, secondary source) become numbered
    notes under the table rather than a column of their own, so the table fits a phone."""
    header = [html.Th(t("trend.col_period", lang), scope="col"), html.Th(_column_title(indicator, lang), scope="col", className="num")]
    if rate_indicator:
        header.append(html.Th(_column_title(rate_indicator, lang), scope="col", className="num"))
    notes: list[str] = []  # one note per row that has flags; rows with the same flags share it
    body = []
    for row in rows:
        rate = rates.get(row["period"])
        period_cell: list = [format_period(row["period"], lang)]
        note = "; ".join(_flags(row, lang) + (_flags(rate, lang) if rate else []))
        if note:
            if note not in notes:
                notes.append(note)
            period_cell += [
                " ",
                html.Sup([html.Span(t("trend.note_ref", lang), className="visually-hidden"), str(notes.index(note) + 1)]),
            ]
        cells = [html.Th(period_cell, scope="row"), html.Td(_cell(row, lang), className="num")]
        if rate_indicator:
            cells.append(html.Td(_cell(rate or _missing_row(row["period"]), lang), className="num"))
        body.append(html.Tr(cells))
    table = html.Table(
        [html.Caption(t("trend.caption", lang)), html.Thead(html.Tr(header)), html.Tbody(body)],
        className="data-table",
    )
    note_list = html.Ol([html.Li(note) for note in notes], className="table-notes") if notes else None
    return [table, note_list]


def _column_title(indicator: Row, lang: str) -> str:
    """A short column heading: the unit ("Personer", "Per 1 000 innbyggere"), since the card's
    heading already says what is counted."""
    label = indicator.get(f"unit_label_{lang}") or indicator.get(f"title_{lang}", "")
    return label[:1].upper() + label[1:]


def trend_card(trend: Mapping[str, Any], lang: str) -> html.Section:
    """A chart of one series with a text alternative, the same numbers in a real table, and
    the sources under it. The table is not optional: it is how keyboard and screen-reader users
    (and anyone who wants the exact numbers) read the chart."""
    region = str(trend.get("region", "0"))
    breakdown = str(trend.get("breakdown", ""))
    periods = [str(p) for p in trend["periods"]]
    counts = _by_period(trend["indicator"], region, breakdown, periods)
    rows = [counts.get(p) or _missing_row(p) for p in periods]
    rate_id = trend.get("rate_indicator")
    rates = _by_period(rate_id, region, breakdown, periods) if rate_id else {}
    marks = queries.strategies(trend["marks"]) if trend.get("marks") else []
    title = pick_text(trend["title"], lang)
    indicator = queries.indicator(trend["indicator"]) or {}
    rate_indicator = queries.indicator(rate_id) if rate_id else None

    heading_id = f"trend-{trend['id']}"
    return html.Section(
        className="card trend",
        **{"aria-labelledby": heading_id},
        children=[
            html.H2(title, id=heading_id),
            html.P(pick_text(trend.get("context"), lang), className="context") if trend.get("context") else None,
            # role=img hands assistive technology the text alternative instead of the SVG's
            # loose tick labels; the table below carries the numbers themselves.
            html.Div(
                dcc.Graph(
                    figure=trend_figure(rows, lang, marks),
                    config={"displayModeBar": False, "responsive": True},
                    className="trend-graph-canvas",
                ),
                role="img",
                className="trend-graph needs-js",
                **{"aria-label": _alt_text(title, rows, lang)},
            ),
            _marks_legend(marks, lang),
            html.Div(_data_table(rows, rates, indicator, rate_indicator, lang), className="table-scroll"),
            source_line(list(counts.values()) + list(rates.values()), lang),
        ],
    )


# ------------------------------------------------------------------------------ static HTML
#
# The server writes each page's layout into the HTML it sends, so the figures are readable
# before (and without) JavaScript; Dash then renders the same tree over it. Only what pages
# use is covered: Dash's html.* elements, dcc.Link as a plain link, dcc.Graph as its empty
# box (the table next to every chart carries its numbers), other dcc components as nothing.

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# React prop names that differ from the HTML attribute names.
_ATTRIBUTE = {"className": "class", "htmlFor": "for", "tabIndex": "tabindex", "colSpan": "colspan",
              "rowSpan": "rowspan", "hrefLang": "hreflang", "accessKey": "accesskey"}
# Dash-only props that are not attributes at all.
_NOT_ATTRIBUTES = {"children", "n_clicks", "n_clicks_timestamp", "disable_n_clicks", "loading_state", "key", "setProps"}


def static_html(node: Any) -> str:
    """HTML for a Dash component tree (or a string, number, list, or None)."""
    if node is None or isinstance(node, bool):
        return ""
    if isinstance(node, (str, int, float)):
        return escape(str(node), quote=False)
    if isinstance(node, (list, tuple)):
        return "".join(static_html(child) for child in node)
    spec = node.to_plotly_json()  # set props only, including aria-* and data-* ones
    props = {name: value for name, value in spec["props"].items() if value is not None}
    namespace, kind = spec["namespace"], spec["type"]
    if namespace == "dash_html_components":
        tag = kind.removesuffix("El").lower()  # html.ObjectEl -> <object>, html.Label -> <label>
    elif kind == "Link":
        tag = "a"
    elif kind == "Graph":
        tag, props = "div", {k: v for k, v in props.items() if k in ("id", "className", "style")}
    else:
        return ""
    attributes = "".join(_attribute(name, value) for name, value in props.items() if name not in _NOT_ATTRIBUTES)
    if tag in _VOID:
        return f"<{tag}{attributes}>"
    return f"<{tag}{attributes}>{static_html(props.get('children'))}</{tag}>"


def _attribute(name: str, value: Any) -> str:
    if value is False:
        return ""
    name = _ATTRIBUTE.get(name, name)
    if value is True:
        return f" {name}"
    if isinstance(value, dict) and name == "style":
        value = ";".join(f"{_kebab(key)}:{_css_value(v)}" for key, v in value.items())
    return f' {name}="{escape(str(value), quote=True)}"'


def _kebab(name: str) -> str:
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in name)


def _css_value(value: Any) -> str:
    # React adds px to bare numbers in style props; the same here so both renderings match.
    return f"{value}px" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
