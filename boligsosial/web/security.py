"""Security headers on every response the server sends: pages, assets, Dash's own routes, the
API and error pages.

The Content-Security-Policy allows scripts only from this site plus the inline scripts Dash
writes into the index page, each by its hash, so an injected <script> or event handler does not
run even if some text ever reached a page unescaped. The hashes are taken from Dash itself
(Dash.csp_hashes(): app.renderer, which app.py sets, and Dash's inline clientside functions)
when each response is made, not written down here: Dash adds its page-title script on the
first request, and a changed renderer must not silently stop the app.

No 'unsafe-eval': Dash 4 and plotly.js run without it (tests/browser/test_csp.py checks every
page in Chromium). The exception is plotly.js's WebGL traces (scattergl, scatterpolargl,
splom, parcoords), which build functions at run time in the bundle Dash serves (plotly.js
ships a separate "strict" bundle for them); use the SVG traces.

Also here, because they guard every route alike (issue 14):
- Request bodies: the site takes no uploads, and the only bodies it reads are Dash's callbacks
  (a few kilobytes, sent with a Content-Length by every browser). A body announced larger than
  MAX_BODY_BYTES is refused with 413 before a byte of it is read; a body without a length
  (chunked) with 411, since its size could only be learnt by reading it. Flask's own
  MAX_CONTENT_LENGTH stays as a second bound.
- The Host header: absolute links (canonical, share and embed links, SVG texts, API links,
  "Siter som", the database zip's README) name BOLIG_PUBLIC_URL when it is set; requests are then
  answered as if they had named it, whatever their Host. Without it, only the hosts in
  settings.trusted_hosts() are answered; any other gets 400, so no answer ever repeats a Host it
  was sent (a cache that does not key on Host would pass such links on to everyone).
- Link targets written into pages: only web addresses (http, https, mailto) or addresses on
  this site; a source URL with another scheme (javascript:, data:) is written as plain text.
"""
from __future__ import annotations

from typing import Callable, Iterable

from dash import Dash
from flask import Response, request
from werkzeug.exceptions import BadRequest, LengthRequired, RequestEntityTooLarge

from boligsosial.config import settings

# Powerful browser features the site never uses, switched off for it and anything it embeds.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in ("accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone", "payment", "usb")
)

# Links to sources (SSB, ministries) tell them the site, not which page or selection.
REFERRER_POLICY = "strict-origin-when-cross-origin"

MAX_BODY_BYTES = 1024 * 1024
# A load balancer's health check may name the replica by address; /healthz writes no links.
HEALTH_PATH = "/healthz"
_REFUSED_HOST = "boligsosial.refused_host"


class UnknownHost(BadRequest):
    """The request names a host this site does not answer for (see the module docstring)."""


def install(app: Dash) -> None:
    server = app.server
    embed_prefix = app.config.routes_pathname_prefix + "embed/"
    settings.public_url()  # a malformed BOLIG_PUBLIC_URL stops the start, with its reason
    server.wsgi_app = HostGuard(server.wsgi_app)
    # Flask's own limit, applied while a body is read, in case a route reads one some other way.
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    @server.before_request
    def _refuse_unknown_hosts_and_large_bodies():
        if request.environ.get(_REFUSED_HOST) is not None and request.path != HEALTH_PATH:
            raise UnknownHost()
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            raise RequestEntityTooLarge()
        if "Transfer-Encoding" in request.headers:
            raise LengthRequired()

    @server.after_request
    def _security_headers(response: Response) -> Response:
        embeddable = request.path.startswith(embed_prefix)
        response.headers["Content-Security-Policy"] = content_security_policy(embeddable)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = REFERRER_POLICY
        response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
        # The site opens no windows that need a handle back to it (or it to them).
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if not embeddable:
            response.headers["X-Frame-Options"] = "SAMEORIGIN"  # frame-ancestors for old browsers
        return response


def content_security_policy(embeddable: bool = False) -> str:
    directives = {
        # Everything not named below is refused (frames, workers, plugins, media, manifests).
        "default-src": ["'none'"],
        # The pages' only script is assets/card.js; nothing inline, nothing from elsewhere.
        "script-src": ["'self'"],
        # Inline styles are allowed: the server-written HTML and the charts' SVG carry style
        # attributes. A style cannot run code, and with images, fonts and connections limited
        # to this site, it cannot send anything anywhere either.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
        # Public embeds (routes under /embed/) may be framed by any site; nothing else may be
        # framed except by the site itself, so no other site can dress our pages up as its own.
        "frame-ancestors": ["*"] if embeddable else ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def max_body_text() -> str:
    """The body limit as the error message gives it."""
    return f"{MAX_BODY_BYTES // (1024 * 1024)} MiB"


def _host_name(host: str) -> str:
    """The name in a Host header, without its port: "[::1]:8050" -> "::1"."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0].rstrip(".") if host.count(":") == 1 else host.rstrip(".")


class HostGuard:
    """WSGI middleware around the Flask app, so that routing (Werkzeug's own redirects build
    absolute URLs from the host too) already sees the host the answer may name."""

    def __init__(self, wsgi_app: Callable):
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        configured = settings.public_url()
        if configured:
            scheme, _, netloc = configured.partition("://")
            environ["HTTP_HOST"], environ["wsgi.url_scheme"] = netloc, scheme
        elif _host_name(environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")) not in settings.trusted_hosts():
            # Refused in the app's own before_request (an error page in the reader's language);
            # until then nothing may see, and so nothing may repeat, the name it was sent.
            environ[_REFUSED_HOST] = environ.get("HTTP_HOST", "")
            environ["HTTP_HOST"] = settings.LOOPBACK_HOSTS[0]
        return self.wsgi_app(environ, start_response)
