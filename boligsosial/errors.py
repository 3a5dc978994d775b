"""Error responses that tell the reader what happened and leak nothing.

- An address that is no page answers 404 with a page that says so (Dash alone would answer 200
  and let its router print "404" into the app).
- Any other HTTP error gets a page in the reader's language inside the site frame, or, for the
  API and Dash's own JSON routes, JSON in the API's error format (boligsosial/api.py):
  {"error": {"status", "message_nb", "message_nn", "message_en", "parameter"}}.
- An exception nobody handled answers 500 with a reference the logs also carry: never a stack
  trace, whatever the environment says (FLASK_DEBUG cannot switch debug on in production).
- A warehouse that cannot be served (missing, corrupt or incomplete: boligsosial/integrity.py)
  answers 503 with one plain notice that says which, on every app page; the status page answers
  503 too but keeps its details. Pages never answer 200 without their figures.
- A body over the limit answers 413 (one without a length 411), a Host the site does not answer
  for 400, each with its own explanation (boligsosial/security.py).
"""
from __future__ import annotations

import logging
import uuid
from html import escape

from dash import Dash, get_app, html
from dash import __version__ as dash_version
from dash._pages import _path_to_page  # Dash's own page matching, so server and router agree
from flask import Response, abort, g, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

from boligsosial import components, i18n, integrity, queries, security
from boligsosial.i18n import t

logger = logging.getLogger(__name__)

# Texts per status: (heading id, body id). Statuses not listed get the generic pair.
_TEXTS = {
    400: ("error.bad_request.heading", "error.bad_request.body"),
    404: ("error.not_found.heading", "error.not_found.body"),
    405: ("error.bad_request.heading", "error.bad_request.body"),
    411: ("error.length_required.heading", "error.length_required.body"),
    413: ("error.too_large.heading", "error.too_large.body"),
    500: ("error.server.heading", "error.server.body"),
}
_GENERIC = ("error.other.heading", "error.other.body")
_UNKNOWN_HOST = ("error.unknown_host.heading", "error.unknown_host.body")
KINDS = (integrity.MISSING, integrity.CORRUPT, integrity.INCOMPLETE)


def install(app: Dash) -> None:
    server = app.server
    # Debug mode renders tracebacks and lets exceptions escape the handlers below. gunicorn
    # never asks for it; FLASK_DEBUG in the environment would, so it is overruled here.
    server.debug = False
    server.config["PROPAGATE_EXCEPTIONS"] = False

    page_endpoints = {app.config.routes_pathname_prefix, app.config.routes_pathname_prefix + "<path:path>"}
    status_page = app.config.routes_pathname_prefix + "status"

    @server.before_request
    def _unknown_page_is_not_found():
        if request.endpoint in page_endpoints and not _path_to_page(app.strip_relative_path(request.path) or "")[0]:
            abort(404)

    @server.before_request
    def _no_page_without_its_warehouse():
        # Asked once per page request (in the request's pinned read, boligsosial/data_version.py);
        # a page would otherwise answer 200 with a notice in place of its figures.
        if request.endpoint not in page_endpoints:
            return
        try:
            queries.status()
        except queries.WarehouseUnavailable as error:
            if request.path.rstrip("/") != status_page:
                raise
            g.bolig_unavailable = error  # the status page explains the outage; its status says it too

    @server.after_request
    def _status_page_during_an_outage(response: Response) -> Response:
        if g.get("bolig_unavailable") is not None and response.status_code == 200:
            response.status_code = 503
            response.headers["Cache-Control"] = "no-store"
        return response

    server.register_error_handler(HTTPException, _http_error)
    server.register_error_handler(queries.WarehouseUnavailable, _warehouse_unavailable)


