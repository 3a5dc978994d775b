"""Public chart pages /figur/<indicator> and /embed/<indicator> through Flask's test client on
TEST warehouses (made-up numbers, sources titled TEST DATA): content and numbers from the
warehouse, source, downloads, share and embed code, errors, caching and its invalidation,
ETag/304, framing rules and page weight."""
from __future__ import annotations

import gzip
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

import app as app_module
from boligsosial.config import settings
from boligsosial.text.numbers import NBSP
from boligsosial.warehouse import catalogue_rows, series_rows
from boligsosial.web import public
from boligsosial.web.render_cache import RenderCache, Rendered
from tests.html_doc import HtmlDoc
from tests.warehouse_factory import OBSERVATIONS, build_test_warehouse


@pytest.fixture(autouse=True)
def empty_cache():
    public.cache.clear()
    yield
    public.cache.clear()


@pytest.fixture
def warehouse():
    return build_test_warehouse(settings.warehouse_path())


@pytest.fixture
def story(story_path, monkeypatch):
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(story_path))
    return story_path


@pytest.fixture
def client():
    return app_module.server.test_client()


class _Table(HTMLParser):
    """The rows of the table with id figur-data: each a list of cell texts (header first)."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.caption = ""
        self._inside = self._cell = self._caption = self._sup = False
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == "figur-data":
            self._inside = True
        elif self._inside and tag == "tr":
            self.rows.append([])
        elif self._inside and tag in ("td", "th"):
            self._cell = True
            self.rows[-1].append("")
        elif self._inside and tag == "caption":
            self._caption = True
        elif tag == "sup":
            self._sup = True

    def handle_endtag(self, tag):
        if tag == "table":
            self._inside = False
        elif tag in ("td", "th"):
            self._cell = False
        elif tag == "caption":
            self._caption = False
        elif tag == "sup":
            self._sup = False

    def handle_data(self, data):
        if self._caption:
            self.caption += data
        elif self._cell and not self._sup:
            self.rows[-1][-1] += data


def _get(client, url, **headers):
    response = client.get(url, headers=headers)
    return response, response.get_data(as_text=True)


def _count_figures() -> dict[str, float | None]:
    """The national homelessness counts as stored (read through the app's one read-only connection)."""
    return {row["period"]: row["value"] for row in series_rows.observations("homeless", "0", "")}


# ------------------------------------------------------------------------------ content


def test_the_homelessness_page_has_chart_table_source_and_downloads_without_javascript(client, warehouse):
    response, body = _get(client, "/figur/homeless")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "<script" not in body.lower()  # nothing to run: it all works with JavaScript off
    assert re.search(r'<html lang="nb">', body) and "<title>Bostedsløse – figur og tall" in body
    doc = HtmlDoc(body)
    # The chart: inline SVG, an image with a name and a text alternative from the data.
    svgs = doc.all("svg", role="img")
    assert len(svgs) == 2  # wide and narrow, CSS shows one
    assert svgs[0]["aria-labelledby"] == "chart-title chart-desc"
    desc = re.search(r'<desc id="chart-desc">([^<]*)</desc>', body)[1]
    assert desc == f"Linjediagram: bostedsløse 1996–2020, ned fra ca. 9{NBSP}100 til 3{NBSP}333. Tall mangler for 2008 og 2024."
    # Source with its link, and the summary with a derived number labelled as ours.
    assert "Kilde: Testinstituttet, TEST DATA: kartlegging av bostedsløse" in doc.text
    assert {"href": "https://example.org/test/survey"} in doc.all("a")
    assert f"Bostedsløse: 3{NBSP}333 personer i 2020 (siste tall)." in doc.text
    assert f"Endring fra 1996 til 2020: omtrent −5{NBSP}767 personer (−63{NBSP}%)." in doc.text
    assert "Beregnet av oss" in doc.text
    # Downloads with the page's own parameters.
    links = {a["data-format"]: a["href"] for a in doc.all("a") if "data-format" in a}
    assert set(links) == {"csv", "xlsx", "png", "svg"}
    assert urlsplit(links["csv"]).path == "/api/v1/indicators/homeless/data.csv"
    assert urlsplit(links["xlsx"]).path == "/api/v1/indicators/homeless/data.xlsx"
    assert urlsplit(links["svg"]).path == "/figur/homeless.svg" and urlsplit(links["png"]).path == "/figur/homeless.png"
    queries_ = {parse_qs(urlsplit(href).query)["breakdown"][0] for href in links.values()}
    assert queries_ == {"total"}  # the total is what the page shows, and what the files hold
    csv = client.get(links["csv"]).get_data(as_text=True)
    assert "TEST DATA" in csv and "7777" in csv


def test_table_numbers_are_the_warehouse_numbers(client, warehouse):
    _, body = _get(client, "/figur/homeless")
    table = _Table(body)
    assert table.caption == "Bostedsløse (Personer)"
    assert table.rows[0] == ["År", "Personer"]
    stored = _count_figures()
    shown = {row[0]: row[1].strip() for row in table.rows[1:]}
    assert list(shown) == list(stored)  # every period with a row, in order, nothing made up
    for period, value in stored.items():
        if value is None:  # an expected survey without a figure: said, never 0
            assert shown[period].split(" ")[0] in ("Tall", "Ikke")
            continue
        assert shown[period].replace(NBSP, "").replace("ca. ", "") == f"{value:.0f}"
    assert shown["2008"].startswith("Tall mangler") and shown["2024"].startswith("Ikke tilgjengelig ennå")
    assert shown["1996"] == f"ca. 9{NBSP}100"  # qualifiers are data, shown as such
    assert 'scope="col"' in body and 'scope="row"' in body


def test_a_missing_value_is_shown_as_missing_never_zero(client, warehouse):
    _, body = _get(client, "/figur/homeless?region=0301")
    table = _Table(body)
    assert table.caption.endswith(", 2020") and table.rows[1][1].strip() == "Skjermet"
    assert re.search(r"<desc[^>]*>([^<]*)</desc>", body)[1].endswith("Tall mangler for Oslo.")
    assert table.rows[1][0] == "Oslo" and "<rect" not in body.split("<title", 2)[2]  # no bar drawn
    assert ">0<" not in body.split("<table", 1)[1].split("</table>", 1)[0]


def test_english_page_and_language_links(client, warehouse):
    _, body = _get(client, "/figur/homeless?lang=en")
    doc = HtmlDoc(body)
    assert '<html lang="en">' in body and "Homeless people" in doc.text
    assert "Homeless people: 3,333 persons in 2020 (latest figure)." in doc.text
    switch = next(a for a in doc.all("a") if a.get("hreflang") == "nb")
    assert switch["lang"] == "nb" and parse_qs(urlsplit(switch["href"]).query)["lang"] == ["nb"]


def test_share_link_embed_code_and_the_app_page(client, warehouse):
    _, body = _get(client, "/figur/homeless?from=2005")
    doc = HtmlDoc(body)
    share = doc.all("a", class_="fig-share")[0]["href"]
    assert share == "http://localhost/figur/homeless?region=0&from=2005&breakdown=total&codes=original&lang=nb"
    code = doc.all("textarea", id="embed-code")[0]
    assert "readonly" in code and doc.all("label", **{"for": "embed-code"})
    embed = re.search(r'<textarea[^>]*>([^<]*)</textarea>', body)[1].replace("&lt;", "<").replace("&gt;", ">") \
        .replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&")
    assert embed.startswith('<iframe title="Bostedsløse" src="http://localhost/embed/homeless?region=0&from=2005&')
    assert "to=" not in embed  # an open period keeps the embed current
    # The indicator lives on the Bostedsløse page, in its homelessness card.
    assert {"href": "/bostedslose#card-homeless"} in doc.all("a")


def test_bars_when_by_is_given_and_when_there_is_one_period(client, story):
    _, body = _get(client, "/figur/homeless_share?by=situation&from=2016&to=2016")
    desc = re.search(r'<desc id="chart-desc">([^<]*)</desc>', body)[1]
    assert desc.startswith("Stolpediagram, 2016")
    svg = re.search(r'<svg[^>]*>.*?</svg>', body, re.S)[0]
    bars = re.findall(r"<rect [^>]*><title>([^<]*)</title>", svg)
    assert len(bars) == 3 and "Fengsel eller kriminalomsorg, 2016: 8 prosent" in bars
    # One period without `by`: bars too.
    _, body = _get(client, "/figur/homeless?region=0&from=2012&to=2012")
    assert "Stolpediagram, 2012" in body


def test_several_series_over_time_have_a_legend_and_absent_years_are_gaps_not_labels(client, story):
    _, body = _get(client, "/figur/homeless_share?breakdown=sex=male,sex=female")
    svg = re.search(r'<svg[^>]*>.*?</svg>', body, re.S)[0]
    assert "Linjediagram" in svg and ">Menn<" in svg and ">Kvinner<" in svg  # the legend, named by category
    drawn = re.sub(r"<desc[^>]*>.*?</desc>", "", svg)
    assert "Tall mangler" not in drawn  # men have no 2012 figure: only their line starts later...
    assert "(Menn): 72 % i 2020." in svg.replace(NBSP, " ")  # ...and the text alternative names its one figure
    table = _Table(body)
    assert table.rows[0] == ["År", "Menn", "Kvinner"]
    assert table.rows[1][0] == "2012" and table.rows[1][1].strip() == "–"  # no row, so no row in the CSV either


def test_an_indicator_without_a_total_shows_all_its_rows_as_a_table_when_too_many_for_a_chart(client, story):
    response, body = _get(client, "/figur/homeless_share")
    assert response.status_code == 200
    assert "for mange til én lesbar figur" in body and "<svg" not in body
    assert _Table(body).rows  # the numbers are still there


def test_no_data_for_the_selection_says_so(client, warehouse):
    response, body = _get(client, "/figur/homeless?from=2030")
    assert response.status_code == 200
    assert "Det finnes ingen tall for dette utvalget" in body and "<svg" not in body and "figur-data" not in body


# ------------------------------------------------------------------------------ images


def test_svg_and_png_downloads_carry_title_and_source(client, warehouse):
    response, body = _get(client, "/figur/homeless.svg?lang=en")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    root = ET.fromstring(body)
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "Homeless people" in texts and "Source: Testinstituttet, TEST DATA" in texts
    assert 'filename="boligsosial-homeless-test-v1.svg"' in response.headers["Content-Disposition"]
    if public.cairosvg is None:
        pytest.fail("cairosvg is not installed: PNG downloads are off")
    png = client.get("/figur/homeless.png")
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------------------ embed


def test_the_embed_is_the_chart_with_minimal_chrome_and_may_be_framed_anywhere(client, warehouse):
    response, body = _get(client, "/embed/homeless")
    assert response.status_code == 200 and "<script" not in body.lower()
    doc = HtmlDoc(body)
    assert len(doc.all("svg", role="img")) == 2 and "figur-data" not in body  # no table
    assert "Kilde: Testinstituttet, TEST DATA: kartlegging av bostedsløse, publisert 6. juni 2017." in doc.text
    more = next(a for a in doc.all("a") if a["href"].startswith("http://localhost/figur/homeless?"))
    assert more["target"] == "_blank"
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers
    page = client.get("/figur/homeless")
    assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"


# ------------------------------------------------------------------------------ errors


@pytest.mark.parametrize("url, status, text", [
    ("/figur/nope", 404, "Det finnes ingen indikator som heter «nope»"),
    ("/figur/nope?lang=en", 404, "There is no indicator called “nope”"),
    ("/embed/nope", 404, "Fant ikke figuren"),
    ("/figur/homeless.gif", 404, "Fant ikke figuren"),
    ("/figur/Bad-Id!", 404, "Fant ikke figuren"),
    ("/figur/homeless?region=oslo", 400, "region"),
    ("/figur/homeless?from=20x0", 400, "from"),
    ("/figur/homeless?from=2020&to=2010&lang=en", 400, "from"),
    ("/figur/homeless?by=no_such_dimension", 400, "by"),
    ("/figur/homeless?lang=de", 400, "lang"),
    ("/embed/homeless?breakdown=a=b=c", 400, "breakdown"),
])
def test_bad_addresses_get_a_page_that_says_why(client, warehouse, url, status, text):
    response, body = _get(client, url)
    assert response.status_code == status and response.mimetype == "text/html"
    assert text in body and "Traceback" not in body and "/work/" not in body
    assert response.headers["Cache-Control"] == "no-store"
    assert re.search(r'<html lang="(nb|en)">', body) and "<h1>" in body


def test_without_a_warehouse_the_page_says_so_plainly(client, tmp_path, monkeypatch):
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(tmp_path / "not-built.duckdb"))
    response, body = _get(client, "/figur/homeless")
    assert response.status_code == 503 and "Traceback" not in body and "not-built" not in body


