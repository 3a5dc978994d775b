"""Public chart pages in Chromium against gunicorn and a TEST warehouse: with JavaScript turned
off the chart, table, source and downloads are there and visible; axe-core finds no WCAG 2.1 A/AA
violation on /figur or /embed; /embed loads inside an iframe of a page on another origin while
/figur does not; screenshots at 1280 and 360 px go to tests/artifacts/screenshots/."""
from __future__ import annotations

import functools
import http.server
import threading

import pytest

from tests.browser.conftest import ROOT
from tests.live_server import free_port

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # `npm ci` (make test) installs it

PAGES = {"figur": "/figur/homeless", "figur-en": "/figur/homeless?lang=en", "embed": "/embed/homeless"}


@pytest.fixture
def no_js(browser):
    contexts = []

    def _open(url: str, width: int = 1280):
        context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 900})
        contexts.append(context)
        page = context.new_page()
        response = page.goto(url, wait_until="load")
        assert response.status == 200
        return page

    yield _open
    for context in contexts:
        context.close()


def test_without_javascript_the_chart_table_source_and_downloads_show(no_js, live_server):
    page = no_js(live_server + "/figur/homeless")
    chart = page.locator(".chart-wide svg[role=img]")
    assert chart.is_visible() and chart.bounding_box()["height"] > 200
    assert page.locator(".chart-narrow svg").is_hidden()  # only one of the two drawings shows
    assert page.locator("table#figur-data").is_visible()
    assert page.locator("table#figur-data tbody tr").count() == 8  # 2008 and 2024 are expected, without a figure
    assert page.get_by_text("Kilde:").is_visible() and page.get_by_role("link", name="TEST DATA: kartlegging av bostedsløse").is_visible()
    for name in ("Tallene som CSV", "Tallene som Excel (XLSX)", "Figuren som PNG-bilde", "Figuren som SVG-bilde (skalerbart)"):
        assert page.get_by_role("link", name=name).is_visible()
    assert page.get_by_label("Kode for å bygge figuren inn i en nettside").is_visible()


def test_on_a_phone_the_narrow_chart_shows_and_nothing_scrolls_sideways(no_js, live_server):
    page = no_js(live_server + "/figur/homeless", width=360)
    assert page.locator(".chart-narrow svg").is_visible() and page.locator(".chart-wide svg").is_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_downloads_download(no_js, live_server):
    page = no_js(live_server + "/figur/homeless")
    for name, suffix in (("Tallene som CSV", ".csv"), ("Figuren som SVG-bilde (skalerbart)", ".svg"),
                         ("Figuren som PNG-bilde", ".png")):
        with page.expect_download() as download:
            page.get_by_role("link", name=name).click()
        assert download.value.suggested_filename.endswith(suffix)


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_violations(browser, live_server, name):
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server + PAGES[name], wait_until="load")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    context.close()
    assert [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"]] == []


@pytest.fixture
def other_origin(tmp_path):
    """A second web server on 127.0.0.1 (another port: another origin, as a news site would
    be) serving whatever article a test writes into its folder."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _framing_page(browser, other_origin, src: str):
    folder, origin = other_origin
    (folder / "article.html").write_text(
        '<!DOCTYPE html><html lang="en"><title>News</title><h1>An article</h1>'
        f'<iframe title="Chart" src="{src}" width="640" height="560"></iframe></html>', encoding="utf-8")
    context = browser.new_context(viewport={"width": 900, "height": 900})
    page = context.new_page()
    page.goto(origin + "/article.html", wait_until="load")
    return context, page


def test_the_embed_loads_in_an_iframe_on_another_origin_and_the_page_does_not(browser, live_server, other_origin,
                                                                              screenshot_dir):
    context, page = _framing_page(browser, other_origin, live_server + "/embed/homeless")
    frame = page.frame_locator("iframe")
    frame.locator("svg[role=img]").first.wait_for(state="visible", timeout=10_000)
    assert frame.get_by_role("heading", name="Bostedsløse").is_visible()
    page.screenshot(path=str(screenshot_dir / "public-embed-in-iframe.png"))
    context.close()

    context, page = _framing_page(browser, other_origin, live_server + "/figur/homeless")
    page.wait_for_timeout(1000)
    framed = page.frames[1]
    # Refused by frame-ancestors: the frame never gets the page (Chromium shows its own error).
    assert framed.locator("svg[role=img]").count() == 0
    context.close()


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("name", PAGES)
def test_screenshots(no_js, live_server, screenshot_dir, name, width):
    page = no_js(live_server + PAGES[name], width=width)
    page.screenshot(path=str(screenshot_dir / f"public-{name}-{width}.png"), full_page=True)
