"""The national-story pages (Oversikt, Bostedsløse, Vanskeligstilte, Strategier) in Chromium
against gunicorn and the story TEST warehouse: every page loads with its charts and no console
errors at desktop, phone and 200 % zoom widths (screenshots in tests/artifacts/screenshots/);
the chart card's tabs work by mouse and by keyboard and put the view in the URL; reload, a
shared link and the language switch all give back the same view; a card's CSV holds the
warehouse's numbers; PNG and SVG exports download; without JavaScript every panel is readable;
and axe-core finds no serious or critical accessibility violation on any page."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pytest

from tests.browser.conftest import ROOT

PAGES = {"oversikt": "/", "bostedslose": "/bostedslose", "vanskeligstilte": "/vanskeligstilte", "strategier": "/strategier"}
TITLES = {
    "oversikt": "Oversikt – Boligsosial statistikk",
    "bostedslose": "Bostedsløse – Boligsosial statistikk",
    "vanskeligstilte": "Vanskeligstilte – Boligsosial statistikk",
    "strategier": "Strategier – Boligsosial statistikk",
}
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # `npm ci` (make test) installs it
AXE_REPORTS = ROOT / "tests" / "artifacts" / "axe"

# Every shown chart card's chart is there: the server drew it (SVG), nothing waits for a script.
CHARTS_DRAWN = """() => {
  const boxes = [...document.querySelectorAll('.card-graph')].filter(box => box.offsetParent !== null);
  return boxes.length > 0 && boxes.every(box => [...box.querySelectorAll('svg.chart-svg')].some(svg => svg.getBoundingClientRect().height > 50));
}"""


def _open(open_page, url: str, width: int = 1280):
    page, errors = open_page(url, width=width)
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
    return page, errors


def _selected_tabs(page, card: str) -> list[str]:
    return page.locator(f"#card-{card} [role=tab][aria-selected=true]").evaluate_all("els => els.map(e => e.dataset.tab)")


def _visible_panels(page, card: str) -> list[str]:
    return [tab for tab in ("chart", "table", "download", "about") if page.locator(f"#card-{card}-{tab}").is_visible()]


# ------------------------------------------------------------------------------ every page


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("width", [1280, 360])
def test_each_page_loads_with_its_charts(open_page, story_server, screenshot_dir, name, width):
    url, _ = story_server
    page, errors = _open(open_page, url + PAGES[name], width)
    assert page.title() == TITLES[name]
    assert page.evaluate("document.documentElement.lang") == "nb"
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing wider than a phone
    assert page.locator(".card-graph").first.is_visible()
    assert errors == []
    page.screenshot(path=str(screenshot_dir / f"{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("name", PAGES)
def test_no_sideways_scrolling_at_200_percent_zoom(open_page, story_server, name):
    url, _ = story_server
    page, errors = _open(open_page, url + PAGES[name], 640)  # a 1280 px window at 200 %
    assert page.evaluate("document.documentElement.scrollWidth") <= 640
    assert errors == []


def test_english_pages_have_english_titles(open_page, story_server, screenshot_dir):
    url, _ = story_server
    page, errors = _open(open_page, url + "/vanskeligstilte?lang=en")
    assert page.title() == "Disadvantaged on the housing market – Social housing statistics"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.get_by_role("tab", name="Chart").first.is_visible()
    assert errors == []
    page.screenshot(path=str(screenshot_dir / "vanskeligstilte-en-1280.png"), full_page=True)


# ------------------------------------------------------------------------------ tabs


def test_tabs_switch_by_click_and_put_the_tab_in_the_url(open_page, story_server):
    url, _ = story_server
    page, errors = _open(open_page, url + "/bostedslose")
    assert _selected_tabs(page, "homeless") == ["chart"] and _visible_panels(page, "homeless") == ["chart"]
    page.get_by_role("tab", name="Tabell").first.click()
    assert _selected_tabs(page, "homeless") == ["table"] and _visible_panels(page, "homeless") == ["table"]
    assert page.locator("#card-homeless-table caption").inner_text() == "Bostedsløse i hver kartlegging: tallene"
    assert "tab-homeless=table" in page.url
    # Links that keep the view follow: the language switch and the card's own share link.
    assert "tab-homeless=table" in page.locator("a.lang-switch[lang=en]").get_attribute("href")
    assert page.locator("#card-homeless a.share-link").text_content() == page.url.split("#")[0] + "#card-homeless"
    page.get_by_role("tab", name="Figur").first.click()
    assert "tab-homeless" not in page.url  # the default tab needs no parameter
    assert errors == []


def test_tabs_follow_the_arrow_keys_home_and_end(open_page, story_server):
    url, _ = story_server
    page, errors = _open(open_page, url + "/bostedslose")
    page.locator("#card-homeless-tab-chart").focus()
    steps = [("ArrowRight", "table"), ("ArrowRight", "download"), ("End", "about"), ("ArrowRight", "chart"),
             ("ArrowLeft", "about"), ("Home", "chart")]
    for key, expected in steps:
        page.keyboard.press(key)
        assert page.evaluate("document.activeElement.dataset.tab") == expected, key
        assert _selected_tabs(page, "homeless") == [expected]
        assert _visible_panels(page, "homeless") == [expected]
    # Tab leaves the tab list for the panel (roving tabindex: one stop per tab list).
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('[role=tabpanel]')?.id") == "card-homeless-table"
    assert errors == []


def test_focus_on_a_tab_is_visible(open_page, story_server):
    url, _ = story_server
    page, _ = _open(open_page, url + "/vanskeligstilte")
    page.locator("#card-tenure-tab-chart").focus()
    page.keyboard.press("ArrowRight")
    style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
                                      return {outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }""")
    assert style["outline"] != "none" and style["width"] >= 2


