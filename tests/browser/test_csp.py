"""The Content-Security-Policy in Chromium: every page (charts included) renders under it with no
violation at all, while an injected inline script, eval, and framing by another site are
refused. Pages are enumerated from dash.page_registry, so new pages are checked too."""
from __future__ import annotations

import http.server
import threading

import dash
import pytest

import app as app_module  # noqa: F401 - registers the pages

# Every CSP violation the page reports, recorded before any of the page's own scripts run.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) =>
    window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""

PAGES = [page["path"] for page in dash.page_registry.values() if not page.get("path_template")]


@pytest.fixture
def csp_page(browser):
    contexts = []

    def _open(url: str):
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.add_init_script(RECORD_VIOLATIONS)
        console: list[str] = []
        page.on("console", lambda msg: console.append(msg.text) if msg.type == "error" else None)
        page.goto(url, wait_until="networkidle")
        return page, console

    yield _open
    for context in contexts:
        context.close()


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_under_the_policy_without_violations(csp_page, live_server, path):
    page, console = csp_page(live_server + path)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__violations") == []
    assert [text for text in console if "Content Security Policy" in text] == []


def test_the_start_page_draws_its_charts_under_the_policy(csp_page, live_server):
    page, _ = csp_page(live_server + "/")
    page.locator(".card-graph").first.scroll_into_view_if_needed()
    assert page.locator(".card-graph svg.chart-svg .series circle").count() > 0


def test_an_injected_inline_script_is_refused(csp_page, live_server):
    page, _ = csp_page(live_server + "/status")
    injected = page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.__injected = true";
            document.body.appendChild(script);
            return window.__injected === true;
        }"""
    )
    assert injected is False
    assert any(v.startswith("script-src") and " inline " in v for v in page.evaluate("window.__violations"))


@pytest.fixture
def other_site(live_server):
    """Another origin (another port) whose page frames the app's status page, as a site
    putting our pages inside its own would."""
    page = f'<!DOCTYPE html><title>Other site</title><iframe src="{live_server}/status"></iframe>'.encode()

    class Framing(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *_):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Framing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    thread.join(10)


def test_another_site_cannot_frame_the_pages(browser, other_site):
    context = browser.new_context()
    page = context.new_page()
    with page.expect_console_message(lambda message: "frame-ancestors" in message.text, timeout=15_000):
        page.goto(other_site, wait_until="networkidle")
    framed = [frame for frame in page.frames if frame is not page.main_frame]
    assert len(framed) == 1
    assert framed[0].locator(".site-header").count() == 0  # none of the page was shown in the frame
    context.close()
