"""Static files (scripts, styles, the favicon): cached by browsers for a year when their URL
names their version, and compressed once per process rather than on every request.

Versioned URLs: files in assets/ carry `?m=<modification time>` (asset_url below, as Dash
stamps its assets); the favicon carries `?v=<Dash version>`. Such a URL can only ever mean one file, so it may be cached as immutable. A URL
whose version is not the file's current one (an old page asking a new server) is answered, but
without the long lifetime. Everything else (pages, the API) keeps its own caching.

Compression: Flask-Compress would compress a file for every request; here each versioned file
is compressed once per process, with the strongest setting that is still quick, and kept. The
set of such files is fixed (what the app registers), so is the memory.
"""
from __future__ import annotations

import gzip
import os
import threading
from pathlib import Path
from typing import Callable

import brotli  # installed with flask-compress
import dash
from dash import Dash
from flask import Response, request
from werkzeug.security import safe_join

from boligsosial.config import settings

try:  # Python 3.14 has zstd in the standard library; before that flask-compress brings backports.zstd
    from compression import zstd  # type: ignore[import-not-found]
except ImportError:
    from backports import zstd  # type: ignore[no-redef]

ONE_YEAR = 31_536_000
IMMUTABLE = f"public, max-age={ONE_YEAR}, immutable"

# Preferred first. Each file is compressed once, so the stronger (slower) settings are affordable.
ENCODERS = {
    "br": lambda data: brotli.compress(data, quality=9),
    "zstd": lambda data: zstd.compress(data, 19),
    "gzip": lambda data: gzip.compress(data, 9, mtime=0),
}
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/x-icon", "image/svg+xml")

ASSETS = settings.ROOT / "assets"
_compressed: dict[tuple[str, str, str], bytes] = {}
_lock = threading.Lock()


def asset_url(name: str) -> str:
    """A file in assets/ stamped with its modification time exactly as Dash stamps its assets
    (?m=<getmtime>), so it is served compressed and cacheable for a year (below), and a release
    with a changed file gets a new address."""
    try:
        stamp = _file_version(ASSETS / name)
    except OSError:
        stamp = "0"
    return dash.get_relative_path(f"/assets/{name}") + f"?m={stamp}"


def favicon_url() -> str:
    # Dash's own icon route (without one, browsers ask for a missing /favicon.ico).
    return dash.get_relative_path("/_favicon.ico") + f"?v={dash.__version__}"


def stylesheets() -> list[str]:
    """Every stylesheet in assets/, in name order (as Dash would link them)."""
    return sorted(path.name for path in ASSETS.glob("*.css"))


def scripts() -> list[str]:
    """The app's own scripts in assets/ (behaviour only: pages work without them)."""
    return sorted(path.name for path in ASSETS.glob("*.js"))


def install(app: Dash) -> None:
    app.server.after_request(lambda response: _versioned(app, response))


def _file_version(path: Path) -> str:
    return str(os.path.getmtime(path))  # exactly as Dash writes it for assets (?m=)


def _versioned(app: Dash, response: Response) -> Response:
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    found = _versioned_body(app, response)
    if found is None:
        return response
    version, read = found
    response.headers["Cache-Control"] = IMMUTABLE
    encoding = _accepted(request.headers.get("Accept-Encoding", ""))
    if encoding is None or not (response.mimetype or "").startswith(COMPRESSIBLE) or "Content-Encoding" in response.headers:
        return response
    # Not the query string: any number of made-up parameters must not grow the store.
    key = (request.path, version, encoding)
    data = _compressed.get(key)
    if data is None:
        data = ENCODERS[encoding](read())
        with _lock:
            _compressed[key] = data
    response.direct_passthrough = False
    response.set_data(data)
    response.headers["Content-Encoding"] = encoding  # Flask-Compress leaves it alone then
    response.headers.pop("Accept-Ranges", None)  # ranges would be of the file, not of this body
    response.vary.add("Accept-Encoding")
    etag, weak = response.get_etag()
    if etag:
        response.set_etag(f"{etag}-{encoding}", weak=weak)  # another representation, another tag
    return response


def _versioned_body(app: Dash, response: Response) -> tuple[str, Callable[[], bytes]] | None:
    """(version, how to read the file) when the request names the file's current version."""
    prefix = app.config.requests_pathname_prefix
    path = request.path
    if path == prefix + "_favicon.ico":
        return (dash.__version__, response.get_data) if request.args.get("v") == dash.__version__ else None
    assets = prefix + app.config.assets_url_path.strip("/") + "/"
    if path.startswith(assets):
        file = safe_join(app.config.assets_folder, path[len(assets):])
        if file and os.path.isfile(file):
            version = _file_version(Path(file))
            if request.args.get("m") == version:
                return version, Path(file).read_bytes
    return None


def _accepted(header: str) -> str | None:
    """The preferred encoding among those the client accepts (q=0 means refused)."""
    accepted = set()
    for part in header.lower().split(","):
        name, _, params = part.strip().partition(";")
        quality = params.strip()
        if quality.startswith("q="):
            try:
                if float(quality[2:]) <= 0:
                    continue
            except ValueError:
                continue
        accepted.add(name.strip())
    return next((encoding for encoding in ENCODERS if encoding in accepted), None)
