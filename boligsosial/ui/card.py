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
written from the indicator and source rows in the warehouse, never from page code. Every
choice is a URL parameter (tab-<card>, measure-<card>, year-<card>), so reload and shared links
restore the view.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from dash import html
from markupsafe import Markup

from boligsosial.charts import build, svg
from boligsosial.domain.url_state import Choice, View
from boligsosial.text.i18n import pick_text, t
from boligsosial.text.numbers import format_period
from boligsosial.ui import card_about, links
from boligsosial.ui.card_content import LOADERS, Content
from boligsosial.ui.components import source_line, switch

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
        "about": card_about.about_panel(content, lang),
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
    links = [(value, text, view.url(path, fragment=base, **{param: value})) for value, text in options]
    return switch(label, f"{base}-{param.split('-')[0]}-label", links, view.get(param), keeps_view=True)


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
