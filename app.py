"""The Dash app and its Flask server: `gunicorn app:server`.

Each page request gets an index page written on the server in the reader's language
(`<html lang>` follows ?lang=), with the page's figures already in the HTML, so numbers show
before any JavaScript has run and without it. Built pages are kept per view and data version
(boligsosial/page_cache.py).

In the browser, Dash's renderer would only draw the charts again over the same HTML: the pages
have no callbacks, and their links and forms are plain. So a page made of html.* and the dcc
components the server writes as HTML gets its charts' figures and assets/charts.js, which
draws them with plotly.js when they come into view; none of Dash's bundles (React and the
component suites), which cost a phone seconds of main-thread work and half of the page's
bytes (bench/lighthouse.py, bench/page_weight.py). A page with any other component is handed
to Dash's renderer whole, as before, so that its first render needs no routing callback.
/healthz tells a load balancer whether the warehouse is being served.
"""
from __future__ import annotations

import importlib.util
import re
import sys
from html import escape
from typing import Any

import dash
from dash import Dash
from dash.exceptions import InvalidIndexException
from flask import g, jsonify, redirect, request
from plotly.io.json import to_json_plotly

from boligsosial import api, components, data_version, errors, i18n, page_cache, queries, security, static_assets
from boligsosial import public
from boligsosial.web import site_routes, social

INITIAL_PAGE_ID = "_bolig-initial-page"
CHARTS_ID = "_bolig-charts"
STATIC = "static"
# The dcc components components.static_html writes as working HTML; a page made of these and
# html.* needs no Dash renderer in the browser (no callbacks of our own; links and forms are plain).
STATIC_DCC = frozenset({"Graph", "Input", "Link"})

# Dash's default index, with four changes: <html lang>, the server-rendered page (the app
# entry), no <footer> around the scripts (it would be a second, empty footer landmark), and
# parts that only work with JavaScript (charts) hidden when it is off.
INDEX = """<!DOCTYPE html>
<html lang="{%lang%}">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
        <noscript><style>.needs-js { display: none; }</style></noscript>
    </head>
    <body>
        {%app_entry%}
        {%initial_page%}
        {%config%}
        {%scripts%}
        {%renderer%}
    </body>
</html>"""

# For pages Dash renders in the browser (see the module docstring). Dash fetches the app
# layout (the pages container, empty) and would then run its routing callback to fill it.
# layout_post puts the page the server already rendered into that container, tells the
# location component where it already is (so the routing callback does not run on first load)
# and gives Dash's title store the server's title. Client-side navigation later works as usual.
RENDERER = """
var renderer = new DashRenderer({
    layout_post: function (layout) {
        var holder = document.getElementById("%(holder)s");
        if (!holder) { return; }
        var page = JSON.parse(holder.textContent);
        holder.remove();
        (function visit(node) {
            if (Array.isArray(node)) { node.forEach(visit); return; }
            if (!node || typeof node !== "object" || !node.props) { return; }
            if (node.props.id === "_pages_content") { node.props.children = page; return; }
            // Dash's own title callback reads this store as soon as the app starts.
            if (node.props.id === "_pages_store") { node.props.data = {title: document.title}; }
            if (node.props.id === "_pages_location") {
                node.props.pathname = window.location.pathname;
                node.props.search = window.location.search;
                node.props.hash = window.location.hash;
                node.props.href = window.location.href;
            }
            visit(node.props.children);
        })(layout);
    }
});
"""


def _script_json(value: Any) -> str:
    """JSON that is safe inside <script>: no "<" can end the element or open a comment."""
    return to_json_plotly(value).replace("<", "\\u003c")


def _render(page: dict, query: dict[str, str], lang: str) -> dict[str, str]:
    """The page's own parts of the index: its HTML, its title, and what the browser draws it
    with: its charts' figures for assets/charts.js, or, when the page has a component the
    server cannot write as HTML, the whole tree for Dash's renderer."""
    layout = page["layout"](**query) if callable(page["layout"]) else page["layout"]
    charts = _charts(layout)
    parts = {
        # Wrapped as dash.page_container would wrap it (same DOM, same CSS, if Dash renders).
        "app_entry": f'<div id="react-entry-point"><div><div id="_pages_content">{components.static_html(layout)}</div></div></div>',
        "title": escape(i18n.t(page["title_id"], lang) if page.get("title_id") else page["title"]),
        "first_chart": social.first_public_chart(layout),  # its preview is the page's social picture
    }
    if charts is None:
        parts["initial_page"] = f'<script id="{INITIAL_PAGE_ID}" type="application/json">{_script_json(layout)}</script>'
    else:
        parts["client"] = STATIC
        parts["initial_page"] = ""
    return parts


