"""The data API: plain HTTP routes under /api/v1 on the app's Flask server.

Routes and parameters are described in data/openapi.yaml (served as /api/v1/openapi.json and
shown on the page /data/api); docs/api.md explains them with examples.

Caching: a response depends only on the data version, the route and its normalised parameters,
so that is what the ETag is made of (weak, because compression changes the bytes). Absolute
links name the site's own address (settings.site_url: BOLIG_PUBLIC_URL, or a trusted host),
never a Host header that was merely sent. A client that sends it back in If-None-Match gets
304 until the ETL publishes new data; Last-Modified is when that data was built. Responses may
be cached for a few minutes, not for ever: the same address gives new figures after a refresh.

Errors are JSON in every language: {"error": {"status", "message_nb", "message_nn", "message_en",
"parameter"}}. Nothing internal reaches a client: no stack trace, no server path.
"""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable

from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import http_date

from boligsosial.config import api_description, settings
from boligsosial.domain import breakdowns, selection
from boligsosial.domain.selection import SelectionError
from boligsosial.text.i18n import LANGUAGES, t
from boligsosial.warehouse import catalogue_rows, db, place_rows, series_rows
from boligsosial.web import export_rows, exports

logger = logging.getLogger(__name__)

PREFIX = api_description.PREFIX
MAX_ROWS = 100_000  # per data response; the whole database is one download of its own
MAX_AGE = 300  # seconds a response may be reused without asking
# Part of every ETag: raise it when a file layout changes, so caches let go of old files.
FORMAT_VERSION = "1"
FORMATS = tuple(exports.WRITERS)

blueprint = Blueprint("api", __name__, url_prefix=PREFIX)


# ------------------------------------------------------------------------------ routes


@blueprint.get("/")
def index():
    """Where to go from here, for a person or a program that starts at the API's root."""
    return _respond(
        lambda: _json({
            "indicators": _url("/indicators"),
            "regions": _url("/regions"),
            "database": _url("/download/boligsosial.zip"),
            "openapi": _url("/openapi.json"),
            "documentation": settings.site_url() + "/data/api",
        }),
        "index",
    )


@blueprint.get("/indicators")
def indicators():
    words = selection.parse_search(request.args.get("q"))

    def build():
        info = db.status()
        entries = [_entry(row) for row in catalogue_rows.catalogue(words)]
        return _json({"data_version": info["data_version"], "built_at": info["built_at"], "indicators": entries})

    return _respond(build, "indicators", " ".join(words))


@blueprint.get("/indicators/<indicator_id>")
def indicator(indicator_id: str):
    rows = catalogue_rows.catalogue(indicator_id=indicator_id)
    if not rows:
        return _unknown_indicator(indicator_id)

    def build():
        detail = _entry(rows[0])
        detail["sources"] = [
            {key: value for key, value in source.items() if key != "indicator_id"}
            for source in catalogue_rows.indicator_sources(indicator_id)
        ]
        detail["breakdowns"], detail["dimensions"] = _breakdowns(indicator_id)
        return _json(detail)

    return _respond(build, "indicator", indicator_id)


@blueprint.get("/indicators/<indicator_id>/data.<fmt>")
def data(indicator_id: str, fmt: str):
    if fmt not in exports.WRITERS:
        return _error(404, "api.unknown_format", parameter="format", format=fmt[:20], formats=", ".join(FORMATS))
    chosen = selection.parse(request.args)
    if series_rows.indicator(indicator_id) is None:
        return _unknown_indicator(indicator_id)
    api_url = f"{settings.site_url()}{request.path}?{chosen.query_string()}"

    def build():
        dataset = export_rows.load(indicator_id, chosen, api_url, MAX_ROWS)
        # content_type, not mimetype: Flask would add a second charset to the CSV's type.
        response = Response(exports.WRITERS[fmt](dataset), content_type=exports.MEDIA_TYPES[fmt])
        disposition = "inline" if fmt == "json" else "attachment"
        response.headers["Content-Disposition"] = f'{disposition}; filename="{export_rows.filename(dataset, fmt)}"'
        return response

    return _respond(build, "data", indicator_id, fmt, chosen.query_string())


