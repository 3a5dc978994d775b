"""The region explorer (Kommuner og fylker) against a TEST warehouse with municipalities across
the 2020 and 2024 reforms (tests/region_warehouse.py): place lookup by name and number, old ones
included; the profile against county and country; rankings and "similar municipalities";
counts against rates, computed rates labelled; the tile map; the page without regional data;
and bad URL values answered with a notice."""
from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest

import app as app_module
from boligsosial.domain import explorer, gazetteer
from tests.html_doc import HtmlDoc, chart_alts
from tests.region_warehouse import build_region_warehouse


@pytest.fixture(scope="module")
def region_path(tmp_path_factory):
    return build_region_warehouse(tmp_path_factory.mktemp("regions") / "warehouse.duckdb")


@pytest.fixture
def warehouse(region_path, monkeypatch):
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(region_path))
    return region_path


@pytest.fixture
def client(warehouse):
    return app_module.server.test_client()


def _page(client, url: str) -> str:
    response = client.get(url, follow_redirects=True)  # a one-match search is sent on to ?region=
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _text(markup: str) -> str:
    """The page's visible words, tags removed and spaces (also no-break ones) collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", markup).replace("\u00a0", " ").split())


# ------------------------------------------------------------------------------ place lookup


def _found(text: str) -> list[str]:
    return [m.place.code for m in gazetteer.load().resolve(text).matches]


def test_a_place_is_found_by_todays_name_whatever_the_case_and_accents(warehouse):
    assert _found("Halden") == ["3101"]
    assert _found("  HALDEN ") == ["3101"]
    assert _found("rade") == ["3112"]  # Råde
    assert _found("baerum") == ["3201"]  # Bærum
    # Found under its own name, the place needs no note, although old rows share the name.
    assert gazetteer.load().resolve("Halden").matches[0].steps == ()


def test_a_place_is_found_by_todays_number_and_by_a_three_digit_one(warehouse):
    assert _found("3101") == ["3101"]
    assert _found("301") == ["0301"]  # Oslo without its leading zero


def test_an_old_number_leads_to_todays_place_with_each_step(warehouse):
    match = gazetteer.load().resolve("0101").matches
    assert [m.place.code for m in match] == ["3101"]
    steps = [gazetteer.step_text(step, "nb") for step in match[0].steps]
    assert steps == ["Halden fikk nummeret 3001 1. januar 2020 (før 0101).",
                     "Halden fikk nummeret 3101 1. januar 2024 (før 3001)."]
    assert _found("3001") == ["3101"]


def test_an_old_name_of_a_merged_place_leads_to_the_place_it_was_merged_into(warehouse):
    match = gazetteer.load().resolve("Rygge").matches
    assert [m.place.code for m in match] == ["3103"]
    assert gazetteer.step_text(match[0].steps[0], "en") == "Rygge (0136) was merged into Moss (3002) on 1 January 2020."


def test_a_name_two_places_share_gives_both_and_a_split_county_gives_its_parts(warehouse):
    assert sorted(_found("Våler")) == ["3114", "3419"]
    viken = gazetteer.load().resolve("Viken").matches
    assert sorted(m.place.code for m in viken) == ["31", "32"]
    assert all(m.steps[0].kind == "split" for m in viken)


def test_an_unknown_or_overlong_search_finds_nothing_and_says_why(warehouse):
    assert gazetteer.load().resolve("Atlantis").problem == "unknown"
    assert gazetteer.load().resolve("9999").problem == "unknown"
    assert gazetteer.load().resolve("x" * 500).problem == "too_long"


def test_the_page_search_shows_the_place_the_choices_or_a_clear_message(client):
    text = _text(_page(client, "/kommuner?sted=0101"))
    assert "Tallene for Halden" in text and "fikk nummeret 3101 1. januar 2024" in text

    markup = _page(client, "/kommuner?sted=V%C3%A5ler")
    assert "«Våler» passer til 2 steder" in _text(markup)
    assert "region=3114" in markup and "region=3419" in markup
    assert "Tallene for" not in _text(markup)

    text = _text(_page(client, "/kommuner?sted=Atlantis&lang=en"))
    assert "No municipality or county is called or numbered “Atlantis”" in text


def test_the_picker_is_a_plain_form_with_a_labelled_field_and_every_place_listed(client):
    doc = HtmlDoc(_page(client, "/kommuner"))
    [form] = doc.all("form", role="search")
    assert form["method"] == "get"
    [field] = doc.all("input", id="kommuner-sted")
    assert field["name"] == "sted" and field["list"] == "kommuner-steder"
    assert doc.all("label", **{"for": "kommuner-sted"})
    options = [o["value"] for o in doc.all("option")]
    assert "Halden" in options and "Rygge" not in options  # today's places only


# ------------------------------------------------------------------------------ profile


def _table_rows(markup: str, table_id: str) -> list[list[str]]:
    """A table's rows as lists of cell texts (the server writes no nested tables)."""
    match = re.search(rf'<table[^>]*id="{table_id}"[^>]*>(.*?)</table>', markup, re.S)
    assert match, table_id
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", match[1], re.S)
    return [[_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


def _elements(markup: str, tag: str, cls: str) -> list[str]:
    """The inner HTML of each `tag` whose class list starts with `cls` (no nesting of the same tag)."""
    return re.findall(rf'<{tag}[^>]*class="{cls}[^"]*"[^>]*>(.*?)</{tag}>', markup, re.S)


def test_the_profile_sets_each_figure_against_county_and_country_in_the_same_year(client):
    rows = _table_rows(_page(client, "/kommuner?region=3101"), "profile-table")
    assert rows[0] == ["Indikator", "År", "Halden", "Østfold", "Norge", "Første tall"]
    count = next(r for r in rows if r[0] == "Kommunalt disponerte boliger")
    assert count[1:5] == ["2024", "790", "5 999", "112 222"]
    assert count[5] == "600 (2015)"
    # 2024's rate is not published for Halden: computed from the count and the population,
    # and said so (note 1 under the table).
    rate = next(r for r in rows if r[0] == "Kommunalt disponerte boliger per 1 000 innbyggere")
    assert rate[1] == "2024" and rate[2].startswith("25,3") and rate[2] != "25,3" and rate[3:5] == ["20,9", "20,1"]


def test_a_computed_rate_is_labelled_with_how_and_from_which_sources(client):
    text = _text(_page(client, "/kommuner?region=3101"))
    assert "Beregnet tall: beregnet som Kommunalt disponerte boliger" in text
    assert "TEST DATA: folketall" in text


def test_the_municipal_strategy_is_on_its_profile_and_only_there(client):
    text = _text(_page(client, "/kommuner?region=3101"))
    assert "TEST boligsosial strategi for Halden" in text
    for n in range(1, 5):
        assert f"TEST-mål H{n}" in text and f"TEST-strategi H{n}" in text
    assert "Vedtatt 11. mai 2023" in text and "PS 2023/41" in text
    assert "Halden kommune" in text
    assert "TEST boligsosial strategi" not in _text(_page(client, "/kommuner?region=3105"))


# ------------------------------------------------------------------------------ count and rate


def test_rates_are_published_where_they_are_and_computed_only_where_none_is(warehouse):
    rows = {(r["region_code"], r["period"]): r for r in explorer.series("municipal_dwellings_per_1000", "nb", ["3101", "3112"])}
    assert rows[("3101", "2023")]["value"] == 25.0 and not rows[("3101", "2023")]["derived"]
    computed = rows[("3101", "2024")]
    assert computed["derived"] and computed["value"] == pytest.approx(790 / 31222 * 1000)
    # Computed once, in the ETL, naming both parts and both sources in each language.
    assert "Folketall (Teststatistikk, TEST DATA: folketall)" in computed["derivation_nb"]
    assert "Population (Teststatistikk, TEST DATA: folketall)" in computed["derivation_en"]
    # Råde's 2024 rate is suppressed: it stays missing, never recomputed around the suppression.
    assert rows[("3112", "2024")]["value"] is None and rows[("3112", "2024")]["status"] == ":"


def test_the_count_and_rate_switch_changes_the_figure_compared(client):
    rate = _page(client, "/kommuner?region=3101")
    count = _page(client, "/kommuner?region=3101&measure=count")
    assert "Rangering: Kommunalt disponerte boliger per 1 000 innbyggere" in _text(rate)
    assert "Rangering: Kommunalt disponerte boliger" in _text(count)
    assert "Rangering: Kommunalt disponerte boliger per 1 000" not in _text(count)
    assert re.search(r'href="[^"]*measure=count[^"]*"[^>]*>Antall<', rate)


# ------------------------------------------------------------------------------ ranking


def _ranking(markup: str) -> list[str]:
    """The places ranked, in order: the name cell without its marks and its compare link."""
    return [r[1].replace(" (valgt)", "").replace(" Sammenlign over tid", "") for r in _table_rows(markup, "ranking-table")[1:]]


def test_rankings_cover_all_the_county_or_the_similar_municipalities(client):
    everywhere = _ranking(_page(client, "/kommuner?region=3101&scope=all"))
    assert {"Halden", "Bærum", "Sarpsborg", "Råde"} <= set(everywhere)
    assert {"Våler (Østfold)", "Våler (Innlandet)"} <= set(everywhere)  # one name, told apart
    county = _ranking(_page(client, "/kommuner?region=3101&scope=county"))
    assert "Bærum" not in county and "Våler" in county and "Halden" in county
    # Ranked by value, highest first; a suppressed value is listed last, unranked.
    assert everywhere[:3] == ["Fredrikstad", "Halden", "Sarpsborg"] and everywhere[-1] == "Råde"


def test_the_chosen_place_is_marked_in_the_ranking(client):
    markup = _page(client, "/kommuner?region=3101&scope=all")
    chosen = re.findall(r'<tr[^>]*aria-current="true"[^>]*>(.*?)</tr>', markup, re.S)
    assert len(chosen) == 1 and "Halden (valgt)" in _text(chosen[0])


def test_similar_means_the_nearest_in_population_and_the_page_says_so(warehouse, monkeypatch):
    settings = dict(explorer.config(), similar={"population_indicator": "population", "count": 2})
    monkeypatch.setattr(explorer, "config", lambda: settings)
    gaz = gazetteer.load()
    result = explorer.ranking(gaz.place("3101"), "municipal_dwellings_per_1000", "similar", gaz, "nb")
    # Halden 31 222 (2024): Moss 50 606 and Råde 7 788 are closest; Våler 5 757 is not.
    assert sorted(e.place.code for e in result.entries) == ["3101", "3103", "3112"]
    assert result.population_period == "2024" and result.similar_count == 2


def test_the_page_defines_similar_and_says_when_population_is_missing(client):
    text = _text(_page(client, "/kommuner?region=3101"))
    assert "Lignende betyr her de 7 som ligger nærmest Halden i folketall (2024)" in text
    text = _text(_page(client, "/kommuner?region=0301"))
    assert "Folketallet for Oslo finnes ikke i databasen, så lignende steder kan ikke velges" in text


def test_a_period_can_be_chosen_for_the_ranking(client):
    markup = _page(client, "/kommuner?region=3101&scope=all&period=2023")
    rows = _table_rows(markup, "ranking-table")
    assert "2023" in _text(re.search(r'<caption id="ranking-caption">(.*?)</caption>', markup)[1])
    halden = next(r for r in rows if r[1].startswith("Halden"))
    assert halden[2] == "25,0"


# ------------------------------------------------------------------------------ compare and links


def test_places_compared_over_time_with_the_country_as_reference(client):
    markup = _page(client, "/kommuner?region=3101&compare=3105,3107")
    rows = _table_rows(markup, "card-trend-data")
    assert rows[0] == ["År", "Halden", "Sarpsborg", "Fredrikstad", "Østfold", "Norge"]
    row_2023 = next(r for r in rows if r[0] == "2023")
    # Sarpsborg has no 2023 row at all: a dash with its note, not 0 and not a row of the files.
    assert row_2023[2].startswith("–") and "«–»: kildene har ikke dette tallet" in markup


def test_the_view_is_in_the_url_and_the_language_switch_keeps_it(client):
    doc = HtmlDoc(_page(client, "/kommuner?region=3101&compare=3105&measure=count&scope=all"))
    [switch] = doc.all("a", class_="lang-switch", lang="en")
    query = parse_qs(urlsplit(switch["href"]).query)
    assert query == {"lang": ["en"], "region": ["3101"], "measure": ["count"], "scope": ["all"], "compare": ["3105"]}


def test_the_download_links_give_the_figures_shown(client):
    doc = HtmlDoc(_page(client, "/kommuner?region=3101&compare=3105&measure=count"))
    link = next(a["href"] for a in doc.all("a", data_format="csv")
                if "municipal_dwellings/data.csv" in a["href"] and "region=3101" in a["href"])
    assert "codes=current" in link
    response = client.get(link)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    # The CSV opens with its metadata as "# " lines; the data follow, separated by ";".
    rows = list(csv.DictReader(io.StringIO(body[body.index('"indicator_id"'):]), delimiter=";"))
    halden = {r["period"]: r["value"] for r in rows if r["region_code"] == "3101"}
    assert halden["2024"].startswith("790") and halden["2015"].startswith("600")


# ------------------------------------------------------------------------------ map


def test_the_map_has_every_county_as_a_link_with_its_value_or_missing(client):
    markup = _page(client, "/kommuner?region=3101")
    section = markup[markup.index('id="map"'):]
    drawing = re.search(r'<div class="chart-wide"><svg[^>]*class="map-svg".*?</svg>', section, re.S)[0]
    links = re.findall(r'<a href="([^"]+)"[^>]*><title>([^<]*)</title>', drawing)
    assert len({href for href, _ in links}) == 15  # today's counties (the Oslo inset repeats some, out of the tab order)
    titles = [title.replace("\u00a0", " ") for _, title in links]
    assert "Østfold: 20,9 per 1 000 innbyggere (2024)" in titles
    assert any(title.startswith("Finnmark") and "Tall mangler" in title for title in titles)
    assert all("region=" in href and "#place" in href for href, _ in links)  # each place's own view
    assert _table_rows(markup, "map-table")[0] == ["Fylke", "Per 1 000 innbyggere", "Fargeklasse på kartet"]
    assert "Kartet viser fylkesinndelingen fra 2024." in _text(section)


# ------------------------------------------------------------------------------ without regional data


def test_without_regional_data_the_page_tells_readers_what_there_is_and_no_command(story_path, monkeypatch):
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(story_path))
    client = app_module.server.test_client()
    for url in ("/kommuner", "/kommuner?region=03", "/kommuner?sted=Oslo&lang=en"):
        markup = _page(client, url)
        notice = re.search(r'<section[^>]*id="not-loaded"[^>]*>(.*?)</section>', markup, re.S)
        assert notice, url
        assert "<code" not in notice.group(1) and 'href="/status"' in notice.group(1), url
        text = _text(markup)
        for command in ("make refresh", "make run", "python -m", "etl refresh"):  # operators' words live on /status
            assert command not in text, (url, command)
    text = _text(_page(client, "/kommuner"))
    assert "Kommunetallene fra SSB er ikke lastet inn ennå" in text and "er ikke hentet ennå" in text
    assert "Tallene ble sist oppdatert 21. november 2026." in text  # the data version's build day
    assert "The figures were last updated on 21 November 2026." in _text(_page(client, "/kommuner?lang=en"))
    # The operator's instruction is on /status.
    status = _text(_page(client, "/status"))
    assert "Kommunetallene fra SSB (KOSTRA og befolkning) er ikke lastet inn" in status
    assert "make refresh" in status and "python -m etl check-upstream" in status


def test_with_regional_data_the_page_does_not_ask_for_a_refresh(client):
    assert "make refresh" not in _text(_page(client, "/kommuner?region=3101"))
    assert "Kommunetallene fra SSB er lastet inn" in _text(_page(client, "/status"))


def test_without_a_warehouse_the_page_says_how_to_build_it(monkeypatch, tmp_path):
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(tmp_path / "missing.duckdb"))
    response = app_module.server.test_client().get("/kommuner?region=3101")
    assert response.status_code == 503  # never 200 without the figures
    assert "Databasen er ikke bygget" in _text(response.get_data(as_text=True))


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize("query, names", [
    ("region=abc", ["region"]),
    ("region=9999", ["region"]),
    ("region=3101&compare=3105,9999", ["compare"]),
    ("region=3101&period=1800", ["period"]),
    ("region=3101&measure=zz&scope=x&indicator=nope", ["indicator", "measure", "scope"]),
    ("region=3101&compare=" + ",".join(["3105"] * 3 + ["3107", "3103", "3112", "3114", "3201", "3419"]), ["compare"]),
])
def test_values_the_page_does_not_know_give_a_notice_not_an_error(client, query, names):
    text = _text(_page(client, f"/kommuner?{query}"))
    assert "Noe i adressen ble ikke forstått" in text
    for name in names:
        assert f"«{name}»" in text
    assert "Traceback" not in text


