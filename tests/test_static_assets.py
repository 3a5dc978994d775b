"""Static files: the plotly.js partial bundle matches the plotly package and draws every chart
the pages have; versioned URLs are cached for a year and compressed once; anything else keeps
its own short caching."""
from __future__ import annotations

import gzip
import json
import re

import brotli
import pytest
from plotly.offline import get_plotlyjs_version

import app as app_module
from boligsosial import settings, static_assets
from tests.warehouse_factory import build_test_warehouse

dash_app = app_module.app
BUNDLE = settings.ROOT / "assets" / static_assets.PLOTLY_BUNDLE
BROWSER = "gzip, deflate, br, zstd"  # what Chromium sends


@pytest.fixture
def client():
    build_test_warehouse(settings.warehouse_path())
    return app_module.server.test_client()


def _suite_url() -> str:
    with app_module.server.test_request_context("/"):
        scripts = dash_app._generate_scripts_html()
    return re.search(r'src="(/_dash-component-suites/dash/dcc/dash_core_components[^"]+)"', scripts)[1]


# ------------------------------------------------------------------------------ the bundle


def test_the_vendored_bundle_is_the_plotly_js_the_python_package_is_built_for():
    assert static_assets.bundle_version(dash_app) == get_plotlyjs_version()
    assert BUNDLE.read_text(encoding="utf-8").startswith("/**\n* plotly.js (basic - minified) v")


def test_every_chart_on_every_page_uses_a_trace_type_the_bundle_draws(story_path, monkeypatch):
    """A trace type missing from the partial bundle would draw nothing, and say nothing."""
    import dash

    monkeypatch.setenv("BOLIG_WAREHOUSE", str(story_path))
    client = app_module.server.test_client()
    kinds, charts = set(), 0
    for page in dash.page_registry.values():
        if page.get("path_template"):
            continue
        markup = client.get(page["path"]).get_data(as_text=True)
        holder = re.search(rf'<script id="{app_module.CHARTS_ID}"[^>]*>(.*?)</script>', markup, re.S)
        for chart in json.loads(holder.group(1)) if holder else []:
            charts += 1
            kinds |= {trace.get("type", "scatter") for trace in chart["figure"].get("data", [])}
    assert charts >= 10 and kinds  # the story pages do have charts
    assert kinds <= static_assets.PLOTLY_TRACE_TYPES, kinds - static_assets.PLOTLY_TRACE_TYPES


def test_pages_load_the_bundle_only_through_charts_js_and_never_the_full_plotly(client):
    for path in ("/", "/data", "/status"):
        markup = client.get(path).get_data(as_text=True)
        assert "plotly.min.js" not in markup and "plotly-basic" not in re.sub(r'data-plotly="[^"]*"', "", markup)
    assert 'data-plotly="/assets/vendor/plotly-basic.min.js?m=' in client.get("/").get_data(as_text=True)
    with app_module.server.test_request_context("/"):
        assert "/assets/vendor/" not in dash_app._generate_scripts_html()  # Dash does not add it to every page


# ------------------------------------------------------------------------------ caching


def test_the_bundle_is_immutable_at_its_versioned_url_and_sent_compressed(client):
    response = client.get(static_assets.plotly_url(dash_app), headers={"Accept-Encoding": BROWSER})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "br" and "Accept-Encoding" in response.headers["Vary"]
    assert "Accept-Ranges" not in response.headers
    assert len(response.data) < BUNDLE.stat().st_size / 3
    assert brotli.decompress(response.data) == BUNDLE.read_bytes()


@pytest.mark.parametrize(("accept", "encoding"), [("gzip", "gzip"), ("br;q=0, gzip", "gzip"), ("", None), ("identity", None)])
def test_the_encoding_follows_what_the_client_accepts(client, accept, encoding):
    response = client.get(static_assets.plotly_url(dash_app), headers={"Accept-Encoding": accept})
    assert response.headers.get("Content-Encoding") == encoding
    body = gzip.decompress(response.data) if encoding == "gzip" else response.data
    assert body == BUNDLE.read_bytes()


def test_each_file_is_compressed_once_per_process(client, monkeypatch):
    calls = []
    real = static_assets.ENCODERS["br"]
    monkeypatch.setitem(static_assets.ENCODERS, "br", lambda data: calls.append(len(data)) or real(data))
    monkeypatch.setattr(static_assets, "_compressed", {})
    url = _suite_url()
    bodies = [client.get(url, headers={"Accept-Encoding": BROWSER}).data for _ in range(3)]
    assert len(calls) == 1 and bodies[0] == bodies[1] == bodies[2]
    # Made-up query parameters name no other version and add nothing to the store.
    client.get(url + "?x=1", headers={"Accept-Encoding": BROWSER})
    assert len(calls) == 1 and len(static_assets._compressed) == 1


def test_dash_component_suites_and_the_favicon_are_immutable(client):
    suite = client.get(_suite_url(), headers={"Accept-Encoding": BROWSER})
    assert suite.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert suite.headers["Content-Encoding"] == "br"
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