@blueprint.get("/regions")
def regions():
    level = selection.parse_level(request.args.get("level"))
    at = selection.parse_date(request.args.get("at"), "at")

    def build():
        return _json({"data_version": db.data_version(), "regions": place_rows.regions(level, at)})

    return _respond(build, "regions", level or "", at.isoformat() if at else "")


@blueprint.get("/download/boligsosial.zip")
def database():
    lang = selection.parse({"lang": request.args.get("lang")}).lang

    def build():
        version = db.data_version()
        response = Response(_database_zip(version, lang, settings.site_url() + "/"), content_type=exports.MEDIA_TYPES["zip"])
        response.headers["Content-Disposition"] = f'attachment; filename="boligsosial-{version[:8]}.zip"'
        return response

    return _respond(build, "zip", lang)


@blueprint.get("/openapi.json")
def openapi():
    document = dict(api_description.document())
    document["servers"] = [{"url": _url("")}]
    response = _json(document)
    # Describes the code, not the data: cached like the data, but validated by its own content.
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:20], weak=True)
    _cors(response)
    return response.make_conditional(request)


@blueprint.get("/<path:_rest>")
def unknown_route(_rest: str):
    return _error(404, "api.unknown_route")


# ------------------------------------------------------------------------------ errors


@blueprint.errorhandler(SelectionError)
def _bad_parameter(error: SelectionError):
    return _error_response(400, error.message_nb, error.message_en, error.parameter, error.message_nn)


@blueprint.errorhandler(export_rows.TooManyRows)
def _too_many_rows(error: export_rows.TooManyRows):
    return _error(413, "api.too_many_rows", limit=f"{error.limit:,}".replace(",", " "))


@blueprint.errorhandler(db.WarehouseUnavailable)
def _unavailable(error: db.WarehouseUnavailable):
    # The reason (with server paths) goes to the log and /healthz, not to the public.
    logger.warning("API without a warehouse: %s", error.message)
    response = _error(503, "api.unavailable")
    response.headers["Retry-After"] = "60"
    return response


@blueprint.errorhandler(Exception)
def _anything_else(error: Exception):
    if isinstance(error, HTTPException) and error.code is not None and error.code < 500:
        return _error_response(error.code, error.name, error.name, None)
    logger.exception("API error on %s", request.path)
    return _error(500, "api.internal")


def _unknown_indicator(indicator_id: str) -> Response:
    return _error(404, "api.unknown_indicator", parameter="id", id=indicator_id[:80])


def _error(status: int, key: str, parameter: str | None = None, **values: Any) -> Response:
    return _error_response(status, t(key, "nb", **values), t(key, "en", **values), parameter, t(key, "nn", **values))


