"""Browser tests: a real gunicorn serving the app against a TEST warehouse, driven by Playwright
through the system Chromium (Playwright's own browser download is not available here)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.live_server import start_gunicorn
from tests.warehouse_factory import build_test_warehouse

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # `npm ci` (make test) installs it
WCAG_AA = "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"


def axe_violations(page) -> list[tuple]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is: (rule, impact, nodes)."""
    page.add_script_tag(path=str(AXE))
    return [(v["id"], v["impact"], len(v["nodes"])) for v in page.evaluate(WCAG_AA)["violations"]]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Base URL of gunicorn serving a freshly built test warehouse."""
    tmp = tmp_path_factory.mktemp("live")
    server = start_gunicorn(build_test_warehouse(tmp / "warehouse.duckdb"), tmp)
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def story_server(tmp_path_factory):
    """(base URL, warehouse path) of gunicorn serving the TEST warehouse with everything the
    national-story pages read (tests/story_warehouse.py)."""
    from tests.story_warehouse import build_story_warehouse

    tmp = tmp_path_factory.mktemp("story")
    warehouse = build_story_warehouse(tmp / "warehouse.duckdb")
    server = start_gunicorn(warehouse, tmp)
    yield server.url, warehouse
    server.stop()


@pytest.fixture(scope="session")
def real_server(bundled_warehouse, tmp_path_factory):
    """(base URL, warehouse path) of gunicorn serving the warehouse `make run` builds from the
    bundled data (real, sourced figures)."""
    tmp = tmp_path_factory.mktemp("real-live")
    server = start_gunicorn(bundled_warehouse, tmp)
    yield server.url, bundled_warehouse
    server.stop()


@pytest.fixture(scope="session")
def live_server_without_warehouse(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("live-missing")
    server = start_gunicorn(tmp / "not-built.duckdb", tmp)
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser):
    """open_page(url, width=1280) -> (page, console_errors): a fresh context per call, with
    console errors and uncaught page errors collected for the test to assert on."""
    contexts = []

    def _open(url: str, width: int = 1280, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url, wait_until="networkidle")
        return page, errors

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
