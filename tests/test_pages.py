"""The four national-story pages through Flask's test client: each page's own title and
language, the menu, the view kept across the language switch, bad URL values answered with a
polite notice, what each page must say (method and gaps, definitions that differ, baselines and
latest figures for the strategies' goals), and every configured card against the real bundled
data, so a typo in a page's config cannot leave a chart empty unnoticed."""
from __future__ import annotations

import re

import pytest

import app as app_module
from boligsosial.config import page_config
from boligsosial.domain import url_state
from boligsosial.text.numbers import NBSP
from boligsosial.ui import card, card_content
from tests.html_doc import HtmlDoc, chart_alts, svg_text

PAGES = {
    "/": ("Oversikt – Boligsosial statistikk", "Overview – Social housing statistics", "headlines.yaml"),
    "/bostedslose": ("Bostedsløse – Boligsosial statistikk", "Homelessness – Social housing statistics",
                     "pages/bostedslose.yaml"),
    "/vanskeligstilte": ("Vanskeligstilte – Boligsosial statistikk",
                         "Disadvantaged on the housing market – Social housing statistics", "pages/vanskeligstilte.yaml"),
    "/strategier": ("Strategier – Boligsosial statistikk", "Strategies – Social housing statistics",
                    "pages/strategier.yaml"),
}


@pytest.fixture
def client(story_path, monkeypatch):
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(story_path))
    return app_module.server.test_client()


def _get(client, url: str) -> tuple[HtmlDoc, str]:
    response = client.get(url)
    assert response.status_code == 200, url
    markup = response.get_data(as_text=True)
    return HtmlDoc(markup), markup


# ------------------------------------------------------------------------------ every page


NYNORSK_TITLES = {"/": "Oversikt – Bustadsosial statistikk", "/bostedslose": "Bustadlause – Bustadsosial statistikk",
                  "/vanskeligstilte": "Vanskelegstilte – Bustadsosial statistikk",
                  "/strategier": "Strategiar – Bustadsosial statistikk"}


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_each_page_has_its_own_title_language_and_one_heading(client, path, lang):
    doc, markup = _get(client, f"{path}?lang={lang}")
    title = {"nb": PAGES[path][0], "nn": NYNORSK_TITLES[path], "en": PAGES[path][1]}[lang]
    assert f'<html lang="{lang}">' in markup and f"<title>{title}</title>" in markup
    assert len(doc.all("h1")) == 1
    current = [a for a in doc.all("a") if a.get("aria-current") == "page"]
    assert [a["href"].split("?")[0] for a in current] == [path]


def test_the_menu_lists_the_story_pages_in_order(client):
    doc, _ = _get(client, "/")
    nav_links = [a["href"] for a in doc.all("a") if a.get("href", "").split("?")[0] in PAGES and "class" not in a]
    assert nav_links[:4] == list(PAGES)


@pytest.mark.parametrize("path", PAGES)
def test_every_chart_on_a_page_is_a_chart_card_with_a_source_line(client, path):
    doc, markup = _get(client, path)
    cards = doc.all("section", class_="card chart-card")
    assert cards, path
    assert len(doc.all("div", role="tablist")) == len(cards)
    assert len(chart_alts(markup)) == len(cards)  # one text alternative per chart
    assert doc.text.count("Kilde") >= len(cards)
    assert len(doc.all("details", class_="share")) == len(cards)


def test_the_language_switch_keeps_the_view(client):
    doc, _ = _get(client, "/bostedslose?year-situation=2016&tab-situation=table&tab-homeless=about")
    switch = doc.all("a", class_="lang-switch", lang="en")[0]
    assert switch["href"] == "/bostedslose?lang=en&tab-homeless=about&tab-situation=table&year-situation=2016"
    doc_en, _ = _get(client, switch["href"])
    tabs = {t["id"]: t["aria-selected"] for t in doc_en.all("button", role="tab")}
    assert tabs["card-situation-tab-table"] == "true" and tabs["card-homeless-tab-about"] == "true"
    assert doc_en.all("a", class_="lang-switch", lang="nb")[0]["href"] == (
        "/bostedslose?tab-homeless=about&tab-situation=table&year-situation=2016")


