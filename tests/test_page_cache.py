"""The page cache: a page is built once per view and data version; a newly published warehouse
is never answered with a page built from the old one; the status page is always fresh."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

import app as app_module
from boligsosial.config import settings
from boligsosial.text.numbers import NBSP
from boligsosial.web import page_cache
from tests.warehouse_factory import OBSERVATIONS, build_test_warehouse


@pytest.fixture(autouse=True)
def empty_cache():
    page_cache.cache.clear()
    yield
    page_cache.cache.clear()


@pytest.fixture
def client():
    build_test_warehouse(settings.warehouse_path())
    return app_module.server.test_client()


def _text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


# ------------------------------------------------------------------------------ the store itself


def _builder(calls: list, text: str = "x"):
    def build():
        calls.append(text)
        return {"app_entry": text}
    return build


def test_a_page_is_built_once_per_view_and_version():
    cache, calls = page_cache.PageCache(1_000_000), []
    for _ in range(3):
        assert cache.get_or_build("/", {"lang": "en"}, "v1", _builder(calls, "en")) == {"app_entry": "en"}
    cache.get_or_build("/", {}, "v1", _builder(calls, "nb"))
    cache.get_or_build("/", {"lang": "en", "tab-a": "table"}, "v1", _builder(calls, "en-table"))
    cache.get_or_build("/", {"tab-a": "table", "lang": "en"}, "v1", _builder(calls, "en-table"))  # same view
    assert calls == ["en", "nb", "en-table"]
    assert (cache.hits, cache.misses, len(cache)) == (3, 3, 3)


def test_a_new_data_version_builds_again_and_drops_the_old_pages():
    cache, calls = page_cache.PageCache(1_000_000), []
    cache.get_or_build("/", {}, "v1", _builder(calls, "old"))
    assert cache.get_or_build("/", {}, "v2", _builder(calls, "new")) == {"app_entry": "new"}
    assert calls == ["old", "new"] and len(cache) == 1


def test_live_pages_and_pages_without_a_warehouse_are_never_kept():
    cache, calls = page_cache.PageCache(1_000_000), []
    for _ in range(2):
        cache.get_or_build("/status", {}, "v1", _builder(calls, "status"))
        cache.get_or_build("/", {}, None, _builder(calls, "notice"))
    assert calls == ["status", "notice"] * 2 and len(cache) == 0


def test_the_store_is_bounded_by_size_dropping_the_least_recently_used():
    cache, calls = page_cache.PageCache(25), []
    for path in ("/a", "/b"):
        cache.get_or_build(path, {}, "v1", _builder(calls, "0123456789"))
    cache.get_or_build("/a", {}, "v1", _builder(calls))  # /a used again: /b is now the oldest
    cache.get_or_build("/c", {}, "v1", _builder(calls, "0123456789"))
    assert len(cache) == 2
    cache.get_or_build("/a", {}, "v1", _builder(calls, "rebuilt a"))
    cache.get_or_build("/b", {}, "v1", _builder(calls, "rebuilt b"))
    assert calls[-1] == "rebuilt b" and "rebuilt a" not in calls
    cache.get_or_build("/huge", {}, "v1", _builder(calls, "x" * 26))  # larger than the whole store: not kept
    assert ("/huge", (), "v1") not in cache._pages


# ------------------------------------------------------------------------------ in the app


def test_the_second_request_for_a_page_is_served_from_the_cache(client):
    first = _text(client, "/")
    assert (page_cache.cache.hits, page_cache.cache.misses) == (0, 1)
    second = _text(client, "/")
    assert page_cache.cache.hits == 1
    # Same page; only Dash's per-load parts (none on a page drawn by charts.js) could differ.
    assert first == second


def test_each_language_is_its_own_page(client):
    nb = _text(client, "/")
    en = _text(client, "/?lang=en")
    assert page_cache.cache.misses == 2
    assert '<html lang="nb">' in nb and f"7{NBSP}777" in nb
    assert '<html lang="en">' in en and "7,777" in en and "Tall mangler" not in en
    assert _text(client, "/?lang=en") == en and page_cache.cache.hits == 1


def test_a_newly_published_warehouse_is_never_answered_with_an_old_page(client):
    assert "test-v1" in _text(client, "/")
    build_test_warehouse(settings.warehouse_path(), data_version="test-v2")
    page = _text(client, "/")
    assert "test-v2" in page and "test-v1" not in page


def test_a_new_file_that_reuses_a_version_name_is_not_mistaken_for_the_old_one(client):
    """Versions name content in the ETL; hand-made or test warehouses may reuse a name."""
    assert f"7{NBSP}777" in _text(client, "/")
    changed = [row[:4] + (4444.0,) + row[5:] if row[0] == "homeless" and row[2] == "2012" else row for row in OBSERVATIONS]
    build_test_warehouse(settings.warehouse_path(), observations=changed)  # still "test-v1"
    page = _text(client, "/")
    assert f"4{NBSP}444" in page and f"7{NBSP}777" not in page


def test_the_status_page_shows_the_latest_run_at_once(client):
    before = _text(client, "/status")
    run = {"run_id": "test-run", "command": "refresh", "status": "failed", "message": "TEST: SSB did not answer",
           "started": datetime(2026, 11, 21, 7, 0, tzinfo=timezone.utc).isoformat(),
           "finished": datetime(2026, 11, 21, 7, 1, tzinfo=timezone.utc).isoformat()}
    with settings.run_log_path().open("a", encoding="utf-8") as log:
        log.write(json.dumps(run) + "\n")
    after = _text(client, "/status")
    assert "TEST: SSB did not answer" in after and "TEST: SSB did not answer" not in before
    assert len(page_cache.cache) == 0
