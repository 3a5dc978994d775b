"""The app pages, served by a route the project owns.

Dash keeps what it does well here: the page registry (`dash.register_page` in pages/), each
page's `layout(**query)` and the html/dcc components. This blueprint answers the page
addresses: it finds the registered page for the path, lets the page send the request elsewhere
first (`redirect_to(args) -> url | None`, e.g. the explorer turning ?sted=Halden into
?region=3101), builds the layout from the query parameters, writes it as HTML
(ui/html_writer.static_html) into the document (web/document.py) with the page's social tags, and
keeps the result per view and data version (web/page_cache.py).

app.py registers this blueprint on the Flask server before Dash adds its own routes, so for
"/" and "/<path>" this is the route Flask matches (Werkzeug tries identical rules in the order
they were added). Pages need no JavaScript of Dash's; Dash's browser routes (layout,
dependencies, callbacks, component bundles, reload hash) serve a renderer the site never sends,
so they answer 404 like any unknown address, and no request can rebuild a page past the cache.
"""
from __future__ import annotations

import sys
from typing import Any

import dash
from flask import Blueprint, Response, abort, redirect, request

from boligsosial.text import i18n
from boligsosial.ui import html_writer
from boligsosial.warehouse import db
from boligsosial.web import document, page_cache, public, social

blueprint = Blueprint("pages", __name__)

STATUS_PATH = "/status"  # explains an outage itself, so it is shown (with 503) when the warehouse is not
DASH_BROWSER_ROUTES = ("/_dash-layout", "/_dash-dependencies", "/_dash-update-component",
                       "/_dash-component-suites/", "/_reload-hash")


@blueprint.get("/", defaults={"path": ""})
@blueprint.get("/<path:path>")
def page(path: str) -> Any:
    found = page_for(path)
    if found is None:
        abort(404)
    hook = getattr(sys.modules.get(found["module"]), "redirect_to", None)
    target = hook(request.args) if hook else None
    if target:
        return redirect(target, 302)
    outage = None
    try:
        db.status()  # a page never answers 200 without its figures (web/errors.py answers 503)
    except db.WarehouseUnavailable as error:
        if found["path"] != STATUS_PATH:
            raise
        outage = error
    lang = i18n.language(request.args.get("lang"))
    query = request.args.to_dict()
    parts = page_cache.cache.get_or_build(found["path"], query, page_cache.served_version(),
                                          lambda: _render(found, query, lang))
    head = social.page_tags(found, lang, parts["first_chart"], public.cairosvg is not None)
    response = Response(document.document(lang, parts["title"], parts["body"], head), mimetype="text/html")
    if outage is not None:
        response.status_code = 503
        response.headers["Cache-Control"] = "no-store"
    return response


def page_for(path: str) -> dict | None:
    """The registered page at `path` ("" for the start page), or None."""
    wanted = path.strip("/")
    for entry in dash.page_registry.values():
        if entry["path"].strip("/") == wanted:
            return entry
    return None


def _render(entry: dict, query: dict[str, str], lang: str) -> dict[str, str]:
    layout = entry["layout"](**query) if callable(entry["layout"]) else entry["layout"]
    body = html_writer.static_html(layout)
    return {
        "body": body,
        "title": i18n.t(entry["title_id"], lang) if entry.get("title_id") else str(entry["title"]),
        "first_chart": social.first_public_chart(body),  # its preview is the page's social picture
    }


def refuse_dash_browser_routes() -> None:
    """Installed on the server (app.py): Dash's routes for its browser renderer answer 404."""
    if request.path.startswith(DASH_BROWSER_ROUTES):
        abort(404)

