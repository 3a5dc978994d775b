"""The region explorer (Kommuner og fylker) in a real browser against gunicorn serving the TEST
region warehouse (tests/region_warehouse.py): pick a municipality by typing its name, compare
two places, switch between count and rate, download the CSV and check it against the
warehouse, reload and get the same view, no sideways scrolling on a 360 px phone, axe-core
finds nothing, and screenshots at 1280 and 360 px for a person to look at."""
from __future__ import annotations

import csv
import io
import json

import duckdb
import pytest

from tests.browser.conftest import ROOT
from tests.live_server import start_gunicorn
from tests.region_warehouse import build_region_warehouse

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_REPORTS = ROOT / "tests" / "artifacts" / "axe"
CHART_DRAWN = "() => !!document.querySelector('#card-trend .card-graph svg.chart-svg')"


@pytest.fixture(scope="module")
def region_server(tmp_path_factory):
    """(base URL, warehouse path) of gunicorn serving the TEST region warehouse."""
    tmp = tmp_path_factory.mktemp("regions-live")
    warehouse = build_region_warehouse(tmp / "warehouse.duckdb")
    server = start_gunicorn(warehouse, tmp)
    yield server.url, warehouse
    server.stop()


def _heading(page) -> str:
    return page.locator("#place").inner_text()


def test_pick_a_municipality_by_typing_its_name(open_page, region_server):
    url, _ = region_server
    page, errors = open_page(url + "/kommuner")
    page.get_by_label("Kommune eller fylke").fill("halden")
    page.get_by_label("Kommune eller fylke").press("Enter")
    page.wait_for_selector("#place")
    assert _heading(page) == "Halden"
    assert "region=3101" in page.locator(".explorer-view-link").get_attribute("href")
    assert errors == []


def test_an_old_name_leads_to_todays_place_with_a_note(open_page, region_server):
    url, _ = region_server
    page, _ = open_page(url + "/kommuner")
    page.get_by_label("Kommune eller fylke").fill("Rygge")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_selector("#place")
    assert _heading(page) == "Moss"
    assert "Rygge (0136) ble slått sammen med andre til Moss (3002)" in page.locator("main").inner_text()


def test_compare_two_places_and_switch_count_and_rate_then_reload(open_page, region_server):
    url, _ = region_server
    page, errors = open_page(url + "/kommuner?region=3101&scope=all")
    page.get_by_role("link", name="Sammenlign over tid: Sarpsborg").click()
    page.wait_for_load_state("networkidle")
    assert "compare=3105" in page.url
    header = page.locator("#card-trend-data thead th").all_inner_texts()
    assert header == ["År", "Halden", "Sarpsborg", "Østfold", "Norge"]

    page.locator("#switch-measure-label + ul").get_by_role("link", name="Antall").click()
    page.wait_for_load_state("networkidle")
    assert "measure=count" in page.url and "compare=3105" in page.url
    assert page.locator("#ranking").inner_text() == "Rangering: Kommunalt disponerte boliger"
    ranking = page.locator("#ranking-table").inner_text()

    page.reload(wait_until="networkidle")
    assert _heading(page) == "Halden"
    assert page.locator("#ranking-table").inner_text() == ranking
    assert page.locator("#card-trend-data thead th").all_inner_texts() == header
    assert errors == []


def test_the_csv_download_holds_the_warehouse_figures(open_page, region_server):
    url, warehouse = region_server
    page, _ = open_page(url + "/kommuner?region=3101&compare=3105&measure=count")
    page.get_by_role("tab", name="Last ned").click()
    link = page.locator("#card-trend-download a[data-format=csv]").first
    with page.expect_download() as download:
        link.click()
    body = open(download.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(body[body.index('"indicator_id"'):]), delimiter=";"))
    shown = {(r["region_code"], r["period"]): float(r["value"]) for r in rows if r["value"]}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        expected = dict(((code, period), value) for code, period, value in con.execute(
            """SELECT region_code, period, value FROM observation_current
               WHERE indicator_id = 'municipal_dwellings' AND breakdown = '' AND value IS NOT NULL
                 AND region_code IN ('3101', '3105', '31', '0')""").fetchall())
    finally:
        con.close()
    assert shown == expected
    assert shown[("3101", "2024")] == 790.0


@pytest.mark.parametrize("query", ["?region=3101&compare=3105", "?sted=V%C3%A5ler", ""])
def test_no_sideways_scrolling_on_a_phone(open_page, region_server, query):
    url, _ = region_server
    page, _ = open_page(url + "/kommuner" + query, width=360)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def _axe(browser, url: str, width: int) -> list[dict]:
    context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""")
    context.close()
    return result["violations"]


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("name, query", [
    ("place", "?region=3101&compare=3105"),
    ("choices", "?sted=V%C3%A5ler&lang=en"),
    ("start", ""),
    ("table-tab", "?region=3201&measure=count&scope=county&tab-trend=table"),
])
def test_axe_finds_no_violations(browser, region_server, name, query, width):
    url, _ = region_server
    violations = _axe(browser, url + "/kommuner" + query, width)
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    report = [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]], "help": v["help"]}
              for v in violations]
    (AXE_REPORTS / f"kommuner-{name}-{width}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    assert report == []


@pytest.mark.parametrize("width", [1280, 360])
def test_screenshots(open_page, region_server, screenshot_dir, width):
    url, _ = region_server
    page, errors = open_page(url + "/kommuner?region=3101&compare=3105", width=width)
    # Charts are drawn when they come near the screen: bring the card there first.
    page.locator("#card-trend").scroll_into_view_if_needed()
    page.wait_for_function(CHART_DRAWN, timeout=30_000)
    page.screenshot(path=str(screenshot_dir / f"kommuner-halden-{width}.png"), full_page=True)
    page, _ = open_page(url + "/kommuner", width=width)
    page.screenshot(path=str(screenshot_dir / f"kommuner-start-{width}.png"), full_page=True)
    assert errors == []