# ------------------------------------------------------------------------------ caching


def test_a_second_request_does_no_query_and_no_drawing(client, warehouse, monkeypatch):
    first, body = _get(client, "/figur/homeless")

    def forbidden(*args, **kwargs):
        raise AssertionError("should have come from the cache")

    monkeypatch.setattr(catalogue_rows, "selection_rows", forbidden)
    monkeypatch.setattr(series_rows, "indicator", forbidden)
    monkeypatch.setattr(public, "build_chart", forbidden)
    hits = public.cache.hits
    second, again = _get(client, "/figur/homeless")
    assert second.status_code == 200 and again == body and public.cache.hits == hits + 1
    # The same view asked for with its parameters in another order or spelling is the same entry.
    third, _ = _get(client, "/figur/homeless?lang=nb&region=0")
    assert third.status_code == 200 and public.cache.hits == hits + 2


def test_a_new_data_version_is_served_at_once_and_old_validators_expire(client, warehouse):
    url = "/embed/homeless?from=2012"
    first, body = _get(client, url)
    etag = first.headers["ETag"]
    assert "2020" in body and "Ikke tilgjengelig ennå" in body  # 2024 expected, not yet published
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    # The ETL publishes a new warehouse with a 2024 figure: the open period shows it.
    build_test_warehouse(warehouse, data_version="test-v2",
                         observations=OBSERVATIONS + [("homeless", "0", "2024", "", 2468.0, "", "", "test-survey",
                                                       False, None, "H")])
    second, body = _get(client, url, **{"If-None-Match": etag})
    assert second.status_code == 200 and second.headers["ETag"] != etag
    assert f"2{NBSP}468" in body and second.headers["X-Data-Version"] == "test-v2"


