"""Static files: versioned URLs are cached for a year and compressed once; anything else keeps
its own short caching; no page loads a chart library (charts are drawn on the server)."""
from __future__ import annotations

import gzip
import re

import brotli
import pytest

import app as app_module
from boligsosial.config import settings
from boligsosial.web import static_assets
from tests.warehouse_factory import build_test_warehouse

STYLESHEET = settings.ROOT / "assets" / "style.css"
BROWSER = "gzip, deflate, br, zstd"  # what Chromium sends


@pytest.fixture
def client():
    build_test_warehouse(settings.warehouse_path())
    return app_module.server.test_client()


# ------------------------------------------------------------------------------ no chart library


def test_no_page_loads_a_chart_library(client):
    for path in ("/", "/data", "/status", "/kommuner"):
        markup = client.get(path).get_data(as_text=True)
        assert "plotly" not in markup.lower() and "<svg" in markup or path != "/", path
    assert not (settings.ROOT / "assets" / "vendor").exists()


def _stylesheet_url() -> str:
    markup = app_module.server.test_client().get("/").get_data(as_text=True)
    return re.search(r'href="(/assets/style\.css\?m=[0-9.]+)"', markup)[1]


# ------------------------------------------------------------------------------ caching


def test_an_asset_is_immutable_at_its_versioned_url_and_sent_compressed(client):
    response = client.get(_stylesheet_url(), headers={"Accept-Encoding": BROWSER})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "br" and "Accept-Encoding" in response.headers["Vary"]
    assert "Accept-Ranges" not in response.headers
    assert len(response.data) < STYLESHEET.stat().st_size / 3
    assert brotli.decompress(response.data) == STYLESHEET.read_bytes()


@pytest.mark.parametrize(("accept", "encoding"), [("gzip", "gzip"), ("br;q=0, gzip", "gzip"), ("", None), ("identity", None)])
def test_the_encoding_follows_what_the_client_accepts(client, accept, encoding):
    response = client.get(_stylesheet_url(), headers={"Accept-Encoding": accept})
    assert response.headers.get("Content-Encoding") == encoding
    body = gzip.decompress(response.data) if encoding == "gzip" else response.data
    assert body == STYLESHEET.read_bytes()


def test_each_file_is_compressed_once_per_process(client, monkeypatch):
    calls = []
    real = static_assets.ENCODERS["br"]
    monkeypatch.setitem(static_assets.ENCODERS, "br", lambda data: calls.append(len(data)) or real(data))
    monkeypatch.setattr(static_assets, "_compressed", {})
    url = _stylesheet_url()
    bodies = [client.get(url, headers={"Accept-Encoding": BROWSER}).data for _ in range(3)]
    assert len(calls) == 1 and bodies[0] == bodies[1] == bodies[2]
    # Made-up query parameters name no other version and add nothing to the store.
    client.get(url + "&x=1", headers={"Accept-Encoding": BROWSER})
    assert len(calls) == 1 and len(static_assets._compressed) == 1


def test_the_favicon_is_immutable_and_dashs_component_bundles_are_not_served(client):
    markup = client.get("/").get_data(as_text=True)
    assert "_dash-component-suites" not in markup
    assert client.get("/_dash-component-suites/dash/dcc/dash_core_components.js").status_code == 404
    favicon = re.search(r'href="(/_favicon\.ico\?v=[^"]+)"', client.get("/").get_data(as_text=True))[1]
    assert client.get(favicon).headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_an_asset_is_immutable_only_at_its_current_version(client):
    markup = client.get("/").get_data(as_text=True)
    stylesheet = re.search(r'href="(/assets/style\.css\?m=[0-9.]+)"', markup)[1]
    assert client.get(stylesheet).headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for stale in ("/assets/style.css?m=1", "/assets/style.css"):  # an old page, or no version at all
        cache_control = client.get(stale).headers.get("Cache-Control", "")
        assert "immutable" not in cache_control and "max-age=31536000" not in cache_control


def test_pages_and_the_api_keep_their_own_caching(client):
    for url in ("/", "/status", "/healthz", "/api/v1/indicators"):
        cache_control = client.get(url, headers={"Accept-Encoding": BROWSER}).headers.get("Cache-Control", "")
        assert "immutable" not in cache_control and "max-age=31536000" not in cache_control, url


def test_a_missing_asset_is_a_plain_404(client):
    assert client.get("/assets/no-such-file.js?m=1").status_code == 404
    assert client.get("/assets/../app.py?m=1").status_code == 404
