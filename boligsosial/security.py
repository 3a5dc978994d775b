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
"""
from __future__ import annotations

from dash import Dash
from flask import Response, request

# Powerful browser features the site never uses, switched off for it and anything it embeds.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in ("accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone", "payment", "usb")
)

# Links to sources (SSB, ministries) tell them the site, not which page or selection.
REFERRER_POLICY = "strict-origin-when-cross-origin"


def install(app: Dash) -> None:
    server = app.server
    embed_prefix = app.config.routes_pathname_prefix + "embed/"

    @server.after_request
    def _security_headers(response: Response) -> Response:
        embeddable = request.path.startswith(embed_prefix)
        response.headers["Content-Security-Policy"] = content_security_policy(app, embeddable)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = REFERRER_POLICY
        response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
        # The site opens no windows that need a handle back to it (or it to them).
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if not embeddable:
            response.headers["X-Frame-Options"] = "SAMEORIGIN"  # frame-ancestors for old browsers
        return response


def content_security_policy(app: Dash, embeddable: bool = False) -> str:
    directives = {
        # Everything not named below is refused (frames, workers, plugins, media, manifests).
        "default-src": ["'none'"],
        "script-src": ["'self'", *app.csp_hashes()],
        # Inline styles are allowed: Dash's component bundles and plotly.js add their CSS as
        # <style> elements while they run (a dozen on a page with a chart), and the
        # server-rendered HTML carries style attributes that must work without JavaScript.
        # Hashes would have to be copied out of those bundles and change with every upgrade,
        # and the bundles cannot take a nonce. A style cannot run code, and with images, fonts
        # and connections limited to this site, it cannot send anything anywhere either.
        "style-src": ["'self'", "'unsafe-inline'"],
        # blob: for "download the chart as PNG": plotly.js draws the chart's SVG into an image
        # from a blob: URL it has just made in the page, then onto a canvas.
        "img-src": ["'self'", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],  # Dash's callbacks and the layout/dependency requests
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
        # Public embeds (routes under /embed/) may be framed by any site; nothing else may be
        # framed except by the site itself, so no other site can dress our pages up as its own.
        "frame-ancestors": ["*"] if embeddable else ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())

