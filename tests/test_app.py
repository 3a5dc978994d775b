"""The app through Flask's test client: the start page carries the warehouse's figures with
their sources in the HTML itself, in either language, and says plainly when there is no
warehouse; /healthz tells the two apart."""
from __future__ import annotations

import html as html_module
import re
import string
from html.parser import HTMLParser

import pytest
import yaml

import app as app_module
from boligsosial.config import settings
from boligsosial.text import i18n
from boligsosial.text.numbers import NBSP
from boligsosial.ui import components, html_writer
from boligsosial.web import static_assets
from tests.warehouse_factory import build_test_warehouse


@pytest.fixture
def warehouse():
    return build_test_warehouse(settings.warehouse_path())


@pytest.fixture
def client():
    return app_module.server.test_client()


class _Page(HTMLParser):
    """Collects what a reader gets from the server's HTML: visible text (not scripts), and the
    tags and attributes the structure checks need."""

    def __init__(self, markup: str):
        super().__init__()
        self.text_parts: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self._skip = 0
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style", "title"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text_parts.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"[ \t\r\n]+", " ", "".join(self.text_parts))

    def all(self, tag: str) -> list[dict]:
        return [attrs for name, attrs in self.tags if name == tag]


def _get(client, url: str) -> _Page:
    response = client.get(url)
    assert response.status_code == 200
    return _Page(response.get_data(as_text=True))


# ------------------------------------------------------------------------------ start page


def test_start_page_shows_the_headline_figures_from_the_warehouse(client, warehouse):
    page = _get(client, "/")
    assert f"ca. 111{NBSP}000" in page.text  # vanskeligstilte, 2014 estimate
    assert f"ca. 222{NBSP}000" in page.text  # vanskeligstilte, 2020 estimate
    for count in ("7", "5", "3"):  # bostedsløse 2012, 2016, 2020
        assert f"{count}{NBSP}{count * 3}" in page.text
    for rate in ("1,11", "0,66", "0,55"):
        assert rate in page.text
    assert "per 1 000 innbyggere" in page.text


def test_no_real_figure_is_written_in_code(client, warehouse):
    """The test warehouse holds made-up numbers, so the real ones must not appear."""
    page = _get(client, "/")
    for real in ("6 259", "3 909", "3 325", "179 000", "150 000"):
        assert real.replace(" ", NBSP) not in page.text and real not in page.text


def test_every_figure_names_its_source_with_link_and_date(client, warehouse):
    page = _get(client, "/")
    assert "Kilde: Testinstituttet, TEST DATA: kartlegging av bostedsløse, publisert 6. juni 2017." in page.text
    assert "Kilde: Testavisen, TEST DATA: artikkel, publisert mars 2021." in page.text
    assert "Kilde: Testdepartementet, TEST DATA: strategi." in page.text  # no date given: none shown
    links = {a.get("href") for a in page.all("a")}
    assert {"https://example.org/test/survey", "https://example.org/test/article", "https://example.org/test/strategy"} <= links


def test_missing_derived_and_secondary_figures_are_labelled(client, warehouse):
    page = _get(client, "/")
    assert "Tall mangler" in page.text  # 2008 count in the trend table
    assert "Beregnet tall: TEST: 2005 minus 300" in page.text
    assert "Middels sikkert (sekundærkilde)" in page.text


def test_page_structure_for_assistive_technology(client, warehouse):
    response = client.get("/")
    markup = response.get_data(as_text=True)
    page = _Page(markup)
    assert '<html lang="nb">' in markup
    assert "<title>Oversikt – Boligsosial statistikk</title>" in markup
    assert len(page.all("h1")) == 1
    assert page.all("header") and page.all("footer") and page.all("nav")
    assert page.all("main") == [{"id": "main", "tabindex": "-1"}]
    first_link = page.all("a")[0]
    assert first_link == {"class": "skip-link", "href": "#main"}
    assert {"scope": "col"} in page.all("th") and {"scope": "row"} in page.all("th")
    assert page.all("caption")
    # The chart card's chart is an SVG named by its title and its text alternative.
    chart = next(svg for svg in page.all("svg") if svg.get("role") == "img")
    assert chart["aria-labelledby"] == "card-homeless-chart-title card-homeless-chart-desc"
    desc = re.search(r'<desc id="card-homeless-chart-desc">(.*?)</desc>', markup, re.S).group(1)
    assert f"ca. 9{NBSP}100 til 3{NBSP}333" in html_module.unescape(desc)


