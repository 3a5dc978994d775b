"""Nytt i tallene: every published data version, newest first, with what it changed (new
periods, changed figures, sources added or updated), each indicator linking to its public
chart. Written from the log the ETL keeps at publish (boligsosial/ui/whats_new.py); the same
as an Atom feed at /nytt.atom. Linked from every page's footer; not in the menu.
"""
from __future__ import annotations

import dash
from dash import html

from boligsosial.text.i18n import language, t
from boligsosial.ui import components, whats_new
from boligsosial.warehouse import db

PATH = "/nytt"

dash.register_page(
    __name__,
    path=PATH,
    name="Nytt",
    title="Nytt i tallene – Boligsosial statistikk",
    description=("Hver publiserte versjon av tallene: når, hvilke indikatorer som fikk nye perioder eller endrede tall, "
                 "og hvilke kilder som ble oppdatert."),
    order=85,
    title_id="page.nytt.title",
    description_id="page.nytt.description",
)


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = language(lang)
    content: list = [
        html.H1(t("page.nytt.heading", lang)),
        html.P(t("page.nytt.intro", lang), className="lead"),
        html.P(html.A(t("page.nytt.feed", lang), href=components.href("/nytt.atom", lang), rel="alternate")),
    ]
    try:
        found = whats_new.releases(lang)
    except db.WarehouseUnavailable:
        return components.page(lang, PATH, content + [components.warehouse_missing()])
    if not found:
        content.append(html.P(t("page.nytt.none", lang)))
    content += [_release(release, lang) for release in found]
    return components.page(lang, PATH, content)


def _release(release: whats_new.Release, lang: str) -> html.Section:
    heading_id = f"{release.anchor}-heading"
    body: list = [html.P(t("page.nytt.version", lang, version=release.version), className="release-version")]
    if not release.compared:
        body.append(html.P(t("page.nytt.not_compared", lang)))
    elif release.first:
        body.append(html.P(t("page.nytt.first", lang)))
    elif not release.changed:
        body.append(html.P(t("page.nytt.unchanged", lang)))
    for heading, lines in (("nytt.indicators_heading", release.indicators), ("nytt.sources_heading", release.sources)):
        if lines:
            body += [html.H3(t(heading, lang)),
                     html.Ul([html.Li([html.A(name, href=href) if href else name, ": ", "; ".join(texts)])
                              for name, href, texts in whats_new.grouped(lines)])]
    return html.Section(
        [html.H2(release.when, id=heading_id), *body],
        id=release.anchor, className="card release", **{"aria-labelledby": heading_id},
    )