def _charts(node: Any) -> list[dict] | None:
    """Every dcc.Graph in the tree as {id, figure, config}; None if the tree has a component
    that only Dash's renderer can show (components.static_html writes it as nothing)."""
    found: list[dict] = []

    def visit(node: Any) -> bool:
        if isinstance(node, (list, tuple)):
            return all(visit(child) for child in node)
        if not hasattr(node, "to_plotly_json"):
            return True  # text, numbers, None
        spec = node.to_plotly_json()
        props = spec["props"]
        if spec["namespace"] != "dash_html_components":
            if spec["type"] not in STATIC_DCC:
                return False
            if spec["type"] == "Graph":
                if not props.get("id"):
                    return False  # nothing to find its box by
                found.append({"id": props["id"], "figure": props.get("figure") or {}, "config": props.get("config") or {}})
        return visit(props.get("children"))

    return found if visit(node) else None


def _static_scripts(scripts: str) -> str:
    """Of Dash's script tags, only the app's own assets (card.js, charts.js), deferred: a page
    that Dash does not render needs none of Dash's bundles."""
    assets = f'<script src="{app.get_asset_url("")}'
    return "\n".join(tag.replace("<script ", "<script defer ", 1) for tag in re.findall(r"<script[^>]*></script>", scripts)
                     if tag.startswith(assets))


class BoligDash(Dash):
    """Dash with an index page written per request: language, title and the page itself."""

    def interpolate_index(self, **kwargs: str) -> str:
        lang = i18n.language(request.args.get("lang"))
        values = {"lang": lang, "initial_page": "", **kwargs}
        page = self._page_for(request.path)
        if page is not None:
            # Same arguments Dash's router passes: the query parameters.
            query = request.args.to_dict()
            parts = page_cache.cache.get_or_build(page["path"], query, page_cache.served_version(), lambda: _render(page, query, lang))
            values.update(parts)
            values["metas"] = social.page_tags(page, lang, parts.get("first_chart", ""), public.cairosvg is not None) + kwargs["metas"]
            if parts.get("client") == STATIC:
                values.update(scripts=_static_scripts(kwargs["scripts"]), config="", renderer="")
        index = self.index_string
        for key, value in values.items():
            index = index.replace("{%" + key + "%}", value)
        if values.get("client") == STATIC:
            g.bolig_static_index = index
        return index

    def index(self, *args: Any, **kwargs: Any) -> str:
        # Dash checks that every index loads its renderer; a page drawn by assets/charts.js
        # deliberately does not, so its index is taken as written.
        try:
            return super().index(*args, **kwargs)
        except InvalidIndexException:
            static = g.pop("bolig_static_index", None)
            if static is None:
                raise
            return static

    def _page_for(self, path: str) -> dict | None:
        wanted = self.strip_relative_path(path) or ""
        for page in dash.page_registry.values():
            if page["path"].strip("/") == wanted.strip("/"):
                return page
        return None  # unknown path: Dash's router shows its 404 as usual


app = BoligDash(
    __name__,
    use_pages=True,
    title=i18n.t("site.name", i18n.DEFAULT),
    update_title=None,  # no "Updating..." flashing in the tab title
    # Otherwise Dash pages renders every page's layout once and sends the lot (figures and
    # tables of all pages, 300+ kB) inside every page's HTML, only to check callback ids.
    suppress_callback_exceptions=True,
    compress=importlib.util.find_spec("flask_compress") is not None,
    index_string=INDEX,
    include_pages_meta=False,  # boligsosial/web/social.py writes them, in the reader's language
)
app.renderer = RENDERER % {"holder": INITIAL_PAGE_ID}
server = app.server
static_assets.install(app)
security.install(app)
data_version.install(server)  # before errors: its page check reads inside the request's pinned warehouse
errors.install(app)


@server.get("/healthz")
def healthz():
    """200 with the data version when the warehouse is served; 503 and why when it is not."""
    try:
        body, code = queries.status(), 200
    except queries.WarehouseUnavailable as error:
        body, code = {"status": "error", "message": error.public_message}, 503
    response = jsonify(body)
    response.status_code = code
    response.headers["Cache-Control"] = "no-store"
    return response


@server.before_request
def page_redirect():
    """A page may send a request elsewhere before it is rendered, by defining
    `redirect_to(args) -> url | None` (the explorer turns a one-match search ?sted=Halden into
    the shareable ?region=3101)."""
    page = app._page_for(request.path)
    hook = getattr(sys.modules.get(page["module"]), "redirect_to", None) if page else None
    target = hook(request.args) if hook else None
    return redirect(target, 302) if target else None


# The data API (/api/v1): plain HTTP routes on the same server, described in data/openapi.yaml.
server.register_blueprint(api.blueprint)
server.register_blueprint(public.blueprint)
server.register_blueprint(site_routes.blueprint)  # sitemap, robots, /nytt.atom, preview pictures


if __name__ == "__main__":  # local development only; production runs gunicorn app:server
    app.run(debug=False)
