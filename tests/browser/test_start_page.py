"""The start page in a real browser against a real gunicorn: figures and sources visible,
<html lang> following the language, keyboard access, no console errors, no horizontal
scrolling on a phone or at 200 % zoom. Screenshots go to tests/artifacts/screenshots/."""
from __future__ import annotations

import pytest

NBSP = "\u00a0"


def _homeless_chart(page, drawn: str = "") -> None:
    """The homelessness chart, scrolled into view: drawn on the server, so it is just there."""
    page.locator("#card-homeless .card-graph").scroll_into_view_if_needed()
    page.wait_for_selector("#card-homeless .card-graph svg.chart-svg" + drawn, timeout=10_000)


def _texts(page, selector: str) -> list[str]:
    return [text.strip() for text in page.locator(selector).all_inner_texts()]


def test_figures_and_sources_are_visible(open_page, live_server, screenshot_dir):
    requests: list[str] = []
    page, errors = open_page(live_server + "/")
    page.on("request", lambda request: requests.append(request.url))
    _homeless_chart(page, " .series circle >> visible=true")

    numbers = _texts(page, ".tile .figure-value .number")
    assert numbers == [f"111{NBSP}000", f"222{NBSP}000", f"7{NBSP}777", f"5{NBSP}555", f"3{NBSP}333"]
    for number in page.locator(".tile .figure-value").all():
        assert number.is_visible()
    source = page.get_by_role("link", name="TEST DATA: kartlegging av bostedsløse").first
    assert source.is_visible()
    assert source.get_attribute("href") == "https://example.org/test/survey"
    page.locator("#card-homeless-tab-table").click()  # the chart card's Tabell tab
    row_2008 = page.locator("#card-homeless-table tr", has=page.locator("th", has_text="2008"))
    assert row_2008.locator("td").first.inner_text().startswith("Tall mangler")
    assert row_2008.locator("td").first.is_visible()
    assert page.evaluate("document.documentElement.lang") == "nb"
    assert page.title() == "Oversikt – Boligsosial statistikk"
    assert errors == []
    page.screenshot(path=str(screenshot_dir / "oversikt-nb-1280.png"), full_page=True)


def test_the_first_view_needs_no_callback(browser, live_server):
    """The server writes the page and charts.js draws its charts, so loading it posts no callback at all."""
    context = browser.new_context()
    page = context.new_page()
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.goto(live_server + "/", wait_until="networkidle")
    _homeless_chart(page)
    assert posts == []
    context.close()


def test_english(open_page, live_server, screenshot_dir):
    page, errors = open_page(live_server + "/?lang=en")
    _homeless_chart(page)
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.title() == "Overview – Social housing statistics"
    assert _texts(page, ".tile .figure-value .number")[2] == "7,777"
    assert page.get_by_text("Source:").first.is_visible()
    assert errors == []
    page.screenshot(path=str(screenshot_dir / "oversikt-en-1280.png"), full_page=True)


def test_language_switch_link(open_page, live_server):
    page, errors = open_page(live_server + "/")
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/?lang=en")
    page.wait_for_selector(".tile")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.get_by_role("link", name="Nynorsk").click()
    page.wait_for_url("**/?lang=nn")
    assert page.evaluate("document.documentElement.lang") == "nn"
    assert page.locator("h1").inner_text() == "Bustadsosial statistikk"
    page.get_by_role("link", name="Bokmål").click()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.lang") == "nb"
    assert errors == []


def test_keyboard_reaches_the_skip_link_first_and_focus_is_visible(open_page, live_server):
    page, errors = open_page(live_server + "/")
    _homeless_chart(page)
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => {
            const el = document.activeElement, style = getComputedStyle(el), box = el.getBoundingClientRect();
            return {cls: el.className, text: el.textContent, outline: style.outlineStyle,
                    outlineWidth: parseFloat(style.outlineWidth), shadow: style.boxShadow,
                    top: box.top, height: box.height};
        }"""
    )
    assert focused["cls"] == "skip-link" and focused["text"] == "Gå til hovedinnhold"
    assert focused["outline"] != "none" and focused["outlineWidth"] >= 2 and focused["shadow"] != "none"
    assert focused["top"] >= 0 and focused["height"] > 0  # moved on screen when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is inside the content, not back in the header
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")
    assert errors == []


@pytest.mark.parametrize(
    ("width", "name"),
    [(360, "oversikt-nb-360.png"), (640, None)],  # 640 CSS px = a 1280 px window at 200 % zoom
)
def test_no_horizontal_scrolling_on_a_phone_or_at_200_percent_zoom(open_page, live_server, screenshot_dir, width, name):
    page, errors = open_page(live_server + "/", width=width, height=800)
    _homeless_chart(page, " .series circle >> visible=true")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for number in page.locator(".tile .figure-value").all():
        assert number.is_visible()
    assert errors == []
    if name:
        page.screenshot(path=str(screenshot_dir / name), full_page=True)


def test_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/")
    assert page.locator(".tile .figure-value .number").first.inner_text() == f"111{NBSP}000"
    assert page.get_by_role("table").first.is_visible()  # every card's table shows without JavaScript
    assert page.get_by_role("link", name="TEST DATA: kartlegging av bostedsløse").first.is_visible()
    assert page.locator(".card-graph .chart-wide svg").first.is_visible()  # charts are drawn on the server
    assert page.evaluate("document.documentElement.lang") == "nb"
    context.close()


def test_without_a_warehouse_the_page_says_how_to_build_it(open_page, live_server_without_warehouse, screenshot_dir):
    page, errors = open_page(live_server_without_warehouse + "/", width=360)
    assert page.get_by_role("heading", name="Databasen er ikke bygget").is_visible()
    assert page.get_by_role("heading", name="The database has not been built").is_visible()
    assert page.get_by_text("python -m etl build").first.is_visible()
    # The page itself answers 503 (no figures, no 200), which Chromium reports in the console.
    assert errors == ["Failed to load resource: the server responded with a status of 503 (SERVICE UNAVAILABLE)"]
    page.screenshot(path=str(screenshot_dir / "oversikt-no-warehouse-360.png"), full_page=True)


# Contrast of every visible piece of HTML text against the first opaque background behind it
# (WCAG 1.4.3: 4.5:1; 3:1 for large text, 24 px or 18.66 px bold). Chart SVG text is left out:
# its colours are set in components.py and its numbers are repeated in the table.
CONTRAST_JS = """
() => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const ch = [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
  };
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const c = parse(getComputedStyle(node).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const failures = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    const el = text.parentElement;
    if (!text.textContent.trim() || el.closest('svg, script, style')) continue;
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    if (box.width === 0 || style.visibility === 'hidden' || box.bottom < 0) continue;
    const [l1, l2] = [lum(parse(style.color)), lum(background(el))].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) failures.push(`${text.textContent.trim().slice(0, 40)}: ${ratio.toFixed(2)}`);
  }
  return failures;
}
"""


@pytest.mark.parametrize("path", ["/", "/?lang=en"])
def test_text_contrast_meets_wcag_aa(open_page, live_server, path):
    page, _ = open_page(live_server + path)
    assert page.evaluate(CONTRAST_JS) == []


def test_text_contrast_of_the_missing_warehouse_notice(open_page, live_server_without_warehouse):
    page, _ = open_page(live_server_without_warehouse + "/")
    assert page.evaluate(CONTRAST_JS) == []
