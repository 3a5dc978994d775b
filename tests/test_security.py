"""Security headers on every kind of response, and a Content-Security-Policy that lets scripts
run only from the site's own files (checked against the HTML actually served, so a new inline
script fails here, not silently in readers' browsers)."""
from __future__ import annotations

import re

import pytest

import app as app_module
from boligsosial.config import settings
from boligsosial.warehouse import db
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


def _responses(client):
    """One response of every kind the server sends."""
    page = client.get("/")
    yield "page", page
    yield "status page", client.get("/status")
    yield "stylesheet", client.get("/assets/style.css")
    yield "icon", client.get("/_favicon.ico")
    yield "refused Dash route", client.get("/_dash-layout")
    yield "refused callback", client.post("/_dash-update-component", json={"output": "nothing.here"})
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


@pytest.mark.parametrize("path", ["/", "/?lang=en", "/status", "/kommuner?region=0301", "/no/such/page"])
def test_scripts_run_only_from_the_sites_own_files_and_pages_carry_none_inline(client, path):
    response = client.get(path)
    assert _policy(response)["script-src"] == ["'self'"]
    markup = response.get_data(as_text=True)
    inline = [attributes for attributes in re.findall(r"<script([^>]*)>", markup) if "src=" not in attributes]
    assert inline == []


def test_nothing_is_loaded_from_or_sent_to_another_site(client):
    """Inline styles are allowed (style attributes in the server's HTML and the charts' SVG); what
    makes that safe is that nothing a style or script names can be fetched from anywhere but
    this site."""
    policy = _policy(client.get("/"))
    for directive in ("script-src", "style-src", "img-src", "font-src", "connect-src", "form-action"):
        for source in policy[directive]:
            assert source == "'self'" or (directive, source) == ("style-src", "'unsafe-inline'"), (directive, source)
    assert not {"frame-src", "child-src", "worker-src", "media-src", "manifest-src"} & set(policy)  # default 'none'


def test_embed_routes_may_be_framed_by_any_site(client):
    response = client.get("/embed/some-chart")
    assert _policy(response)["frame-ancestors"] == ["*"]
    assert "X-Frame-Options" not in response.headers
    assert _policy(client.get("/embedded"))["frame-ancestors"] == ["'self'"]  # only the /embed/ folder


def test_the_app_opens_the_warehouse_read_only(client):
    client.get("/")
    cursor = db.cursor()
    try:
        with pytest.raises(Exception, match="read-only"):
            cursor.execute("CREATE TABLE intruder (x INTEGER)")
    finally:
        cursor.close()
