"""Error responses that tell the reader what happened and leak nothing.

- An address that is no page answers 404 with a page that says so (boligsosial/web/page_route.py).
- Any other HTTP error gets a page in the reader's language inside the site frame, or, for the
  API (and the Dash routes the site refuses), JSON in the API's error format (boligsosial/web/api.py):
  {"error": {"status", "message_nb", "message_nn", "message_en", "parameter"}}.
- An exception nobody handled answers 500 with a reference the logs also carry: never a stack
  trace, whatever the environment says (FLASK_DEBUG cannot switch debug on in production).
- A warehouse that cannot be served (missing, corrupt or incomplete: boligsosial/warehouse/integrity.py)
  answers 503 with one plain notice that says which, on every app page; the status page answers
  503 too but keeps its details. Pages never answer 200 without their figures.
- A body over the limit answers 413 (one without a length 411), a Host the site does not answer
  for 400, each with its own explanation (boligsosial/web/security.py).
"""
from __future__ import annotations

import logging
import uuid

from dash import Dash, html
from flask import Response, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

from boligsosial.text import i18n
from boligsosial.text.i18n import t
from boligsosial.ui import components, html_writer
from boligsosial.warehouse import db, integrity
from boligsosial.web import document, security

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

    server.register_error_handler(HTTPException, _http_error)
    server.register_error_handler(db.WarehouseUnavailable, _warehouse_unavailable)


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


def _warehouse_unavailable(error: db.WarehouseUnavailable) -> Response:
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
    commands = html.Ul([html.Li(html.Code(command)) for command in db.BUILD_COMMANDS])
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
    every other page, and kept out of search engines."""
    # The frame's language switch leads back to this address in the other language. The address
    # is whatever was asked for, so leading slashes and backslashes are collapsed: "//x.example"
    # or "/\\x.example" in a link would lead off the site.
    here = "/" + request.path.lstrip("/\\")
    title = f"{heading} – {t('site.name', lang)}"
    try:
        markup = document.document(lang, title, html_writer.static_html(components.page(lang, here, content)),
                                   scripts=False, index=False)
    except Exception:  # noqa: BLE001 - an error page must not fail; a bare page is better than none
        logger.exception("Error page could not be drawn; sending the plain one")
        markup = document.document(lang, title, html_writer.static_html(content), scripts=False, index=False)
    response = Response(markup, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response
