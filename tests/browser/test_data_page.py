"""The Data page in a real browser against gunicorn serving the real bundled data (built into a
temporary warehouse by the ETL): search by typing, download a CSV by its link and check its
numbers against the warehouse, no horizontal scrolling on a phone, readable contrast, and
screenshots at 1280 and 360 px in tests/artifacts/screenshots/."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from tests.browser.test_start_page import CONTRAST_JS
from tests.live_server import start_gunicorn


@pytest.fixture(scope="module")
def data_server(tmp_path_factory, bundled_warehouse):
    """gunicorn serving a warehouse that `python -m etl build` made from the bundled data."""
    tmp = tmp_path_factory.mktemp("data-page")
    warehouse = bundled_warehouse
    server = start_gunicorn(warehouse, tmp)
    yield server.url, warehouse
    server.stop()


def _warehouse_rows(warehouse, indicator_id: str) -> pd.DataFrame:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "SELECT region_code, period, breakdown, value, status FROM observation WHERE indicator_id = ? "
            "ORDER BY region_code, breakdown, period", [indicator_id]).df()
    finally:
        con.close()


def test_search_by_typing_then_download_a_csv(open_page, data_server, screenshot_dir, tmp_path):
    url, warehouse = data_server
    page, errors = open_page(url + "/data")
    page.wait_for_selector("#data-q")  # Dash has rendered the page over the server's HTML
    assert page.title() == "Data og nedlasting – Boligsosial statistikk"
    total = page.locator(".catalogue-entry").count()
    assert total > 40
    page.screenshot(path=str(screenshot_dir / "data-nb-1280.png"), full_page=True)

    search = page.get_by_label("Søk i indikatorene")
    search.click()
    page.keyboard.type("startlån")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#data-q")
    assert "q=startl" in page.url
    titles = page.locator(".catalogue-entry h3").all_inner_texts()
    assert 0 < len(titles) < total and all("tartlån" in t or "start_loan" in t for t in titles)
    assert page.get_by_text(f"av {total} indikatorer passer til «startlån»").is_visible()
    assert page.locator("#data-q").input_value() == "startlån"

    link = page.get_by_role("link", name="Last ned Mottakere av startlån som CSV")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.startswith("boligsosial-start_loan_recipients-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    got = pd.read_csv(saved, sep=";", decimal=",", comment="#", dtype={"region_code": str, "period": str},
                      keep_default_na=False, na_values={"value": [""]})
    expected = _warehouse_rows(warehouse, "start_loan_recipients")
    # An expected year without a figure (2015) is an empty value in both.
    assert got["value"].fillna(-1).tolist() == expected["value"].fillna(-1).tolist()
    assert got["region_code"].tolist() == expected["region_code"].tolist()
    assert got["period"].tolist() == expected["period"].tolist()
    assert errors == []


def test_phone_width_has_no_horizontal_scrolling(open_page, data_server, screenshot_dir):
    url, _ = data_server
    page, errors = open_page(url + "/data", width=360, height=800)  # every indicator, the longest ids too
    page.wait_for_selector("#data-q")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.get_by_role("button", name="Søk").is_visible()
    assert errors == []
    page.screenshot(path=str(screenshot_dir / "data-nb-360.png"), full_page=True)


def test_english_and_the_api_page(open_page, data_server, screenshot_dir):
    url, _ = data_server
    page, errors = open_page(url + "/data?lang=en")
    page.wait_for_selector("#data-q")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.get_by_role("link", name="Download Homeless people as CSV").get_attribute("href").endswith("lang=en")
    page.get_by_role("link", name="How to use the API").first.click()
    page.wait_for_url("**/data/api?lang=en")
    page.wait_for_selector(".api-route")
    assert page.get_by_role("heading", name="GET /api/v1/indicators/{id}/data.{format}").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert errors == []
    page.screenshot(path=str(screenshot_dir / "data-api-en-1280.png"), full_page=True)
    phone, errors = open_page(url + "/data/api", width=360, height=800)
    phone.wait_for_selector(".api-route")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(screenshot_dir / "data-api-nb-360.png"), full_page=True)
    assert errors == []


@pytest.mark.parametrize("path", ["/data", "/data/api?lang=en"])
def test_text_contrast_meets_wcag_aa(open_page, data_server, path):
    url, _ = data_server
    page, _ = open_page(url + path)
    assert page.evaluate(CONTRAST_JS) == []


def test_search_works_without_javascript(browser, data_server):
    url, _ = data_server
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(url + "/data?lang=en")
    page.get_by_label("Search the indicators").fill("evictions")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "q=evictions" in page.url and "lang=en" in page.url  # the language travels with the search
    titles = page.locator(".catalogue-entry h3").all_inner_texts()
    assert titles and all("viction" in title for title in titles)
    context.close()
