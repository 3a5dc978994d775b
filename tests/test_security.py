"""Security headers on every kind of response, and a Content-Security-Policy that names exactly
the inline scripts the pages carry (checked against the HTML actually served, so a changed
renderer or a new inline script fails here, not silently in readers' browsers)."""
from __future__ import annotations

import base64
import hashlib
import re

import pytest

import app as app_module
from boligsosial import queries, settings
from tests.warehouse_factory import build_test_warehouse

server = app_module.server


@pytest.fixture
def client():
    build_test_warehouse(settings.warehouse_path())
    return server.test_client()


def _policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def _component_suite_url() -> str:
    """A fingerprinted script of Dash's (pages drawn by assets/charts.js no longer name any)."""
    with server.test_request_context("/"):
        scripts = app_module.app._generate_scripts_html()
    return re.search(r'<script src="(/_dash-component-suites/[^"]+)"', scripts)[1]


def _responses(client):
    """One response of every kind the server sends."""
    page = client.get("/")
    yield "page", page
    yield "status page", client.get("/status")
    yield "stylesheet", client.get("/assets/style.css")
    yield "component suite", client.get(_component_suite_url())
    yield "layout", client.get("/_dash-layout")
    yield "callback with a bad body", client.post("/_dash-update-component", json={"output": "nothing.here"})
    yield "health", client.get("/healthz")
    yield "not found", client.get("/no/such/page")
    yield "not found under the API", client.get("/api/no-such-thing")
    for rule in server.url_map.iter_rules():  # whatever API routes exist when the suite runs
        if rule.rule.startswith("/api/") and not rule.arguments and "GET" in rule.methods:
            yield rule.rule, client.get(rule.rule)


def test_every_response_carries_the_security_headers(client):
    seen = 0
    for kind, response in _responses(client):
        policy = _policy(response)
        assert policy["default-src"] == ["'none'"], kind
        assert policy["object-src"] == ["'none'"], kind
        assert policy["base-uri"] == ["'self'"], kind
        assert policy["frame-ancestors"] == ["'self'"], kind
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN", kind
        assert response.headers["X-Content-Type-Options"] == "nosniff", kind
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", kind
        assert "camera=()" in response.headers["Permissions-Policy"], kind
        seen += 1
    assert seen >= 9


def test_scripts_run_only_from_the_site_or_by_hash(client):
    policy = _policy(client.get("/"))
    scripts = policy["script-src"]
    assert scripts[0] == "'self'"
    assert all(source.startswith("'sha256-") for source in scripts[1:])
    for loose in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"):
        assert loose not in scripts


@pytest.mark.parametrize("path", ["/", "/?lang=en", "/status", "/status?lang=en"])
def test_every_inline_script_in_a_page_is_allowed_by_its_hash(client, path):
    """Hash what the browser will hash: the text of each inline script that runs (JSON data
    blocks do not run and need no hash)."""
    response = client.get(path)
    markup = response.get_data(as_text=True)
    allowed = set(_policy(response)["script-src"])
    inline = [
        body
        for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", markup, re.S)
        if "src=" not in attributes and "application/json" not in attributes
    ]
    # Pages drawn by assets/charts.js carry none; a page Dash renders carries its renderer
    # (app.py) and page-title function, and the policy names them too.
    for body in inline:
        assert _sha256(body) in allowed, body[:80]


def test_the_renderer_hash_follows_the_renderer(client, monkeypatch):
    """Not written down anywhere: change the renderer and the policy follows."""
    renderer = app_module.app.renderer
    before = _policy(client.get("/"))["script-src"]
    monkeypatch.setattr(app_module.app, "renderer", renderer + "\n// changed\n")
    after = _policy(client.get("/"))["script-src"]
    assert _sha256(renderer + "\n// changed\n") in after
    assert _sha256(renderer) in before and _sha256(renderer) not in after


def test_nothing_is_loaded_from_or_sent_to_another_site(client):
    """Inline styles are allowed (Dash and plotly.js inject theirs); what makes that safe is
    that nothing a style or script names can be fetched from anywhere but this site."""
    policy = _policy(client.get("/"))
    for directive in ("script-src", "style-src", "img-src", "font-src", "connect-src", "form-action"):
        for source in policy[directive]:
            assert source == "'self'" or source.startswith("'sha256-") or (directive, source) in {
                ("style-src", "'unsafe-inline'"),
                ("img-src", "blob:"),  # made by the page itself (chart PNG export), never fetched
            }, (directive, source)
    assert not {"frame-src", "child-src", "worker-src", "media-src", "manifest-src"} & set(policy)  # default 'none'


def test_embed_routes_may_be_framed_by_any_site(client):
    response = client.get("/embed/some-chart")
    assert _policy(response)["frame-ancestors"] == ["*"]
    assert "X-Frame-Options" not in response.headers
    assert _policy(client.get("/embedded"))["frame-ancestors"] == ["'self'"]  # only the /embed/ folder


def test_fingerprinted_dash_assets_keep_their_long_cache_lifetime(client):
    response = client.get(_component_suite_url())
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]


def test_the_app_opens_the_warehouse_read_only(client):
    client.get("/")
    cursor = queries._cursor()
    try:
        with pytest.raises(Exception, match="read-only"):
            cursor.execute("CREATE TABLE intruder (x INTEGER)")
    finally:
        cursor.close()