def test_etag_cache_control_and_304(client, warehouse):
    first, body = _get(client, "/figur/homeless")
    assert first.headers["Cache-Control"] == "public, max-age=300"
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get("/figur/homeless", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    # Another view or language is another validator.
    assert client.get("/figur/homeless?lang=en").headers["ETag"] != etag
    assert client.get("/figur/homeless?lang=en", headers={"If-None-Match": etag}).status_code == 200


def test_the_cache_is_bounded():
    cache = RenderCache(max_entries=3)
    for number in range(10):
        cache.get_or_build("v", number, lambda: Rendered(b"x", "text/plain"))
    assert len(cache) == 3
    cache.get_or_build("v2", "new", lambda: Rendered(b"y", "text/plain"))
    assert len(cache) == 1  # a new data version lets go of everything older


# ------------------------------------------------------------------------------ weight


def test_the_page_weighs_far_under_100_kib(client, warehouse):
    response, body = _get(client, "/figur/homeless")
    css = (settings.ROOT / "assets" / "figur.css").read_bytes()
    assert len(response.data) + len(css) < 100 * 1024
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', body)[1]
    assert stylesheet.startswith("/assets/figur.css?m=")
    css_response = client.get(stylesheet)
    assert css_response.status_code == 200 and "max-age=31536000" in css_response.headers["Cache-Control"]
    # Compressed, as a browser gets it through Flask-Compress.
    assert len(gzip.compress(response.data)) + len(gzip.compress(css)) < 20 * 1024


def test_every_indicator_s_public_page_opens_with_a_chart_or_a_reason_about_the_data(bundled_warehouse, monkeypatch):
    """The default view of /figur/<indicator> (its `public:` view, else its total) shows a
    chart whenever the data can make one; never "too many series"."""
    import duckdb

    monkeypatch.setenv("BOLIG_WAREHOUSE", str(bundled_warehouse))
    client = app_module.server.test_client()
    with duckdb.connect(str(bundled_warehouse), read_only=True) as con:
        indicators = con.execute("""SELECT i.id, count(o.value) FROM indicator i
                                    LEFT JOIN observation o ON o.indicator_id = i.id GROUP BY i.id ORDER BY i.id""").fetchall()
    too_many = ("for mange til én", "too many for one")
    for indicator, figures in indicators:
        response, body = _get(client, f"/figur/{indicator}")
        assert response.status_code == 200, indicator
        assert not any(text in body for text in too_many), indicator
        if figures:
            assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in body, indicator  # a chart
        else:
            assert "Det finnes ingen tall for dette utvalget" in body, indicator  # the reason: no figures


def test_english_pages_name_norway_and_its_statistics_office_in_english(bundled_warehouse, monkeypatch):
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(bundled_warehouse))
    client = app_module.server.test_client()
    _, body = _get(client, "/figur/municipal_dwellings?lang=en")
    text = HtmlDoc(body).text
    assert "Statistics Norway (SSB)" in text and "Statistisk sentralbyrå" not in text
    assert "Norway · " in text and "Norge" not in text
    _, body = _get(client, "/figur/municipal_dwellings")
    assert "Statistisk sentralbyrå (SSB)" in HtmlDoc(body).text  # and the Norwegian name on Norwegian pages


