"""The chart card and what it is built from: the URL state, the table builder, the text
alternatives, the strategy progress rules, the number formats added for charts, and the card
itself against a TEST warehouse (tabs, table, downloads, About, sources, missing values)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

import app  # noqa: F401  (the Dash app: links are made under its path prefix)
from boligsosial.domain import url_state
from boligsosial.domain.progress import progress
from boligsosial.text.numbers import NBSP, format_range, format_short
from boligsosial.ui import card, card_content, html_writer, tables
from tests.html_doc import HtmlDoc


@pytest.fixture
def warehouse(story_path, monkeypatch):
    """One TEST warehouse for the module (read-only), served to each test in turn."""
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(story_path))
    return story_path


# ------------------------------------------------------------------------------ URL state

CHOICES = [url_state.Choice("tab-a", ("chart", "table")), url_state.Choice("year-a", ("2020", "2012", "2016"))]


def test_the_url_state_keeps_known_values_and_leaves_defaults_out():
    view = url_state.read({"year-a": "2012", "tab-a": "chart", "utm_source": "x"}, CHOICES, "en")
    assert view.lang == "en" and view.rejected == []
    assert view.get("tab-a") == "chart" and view.get("year-a") == "2012"
    assert view.params() == {"lang": "en", "year-a": "2012"}
    assert view.url("/p", fragment="card-a", **{"tab-a": "table"}) == "/p?lang=en&tab-a=table&year-a=2012#card-a"
    assert view.url("/p", lang="nb", **{"year-a": "2020"}) == "/p"


@pytest.mark.parametrize("bad", ["TABLE", "<script>", "x" * 5000, "", None, 7, ["a", "b"], "'; DROP TABLE x; --"])
def test_a_value_the_page_does_not_know_falls_back_and_is_named(bad):
    view = url_state.read({"tab-a": bad}, CHOICES)
    assert view.get("tab-a") == "chart"
    assert view.rejected == ["tab-a"]


def test_a_repeated_parameter_counts_by_its_first_value_and_an_odd_lang_is_named():
    view = url_state.read({"tab-a": ["table", "chart"]}, CHOICES, ["xx", "en"])
    assert view.get("tab-a") == "table"
    assert view.lang == "nb" and view.rejected == ["lang"]
    assert url_state.read({}, CHOICES, "EN").lang == "en"


def test_card_choices_follow_the_config():
    spec = {"id": "c", "measures": [{"id": "count"}, {"id": "rate"}], "choose_period": ["2012", "2016", "2020"]}
    assert card.choices(spec) == [
        url_state.Choice("tab-c", card.TABS),
        url_state.Choice("measure-c", ("count", "rate")),
        url_state.Choice("year-c", ("2020", "2012", "2016")),  # the latest year is the default
    ]
    assert card.choices({"id": "d", "measures": [{"id": "x"}]}) == [url_state.Choice("tab-d", card.TABS)]


# ------------------------------------------------------------------------------ numbers, tables, text


def test_short_formats_for_charts_and_tables():
    assert format_short({"value": 30, "qualifier": "approx", "unit": "percent"}, "nb") == f"ca. 30{NBSP}%"
    assert format_short({"value": 54, "qualifier": "gt", "unit": "percent"}, "en") == "more than 54%"
    assert format_short({"value": 6259, "unit": "persons"}, "nb") == f"6{NBSP}259"
    assert format_short({"value": None, "status": ":", "unit": "persons"}, "nb") == "Skjermet"
    assert format_short({"value": None, "status": "", "unit": "persons"}, "en") == "Figure missing"
    assert format_range(177000, 282400, 0, "nb") == f"177{NBSP}000\u2013282{NBSP}400"
    assert format_range(177000, 282400, 0, "en") == "177,000\u2013282,400"


def test_the_table_is_a_real_table_with_notes_under_it():
    columns = [tables.Column("Personer"), tables.Column("Per 1 000")]
    rows = [
        tables.Row(tables.Cell("2003"), (tables.Cell("8 200", ("Beregnet tall",)), tables.Cell("Tall mangler", missing=True))),
        tables.Row(tables.Cell("2005"), (tables.Cell("8 500", ("Beregnet tall",)), tables.Cell("1,2"))),
    ]
    doc = HtmlDoc(html_writer.static_html(tables.data_table("Tallene", "År", columns, rows, "nb", table_id="t")))
    assert doc.all("caption", id="t-caption")
    assert [a.get("scope") for a in doc.all("th")] == ["col", "col", "col", "row", "row"]
    assert doc.all("div", class_="table-scroll", role="region", tabindex="0", aria_labelledby="t-caption")
    assert doc.all("td", class_="num is-missing")
    assert "merknad 1" in doc.text and doc.text.count("Beregnet tall") == 1  # one note, referred to twice
    assert doc.all("ol", class_="table-notes")


# ------------------------------------------------------------------------------ progress


def _rows(*pairs):
    return [{"period": p, "value": v} for p, v in pairs]


def test_progress_from_the_last_figure_at_or_before_the_start():
    result = progress(_rows(("2008", None), ("2012", 6259), ("2016", 3909), ("2020", 3325)), 2014, "down")
    assert result.baseline["period"] == "2012" and result.latest["period"] == "2020"
    assert (result.direction, result.wanted) == ("down", "yes")
    assert progress(_rows(("2012", 1), ("2020", 2)), 2014, "down").wanted == "no"
    assert progress(_rows(("2012", 1), ("2020", 2)), 2014, "none").wanted == "none"
    same = progress(_rows(("2012", 2), ("2020", 2)), 2014, "up")
    assert (same.direction, same.wanted) == ("same", "")


def test_progress_without_a_newer_or_an_earlier_figure():
    assert progress(_rows(("2020", 3325)), 2021, "down").direction == "no_newer"
    result = progress(_rows(("2017", 6905)), 2014, "none")
    assert result.baseline is None and result.latest["period"] == "2017" and result.direction == "none"
    assert progress([], 2014, "down").direction == "none"


def test_progress_reads_monthly_periods_by_year():
    result = progress(_rows(("2011-02", 125000), ("2022-01", 86000)), 2014, "none")
    assert result.baseline["period"] == "2011-02" and result.direction == "down"


# ------------------------------------------------------------------------------ the card


HOMELESS = {
    "id": "homeless", "chart": "line", "title": {"nb": "Bostedsløse", "en": "Homeless people"},
    "region": "0", "breakdown": "",
    "measures": [{"id": "count", "indicator": "homeless"}, {"id": "rate", "indicator": "homeless_per_1000"}],
}


def _card(spec, query=None, lang="nb"):
    view = url_state.read(query or {}, card.choices(spec), lang)
    section = card.chart_card(spec, view.lang, view, "/side")
    return section, HtmlDoc(html_writer.static_html(section))


def _chart(spec, query=None, lang="nb"):
    """The chart model the card draws."""
    view = url_state.read(query or {}, card.choices(spec), lang)
    return card_content.LOADERS[spec["chart"]](spec, view.lang, view).chart


def _values(chart):
    return [p.value for p in chart.series[0].points]


def test_the_card_is_an_aria_tab_widget_with_the_chart_tab_first(warehouse):
    _, doc = _card(HOMELESS)
    assert doc.all("div", role="tablist", aria_label="Visninger av Bostedsløse")
    tabs = doc.all("button", role="tab")
    assert [t["data-tab"] for t in tabs] == list(card.TABS)
    assert [t["aria-selected"] for t in tabs] == ["true", "false", "false", "false"]
    assert [t["tabindex"] for t in tabs] == ["0", "-1", "-1", "-1"]
    panels = doc.all("div", role="tabpanel")
    assert [p["id"] for p in panels] == [t["aria-controls"] for t in tabs]
    assert ["hidden" in p for p in panels] == [False, True, True, True]
    assert [p["aria-labelledby"] for p in panels] == [t["id"] for t in tabs]
    # Without JavaScript each panel is a section under its own heading.
    assert [h for h in doc.all("h3", class_="panel-heading")] and doc.text.count("Om tallene") >= 2


def test_the_tab_in_the_url_is_the_tab_shown(warehouse):
    _, doc = _card(HOMELESS, {"tab-homeless": "table"})
    tabs = doc.all("button", role="tab")
    assert [t["aria-selected"] for t in tabs] == ["false", "true", "false", "false"]
    assert ["hidden" in p for p in doc.all("div", role="tabpanel")] == [True, False, True, True]


def test_the_chart_has_a_text_alternative_from_the_data(warehouse):
    _, doc = _card(HOMELESS)
    alt = f"Linjediagram: bostedsløse 1996–2020, ned fra ca. 9{NBSP}100 til 3{NBSP}333. Tall mangler for 2008 og 2024."
    assert [d for d in doc.all("desc") if d["id"] == "card-homeless-chart-desc"]
    assert alt in doc.text  # the SVG's <desc>, which names the drawing with its <title>
    chart = _chart(HOMELESS)
    assert chart.alt == alt
    # Every period the warehouse has a row for, a missing one as a point without a value.
    assert chart.periods == ("1996", "2003", "2005", "2008", "2012", "2016", "2020", "2024")
    assert _values(chart) == [9100, 8200, 8500, None, 7777, 5555, 3333, None]


def test_the_table_has_every_listed_period_and_says_why_one_is_missing(warehouse):
    _, doc = _card(HOMELESS)
    table = doc.text[doc.text.index("Bostedsløse: tallene"):]
    assert "Personer" in table and "Per 1 000 innbyggere" in table
    assert "2008 Tall mangler" in table and "1,23" in table
    assert "Ikke tilgjengelig ennå" in table and "TEST: ikke publisert ennå." in table
    assert "Beregnet tall: TEST: 2005 minus 300" in table and "Middels sikkert (sekundærkilde)" in table
    assert " 0 " not in table.replace("1 000", "")


def test_a_nynorsk_table_gives_the_reason_in_nynorsk(warehouse):
    _, doc = _card(HOMELESS, lang="nn")
    assert "TEST: ikkje publisert enno." in doc.text
    assert "TEST: ikke publisert ennå." not in doc.text  # not the bokmål fallback


def test_switching_the_measure_draws_the_rate_and_links_keep_the_view(warehouse):
    _, doc = _card(HOMELESS, {"measure-homeless": "rate", "tab-homeless": "table"}, "en")
    assert _values(_chart(HOMELESS, {"measure-homeless": "rate"}, "en"))[3:7] == [1.23, 1.11, 0.66, 0.55]
    switches = {a.get("aria-current"): a["href"] for a in doc.all("a", class_="switch-option")}
    assert switches["true"] == "/side?lang=en&tab-homeless=table&measure-homeless=rate#card-homeless"
    assert switches[None] == "/side?lang=en&tab-homeless=table#card-homeless"
    share = doc.all("a", class_="share-link")[0]
    assert share["href"] == "/side?lang=en&tab-homeless=table&measure-homeless=rate#card-homeless"


def test_downloads_link_the_data_api_with_exactly_the_cards_selection(warehouse):
    _, doc = _card(HOMELESS, lang="en")
    links = [a["href"] for a in doc.all("a", download="") if "/api/" in a["href"]]
    assert len(links) == 4  # CSV and XLSX for the count and for the rate
    path, query = links[0].split("?")
    assert path == "/api/v1/indicators/homeless/data.csv"
    assert parse_qs(query) == {"region": ["0"], "from": ["1996"], "to": ["2024"], "breakdown": ["total"], "lang": ["en"]}
    assert urlsplit(links[3]).path == "/api/v1/indicators/homeless_per_1000/data.xlsx"
    assert parse_qs(urlsplit(links[3]).query)["from"] == ["2008"]  # the rate's own periods
    # The chart as an image: the public page's drawing of the series shown, title and source written in.
    images = [a["href"] for a in doc.all("a", data_format="png") + doc.all("a", data_format="svg")]
    assert [urlsplit(href).path for href in images] == ["/figur/homeless.png", "/figur/homeless.svg"]
    assert parse_qs(urlsplit(images[0]).query) == {"region": ["0"], "from": ["1996"], "breakdown": ["total"], "lang": ["en"]}


def test_about_comes_from_the_indicator_and_source_rows(warehouse):
    _, doc = _card(HOMELESS)
    about = doc.text[doc.text.index("Definisjon"):]
    assert "TEST-definisjon" in about and "Personer" in about
    assert "Testinstituttet, TEST DATA: kartlegging av bostedsløse (publisert 6. juni 2017)" in about
    assert "1 av 6 tall har middels sikkerhet: 2003." in about
    # What the figures rest on, counted as the /data catalogue counts: 2003 is derived, not sourced.
    assert "Kildegrunnlag 5 fra primærkilder, 1 avledet" in about
    assert "2003: Beregnet tall: TEST: 2005 minus 300" in about
    assert {"href": "https://example.org/test/survey"} in doc.all("a")


def test_every_card_has_a_source_line_and_a_share_box(warehouse):
    _, doc = _card(HOMELESS)
    assert "Kilde: Testinstituttet, TEST DATA: kartlegging av bostedsløse" in doc.text
    assert doc.all("details", class_="share") and "Del / lenke" in doc.text


def test_the_share_box_links_the_measure_shown_to_its_public_page(warehouse):
    _, doc = _card(HOMELESS, {"measure-homeless": "rate"}, "en")
    link = doc.all("a", class_="public-link")
    assert len(link) == 1 and "page of its own" in doc.text
    path, query = link[0]["href"].split("?")
    assert path == "/figur/homeless_per_1000"
    # From the first period on, open-ended, so the public page stays current.
    assert parse_qs(query) == {"region": ["0"], "from": ["2008"], "breakdown": ["total"], "lang": ["en"]}
    _, bars = _card(SITUATION, {"year-situation": "2016"})
    query = parse_qs(urlsplit(bars.all("a", class_="public-link")[0]["href"]).query)
    assert query["from"] == query["to"] == ["2016"] and query["lang"] == ["nb"]
    assert set(query["breakdown"][0].split(",")) == {
        "situation=temporary_accommodation", "situation=friends_acquaintances", "situation=prison"}
    # A card of places (no measures to choose from) links its places, on the codes it shows.
    from boligsosial.warehouse import series_rows
    places = {"id": "places", "chart": "places", "title": {"nb": "Steder", "en": "Places"}, "indicator": "homeless",
              "places": [("0", "Norge"), ("0301", "Oslo")], "codes": "current",
              "rows": series_rows.card_rows(["homeless"], ["0", "0301"], [""])}
    _, doc = _card(places)
    query = parse_qs(urlsplit(doc.all("a", class_="public-link")[0]["href"]).query)
    assert query["region"] == ["0,0301"] and query["codes"] == ["current"] and query["breakdown"] == ["total"]


SITUATION = {
    "id": "situation", "chart": "bar", "title": {"nb": "Bosituasjon", "en": "Living situation"},
    "note": {"nb": "Kategoriene er ikke de samme i alle år.", "en": "The categories differ between years."},
    "region": "0", "measures": [{"id": "share", "indicator": "homeless_share"}], "by": "situation",
    "choose_period": ["2012", "2016", "2020"],
}


def test_bars_show_the_chosen_years_categories_and_a_suppressed_value_as_its_symbol(warehouse):
    _, doc = _card(SITUATION)
    chart = _chart(SITUATION)
    assert _values(chart) == [33.0, 21.0, None]  # 2020: the suppressed one is a point without a value
    assert chart.series[0].points[2].label == "Skjermet"
    assert "Skjermet" in doc.text and "«Skjermet»: tallet finnes, men er skjult av personvernhensyn. Det er ikke null." in doc.text
    assert chart.alt.endswith("Kategoriene er ikke de samme i alle år.") and chart.note == "Kategoriene er ikke de samme i alle år."
    _, doc_2016 = _card(SITUATION, {"year-situation": "2016"})
    assert "Fengsel eller kriminalomsorg" in doc_2016.text and "Midlertidig botilbud" in doc_2016.text
    assert "Institusjon, fengsel eller krisesenter" not in doc_2016.text  # not a 2016 category
    download = next(a["href"] for a in doc_2016.all("a", download=""))
    query = parse_qs(urlsplit(download).query)
    assert query["from"] == query["to"] == ["2016"]
    assert set(query["breakdown"][0].split(",")) == {
        "situation=temporary_accommodation", "situation=friends_acquaintances", "situation=prison"}


def test_bars_by_county_use_the_names_the_counties_had_then(warehouse):
    spec = {"id": "county", "chart": "bar", "title": {"nb": "Fylke", "en": "County"},
            "measures": [{"id": "count", "indicator": "disadvantaged"}, {"id": "share", "indicator": "disadvantaged_share"}],
            "period": "2011", "by": "region", "level": "county", "fixed": "estimate=ssb_2011"}
    _, doc = _card(spec)
    assert "TEST-fylke Sør-Trøndelag" in doc.text and "TEST-fylke Trøndelag" not in doc.text
    assert f"30{NBSP}003" in doc.text and f"5,5{NBSP}%" in doc.text  # both measures in the table
    query = parse_qs(urlsplit(doc.all("a", download="")[0]["href"]).query)
    assert query["region"] == ["01,03,16"] and query["breakdown"] == ["estimate=ssb_2011,estimate=ssb_2011,estimate=ssb_2011"]


def test_estimates_list_what_each_measures(warehouse):
    spec = {"id": "estimates", "chart": "estimates", "title": {"nb": "Anslag", "en": "Estimates"},
            "note": {"nb": "Ulike definisjoner.", "en": "Different definitions."},
            "measures": [{"id": "count", "indicator": "disadvantaged"}], "region": "0", "dimension": "estimate",
            "estimates": [{"code": "ssb_2011", "short": {"nb": "SSB 2011", "en": "SSB 2011"},
                           "measures": {"nb": "TEST: lavinntekt", "en": "TEST: low income"}},
                          {"code": "strategy_2020", "short": {"nb": "Strategi 2020", "en": "Strategy 2020"},
                           "measures": {"nb": "TEST: strategien", "en": "TEST: the strategy"}}],
            "ranges": [{"low": "low", "high": "high", "short": {"nb": "Spenn", "en": "Range"},
                        "measures": {"nb": "TEST: spenn", "en": "TEST: range"}}]}
    _, doc = _card(spec)
    assert "Hva hvert anslag måler" in doc.text and "TEST: lavinntekt" in doc.text and "TEST: spenn" in doc.text
    chart = _chart(spec)
    assert [(e.year, e.name) for e in chart.estimates] == [(2011, "SSB 2011"), (2020, "Strategi 2020")]
    assert [(r.year, r.name, r.label) for r in chart.ranges] == [(2015, "Spenn", f"160{NBSP}000\u2013260{NBSP}000")]
    assert chart.note == "Ulike definisjoner." and not chart.series  # points and a range, never a line
    listed = doc.text[doc.text.index("Hva hvert anslag måler"):]
    assert listed.index("SSB 2011") < listed.index("Spenn") < listed.index("Strategi 2020")  # the chart's order
