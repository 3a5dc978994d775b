"""Smaller findings of issue 14 (finding 6): a source URL with another scheme than the web's
is never written as a link, whatever reached the warehouse; an If-Modified-Since in the future
is ignored; bodies over the limit are refused before they are read (413, in the API's JSON or
as a page)."""
from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import duckdb
import pytest

import app as app_module
from boligsosial.config import settings
from boligsosial.ui import html_writer
from boligsosial.web import security
from tests.story_warehouse import build_story_warehouse
from tests.warehouse_factory import build_test_warehouse, publish_file

server = app_module.server
HOSTILE = "javascript:alert(document.domain)"


@pytest.fixture
def client():
    return server.test_client()


# ------------------------------------------------------------------------------ source links


@pytest.mark.parametrize("url", [HOSTILE, "JavaScript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
                                 "\x01javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
                                 "vbscript:msgbox(1)"])
def test_addresses_that_would_run_code_are_not_links(url):
    assert not html_writer.safe_link(url)


@pytest.mark.parametrize("url", ["https://www.ssb.no/statbank/table/12008", "http://example.org/x", "/figur/homeless",
                                 "#main", "?lang=en", "mailto:post@example.org", "relative/path"])
def test_web_addresses_and_this_sites_own_are_links(url):
    assert html_writer.safe_link(url)


def _with_hostile_sources(path):
    """The story TEST warehouse with every source URL (observations' and strategies') replaced
    by a javascript: address, published as the ETL would."""
    built = build_story_warehouse(path.with_name("hostile.duckdb"))
    con = duckdb.connect(str(built))
    try:
        con.execute("UPDATE source SET url = $url", {"url": HOSTILE})
        con.execute("UPDATE strategy SET source_url = $url", {"url": HOSTILE})
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return publish_file(built, path)


@pytest.mark.parametrize("path", ["/", "/bostedslose", "/vanskeligstilte", "/strategier", "/data",
                                  "/figur/homeless", "/embed/homeless"])
def test_a_javascript_source_url_is_written_as_text_not_as_a_link(client, path):
    _with_hostile_sources(settings.warehouse_path())
    response = client.get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "TEST DATA" in body  # the sources are still named
    assert not re.search(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", body, re.IGNORECASE), path


# ------------------------------------------------------------------------------ If-Modified-Since


def test_an_if_modified_since_in_the_future_is_ignored(client):
    build_test_warehouse(settings.warehouse_path())
    url = "/api/v1/indicators/homeless/data.csv"
    future = format_datetime(datetime.now(timezone.utc) + timedelta(days=400), usegmt=True)
    response = client.get(url, headers={"If-Modified-Since": future})
    assert response.status_code == 200 and response.data  # not 304: the client's clock is wrong, not the data old
    # A date after the build and not in the future still gives 304.
    past = format_datetime(datetime.now(timezone.utc) - timedelta(minutes=1), usegmt=True)
    assert client.get(url, headers={"If-Modified-Since": past}).status_code == 304


# ------------------------------------------------------------------------------ request bodies


class Unread(io.RawIOBase):
    """A body that fails the test if anything reads it."""

    def readable(self):
        return True

    def readinto(self, buffer):
        raise AssertionError("the body was read")


def test_a_body_over_the_limit_is_refused_from_its_length_before_it_is_read(client):
    build_test_warehouse(settings.warehouse_path())
    response = client.post("/api/v1/indicators", environ_overrides={
        "wsgi.input": Unread(), "CONTENT_LENGTH": str(300 * 1024 * 1024), "CONTENT_TYPE": "application/json"})
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["status"] == 413 and "1 MiB" in error["message_en"] and "1 MiB" in error["message_nb"]


@pytest.mark.parametrize("path", ["/", "/figur/homeless", "/api/v1/indicators", "/healthz", "/assets/style.css"])
def test_every_route_has_the_limit(client, path):
    build_test_warehouse(settings.warehouse_path())
    response = client.post(path, data=b"x" * (security.MAX_BODY_BYTES + 1))
    assert response.status_code == 413, path


def test_the_page_says_why_in_the_readers_language(client):
    build_test_warehouse(settings.warehouse_path())
    response = client.post("/?lang=en", data=b"x" * (security.MAX_BODY_BYTES + 1))
    body = response.get_data(as_text=True)
    assert response.status_code == 413 and "The request is too large" in body and "at most 1 MiB" in body


def test_a_body_without_a_length_is_refused_before_it_is_read(client):
    build_test_warehouse(settings.warehouse_path())
    # As gunicorn passes a chunked body on: no length, and the stream ends where the body does.
    response = client.post("/api/v1/indicators", environ_overrides={
        "wsgi.input": Unread(), "CONTENT_LENGTH": "", "CONTENT_TYPE": "application/json",
        "HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True})
    assert response.status_code == 411
    assert "Content-Length" in response.get_json()["error"]["message_en"]


def test_a_callback_body_of_ordinary_size_is_still_taken(client):
    build_test_warehouse(settings.warehouse_path())
    body = json.dumps({"output": "nothing.here", "outputs": {"id": "nothing", "property": "here"}, "inputs": [],
                       "changedPropIds": [], "padding": "x" * 100_000})
    response = client.post("/_dash-update-component", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code != 413