def _error_response(status: int, message_nb: str, message_en: str, parameter: str | None,
                    message_nn: str | None = None) -> Response:
    body = {"error": {"status": status, "message_nb": message_nb, "message_nn": message_nn or message_nb,
                      "message_en": message_en, "parameter": parameter}}
    response = _json(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    _cors(response)
    return response


# ------------------------------------------------------------------------------ caching


def _respond(build: Callable[[], Response], *key: str) -> Response:
    """The response `build` makes, or 304 when the client already has it; either way with the
    validators and cache headers of the data version being served."""
    info = db.status()
    etag = hashlib.sha256("\x1f".join((FORMAT_VERSION, info["data_version"], *key)).encode()).hexdigest()[:24]
    built = _built_at(info["built_at"])
    if not_modified(etag, built):
        response = Response(status=304)
    else:
        response = build()
    response.set_etag(etag, weak=True)
    if built is not None:
        response.headers["Last-Modified"] = http_date(built)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    _cors(response)  # X-Data-Version is added to every response by boligsosial.web.data_version
    return response


def not_modified(etag: str, built: datetime | None) -> bool:
    """RFC 9110: If-None-Match decides when sent (weak comparison, so a validator that a
    compressing layer suffixed still matches); otherwise If-Modified-Since."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag) or any(
            tag.startswith(etag + ":") for tag in request.if_none_match.as_set(include_weak=True)
        )
    since = request.if_modified_since
    # A date later than the server's clock is no valid validator (RFC 7232, 3.3): ignored, or a
    # client (or a cache) that sends one would never see new data.
    if since is None or built is None or since > datetime.now(timezone.utc):
        return False
    return built.replace(microsecond=0) <= since


def _built_at(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def _cors(response: Response) -> None:
    # Open data without cookies or keys: any site or notebook may read it.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Last-Modified, X-Data-Version, Content-Disposition"


# ------------------------------------------------------------------------------ shaping


def _json(payload: Any) -> Response:
    text = json.dumps(payload, ensure_ascii=False, default=_json_value, separators=(",", ":"))
    return Response(text, mimetype="application/json")


def _json_value(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _url(path: str) -> str:
    return settings.site_url() + PREFIX + path


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    """A catalogue row as the API gives it: levels as lists, the confidence mix as counts,
    links to the indicator's metadata and whole data in each format. The plausibility range
    used by the ETL's checks is left out: it is not a property of the data."""
    entry = {key: value for key, value in row.items()
             if key not in ("min_value", "max_value", "confidence_h", "confidence_m", "levels")}
    entry["levels"] = [level for level in (row.get("levels") or "").split(",") if level]
    entry["levels_present"] = row.get("levels_present") or []
    entry["row_count"] = row.get("row_count") or 0
    entry["missing_values"] = row.get("missing_values") or 0
    entry["confidence"] = {"H": row.get("confidence_h") or 0, "M": row.get("confidence_m") or 0}
    base = _url(f"/indicators/{row['id']}")
    entry["links"] = {"self": base, **{fmt: f"{base}/data.{fmt}?region=all" for fmt in FORMATS}}
    return entry


def _breakdowns(indicator_id: str) -> tuple[list[dict], list[dict]]:
    """The indicator's breakdown keys with labels, and the dimensions they use with the
    categories that occur."""
    dimensions, categories = export_rows.breakdown_labels()
    keys, used = [], {}
    for row in catalogue_rows.indicator_breakdowns(indicator_id):
        key = row["breakdown"]
        keys.append({
            "key": key,
            "parameter": key or selection.TOTAL,
            **{f"label_{lang}": selection.breakdown_label(key, lang, dimensions, categories) for lang in LANGUAGES},
            **{name: row[name] for name in ("row_count", "first_period", "last_period")},
        })
        for dimension, code in breakdowns.parse(key).items():
            used.setdefault(dimension, set()).add(code)
    described = []
    for dimension in sorted(used):
        label = dimensions.get(dimension, {})
        # In the dimension's own order (category.sort_order); codes without a label last.
        codes = sorted(used[dimension], key=lambda c: ((categories.get((dimension, c)) or {}).get("sort_order") or 10**6, c))
        described.append({
            "dimension": dimension,
            **{f"label_{lang}": label.get(f"label_{lang}", dimension) for lang in LANGUAGES},
            "categories": [
                {"code": code, **{f"label_{lang}": categories.get((dimension, code), {}).get(f"label_{lang}", code) for lang in LANGUAGES}}
                for code in codes
            ],
        })
    return keys, described


@lru_cache(maxsize=4)
def _database_zip(version: str, lang: str, site_url: str) -> bytes:
    """Built once per data version and language (and site address, which is fixed by
    BOLIG_PUBLIC_URL or one of the few trusted hosts); a new version is a new cache key."""
    return exports.database_zip(lang, site_url)
