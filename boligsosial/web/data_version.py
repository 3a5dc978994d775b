"""One warehouse version per response, and the response names it.

The ETL can publish a new warehouse at any moment (os.replace of a complete file). A page or a
download reads the warehouse several times; every read in one request goes to the same file
(db.pin), so no response mixes two versions. The version that request read is sent as
X-Data-Version: a client or a cache can tell which data it got, and a test can check that
every number in a response belongs to that version.
"""
from __future__ import annotations

import logging

from flask import Flask, Response, request

from boligsosial.warehouse import db

HEADER = "X-Data-Version"

logger = logging.getLogger(__name__)


def install(server: Flask) -> None:
    server.before_request(db.pin)
    server.after_request(_name_the_version)
    # Teardown runs even when the view raised, so a failed request cannot leave its pin behind.
    server.teardown_request(lambda _error: db.unpin())


def _name_the_version(response: Response) -> Response:
    try:
        response.headers[HEADER] = db.data_version()
    except db.WarehouseUnavailable:
        pass  # nothing was served from a warehouse, so there is no version to name
    except Exception:  # noqa: BLE001 - a header must not turn an answer (or an error page) into a crash
        logger.exception("Could not name the data version of %s", request.path)
    return response