def test_the_page_is_in_the_menu_between_the_stories_and_data(client):
    nav = _elements(_page(client, "/kommuner"), "nav", "site-nav")[0]
    menu = [_text(a) for a in re.findall(r"<a[^>]*>(.*?)</a>", nav, re.S)]
    assert menu.index("Kommuner og fylker") == menu.index("Strategier") + 1
    assert menu.index("Data") > menu.index("Kommuner og fylker")


def test_a_search_that_finds_one_place_can_be_sent_on_to_its_region_link(warehouse):
    from werkzeug.datastructures import MultiDict

    from pages.kommuner import redirect_to

    with app_module.server.test_request_context("/kommuner"):
        assert redirect_to(MultiDict({"sted": "halden", "measure": "count"})) == "/kommuner?region=3101&measure=count"
        # An old name goes to its old code, which leads to today's place with the note.
        assert redirect_to(MultiDict({"sted": "Rygge", "lang": "en"})) == "/kommuner?lang=en&region=0136"
        assert redirect_to(MultiDict({"sted": "Våler"})) is None  # two places: the page lists them
        assert redirect_to(MultiDict({"sted": "Atlantis"})) is None
        assert redirect_to(MultiDict({"region": "3101"})) is None


def test_the_server_sends_a_one_match_search_to_its_region_link(client):
    response = client.get("/kommuner?sted=halden&lang=en")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/kommuner?lang=en&region=3101")
    assert client.get("/kommuner?sted=V%C3%A5ler").status_code == 200  # two places: listed, no redirect


