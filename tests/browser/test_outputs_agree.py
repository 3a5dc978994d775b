"""What leaves the site tells the same truth as the pages (issue 10), checked in Chromium
against gunicorn serving the warehouse `make run` builds from the bundled data.

For every indicator, its public chart page (/figur), its embed, its SVG and PNG images and its
CSV and XLSX files hold the same figures: as many rows in the files as figures and missing
figures in the table, the same missing ones, the same bounds ("under", "over") drawn as bounds,
the same text alternative. For every chart card on the story pages, the card's table and the
public page it links to agree figure for figure. And printing the start page puts every chart
on paper."""
from __future__ import annotations

import csv
import io
import re
from collections import Counter

import cairosvg
import duckdb
import openpyxl
import pypdf
import pytest

from boligsosial.text.i18n import t
from boligsosial.web import export_rows

# The cells of a table's body, row by row, without the note references (<sup>).
TABLE_CELLS = """(selector) => [...document.querySelectorAll(selector + ' tbody tr')].map(tr => [...tr.children].map(cell => {
  const copy = cell.cloneNode(true); copy.querySelectorAll('sup').forEach(s => s.remove());
  return copy.textContent.replace(/\\s+/g, ' ').trim();
}))"""
TABLE_HEADERS = "(selector) => [...document.querySelectorAll(selector + ' thead th')].map(th => th.textContent.trim())"
# Marks of the chart itself (not the glyphs in its key) that say a figure is only a bound.
BOUND_MARKS = ".chart-wide svg .bound:not(.chart-key .bound)"
NO_ROW = "–"


def _indicators(warehouse) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [row[0] for row in con.execute("SELECT id FROM indicator ORDER BY id").fetchall()]


@pytest.fixture
def page_at(browser):
    contexts = []

    def _open(url: str):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url, wait_until="networkidle")
        return page, errors

    yield _open
    for context in contexts:
        context.close()


def _csv_rows(body: bytes) -> list[dict]:
    text = body.decode("utf-8-sig")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";"))


def _xlsx_rows(body: bytes) -> list[dict]:
    """The Data sheet's rows by column name (its headings are in the reader's language)."""
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True)["Data"]
    rows = list(sheet.iter_rows(values_only=True))
    names = {t(f"export.column.{column}", "nb"): column for column in export_rows.COLUMNS + export_rows.CURRENT_COLUMNS}
    return [dict(zip([names[heading] for heading in rows[0]], row)) for row in rows[1:]]


def _value_cells(rows: list[list[str]], skip: int = 1) -> list[str]:
    return [cell for row in rows for cell in row[skip:]]


