"""The data API for people: every route with what it gives, its parameters and an example,
written from data/openapi.yaml (the same description programs read at /api/v1/openapi.json),
so the page and the API cannot drift apart. Reached from the Data page; not in the menu.
"""
from __future__ import annotations

from typing import Any

import dash
from dash import html

from boligsosial.config import api_description
from boligsosial.text.i18n import language, t
from boligsosial.ui import components
from boligsosial.warehouse import db

PATH = "/data/api"

dash.register_page(
    __name__,
    path=PATH,
    name="Data-API",
    title="Data-API – Boligsosial statistikk",
    description="Slik henter du tallene over HTTP: adresser, parametere, formater og feilmeldinger.",
    order=61,
    title_id="page.data_api.title",
    description_id="page.data_api.description",  # in the reader's language, for shared links
)

# Responses every route may give, in the order a reader meets them.
STATUSES = (("304", "NotModified"), ("400", "BadRequest"), ("404", "NotFound"), ("413", "TooLarge"), ("503", "Unavailable"))


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = language(lang)
    document = api_description.document()
    content: list = [
        html.H1(t("page.data_api.heading", lang)),
        html.P(_with_code(_text(document["info"], "description", lang)), className="lead"),
        html.Ul([
            html.Li(html.A(t("page.data.api_openapi_link", lang), href=dash.get_relative_path(api_description.PREFIX + "/openapi.json"))),
            html.Li(html.A(t("page.data_api.back", lang), href=components.href("/data", lang))),
        ], className="data-links"),
    ]
    try:
        db.status()
    except db.WarehouseUnavailable:
        # The description does not need the data, but every route but this one would answer 503.
        content.append(components.warehouse_missing())
    content.append(html.H2(t("page.data_api.routes", lang)))
    for path, item in document["paths"].items():
        content.append(_route(path, item["get"], document, lang))
    content += [
        html.H2(t("page.data_api.responses", lang)),
        html.Dl(
            [part for status, name in STATUSES
             for part in (html.Dt(html.Code(status)), html.Dd(_text(document["components"]["responses"][name], "description", lang)))],
            className="catalogue-facts",
        ),
        html.P(t("page.data_api.errors", lang)),
        # Wider than a phone: it scrolls, so it is reachable by keyboard and named.
        html.Pre(html.Code('{"error": {"status": 400, "message_nb": "…", "message_nn": "…", "message_en": "…", "parameter": "from"}}'),
                 tabIndex="0", role="region", **{"aria-label": t("page.data_api.errors", lang)}),
    ]
    return components.page(lang, PATH, [html.Div(content, className="api-page")])


def _route(path: str, operation: dict[str, Any], document: dict[str, Any], lang: str) -> html.Section:
    heading_id = "route-" + operation["operationId"]
    children: list = [
        html.H3(html.Code(f"GET {api_description.PREFIX}{path}"), id=heading_id),
        html.P(_text(operation, "summary", lang), className="route-summary"),
    ]
    if operation.get("description"):
        children.append(html.P(_with_code(_text(operation, "description", lang))))
    parameters = [_resolve(p, document) for p in operation.get("parameters", [])]
    if parameters:
        # A box that can scroll must be reachable by keyboard, and named (as boligsosial/ui/tables.py does).
        children.append(html.Div(_parameters(parameters, lang), className="table-scroll", tabIndex="0", role="region",
                                 **{"aria-label": f"{t('page.data_api.parameters', lang)}: {api_description.PREFIX}{path}"}))
    if operation.get("x-example"):
        example = api_description.PREFIX + operation["x-example"]
        children.append(html.P([t("page.data.api_example", lang), " ",
                                html.A(html.Code(example), href=dash.get_relative_path(example))]))
    return html.Section(children, className="card api-route", **{"aria-labelledby": heading_id})


def _parameters(parameters: list[dict[str, Any]], lang: str) -> html.Table:
    rows = []
    for parameter in parameters:
        schema = parameter.get("schema", {})
        meaning: list = _with_code(_text(parameter, "description", lang))
        if schema.get("enum"):  # the description says what a default is; the values are listed here
            meaning += [html.Br(), t("page.data_api.allowed", lang, values=", ".join(map(str, schema["enum"])))]
        rows.append(html.Tr([
            html.Th(html.Code(parameter["name"]), scope="row"),
            html.Td(t(f"page.data_api.in_{parameter['in']}", lang)),
            html.Td(meaning),
        ]))
    return html.Table(
        className="data-table api-parameters",
        children=[
            html.Caption(t("page.data_api.parameters", lang)),
            html.Thead(html.Tr([html.Th(t(f"page.data_api.col_{c}", lang), scope="col") for c in ("name", "where", "meaning")])),
            html.Tbody(rows),
        ],
    )


def _with_code(text: str) -> list:
    """A description with `code` spans (as OpenAPI's CommonMark writes them) set as <code>."""
    return [html.Code(part) if number % 2 else part for number, part in enumerate(text.split("`")) if part]


def _resolve(item: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """A "$ref": "#/components/..." in the description, followed."""
    ref = item.get("$ref")
    if not ref:
        return item
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _text(node: dict[str, Any], field: str, lang: str) -> str:
    """A description field in the reader's language: bokmål from x-<field>-nb (for nynorsk too,
    as the API description has no nynorsk), English from the standard field."""
    if lang != "en" and node.get(f"x-{field}-nb"):
        return node[f"x-{field}-nb"]
    return node.get(field, "")