def test_an_old_code_in_a_link_still_shows_todays_place_with_the_note(client):
    markup = _page(client, "/kommuner?region=0136&lang=en")
    assert "Rygge (0136) was merged into Moss (3002) on 1 January 2020." in _text(markup)
    assert "The figures for Moss" in _text(markup)
    assert "region=0136" not in markup.split("<main", 1)[1]  # every link uses today's code


# ------------------------------------------------------------------------------ what each line says


def test_a_figure_nobody_has_is_a_notice_not_an_empty_frame(client):
    markup = _page(client, "/kommuner?region=3101&indicator=start_loans&measure=rate")
    trend = markup[markup.index('id="card-trend"'):]
    assert "Det finnes ingen tall å tegne for dette utvalget" in trend
    assert 'class="chart-wide"' not in trend.split('id="card-trend-table"')[0]  # no drawing with empty axes


def test_the_trend_names_only_the_places_it_draws(client):
    markup = _page(client, "/kommuner?region=3101&compare=3112&measure=count")  # Råde: only a suppressed figure
    text = HtmlDoc(markup).text
    assert "Linjene viser Halden, Østfold og Norge." in text and "Ingen tall for Råde." in text


def test_on_the_real_data_oslo_opens_on_a_figure_it_has_and_tells_the_two_oslos_apart(bundled_warehouse, monkeypatch):
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(bundled_warehouse))
    markup = _page(app_module.server.test_client(), "/kommuner?region=0301")
    doc = HtmlDoc(markup)
    current = [a for a in doc.all("a", class_="switch-option") if a.get("aria-current") == "true"]
    assert current and "indicator=municipal_dwellings" not in current[0]["href"]  # Oslo has no such figure
    assert "Oslo (kommune)" in doc.text and "Oslo (fylke)" in doc.text
    alts = chart_alts(markup)
    assert alts and "Oslo (kommune)" in alts[0] and "ingen tall å vise" not in alts[0].split("(Oslo (kommune))")[1][:40]