@pytest.mark.parametrize("path", PAGES)
def test_values_a_page_does_not_know_give_a_notice_not_an_error(client, path):
    hostile = "%3Cscript%3Ealert(1)%3C%2Fscript%3E"
    doc, markup = _get(client, f"{path}?lang={hostile}&tab-homeless={hostile}&year-situation=1850&measure-county=x"
                               f"&utm_source=news")
    notices = doc.all("div", class_="notice notice-info", role="status")
    assert len(notices) == 1
    assert "«lang»" in doc.text and "alert(1)" not in doc.text and "<script>alert" not in markup
    assert "utm_source" not in doc.text  # parameters no page uses are ignored quietly
    assert '<html lang="nb">' in markup


def test_a_good_url_gives_no_notice(client):
    doc, _ = _get(client, "/bostedslose?year-situation=2012&tab-homeless=table&measure-homeless=rate&lang=en")
    assert not doc.all("div", class_="notice notice-info", role="status")


@pytest.mark.parametrize("path", PAGES)
def test_without_a_warehouse_each_page_says_how_to_build_it(path, monkeypatch, tmp_path):
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(tmp_path / "missing.duckdb"))
    response = app_module.server.test_client().get(path)
    assert response.status_code == 503, path  # never 200 without the figures
    doc = HtmlDoc(response.get_data(as_text=True))
    assert "Databasen er ikke bygget" in doc.text and "The database has not been built" in doc.text
    assert len(doc.all("h1")) == 1


# ------------------------------------------------------------------------------ what each page says


def test_oversikt_has_the_municipal_dwellings_tile_and_the_forerunners_on_its_time_axes(client):
    doc, markup = _get(client, "/")
    tile = doc.text[doc.text.index("Kommunalt disponerte boliger"):]
    assert f"99{NBSP}999" in tile and f"111{NBSP}111" in tile and "22 per 1 000 innbyggere" in tile
    legend = svg_text(markup, 0)  # the key under the homelessness chart, in the drawing itself
    for name in ("TEST forløper A (2001–2004)", "TEST forløper B (2005–2007)", "TEST strategi A (2014–2020)",
                 "TEST strategi B (2021–2024)"):
        assert name in legend


def test_bostedslose_gives_definition_method_and_gaps(client):
    doc, _ = _get(client, "/bostedslose")
    method = doc.text[doc.text.index("Definisjon og metode"):]
    assert method.index("TEST-definisjon") < method.index("uke 48 hvert fjerde år")  # definition from the warehouse
    gaps = method[method.index("Hull i tallene"):]
    assert "2008" in gaps and "2024" in gaps and "ikke publisert" in gaps
    assert f"3{NBSP}333 personer" in doc.text and "37 år" in doc.text and "66 prosent" in doc.text
    assert "Kategoriene er ikke de samme i alle år" in doc.text


def test_vanskeligstilte_says_on_the_chart_that_the_definitions_differ(client):
    doc, markup = _get(client, "/vanskeligstilte")
    alt = chart_alts(markup)[0]
    assert "ulike definisjoner" in alt
    assert "Ulike definisjoner" in svg_text(markup, 0)  # written on the chart too
    assert "Hva hvert anslag måler" in doc.text
    assert "slik de var før regionreformen i 2020" in doc.text and "TEST-fylke Sør-Trøndelag" in doc.text
    for title in ("Etter eierform", "Etter husholdningstype", "Etter antall barn", "Etter innvandringsbakgrunn",
                  "Etter kommunestørrelse"):
        assert title in doc.text


def _goal_rows(doc: HtmlDoc, caption: str) -> str:
    """A goal table's text with the note references taken out (the notes themselves stay)."""
    start = doc.text.index(caption)
    return re.sub(r" merknad \d+", "", doc.text[start:start + 1400])


def test_strategier_sets_both_strategies_side_by_side_with_baselines_and_latest_figures(client):
    doc, _ = _get(client, "/strategier")
    assert doc.all("div", class_="strategies")
    assert doc.text.index("TEST strategi A") < doc.text.index("TEST strategi B")
    first = _goal_rows(doc, "Indikatorer for mål 1")
    assert f"7{NBSP}777 personer (2012) 3{NBSP}333 personer (2020) Ned, ønsket retning" in first
    assert "1,11 per 1 000 innbyggere (2012) 0,55 per 1 000 innbyggere (2020) Ned, ønsket retning" in first
    # No national total: each strategy's own estimate is shown, and its change is not computed.
    assert f"ca. 111{NBSP}000 personer (2014) ca. 222{NBSP}000 personer (2020) Kan ikke beregnes" in first
    # Every figure names its source, as a note under the table.
    assert "Kilde: Testinstituttet, TEST DATA: kartlegging av bostedsløse" in first
    assert "Kilde: Testdepartementet, TEST DATA: strategi" in first
    assert "Kildene bekrefter ikke at de er målt på samme måte" in first
    assert "19 per 1 000 innbyggere (2012) 22 per 1 000 innbyggere (2023) Opp, ingen ønsket retning er satt" in first
    second = _goal_rows(doc, "Mål 1: TEST-mål B1")
    assert f"3{NBSP}333 personer (2020) 3{NBSP}333 personer (2020) Ingen nyere tall" in second
    assert "TEST-innsatsområde A1 (mål 1)" in doc.text and "TEST-resultatmål A1" in doc.text
    assert f"Mål: 0 personer. Måles med: Bostedsløse. Siste tall: 3{NBSP}333 personer (2020)." in doc.text