# ------------------------------------------------------------------------------ the URL is the view


def test_reload_and_a_shared_link_give_back_the_same_view(browser, open_page, story_server):
    url, _ = story_server
    page, errors = _open(open_page, url + "/bostedslose")
    page.locator("#card-situation a.switch-option", has_text="2016").click()  # a view switch is a link
    page.wait_for_function(CHARTS_DRAWN)
    page.locator("#card-situation-tab-table").click()
    page.locator("#card-homeless a.switch-option", has_text="Per 1 000 innbyggere").click()
    page.wait_for_function(CHARTS_DRAWN)
    expected = {"year-situation=2016", "tab-situation=table", "measure-homeless=rate"}
    assert all(part in page.url for part in expected)

    def same_view(other) -> None:
        assert _selected_tabs(other, "situation") == ["table"]
        assert other.locator("#card-situation a.switch-option[aria-current=true]").inner_text() == "2016"
        assert other.locator("#card-situation-table").get_by_text("Fengsel eller kriminalomsorg").is_visible()
        assert other.locator("#card-homeless a.switch-option[aria-current=true]").inner_text() == "Per 1 000 innbyggere"

    same_view(page)
    page.reload(wait_until="networkidle")
    same_view(page)
    shared = page.locator("#card-situation a.share-link").text_content()  # what "Del / lenke" shows
    context = browser.new_context()
    other = context.new_page()
    other.goto(shared, wait_until="networkidle")
    same_view(other)
    context.close()
    assert errors == []


def test_the_language_switch_keeps_the_view(open_page, story_server):
    url, _ = story_server
    page, errors = _open(open_page, url + "/vanskeligstilte?measure-tenure=share")
    page.locator("#card-tenure-tab-about").click()
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert "lang=en" in page.url and "measure-tenure=share" in page.url and "tab-tenure=about" in page.url
    assert _selected_tabs(page, "tenure") == ["about"]
    assert page.locator("#card-tenure-about").get_by_text("TEST definition").first.is_visible()
    page.get_by_role("link", name="Nynorsk").click()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.lang") == "nn"
    assert "lang=nn" in page.url and "measure-tenure=share" in page.url and "tab-tenure=about" in page.url
    assert _selected_tabs(page, "tenure") == ["about"]
    page.get_by_role("link", name="Bokmål").click()
    page.wait_for_load_state("networkidle")
    assert "lang=" not in page.url and "tab-tenure=about" in page.url
    assert errors == []


def test_a_bad_value_in_the_url_gives_a_polite_notice(open_page, story_server):
    url, _ = story_server
    page, errors = _open(open_page, url + "/bostedslose?tab-homeless=%3Cimg%20src%3Dx%3E&year-situation=1066")
    notice = page.get_by_role("status").filter(has_text="ikke forstått")
    assert notice.is_visible()
    assert _selected_tabs(page, "homeless") == ["chart"]
    assert errors == []


