"""Error responses: a real 404 for addresses that are no page, a 500 that shows no stack trace
(HTML for readers, JSON for the API and Dash's own routes), 503 with the plain notice when the
warehouse cannot be read, and debug mode off whatever the environment says."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from urllib.parse import unquote

import dash
import pytest

import app as app_module
from boligsosial.config import settings
from boligsosial.text import i18n
from boligsosial.warehouse import db
from tests.live_server import ROOT
from tests.warehouse_factory import build_test_warehouse

server = app_module.server
SECRET = "secret-detail-7f3a"  # in the exception only: must reach the log, never the reader


@pytest.fixture
def client():
    build_test_warehouse(settings.warehouse_path())
    return server.test_client()


def _start_page():
    return next(page for page in dash.page_registry.values() if page["path"] == "/")


def _no_trace(body: str) -> None:
    for leak in ("Traceback", 'File "/', SECRET, "werkzeug", "site-packages"):
        assert leak not in body, leak


# ------------------------------------------------------------------------------ debug


def test_debug_is_off():
    assert server.debug is False
    assert server.config["PROPAGATE_EXCEPTIONS"] is False
    assert app_module.app._dev_tools.ui is not True


def test_flask_debug_in_the_environment_does_not_switch_debug_on(tmp_path):
    code = "import app; print(app.server.debug, app.server.config['PROPAGATE_EXCEPTIONS'])"
    env = {**os.environ, "FLASK_DEBUG": "1", "BOLIG_WAREHOUSE": str(tmp_path / "none.duckdb")}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


# ------------------------------------------------------------------------------ 404


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_an_unknown_address_is_a_real_404_page_in_the_site_frame(client, lang):
    response = client.get(f"/no/such/page?lang={lang}")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert f'<html lang="{lang}">' in body
    assert i18n.t("error.not_found.heading", lang) in body
    assert f'href="{"/" if lang == "nb" else "/?lang=en"}">{i18n.t("error.home_link", lang)}</a>' in body
    assert "<header" in body and "<footer" in body and 'id="main"' in body  # the frame
    assert "404 - Page not found" not in body  # Dash's router text
    assert "_dash-renderer" not in body  # a plain page: nothing for Dash to route


def test_registered_pages_are_not_404(client):
    for page in dash.page_registry.values():
        if not page.get("path_template"):
            assert client.get(page["path"]).status_code == 200, page["path"]


def test_unknown_api_address_answers_json(client):
    response = client.get("/api/no/such/thing")
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["status"] == 404 and error["message_nb"] and error["message_en"]


@pytest.mark.parametrize("path", ["//evil.example/x", "/\\evil.example/x", "/%2F%2Fevil.example"])
def test_the_error_page_links_only_within_the_site(client, path):
    # The path as the server passes it on: Werkzeug's test client would read "//evil.example/x"
    # as a host name (and an unknown host is refused with 400: tests/test_hosts.py).
    response = client.get("/", environ_overrides={"PATH_INFO": unquote(path)}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    for href in body.split('href="')[1:]:
        link = href.split('"', 1)[0]
        assert link.startswith(("/", "#")) and not link.startswith(("//", "/\\")), link


# ------------------------------------------------------------------------------ 500


def test_an_exception_in_a_page_gives_the_generic_page_and_the_log_the_detail(client, monkeypatch, caplog):
    def broken(**_):
        raise RuntimeError(SECRET)

    monkeypatch.setitem(_start_page(), "layout", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get("/?lang=en")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert i18n.t("error.server.heading", "en") in body
    _no_trace(body)
    reference = body.split("Error reference: ", 1)[1][:10]
    assert any(reference in record.getMessage() and SECRET in record.getMessage() for record in caplog.records)
    assert any(record.exc_info and SECRET in str(record.exc_info[1]) for record in caplog.records)  # Flask's traceback


def test_an_exception_in_a_json_route_gives_a_json_error_without_trace(client, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError(SECRET)

    monkeypatch.setitem(server.view_functions, "api.indicators", broken)
    response = client.get("/api/v1/indicators")
    assert response.status_code == 500
    error = response.get_json()["error"]
    assert error["status"] == 500 and error["message_en"] and error["message_nb"]
    _no_trace(response.get_data(as_text=True))


# ------------------------------------------------------------------------------ 503


def test_a_page_that_lets_a_warehouse_fault_escape_still_says_what_is_wrong(client, monkeypatch):
    def unavailable(**_):
        raise db.WarehouseUnavailable(f"The warehouse /srv/{SECRET}.duckdb does not exist.")

    monkeypatch.setitem(_start_page(), "layout", unavailable)
    response = client.get("/")
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    for lang in ("nb", "en"):
        assert i18n.t("warehouse.problem.corrupt.heading", lang) in body
    _no_trace(body)  # the server path stays in the log


def test_the_error_json_is_well_formed(client):
    body = client.get("/api/nothing").get_data(as_text=True)
    assert set(json.loads(body)) == {"error"}