# ------------------------------------------------------------------------------ the map view


def test_the_county_map_of_a_real_figure_with_legend_table_and_source(bundled_warehouse, monkeypatch):
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(bundled_warehouse))
    client = app_module.server.test_client()
    response, body = _get(client, "/figur/housing_allowance_households?view=map&level=fylke")
    assert response.status_code == 200 and "<script" not in body.lower()
    drawing = re.search(r'<svg[^>]*class="map-svg".*?</svg>', body, re.S)[0]
    titles = re.findall(r"<a href=\"[^\"]*(?:region|sted)=(\d+)[^\"]*\"[^>]*><title>([^<]*)</title>", drawing)
    assert {code for code, _ in titles} == {"03", "11", "15", "18", "30", "34", "38", "42", "46", "50", "54"}  # 2020–2023 counties
    assert ("03", f"Oslo: 16{NBSP}219 husholdninger (januar 2022)") in titles
    assert "Kartet viser fylkesinndelingen 2020–2023." in body and "© Kartverket (CC BY 4.0)" in body
    table = _Table(body)
    assert table.rows[0] == ["Fylke", "Husholdninger", "Fargeklasse på kartet"] and len(table.rows) == 12
    assert "Kilde: Husbanken" in HtmlDoc(body).text
    # The files hold the regions and the period the map draws; the images carry it too.
    csv_link = re.search(r'href="([^"]+data\.csv[^"]*)"', body)[1].replace("&amp;", "&")
    assert "from=2022-01" in csv_link and "to=2022-01" in csv_link and "region=03" in csv_link
    png = client.get("/figur/housing_allowance_households.png?view=map&level=fylke")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    image = client.get("/figur/housing_allowance_households.svg?view=map&level=fylke").get_data(as_text=True)
    assert "Husholdninger som fikk bostøtte" in image and "Kilde: Husbanken" in image and "Kartverket" in image
    assert client.get("/embed/housing_allowance_households?view=map").status_code == 200


def test_an_earlier_year_is_drawn_on_today_s_counties_and_says_so(bundled_warehouse, monkeypatch):
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(bundled_warehouse))
    _, body = _get(app_module.server.test_client(), "/figur/municipal_dwellings_per_1000?view=map&level=fylke&year=2005")
    assert "Tallene er regnet om til fylkesinndelingen fra 2024" in body
    assert "Oslo: 21,9 per 1" in body  # as published (one decimal), not rounded to the indicator's 22


@pytest.mark.parametrize("query, status, text", [
    ("view=globe", 400, "view"), ("view=map&level=bydel", 400, "level"), ("view=map&year=20x1", 400, "year"),
])
def test_bad_map_parameters_are_named(client, warehouse, query, status, text):
    response, body = _get(client, f"/figur/homeless?{query}")
    assert response.status_code == status and text in body and "Traceback" not in body


def test_a_map_with_no_figures_says_why(client, warehouse):
    _, body = _get(client, "/figur/homeless?view=map&level=kommune")
    assert "Det finnes ingen tall for kommunene for denne indikatoren." in body