def test_files_give_each_row_today_s_region_beside_the_code_as_published(client):
    body = client.get("/api/v1/indicators/municipal_dwellings/data.csv?region=all&lang=en").get_data(as_text=True)
    lines = [line for line in body.lstrip("\ufeff").splitlines() if line and not line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    halden_2015 = next(r for r in rows if r["region_code"] == "0101" and r["period"] == "2015")
    assert (halden_2015["region_code_today"], halden_2015["region_name_today"]) == ("3101", "Halden")
    norway = next(r for r in rows if r["region_code"] == "0")
    assert norway["region_name"] == "Norway" and norway["region_code_today"] == "0"  # English pages: Norway


def test_a_computed_rate_is_in_the_api_and_the_download_as_on_the_page(client):
    # Computed once in the ETL: the API and the CSV have the year the explorer draws.
    body = client.get("/api/v1/indicators/municipal_dwellings_per_1000/data.json?region=3101").get_json()
    rows = {r["period"]: r for r in body["rows"]}
    assert rows["2024"]["value"] == pytest.approx(790 / 31222 * 1000) and rows["2024"]["derived"] is True
    assert rows["2024"]["derivation"].startswith("beregnet som Kommunalt disponerte boliger")
    csv = client.get("/api/v1/indicators/municipal_dwellings_per_1000/data.csv?region=3101&lang=en").get_data(as_text=True)
    line = next(line for line in csv.splitlines() if line.startswith('"municipal_dwellings_per_1000"'))
    assert '"3101"' in line and '"2024"' in line and "computed as Municipal" in line


def test_a_municipality_in_husbankens_programme_says_so_with_its_source(client):
    text = _text(_page(client, "/kommuner?region=3101"))
    assert "Husbankens program for kommuner" in text
    assert "Deltok i Husbankens boligsosiale utviklingsprogram, 2013\u20132016." in text
    assert "TEST-merknad om programmet" in text and "TEST DATA: programliste" in text
    assert "Listen over kommuner i programmene er ufullstendig her" in text
    english = _text(_page(client, "/kommuner?region=3101&lang=en"))
    assert "Took part in Husbanken's social housing development programme, 2013\u20132016." in english
    assert "Husbankens program for kommuner" not in _text(_page(client, "/kommuner?region=3105"))
