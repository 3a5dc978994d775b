"""Maps in Chromium against gunicorn serving the bundled warehouse (real, sourced county
figures): the public map page and the region explorer's map at desktop and phone width, with no
sideways scrolling and a legend whose text is readable, no axe violations, and every place on
the map a link that opens that place's view."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import axe_violations

MAP_PAGE = "/figur/housing_allowance_households?view=map&level=fylke"


def _open(browser, url: str, width: int):
    # axe is added as a script of the test's own, which the site's policy would refuse.
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url, wait_until="networkidle")
    return context, page, errors


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("path", [MAP_PAGE, "/kommuner?region=03&indicator=housing_allowance_households"])
def test_the_map_fits_reads_and_passes_axe(browser, real_server, screenshot_dir, path, width):
    url, _ = real_server
    context, page, errors = _open(browser, url + path, width)
    drawing = page.locator("svg.map-svg:visible").first
    assert drawing.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    # The legend's smallest text is at least 10 CSS px as drawn (the SVG scales with its box).
    sizes = drawing.locator(".map-legend text").evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
    legend = [size for size in sizes if size > 0]
    assert legend and min(legend) >= 10, min(legend)
    assert axe_violations(page) == []
    name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")[:40]
    page.screenshot(path=str(screenshot_dir / f"map-{name}-{width}.png"), full_page=True)
    assert errors == []
    context.close()


def test_every_place_on_the_map_opens_its_view(browser, real_server):
    url, _ = real_server
    context, page, _ = _open(browser, url + MAP_PAGE, 1280)
    links = page.locator(".chart-wide svg.map-svg a[href]")
    hrefs = sorted(set(links.evaluate_all("els => els.map(a => a.getAttribute('href'))")))
    assert len(hrefs) == 11  # the 2020–2023 counties
    for href in hrefs:
        view = context.new_page()
        response = view.goto(url + href, wait_until="domcontentloaded")
        assert response.status == 200
        code = re.search(r"(?:region|sted)=(\d+)", href)[1]
        if "region=" in href:  # a county that still exists: its own view
            assert code in view.locator(".explorer-facts").inner_text()
        else:  # a county of 2020-2023 since split or renumbered: today's places, with how they came about
            text = view.locator("main").inner_text()
            assert code in text and (view.locator(".explorer-choices").count() or view.locator(".explorer-facts").count())
        view.close()
    # A keyboard user reaches the places in turn, and the focused one is drawn so.
    page.keyboard.press("Tab")
    for _ in range(40):
        if page.evaluate("document.activeElement.closest('svg.map-svg') !== null"):
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('svg.map-svg') !== null")
    fill = page.evaluate("getComputedStyle(document.activeElement.querySelector('path')).fill")
    assert fill in ("rgb(255, 191, 71)", "#ffbf47")  # the site's focus colour
    context.close()
