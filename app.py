"""The Dash app and its Flask server: `gunicorn app:server`.

Each page request gets an index page written on the server in the reader's language
(`<html lang>` follows ?lang=), with the page's figures already in the HTML, so numbers show
before any JavaScript has run and without it. The same page tree is handed to Dash's renderer
so that its first render needs no routing callback. /healthz tells a load balancer whether the
warehouse is being served.
"""
from __future__ import annotations

import importlib.util
from html import escape
from typing import Any

import dash
from dash import Dash
from flask import jsonify, request
from plotly.io.json import to_json_plotly

from boligsosial import api, components, data_version, errors, i18n, queries, security

INITIAL_PAGE_ID = "_bolig-initial-page"

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

# Dash fetches the app layout (the pages container, empty) and would then run its routing
# callback to fill it. layout_post puts the page the server already rendered into that
# container, tells the location component where it already is (so the routing callback does
# not run on first load) and gives Dash's title store the server's title. Client-side
# navigation later works as usual.
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
""" % {"holder": INITIAL_PAGE_ID}


def _script_json(value: Any) -> str:
    """JSON that is safe inside <script>: no "<" can end the element or open a comment."""
    return to_json_plotly(value).replace("<", "\\u003c")


class BoligDash(Dash):
    """Dash with an index page written per request: language, title and the page itself."""

    def interpolate_index(self, **kwargs: str) -> str:
        lang = i18n.language(request.args.get("lang"))
        values = {"lang": lang, "initial_page": "", **kwargs}
        page = self._page_for(request.path)
        if page is not None:
            # Same arguments Dash's router passes: the query parameters.
            layout = page["layout"](**request.args.to_dict()) if callable(page["layout"]) else page["layout"]
            # Wrapped as dash.page_container will wrap it, so the DOM is the same before and
            # after Dash renders (same CSS, no layout shift).
            values["app_entry"] = (
                f'<div id="react-entry-point"><div><div id="_pages_content">{components.static_html(layout)}</div></div></div>'
            )
            values["initial_page"] = (
                f'<script id="{INITIAL_PAGE_ID}" type="application/json">{_script_json(layout)}</script>'
            )
            values["title"] = escape(i18n.t(page["title_id"], lang) if page.get("title_id") else page["title"])
        index = self.index_string
        for key, value in values.items():
            index = index.replace("{%" + key + "%}", value)
        return index

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
)
app.renderer = RENDERER
server = app.server
security.install(app)
errors.install(app)
data_version.install(server)


@server.get("/healthz")
def healthz():
    """200 with the data version when the warehouse is served; 503 and why when it is not."""
    try:
        body, code = queries.status(), 200
    except queries.WarehouseUnavailable as error:
        body, code = {"status": "error", "message": error.message}, 503
    response = jsonify(body)
    response.status_code = code
    response.headers["Cache-Control"] = "no-store"
    return response


# The data API (/api/v1): plain HTTP routes on the same server, described in data/openapi.yaml.
server.register_blueprint(api.blueprint)


if __name__ == "__main__":  # local development only; production runs gunicorn app:server
    app.run(debug=False)
