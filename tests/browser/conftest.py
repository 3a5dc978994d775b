"""Browser tests: a real gunicorn serving the app against a TEST warehouse, driven by Playwright
through the system Chromium (Playwright's own browser download is not available here)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.warehouse_factory import build_test_warehouse

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # answering at all (503 from a missing warehouse) means it is up
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on {url} within {timeout} s")


def _start_gunicorn(warehouse: Path, tmp: Path):
    port = _free_port()
    env = {**os.environ, "BOLIG_WAREHOUSE": str(warehouse)}
    log = open(tmp / "gunicorn.log", "w")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [str(gunicorn), "app:server", "-w", "2", "-b", f"127.0.0.1:{port}", "--no-control-socket"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url + "/healthz", proc)
    except RuntimeError:
        proc.terminate()
        proc.wait(10)
        log.close()
        raise RuntimeError((tmp / "gunicorn.log").read_text())
    return proc, log, url


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Base URL of gunicorn serving a freshly built test warehouse."""
    tmp = tmp_path_factory.mktemp("live")
    proc, log, url = _start_gunicorn(build_test_warehouse(tmp / "warehouse.duckdb"), tmp)
    yield url
    proc.terminate()
    proc.wait(10)
    log.close()


@pytest.fixture(scope="session")
def live_server_without_warehouse(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("live-missing")
    proc, log, url = _start_gunicorn(tmp / "not-built.duckdb", tmp)
    yield url
    proc.terminate()
    proc.wait(10)
    log.close()


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