def test_strategier_draws_the_zero_vision_and_a_timeline_with_the_forerunners(client):
    doc, markup = _get(client, "/strategier")
    assert "Målet er tegnet som en stiplet linje: TEST-nullvisjon" in chart_alts(markup)[0]
    timeline = doc.text[doc.text.index("Nasjonale strategier siden 2001"):]
    order = [timeline.index(text) for text in ("2001–2004", "TEST forløper A", "2014–2020", "TEST strategi A",
                                               "2021–2024", "TEST strategi B")]
    assert order == sorted(order)
    assert "Forløper" in timeline and "Nasjonal strategi" in timeline


# ------------------------------------------------------------------------------ the real data


@pytest.fixture(scope="module")
def real_warehouse(bundled_warehouse):
    """The warehouse `make run` builds from the bundled data."""
    return bundled_warehouse


def _every_view(spec):
    """The card with every choice it offers (each measure, each year)."""
    choices = [c for c in card.choices(spec) if not c.name.startswith("tab-")]
    yield {}
    for choice in choices:
        for value in choice.values[1:]:
            yield {choice.name: value}


@pytest.mark.parametrize("config", [entry[2] for entry in PAGES.values()])
def test_every_configured_card_shows_real_figures(config, real_warehouse, monkeypatch):
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(real_warehouse))
    for spec in page_config.load(config).get("cards", []):
        for query in _every_view(spec):
            view = url_state.read(query, card.choices(spec), "nb")
            assert not view.rejected
            content = card_content.LOADERS[spec["chart"]](spec, "nb", view)
            shown = [r for r in content.rows if r.get("value") is not None]
            assert shown, (spec["id"], query)
            # Every figure has a source; only an expected period without a figure has none.
            assert all(r.get("source_title") for r in shown), spec["id"]
            assert set(content.indicators) == {m["indicator"] for m in spec["measures"]}, spec["id"]


def test_the_real_pages_tell_the_real_story(real_warehouse, monkeypatch):
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(real_warehouse))
    client = app_module.server.test_client()
    doc, markup = _get(client, "/bostedslose")
    assert f"Linjediagram: bostedsløse 1996–2020, ned fra 6{NBSP}200 til 3{NBSP}325. Tall mangler for 2008 og 2024." in chart_alts(markup)[0]
    doc, _ = _get(client, "/strategier")
    assert f"6{NBSP}259 personer (2012) 3{NBSP}325 personer (2020) Ned, ønsket retning" in re.sub(r" merknad \d+", "", doc.text)


def test_strategier_shows_each_strategys_own_estimate_of_the_disadvantaged_without_a_change(real_warehouse, monkeypatch):
    """The estimates exist, so they are shown, not 'missing'; their change is not computed,
    because the sources do not confirm they were measured the same way."""
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(real_warehouse))
    client = app_module.server.test_client()
    doc, _ = _get(client, "/strategier")
    assert f"ca. 150{NBSP}000 personer (2014)" in doc.text
    assert f"ca. 179{NBSP}000 personer (2020)" in doc.text
    assert "endringen beregnes ikke" in doc.text


def test_the_two_estimates_on_the_start_page_carry_their_warning_on_the_tile(client):
    doc, markup = _get(client, "/")
    tile = doc.text[doc.text.index("Vanskeligstilte på boligmarkedet"):doc.text.index("Bostedsløse Nasjonale")]
    assert "Ulike anslag, ikke en utvikling" in tile
    assert tile.index("Ulike anslag") < tile.index(f"111{NBSP}000")  # read before the figures
    doc_en, _ = _get(client, "/?lang=en")
    assert "Different estimates, not a trend" in doc_en.text