def _wants_json() -> bool:
    path = request.path
    return path.startswith("/api/") or path == "/api" or path.startswith("/_dash-")


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    reference = None
    if isinstance(error, InternalServerError):
        # Flask has already logged the traceback; this line ties it to what the reader sees.
        reference = uuid.uuid4().hex[:10]
        logger.error("Internal error %s on %s %s: %r", reference, request.method, request.path,
                     error.original_exception)
    heading, body = _UNKNOWN_HOST if isinstance(error, security.UnknownHost) else _TEXTS.get(status, _GENERIC)

    def explanation(lang: str) -> list[str]:
        lines = [t(body, lang, status=status, limit=security.max_body_text())]
        if reference:
            lines.append(t("error.reference", lang, reference=reference))
        return lines

    if _wants_json():
        return _json(status, lambda lang: " ".join(explanation(lang)))
    lang = _lang()
    title = t(heading, lang, status=status)
    content = [html.H1(title), *(html.P(line) for line in explanation(lang)), _home_link(lang)]
    return _page(status, title, content, lang)


def _warehouse_unavailable(error: queries.WarehouseUnavailable) -> Response:
    logger.warning("Warehouse unavailable on %s: %s", request.path, error.message)
    if _wants_json():
        return _json(503, lambda lang: t("error.unavailable.body", lang))
    lang = _lang()
    heading = t("error.unavailable.heading", lang)
    response = _page(503, heading, [html.H1(heading), unavailable_notice(error.kind), _home_link(lang)], lang)
    response.headers["Retry-After"] = "60"
    return response


def unavailable_notice(kind: str) -> html.Section:
    """What is wrong with the database (missing, corrupt or incomplete) and how it gets back, in
    both languages, since a reader who cannot get numbers may not find the switch. The technical
    reason (with server paths) goes to /healthz and the logs, not to the public."""
    kind = kind if kind in KINDS else integrity.CORRUPT
    commands = html.Ul([html.Li(html.Code(command)) for command in queries.BUILD_COMMANDS])
    return html.Section(
        className="notice notice-error",
        role="alert",
        **{"data-problem": kind},
        children=[
            html.Div(lang=lang, children=[
                html.H2(t(f"warehouse.problem.{kind}.heading", lang)),
                html.P(t(f"warehouse.problem.{kind}.body", lang)),
                html.P(t("warehouse.problem.rebuild", lang)),
                commands,
            ])
            for lang in i18n.LANGUAGES
        ],
    )


def _json(status: int, message) -> Response:
    """`message(lang)` gives the text in each language."""
    response = jsonify({"error": {"status": status, "message_nb": message("nb"), "message_nn": message("nn"),
                                  "message_en": message("en"), "parameter": None}})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _lang() -> str:
    return i18n.language(request.args.get("lang"))


def _home_link(lang: str) -> html.P:
    return html.P(html.A(t("error.home_link", lang), href=components.href("/", lang)))


def _page(status: int, heading: str, content: list, lang: str) -> Response:
    """A whole HTML page in the site frame, written on the server from the same components as
    every other page. It needs no JavaScript, so Dash's scripts are left out."""
    # The frame's language switch leads back to this address in the other language. The address
    # is whatever was asked for, so leading slashes and backslashes are collapsed: "//x.example"
    # or "/\\x.example" in a link would lead off the site.
    here = "/" + request.path.lstrip("/\\")
    try:
        body = components.static_html(components.page(lang, here, content))
        styles = _stylesheets()
    except Exception:  # noqa: BLE001 - an error page must not fail; a bare page is better than none
        logger.exception("Error page could not be drawn; sending the plain one")
        body, styles = components.static_html(content), ""
    markup = (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>{escape(heading)} – {escape(t('site.name', lang))}</title>\n{styles}\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
    response = Response(markup, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def _stylesheets() -> str:
    # The <link> tags Dash puts in its own index (assets/*.css with their cache-busting stamp),
    # and its icon: without a link to it a browser asks for /favicon.ico, and gets a 404 too.
    app = get_app()
    icon = app.get_asset_url(app._favicon) if getattr(app, "_favicon", None) else (  # noqa: SLF001
        f"{app.config.requests_pathname_prefix}_favicon.ico?v={dash_version}")
    return app._generate_css_dist_html() + f'\n<link rel="icon" type="image/x-icon" href="{escape(icon)}">'  # noqa: SLF001