def test_english_switches_texts_numbers_and_lang(client, warehouse):
    response = client.get("/?lang=en")
    markup = response.get_data(as_text=True)
    page = _Page(markup)
    assert '<html lang="en">' in markup
    assert "<title>Overview – Social housing statistics</title>" in markup
    assert "about 111,000" in page.text and "7,777" in page.text and "0.66" in page.text
    assert "Source: Testinstituttet, TEST DATA: kartlegging av bostedsløse, published 6 June 2017." in page.text
    assert "Figure missing" in page.text and "Derived figure" in page.text
    assert "Tall mangler" not in page.text
    switch = [a for a in page.all("a") if a.get("class") == "lang-switch"]
    assert switch == [
        {"class": "lang-switch", "href": "/", "hreflang": "nb", "lang": "nb", "data-keeps-view": ""},
        {"class": "lang-switch", "href": "/?lang=nn", "hreflang": "nn", "lang": "nn", "data-keeps-view": ""},
        {"class": "lang-switch", "href": "/?lang=en", "hreflang": "en", "lang": "en", "aria-current": "true",
         "data-keeps-view": ""},
    ]


def test_bokmal_links_to_english_and_unknown_languages_fall_back(client, warehouse):
    page = _get(client, "/?lang=xx")
    assert "Tall mangler" in page.text
    switch = {a["lang"]: a for a in page.all("a") if a.get("class") == "lang-switch"}
    assert list(switch) == ["nb", "nn", "en"] and switch["nb"].get("aria-current") == "true"
    assert switch["en"]["href"] == "/?lang=en" and switch["nn"]["href"] == "/?lang=nn"


def test_the_page_draws_its_charts_on_the_server_and_needs_no_chart_script(client, warehouse):
    """The server's HTML is the page, charts included (SVG from the chart model): no plotly.js,
    no chart script, none of Dash's renderer bundles."""
    markup = client.get("/?lang=en").get_data(as_text=True)
    charts = re.findall(r'<div class="chart-wide"><svg [^>]*role="img"', markup)
    notices = re.findall(r'class="notice notice-info chart-notice"', markup)  # a card with nothing to draw says so
    assert len(charts) + len(notices) == len(re.findall(r'class="card chart-card"', markup)) and charts
    assert "7,777" in markup and "Persons" in markup  # English numbers and the unit, in the drawing
    for absent in ("plotly", "dash_renderer", "_dash-config", "DashRenderer", "react-entry-point", "_dash-component-suites"):
        assert absent not in markup
    assert re.findall(r"<script[^>]*>", markup) == [f'<script defer src="{static_assets.asset_url("card.js")}">']


def test_a_component_that_needs_dashs_browser_renderer_is_refused_not_dropped():
    """The site sends no renderer, so such a component would vanish from the page; it raises."""
    from dash import dcc, html

    with pytest.raises(TypeError, match="Dropdown cannot be written as HTML"):
        html_writer.static_html(html.Div([html.P("x"), dcc.Dropdown(id="d", options=["a"])]))


@pytest.mark.parametrize("path", ["/_dash-layout", "/_dash-dependencies", "/_reload-hash",
                                  "/_dash-component-suites/dash/dcc/dash_core_components.js"])
def test_dashs_browser_routes_are_not_served(client, warehouse, path):
    assert client.get(path).status_code == 404


def test_a_callback_request_cannot_rebuild_a_page(client, warehouse):
    body = {"output": "_pages_content.children", "outputs": {"id": "_pages_content", "property": "children"},
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/"}], "changedPropIds": []}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 404 and response.is_json  # in the API's error format


# ------------------------------------------------------------------------------ health


def test_healthz_reports_the_data_version(client, warehouse):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok", "data_version": "test-v1", "built_at": "2026-11-21T06:00:00+00:00", "schema_version": "2",
    }
    assert response.headers["Cache-Control"] == "no-store"


# ------------------------------------------------------------------------------ no warehouse


def test_without_a_warehouse_the_page_explains_how_to_build_it(client):
    response = client.get("/")
    assert response.status_code == 503  # never 200 without the figures
    page = _Page(response.get_data(as_text=True))
    assert "Databasen er ikke bygget" in page.text
    assert "The database has not been built" in page.text
    assert "make run" in page.text and "python -m etl build" in page.text
    assert "Tall mangler" not in page.text  # nothing pretends to be a figure
    assert len(page.all("h1")) == 1