# ------------------------------------------------------------------------------ downloads


def _warehouse_values(warehouse: Path, indicator: str) -> dict[str, float]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "SELECT period, value FROM observation WHERE indicator_id = ? AND region_code = '0' AND breakdown = ''",
            [indicator],
        ).fetchall()
    finally:
        con.close()
    return {period: value for period, value in rows}


def _csv_rows(path: Path) -> list[dict[str, str]]:
    """The data rows of a downloaded CSV, whatever header block or separator the API puts first."""
    text = path.read_bytes().decode("utf-8-sig")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    dialect = csv.Sniffer().sniff(lines[0], delimiters=",;\t")
    return list(csv.DictReader(io.StringIO("\n".join(lines)), dialect=dialect))


def _number(text: str) -> float:
    return float(text.replace("\u00a0", "").replace(" ", "").replace(",", "."))


def test_a_cards_csv_holds_exactly_the_warehouse_numbers_it_shows(open_page, story_server, tmp_path):
    url, warehouse = story_server
    page, errors = _open(open_page, url + "/bostedslose")
    page.locator("#card-homeless-tab-download").click()
    link = page.locator("#card-homeless-download a[data-format=csv]").first
    with page.expect_download() as download:
        link.click()
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads it as UTF-8
    rows = _csv_rows(target)
    value_column = next(c for c in rows[0] if c.strip().lower() in ("value", "verdi"))
    period_column = next(c for c in rows[0] if c.strip().lower() in ("period", "periode"))
    got = {row[period_column]: _number(row[value_column]) if row[value_column].strip() else None for row in rows}
    assert got == _warehouse_values(warehouse, "homeless")  # the same rows, no more, no fewer; missing ones empty
    assert errors == []


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_the_chart_downloads_as_an_image_with_its_title_source_and_key(open_page, story_server, tmp_path, fmt):
    url, _ = story_server
    page, errors = _open(open_page, url + "/bostedslose?tab-homeless=download")
    with page.expect_download(timeout=15_000) as download:
        page.locator(f"#card-homeless-download a[data-format={fmt}]").click()
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    assert target.name.startswith("boligsosial-homeless-") and target.suffix == f".{fmt}"
    if fmt == "png":
        assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    else:
        svg = target.read_text(encoding="utf-8")
        assert "Bostedsløse" in svg and "Kilde: Testinstituttet" in svg and "Personer" in svg and "Tall mangler" in svg
    assert errors == []


# ------------------------------------------------------------------------------ without JavaScript


def test_without_javascript_every_panel_is_a_section_with_a_heading(browser, story_server):
    url, _ = story_server
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(url + "/vanskeligstilte")
    card = page.locator("#card-tenure")
    assert not card.get_by_role("tablist").is_visible()
    for heading in ("Figur", "Tabell", "Last ned", "Om tallene"):
        assert card.get_by_role("heading", name=heading, exact=True).is_visible()
    assert card.locator("table").is_visible() and card.locator("caption").is_visible()
    assert card.locator("a[data-format=csv]").first.is_visible()  # downloads are plain links
    # The chart is drawn on the server, and its images are plain links too.
    assert card.locator(".chart-wide svg.chart-svg").is_visible()
    assert card.locator("a[data-format=png]").is_visible() and card.locator("a[data-format=svg]").is_visible()
    context.close()


# ------------------------------------------------------------------------------ axe-core


def _axe(browser, url: str, width: int = 1280) -> list[dict]:
    # The page's Content-Security-Policy rightly refuses injected scripts; axe is the test's own.
    context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    context.close()
    return result["violations"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("query", ["", "?lang=en&tab-homeless=table&tab-situation=about&tab-tenure=download"])
def test_axe_finds_no_serious_or_critical_violations(browser, story_server, name, query):
    url, _ = story_server
    violations = _axe(browser, url + PAGES[name] + query)
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    report = [{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]), "help": v["help"]} for v in violations]
    (AXE_REPORTS / f"{name}{'-en' if query else ''}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    serious = [v for v in report if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
