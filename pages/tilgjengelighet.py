"""Tilgjengelighetserklæring: the accessibility statement, set out as the statements on
uustatus.no are: how far the site meets the requirements (WCAG 2.1 A and AA, as the Norwegian
regulations require of public bodies), the content that does not, with what it means and when
it will be fixed, how the site is tested, how to report a problem, and where to complain.

The text and the list of known issues are data/pages/tilgjengelighet.yaml. The list is kept
true by tests/browser/test_site_pages.py: a violation axe-core finds that the list does not
name fails the tests. Linked from every page's footer; not in the menu.
"""
from __future__ import annotations

from typing import Any, Mapping

import dash
from dash import html

from boligsosial.config import page_config
from boligsosial.text.i18n import language, pick_text, t
from boligsosial.text.numbers import format_date
from boligsosial.ui import components, contact, notices

PATH = "/tilgjengelighet"
CONFIG = "pages/tilgjengelighet.yaml"

dash.register_page(
    __name__,
    path=PATH,
    name="Tilgjengelighet",
    title="Tilgjengelighetserklæring – Boligsosial statistikk",
    description=("Hvordan nettstedet følger kravene til universell utforming (WCAG 2.1 AA), hvordan det er testet, "
                 "hva som ikke er i orden ennå og hvordan du melder fra."),
    order=91,
    title_id="page.tilgjengelighet.title",
    description_id="page.tilgjengelighet.description",
)


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = language(lang)
    config = page_config.load(CONFIG)
    issues = config.get("known_issues") or []
    content = [
        html.H1(t("page.tilgjengelighet.heading", lang)),
        html.P(pick_text(config["intro"], lang), className="lead"),
        *notices.warehouse_missing(),
        _status(issues, int(config["requirements"]), lang),
        _issues(issues, lang),
        _section("testing", t("page.tilgjengelighet.testing_heading", lang),
                 [html.P(pick_text(paragraph, lang)) for paragraph in config["testing"]]),
        _section("feedback", t("page.tilgjengelighet.feedback_heading", lang), [html.P(pick_text(config["feedback"], lang))]),
        contact.section(lang),
        _section("complaint", t("page.tilgjengelighet.complaint_heading", lang), [
            html.P(pick_text(config["complaint"], lang)),
            html.Ul([html.Li(html.A(pick_text(link["text"], lang), href=link["url"])) for link in config.get("links", [])]),
        ]),
        html.P(t("page.tilgjengelighet.updated", lang, date=format_date(str(config["reviewed"]), lang)), className="reviewed"),
    ]
    return components.page(lang, PATH, content)


def breached(issues: list[Mapping[str, Any]]) -> list[str]:
    """The success criteria not met, each once, in the standard's order."""
    return sorted({str(issue["criterion"]) for issue in issues}, key=lambda c: tuple(int(part) for part in c.split(".")))


def _status(issues: list, total: int, lang: str) -> html.Section:
    count = len(breached(issues))
    return _section("status", t("page.tilgjengelighet.status_heading", lang), [
        html.P(t("page.tilgjengelighet.status_partial" if count else "page.tilgjengelighet.status_no_known", lang)),
        html.P(t("page.tilgjengelighet.breaches", lang, count=count, total=total) if count
               else t("page.tilgjengelighet.no_breaches", lang, total=total)),
    ])


def _issues(issues: list, lang: str) -> html.Section:
    if not issues:
        return _section("issues", t("page.tilgjengelighet.issues_heading", lang), [html.P(t("page.tilgjengelighet.no_issues", lang))])
    items = []
    for issue in sorted(issues, key=lambda i: tuple(int(p) for p in str(i["criterion"]).split("."))):
        items.append(html.Li([
            html.H3(f"{issue['criterion']} {pick_text(issue['name'], lang)}"),
            html.P(pick_text(issue["what"], lang)),
            html.Dl([
                html.Dt(t("page.tilgjengelighet.issue_where", lang)), html.Dd(pick_text(issue["where"], lang)),
                html.Dt(t("page.tilgjengelighet.issue_consequence", lang)), html.Dd(pick_text(issue["consequence"], lang)),
                html.Dt(t("page.tilgjengelighet.issue_fix", lang)), html.Dd(format_date(str(issue["fix_by"]), lang)),
            ], className="issue-facts"),
        ], className="known-issue"))
    return _section("issues", t("page.tilgjengelighet.issues_heading", lang), [html.Ul(items, className="known-issues")])


def _section(name: str, heading: str, body: list) -> html.Section:
    return html.Section([html.H2(heading, id=f"{name}-heading"), *body], className="card prose",
                        **{"aria-labelledby": f"{name}-heading"})