def test_without_a_warehouse_healthz_is_503_with_a_reason(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error" and "does not exist" in body["message"]
    # Anyone can read /healthz: it names the file, not the server's directories.
    assert settings.warehouse_path().name in body["message"]
    assert str(settings.warehouse_path().parent) not in body["message"]


def test_a_corrupt_warehouse_is_reported_the_same_way(client):
    build_test_warehouse(settings.warehouse_path())
    settings.warehouse_path().write_bytes(b"\x00garbage" * 512)
    assert client.get("/healthz").status_code == 503
    response = client.get("/?lang=en")
    assert response.status_code == 503
    assert "The database is corrupt" in _Page(response.get_data(as_text=True)).text


# ------------------------------------------------------------------------------ tiles and config


def test_a_listed_period_without_data_is_shown_as_missing_never_skipped(warehouse):
    tile = {
        "id": "t", "indicator": "homeless", "rate_indicator": "homeless_per_1000", "region": "0",
        "title": {"nb": "T", "en": "T"}, "figures": [{"period": "2008"}, {"period": "2012"}],
    }
    text = _Page(html_writer.static_html(components.headline_tile(tile, "nb"))).text
    assert text.index("2008") < text.index("Tall mangler") < text.index("2012")
    assert "1,23 per 1 000 innbyggere" in text  # the 2008 rate exists even though the count does not
    assert " 0 personer" not in text


def test_headline_config_is_complete():
    config = yaml.safe_load((settings.ROOT / "data" / "headlines.yaml").read_text(encoding="utf-8"))
    for entry in config["tiles"] + config["cards"]:
        assert entry["title"]["nb"] and entry["title"]["en"]
        assert entry.get("indicator") or entry.get("measures")
        # Tiles list their periods (quoted: an unquoted 2020 is a number); a card's periods are
        # the warehouse's, from the indicator's expected periods.
        periods = [f["period"] for f in entry.get("figures", [])]
        assert all(isinstance(p, str) for p in periods), "periods must be quoted strings"
        assert periods or entry.get("chart"), entry["id"]


def test_every_interface_text_exists_in_both_languages_with_the_same_placeholders():
    fields = lambda text: {name for _, name, _, _ in string.Formatter().parse(text) if name}  # noqa: E731
    for key, texts in i18n.texts().items():
        assert set(texts) == set(i18n.LANGUAGES), key
        if isinstance(texts["nb"], str):
            assert fields(texts["nb"]) == fields(texts["en"]), key
        else:
            assert len(texts["nb"]) == len(texts["en"]), key


def test_static_html_writes_what_dash_would_render():
    from dash import dcc, html

    tree = html.Div(
        [
            html.Label("a < b & c", htmlFor="x"),
            html.Br(),
            html.Td("1", colSpan=2, style={"marginTop": 4, "--figures": "3"}),
            html.Main("m", tabIndex="-1", hidden=True, **{"aria-label": 'say "hi"'}),
            dcc.Link("next", href="/next"),
            None,
            7,
        ],
        className="k",
    )
    assert html_writer.static_html(tree) == (
        '<div class="k"><label for="x">a &lt; b &amp; c</label><br>'
        '<td colspan="2" style="margin-top:4px;--figures:3">1</td>'
        '<main hidden tabindex="-1" aria-label="say &quot;hi&quot;">m</main>'
        '<a href="/next">next</a>7</div>'
    )


def test_element_writes_the_tag_a_dash_component_gives():
    from dash import html

    attributes = {"className": "num is-missing", "style": {"width": "50%"}, "aria-hidden": "true", "title": 'a "b"'}
    for tag, component, more in (("span", html.Span, {}), ("a", html.A, {"href": "/kommuner?region=3101&scope=all"}),
                                 ("td", html.Td, {"colSpan": 2})):
        written = html_writer.element(tag, ["a < b", html_writer.element("br")], **attributes, **more)
        assert _sorted_attributes(written) == _sorted_attributes(html_writer.static_html(component(["a < b", html.Br()], **attributes, **more)))
    assert str(html_writer.element("a", "x", href="javascript:x")) == "<a>x</a>"  # an unsafe link is left out


def _sorted_attributes(markup: str) -> str:
    """The markup with each tag's attributes in alphabetical order (Dash's order of aria-* and
    data-* props is not fixed)."""
    import re

    def tag(match: re.Match) -> str:
        return "<" + match.group(1) + "".join(sorted(re.findall(r' [a-z-]+(?:="[^"]*")?', match.group(2)))) + ">"
    return re.sub(r"<([a-z]+)((?: [a-z-]+(?:=\"[^\"]*\")?)*)>", tag, str(markup))
