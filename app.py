"""The Dash app and its Flask server: `gunicorn app:server`.

Dash provides the page registry (pages/*.py register themselves), each page's
`layout(**query)` and the html/dcc components. Pages are written to HTML on the server, in the
reader's language and with their figures in place, by a route the project owns
(boligsosial/web/page_route.py): numbers show without JavaScript, and no page sends Dash's
browser bundles. The public chart pages, the data API and the site's own routes (sitemap,
feeds, preview pictures) are Flask blueprints on the same server. /healthz tells a load
balancer whether the warehouse is being served.
"""
from __future__ import annotations

import importlib.util

from dash import Dash
from flask import Flask, jsonify

from boligsosial.text import i18n
from boligsosial.warehouse import db
from boligsosial.web import api, data_version, errors, page_route, public, security, site_routes, static_assets

server = Flask(__name__)
# Before Dash adds its routes: for "/" and "/<path>" the first rule added is the one that answers.
server.register_blueprint(page_route.blueprint)

app = Dash(
    __name__,
    server=server,
    use_pages=True,
    title=i18n.t("site.name", i18n.DEFAULT),
    # Pages have no callbacks. Without this, Dash's page router renders every page's layout on
    # the first request, to check callback ids against a page container no page is served in.
    suppress_callback_exceptions=True,
    compress=importlib.util.find_spec("flask_compress") is not None,
    include_pages_meta=False,  # boligsosial/web/social.py writes them, in the reader's language
)
static_assets.install(app)
security.install(app)  # first of the request hooks: hosts and body sizes are refused before anything else
server.before_request(page_route.refuse_dash_browser_routes)
data_version.install(server)  # before errors: its page check reads inside the request's pinned warehouse
errors.install(app)


@server.get("/healthz")
def healthz():
    """200 with the data version when the warehouse is served; 503 and why when it is not."""
    try:
        body, code = db.status(), 200
    except db.WarehouseUnavailable as error:
        body, code = {"status": "error", "message": error.public_message}, 503
    response = jsonify(body)
    response.status_code = code
    response.headers["Cache-Control"] = "no-store"
    return response


# The data API (/api/v1): plain HTTP routes on the same server, described in data/openapi.yaml.
server.register_blueprint(api.blueprint)
server.register_blueprint(public.blueprint)
server.register_blueprint(site_routes.blueprint)  # sitemap, robots, /nytt.atom, preview pictures


if __name__ == "__main__":  # local development only; production runs gunicorn app:server
    app.run(debug=False)
