"""How pages load in Chromium: the server's HTML is the page, assets/charts.js draws the charts
with plotly.js's partial bundle (never the full plotly.min.js, never Dash's renderer), only on
pages with charts, with the language's number format, and without moving anything."""
from __future__ import annotations

import re

import dash
import pytest

import app as app_module  # noqa: F401 - registers the pages
from tests.page_scripts import DRAW_ALL

PAGES = [page["path"] for page in dash.page_registry.values() if not page.get("path_template")]

# Every layout shift the page makes, recorded from the start (Lighthouse's CLS counts these).
RECORD_SHIFTS = """
window.__shifts = [];
new PerformanceObserver((list) => list.getEntries().forEach((e) => { if (!e.hadRecentInput) window.__shifts.push(e.value); }))
  .observe({type: "layout-shift", buffered: true});
"""


@pytest.fixture
def visit(browser):
    contexts = []

    def _visit(url: str, width: int = 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.add_init_script(RECORD_SHIFTS)
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url, wait_until="networkidle")
        page.wait_for_function(DRAW_ALL, timeout=30_000)
        page.wait_for_load_state("networkidle")
        return page, requests, errors

    yield _visit
    for context in contexts:
        context.close()


@pytest.mark.parametrize("path", PAGES)
def test_pages_load_the_partial_bundle_only_for_charts_and_nothing_of_dash(visit, story_server, path):
    url, _ = story_server
    page, requests, errors = visit(url + path)
    assert not [r for r in requests if "plotly.min.js" in r or "_dash-" in r]
    bundles = [r for r in requests if "/assets/vendor/plotly-basic.min.js?m=" in r]
    charts = page.locator(".card-graph").count()
    assert len(bundles) == (1 if charts else 0)
    assert page.locator(".card-graph .main-svg").count() >= page.locator(".card-graph:visible").count()
    assert errors == []


@pytest.mark.parametrize(("lang", "thousands"), [("nb", r"^\d{1,3}[\u00a0 ]\d{3}$"), ("en", r"^\d{1,3},\d{3}$")])
def test_charts_use_the_language_s_number_format(visit, story_server, lang, thousands):
    url, _ = story_server
    page, _, _ = visit(f"{url}/bostedslose?lang={lang}")
    ticks = page.locator("#card-homeless .ytick text").evaluate_all("els => els.map(e => e.textContent)")
    big = [tick for tick in ticks if len(re.sub(r"\D", "", tick)) >= 4]
    assert big and all(re.match(thousands, tick) for tick in big), ticks


@pytest.mark.parametrize("width", [1280, 360])
def test_drawing_the_charts_moves_nothing(visit, story_server, width):
    url, _ = story_server
    page, _, _ = visit(url + "/bostedslose", width=width)
    assert page.locator(".card-graph .main-svg").count() > 5
    assert sum(page.evaluate("window.__shifts")) < 0.01  # Lighthouse's "good" CLS is below 0.1