def test_every_indicator_s_page_embed_images_and_files_agree(page_at, real_server):
    url, warehouse = real_server
    checked = 0
    for indicator in _indicators(warehouse):
        page, errors = page_at(f"{url}/figur/{indicator}")
        links = {fmt: page.locator(f"a[data-format={fmt}]").first.get_attribute("href")
                 for fmt in ("csv", "xlsx", "png", "svg") if page.locator(f"a[data-format={fmt}]").count()}
        if "csv" not in links:  # no figures at all for this indicator (said on the page)
            assert "ingen tall" in page.locator("main").inner_text(), indicator
            continue
        rows = page.evaluate(TABLE_CELLS, "#figur-data")
        headers = page.evaluate(TABLE_HEADERS, "#figur-data")
        estimates = len(headers) == 3 and headers[1] == "Anslag"  # period, estimate, value
        cells = _value_cells(rows, 2 if estimates else 1)
        shown = [c for c in cells if c != NO_ROW]
        missing = [c for c in shown if c.startswith(("Tall mangler", "Ikke tilgjengelig", "Skjermet", "Ikke aktuelt"))]
        bounds = [c for c in shown if c.startswith(("under ", "over "))]

        files = {fmt: page.request.get(url + links[fmt]) for fmt in links}
        assert all(response.ok for response in files.values()), indicator
        csv_rows = _csv_rows(files["csv"].body())
        xlsx_rows = _xlsx_rows(files["xlsx"].body())
        # The files have exactly the table's figures: one row per figure or missing figure.
        assert len(csv_rows) == len(xlsx_rows) == len(shown), indicator
        assert sum(1 for r in csv_rows if r["value"] == "") == len(missing), indicator
        assert sum(1 for r in xlsx_rows if r["value"] is None) == len(missing), indicator
        assert sum(1 for r in csv_rows if r["qualifier"] in ("gt", "lt")) == len(bounds), indicator
        assert Counter(r["period"] for r in csv_rows) == Counter(str(r["period"]) for r in xlsx_rows), indicator

        drawn = page.locator(".chart-wide svg").count() > 0
        if drawn:
            desc = page.locator(".chart-wide svg desc").first.text_content()
            assert page.locator(BOUND_MARKS).count() == len(bounds), indicator
            image = files["svg"].text()
            assert f">{_xml(desc)}</desc>" in image and image.count('class="bound"') >= len(bounds), indicator
            # The PNG is that same drawing, rasterised.
            assert files["png"].body() == cairosvg.svg2png(bytestring=files["svg"].body(), scale=2), indicator
            embed, embed_errors = page_at(url + "/embed/" + indicator)
            assert embed.locator(".chart-wide svg desc").first.text_content() == desc, indicator
            assert embed.locator(BOUND_MARKS).count() == len(bounds) and not embed_errors, indicator
        assert errors == [], indicator
        checked += 1
    with duckdb.connect(str(warehouse), read_only=True) as con:
        with_rows = con.execute("SELECT count(DISTINCT indicator_id) FROM observation").fetchone()[0]
    assert checked == with_rows  # every indicator that has a row was checked


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _card_ids(page) -> list[str]:
    return page.locator("section.chart-card").evaluate_all("els => els.map(e => e.dataset.card)")


@pytest.mark.parametrize("path", ["/", "/bostedslose", "/vanskeligstilte", "/strategier"])
def test_every_card_s_table_agrees_with_the_public_page_it_links_to(page_at, real_server, path):
    url, _ = real_server
    page, _ = page_at(url + path)
    for card in _card_ids(page):
        link = page.locator(f"#card-{card} a.public-link").get_attribute("href")
        card_rows = page.evaluate(TABLE_CELLS, f"#card-{card}-data")
        card_headers = page.evaluate(TABLE_HEADERS, f"#card-{card}-data")
        public, _ = page_at(url + link)
        public_rows = public.evaluate(TABLE_CELLS, "#figur-data")
        caption = public.locator("#figur-data caption").text_content()
        unit = re.search(r"\(([^)]*)\)", caption)[1]
        # The card's columns for the series its link names (its unit heads them).
        columns = [i for i, heading in enumerate(card_headers) if heading.startswith(unit) and i > 0]
        estimates = "Anslag" in card_headers
        ours = Counter(row[i] for row in card_rows for i in columns if row[i] != NO_ROW)
        theirs = Counter(c for c in _value_cells(public_rows, 2 if estimates else 1) if c != NO_ROW)
        assert ours == theirs, (path, card, ours, theirs)


def test_the_start_page_prints_with_every_chart_on_paper(page_at, real_server, tmp_path):
    url, _ = real_server
    page, _ = page_at(url + "/")
    page.emulate_media(media="print")
    charts = page.locator("section.chart-card .card-graph .chart-wide svg")
    assert charts.count() == page.locator("section.chart-card").count() > 0
    for index in range(charts.count()):
        box = charts.nth(index).bounding_box()
        assert box and box["height"] > 150 and box["width"] > 300  # drawn, at a readable size
    # Every chart's own key is in the printed text (the key is only in the drawing).
    keys = page.locator("section.chart-card .chart-wide svg .chart-key").evaluate_all(
        "els => els.map(e => [...e.querySelectorAll('text')].map(t => t.textContent).join(' '))")
    pdf = tmp_path / "oversikt.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pypdf.PdfReader(str(pdf)).pages))
    for key in keys:
        first_words = " ".join(key.split()[:3])
        assert first_words in text, first_words
    assert "Denne visningen:" in text  # the address of each view is printed
    assert "Oversikt" not in page.locator("nav.site-nav").inner_text() or not page.locator("nav.site-nav").is_visible()
