"""Personvern: what the site stores about a visitor. No cookies, no tracking, no third-party
content; the server's access log (what gunicorn writes for each request) and how long it is
kept. The text is data/pages/personvern.yaml; who runs the site, data/pages/nettsted.yaml.
Linked from every page's footer; not in the menu.
"""
from __future__ import annotations

import dash
from dash import html

from boligsosial.config import page_config
from boligsosial.text.i18n import language, pick_text, t
from boligsosial.ui import components, contact, notices

PATH = "/personvern"
CONFIG = "pages/personvern.yaml"

dash.register_page(
    __name__,
    path=PATH,
    name="Personvern",
    title="Personvern – Boligsosial statistikk",
    description=("Hva nettstedet lagrer om deg: ingen informasjonskapsler og ingen sporing, "
                 "bare serverlogger som slettes etter en fast tid."),
    order=92,
    title_id="page.personvern.title",
    description_id="page.personvern.description",
)


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = language(lang)
    config = page_config.load(CONFIG)
    content: list = [html.H1(t("page.personvern.heading", lang)), html.P(pick_text(config["intro"], lang), className="lead"),
                     *notices.warehouse_missing()]
    for number, section in enumerate(config["sections"]):
        heading_id = f"privacy-{number}"
        body: list = [html.H2(pick_text(section["heading"], lang), id=heading_id)]
        body += [html.P(pick_text(paragraph, lang)) for paragraph in section.get("paragraphs", [])]
        if section.get("log"):  # the server logs: what each line holds and how long it is kept
            body += [html.P(t("page.personvern.log_fields_heading", lang)),
                     html.Ul([html.Li(pick_text(field, lang)) for field in config["log_fields"]]),
                     html.P(t("page.personvern.retention", lang, days=config["retention_days"]))]
        body += [html.P(html.A(pick_text(link["text"], lang), href=link["url"])) for link in section.get("links", [])]
        content.append(html.Section(body, className="card prose", **{"aria-labelledby": heading_id}))
    content.append(contact.section(lang))
    return components.page(lang, PATH, content)
