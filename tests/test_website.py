"""The public website around the statistics, through Flask's test client: social preview tags
and pictures, the sitemap (every entry answers 200), robots.txt, what is new (/nytt and the
Atom feed /nytt.atom from the change log), the accessibility statement, the privacy page (and
that no response sets a cookie), and the footer links on every page."""
from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import dash
import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import app as app_module
from boligsosial.config import page_config
from boligsosial.domain import selection
from boligsosial.text import i18n
from boligsosial.ui import html_writer, links
from boligsosial.warehouse import db, integrity
from boligsosial.web import api, previews, public, public_chart
from pages import tilgjengelighet
from tests.atom_check import ATOM, check_feed
from tests.history_warehouse import collect, publish_to, with_new_homeless_figures
from tests.html_doc import HtmlDoc

ROOT = Path(__file__).resolve().parent.parent
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SITE_PAGES = ("/nytt", "/tilgjengelighet", "/personvern")


@pytest.fixture(autouse=True)
def empty_cache():
    public.cache.clear()
    yield
    public.cache.clear()


@pytest.fixture
def client(monkeypatch):
    # As deployed: the public address is configured (BOLIG_PUBLIC_URL), and the absolute links
    # in previews, the sitemap, robots.txt and the feed start with it.
    monkeypatch.setenv("BOLIG_PUBLIC_URL", "https://statistikk.example")
    return app_module.server.test_client()


@pytest.fixture
def bundled(bundled_warehouse, monkeypatch):
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(bundled_warehouse))
    return bundled_warehouse


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """(warehouse, first version, second version, updated source): the bundled data published,
    then published again with homeless 2020 changed, 2024 filled in and a source updated."""
    folder = tmp_path_factory.mktemp("history")
    tables = collect(folder / "snapshots")
    target = folder / "warehouse.duckdb"
    first = publish_to(tables, target)
    changed, source_id = with_new_homeless_figures(tables)
    second = publish_to(changed, target, "refresh")
    return target, first.data_version, second.data_version, source_id


@pytest.fixture
def served_history(history, monkeypatch):
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(history[0]))
    return history


def _path(url: str) -> str:
    """The site-relative part of an absolute URL (path and query), for the test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _metas(markup: str) -> dict[str, str]:
    doc = HtmlDoc(markup)
    return {attrs.get("property") or attrs.get("name"): attrs.get("content", "") for attrs in doc.all("meta")
            if attrs.get("property") or attrs.get("name")}


def _png_size(body: bytes) -> tuple[int, int]:
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", body[16:24])


# ------------------------------------------------------------------------------ sitemap and robots


def test_the_sitemap_lists_every_page_and_chart_in_both_languages_and_every_entry_answers(client, bundled):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    assert root.tag == SITEMAP + "urlset"
    entries = [(url.findtext(SITEMAP + "loc"), url.findtext(SITEMAP + "lastmod")) for url in root]
    db.close()  # the app's own connection has other settings
    con = duckdb.connect(str(bundled), read_only=True)
    built = con.execute("SELECT value FROM meta WHERE key = 'built_at'").fetchall()[0][0]
    with_figures = {row[0] for row in con.execute("SELECT DISTINCT indicator_id FROM observation WHERE value IS NOT NULL").fetchall()}
    con.close()
    pages = {"/", "/bostedslose", "/vanskeligstilte", "/strategier", "/kommuner", "/data", "/data/api", "/status", *SITE_PAGES}
    expected = {(path, lang) for path in pages | {f"/figur/{i}" for i in with_figures} for lang in i18n.LANGUAGES}
    found = {(urlsplit(loc).path, dict(parse_qsl(urlsplit(loc).query)).get("lang", "nb")) for loc, _ in entries}
    assert found == expected and len(entries) == len(expected)
    assert all(loc.startswith("https://statistikk.example/") for loc, _ in entries)  # absolute, on the public address
    assert {lastmod for _, lastmod in entries} == {built}
    for loc, _ in entries:
        answer = client.get(_path(loc))
        assert answer.status_code == 200, loc
        assert "Set-Cookie" not in answer.headers, loc  # the privacy page says: no cookies


def _robots_rules(text: str) -> list[tuple[str, str]]:
    return [(field.strip().lower(), value.strip()) for field, _, value in
            (line.partition(":") for line in text.splitlines() if line and not line.startswith("#")) if value]


def _allowed(rules: list[tuple[str, str]], path: str) -> bool:
    """RFC 9309: the longest matching rule wins (Allow on a tie); * matches any characters."""
    best = ("allow", "")
    for field, pattern in rules:
        if field in ("allow", "disallow") and re.match(re.escape(pattern).replace(r"\*", ".*"), path):
            if len(pattern) > len(best[1]) or (len(pattern) == len(best[1]) and field == "allow"):
                best = (field, pattern)
    return best[0] == "allow"


def test_robots_keeps_the_bulk_downloads_out_and_names_the_sitemap(client, bundled):
    response = client.get("/robots.txt", base_url="https://statistikk.example")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    rules = _robots_rules(response.get_data(as_text=True))
    assert ("user-agent", "*") in rules
    assert ("sitemap", "https://statistikk.example/sitemap.xml") in rules
    card_csv = links.data_url(links.Series("homeless", ["0"], [""], ["2012", "2020"]), "csv", "nb")
    blocked = [card_csv, f"{api.PREFIX}/indicators/homeless/data.parquet", f"{api.PREFIX}/download/boligsosial.zip?lang=en"]
    open_ = ["/", "/bostedslose", "/figur/homeless", "/figur/homeless.png", "/figur/homeless/preview.png?lang=en",
             "/embed/homeless", "/nytt", "/nytt.atom", f"{api.PREFIX}/indicators", "/sitemap.xml"]
    assert [path for path in blocked if _allowed(rules, path)] == []
    assert [path for path in open_ if not _allowed(rules, path)] == []


def test_absolute_addresses_follow_the_address_the_site_is_reached_at(client, bundled):
    root = ET.fromstring(client.get("/sitemap.xml", base_url="https://statistikk.example").data)
    assert all(loc.text.startswith("https://statistikk.example/") for loc in root.iter(SITEMAP + "loc"))
    metas = _metas(client.get("/bostedslose", base_url="https://statistikk.example").get_data(as_text=True))
    assert metas["og:image"].startswith("https://statistikk.example/figur/homeless/preview.png?")
    assert metas["og:url"] == "https://statistikk.example/bostedslose"


# ------------------------------------------------------------------------------ social previews


@pytest.mark.parametrize("path, lang", [("/", "nb"), ("/bostedslose?lang=en", "en"), ("/vanskeligstilte", "nb")])
def test_app_pages_carry_social_tags_with_their_first_charts_picture(client, bundled, path, lang):
    markup = client.get(path).get_data(as_text=True)
    metas = _metas(markup)
    page = next(entry for entry in dash.page_registry.values() if entry["path"] == urlsplit(path).path)
    assert metas["og:title"] == metas["twitter:title"] == i18n.t(page["title_id"], lang)
    assert metas["og:description"] == metas["twitter:description"] == metas["description"] == \
        i18n.t(page["description_id"], lang)
    assert metas["og:locale"] == ("nb_NO" if lang == "nb" else "en_GB")
    assert metas["twitter:card"] == "summary_large_image"
    # The picture is the preview of the public page the first chart card's share box links to.
    first_public = HtmlDoc(markup).all("a", class_="public-link")[0]["href"]
    image = metas["og:image"]
    assert image == metas["twitter:image"] == "https://statistikk.example" + first_public.replace("?", "/preview.png?", 1)
    answer = client.get(_path(image))
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    assert _png_size(answer.data) == (1200, 630) == (int(metas["og:image:width"]), int(metas["og:image:height"]))
    # Dash's own page tags (bokmål only, property="twitter:...") are not written as well.
    assert 'property="twitter:' not in markup


@pytest.mark.parametrize("path", SITE_PAGES)
def test_pages_without_a_chart_show_the_sites_picture(client, bundled, path):
    metas = _metas(client.get(path + "?lang=en").get_data(as_text=True))
    assert metas["og:image"] == "https://statistikk.example/preview.png?lang=en"
    assert metas["og:image:alt"] == "Social housing statistics"
    answer = client.get("/preview.png?lang=en")
    assert answer.status_code == 200 and _png_size(answer.data) == (1200, 630)


@pytest.mark.parametrize("route", ["figur", "embed"])
def test_public_chart_pages_describe_themselves_with_their_summary_and_their_chart(client, bundled, route):
    markup = client.get(f"/{route}/homeless?from=2005&lang=en").get_data(as_text=True)
    metas = _metas(markup)
    assert metas["og:title"] == metas["twitter:title"] == "Homeless people"
    # The summary sentence the page shows, with the latest figure, is the description.
    assert "3,325 persons in 2020 (latest figure)" in metas["og:description"]
    assert metas["og:description"] == metas["twitter:description"] == metas["description"]
    canonical = HtmlDoc(markup).all("link", rel="canonical")[0]["href"]
    assert metas["og:url"] == canonical
    assert metas["og:image"] == canonical.replace("/figur/homeless?", "/figur/homeless/preview.png?")
    answer = client.get(_path(metas["og:image"]))
    assert answer.status_code == 200 and _png_size(answer.data) == (1200, 630)


def test_the_preview_picture_is_cached_by_data_version_and_answers_304(client, bundled):
    first = client.get("/figur/homeless/preview.png?lang=en")
    assert first.status_code == 200 and first.headers["Cache-Control"].startswith("public")
    misses = public.cache.misses
    again = client.get("/figur/homeless/preview.png?lang=en")
    assert again.data == first.data and public.cache.misses == misses  # nothing drawn twice
    assert client.get("/figur/homeless/preview.png?lang=en", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_the_preview_says_what_it_shows_title_source_and_site(bundled):
    with app_module.server.test_request_context("/figur/homeless/preview.png?lang=en"):
        shown = public_chart.build_chart("homeless", selection.parse({"lang": "en"}))
        drawing = previews.chart_svg(shown, "http://localhost")
    root = ET.fromstring(drawing)
    assert (root.get("width"), root.get("height")) == ("1200", "630")
    text = " ".join(t.strip() for t in root.itertext() if t.strip())
    assert "Homeless people" in text and "Social housing statistics" in text
    assert "Sources: Husbanken" in text or "Source: Husbanken" in text


@pytest.mark.parametrize("url, status", [("/figur/no_such_thing/preview.png", 404),
                                          ("/figur/homeless/preview.png?from=2020&to=1996", 400)])
def test_a_preview_for_something_that_does_not_exist_is_a_plain_error(client, bundled, url, status):
    answer = client.get(url)
    assert answer.status_code == status and answer.mimetype == "text/html"
    assert "Traceback" not in answer.get_data(as_text=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(["/figur/homeless/preview.png", "/preview.png", "/nytt.atom", "/sitemap.xml"]),
       params=st.dictionaries(st.sampled_from(["lang", "region", "from", "to", "breakdown", "by", "codes", "x"]),
                              st.text(max_size=30), max_size=4))
def test_hostile_parameters_give_a_picture_a_document_or_a_plain_400(client, bundled, route, params):
    answer = client.get(route, query_string=params)
    assert answer.status_code in (200, 400), (route, params, answer.status_code)
    if answer.status_code == 400:  # said in words, never a stack trace
        assert answer.mimetype == "text/html" and "Traceback" not in answer.get_data(as_text=True)


# ------------------------------------------------------------------------------ what is new


def test_nytt_lists_each_version_with_what_changed_and_links_the_charts(client, served_history):
    _, first, second, source_id = served_history
    markup = client.get("/nytt").get_data(as_text=True)
    doc = HtmlDoc(markup)
    sections = doc.all("section", class_="card release")
    assert [s["id"] for s in sections] == [f"versjon-{second}", f"versjon-{first}"]  # newest first
    text = doc.text
    # One item per indicator, with everything that changed for it.
    assert "Bostedsløse: nye perioder: 2024 (1 tall); endrede tall for 2020 (1 tall)" in text
    assert "kilden er oppdatert" in text
    assert "Den første versjonen som er registrert her." in text
    assert {a["href"] for a in doc.all("a") if a.get("href", "").startswith("/figur/")} == {"/figur/homeless"}
    english = HtmlDoc(client.get("/nytt?lang=en").get_data(as_text=True))
    assert "Homeless people: new periods: 2024 (1 figure)" in english.text
    assert "/figur/homeless?lang=en" in {a["href"] for a in english.all("a")}


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_the_feed_is_atom_with_one_entry_per_version_that_changed_something(client, served_history, lang):
    _, first, second, _ = served_history
    response = client.get(f"/nytt.atom?lang={lang}")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = check_feed(response.data)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == lang
    entries = root.findall(ATOM + "entry")
    assert len(entries) == 1  # the first version changed nothing it could be compared with
    entry = entries[0]
    title = "Bostedsløse" if lang == "nb" else "Homeless people"
    assert title in entry.findtext(ATOM + "title")
    related = [link.get("href") for link in entry.findall(ATOM + "link") if link.get("rel") == "related"]
    assert related == ["https://statistikk.example/figur/homeless" + ("" if lang == "nb" else "?lang=en")]
    alternate = [link.get("href") for link in entry.findall(ATOM + "link") if link.get("rel") == "alternate"]
    assert alternate[0].endswith(f"#versjon-{second}")
    assert root.findtext(ATOM + "updated") == entry.findtext(ATOM + "updated")
    assert 'href="https://statistikk.example/figur/homeless' in entry.findtext(ATOM + "content")


def test_the_feed_says_why_when_there_is_no_warehouse(client):
    answer = client.get("/nytt.atom")
    assert answer.status_code == 503 and "Traceback" not in answer.get_data(as_text=True)
    assert i18n.t("error.unavailable.body", "nb") in answer.get_data(as_text=True)


def test_nytt_explains_that_there_is_no_history_in_a_warehouse_from_before_the_log(client, served_history, tmp_path, monkeypatch):
    old = tmp_path / "old.duckdb"
    old.write_bytes(served_history[0].read_bytes())
    con = duckdb.connect(str(old))
    con.execute("DROP TABLE change_log")
    con.execute("DROP TABLE data_release")
    con.close()
    integrity.add_to_record(old, integrity.describe(old))  # published, as an older ETL would have
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(old))
    assert "Ingen publiserte versjoner er registrert ennå." in HtmlDoc(client.get("/nytt").get_data(as_text=True)).text
    assert check_feed(client.get("/nytt.atom").data).findall(ATOM + "entry") == []


# ------------------------------------------------------------------------------ statement and privacy


def test_the_accessibility_statement_counts_the_requirements_its_list_breaks():
    issues = [{"criterion": "2.1.1"}, {"criterion": "1.4.10"}, {"criterion": "2.1.1"}]
    assert tilgjengelighet.breached(issues) == ["1.4.10", "2.1.1"]
    status = HtmlDoc(html_writer.static_html(tilgjengelighet._status(issues, 47, "nb"))).text
    assert "delvis i samsvar" in status and "brudd på 2 av 47 krav" in status
    status = HtmlDoc(html_writer.static_html(tilgjengelighet._status([], 47, "en"))).text
    assert "We know of no failure" in status and "no failure to meet any of the 47" in status
    assert "meets the requirements" not in status  # not claimed before a full check


def test_the_accessibility_statement_has_the_parts_of_a_uustatus_statement(client, bundled):
    config = page_config.load(tilgjengelighet.CONFIG)
    doc = HtmlDoc(client.get("/tilgjengelighet").get_data(as_text=True))
    headings = [h for h in re.findall(r"<h2[^>]*>(.*?)</h2>", client.get("/tilgjengelighet").get_data(as_text=True))]
    assert headings == ["I hvilken grad følger nettstedet kravene?", "Innhold som ikke er universelt utformet",
                        "Slik tester vi", "Meld fra om feil og mangler", "Kontakt", "Klage og tilsyn"]
    for issue in config["known_issues"]:
        assert issue["criterion"] in doc.text and issue["fix_by"]
    assert "axe-core" in doc.text and "Lighthouse" in doc.text and "tabulatortasten" in doc.text
    assert {"https://www.diskrimineringsnemnda.no/", "https://www.uutilsynet.no/"} <= {a["href"] for a in doc.all("a")}
    # No contact address has been decided: the page says so rather than showing a made-up one.
    if not page_config.load("pages/nettsted.yaml").get("email"):
        assert i18n.t("site.contact_missing", "nb") in doc.text


def test_each_known_issue_says_what_where_what_it_means_and_when_in_every_language():
    config = page_config.load(tilgjengelighet.CONFIG)
    assert int(config["requirements"]) == 47
    for issue in config["known_issues"] or []:
        assert re.fullmatch(r"[1-4]\.\d{1,2}\.\d{1,2}", str(issue["criterion"]))
        assert re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", str(issue["fix_by"]))
        for field in ("name", "where", "what", "consequence"):
            assert all((issue[field].get(lang) or "").strip() for lang in i18n.LANGUAGES), (issue["criterion"], field)
        assert all(isinstance(rule, str) and rule for rule in issue.get("axe", []))


def test_the_privacy_page_matches_what_the_deployment_logs(client, bundled):
    """The page lists the fields of gunicorn's default access log; the Makefile and the
    Dockerfile turn that log on without another format, and docs/deploy.md names the same
    retention."""
    from gunicorn.config import AccessLogFormat

    assert AccessLogFormat.default == '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
    for path in ("Makefile", "Dockerfile"):
        text = (ROOT / path).read_text(encoding="utf-8")
        assert "--access-logfile" in text and "access-logformat" not in text, path
    config = page_config.load("pages/personvern.yaml")
    days = config["retention_days"]
    assert f"{days} days" in (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    doc = HtmlDoc(client.get("/personvern").get_data(as_text=True))
    assert f"Loggene slettes etter {days} dager." in doc.text
    assert len(doc.all("li")) >= len(config["log_fields"]) == 6  # h, t, r, s/b, f, a
    assert "informasjonskapsler" in doc.text


# ------------------------------------------------------------------------------ footer


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_every_page_links_whats_new_accessibility_and_privacy_from_its_footer(client, bundled, lang):
    suffix = "" if lang == "nb" else "?lang=en"
    pages = [entry["path"] for entry in dash.page_registry.values()] + ["/figur/homeless"]
    for path in pages:
        markup = client.get(path + suffix).get_data(as_text=True)
        footer = markup[markup.rindex("<footer"):]
        hrefs = {a["href"] for a in HtmlDoc(footer).all("a")}
        assert {p + suffix for p in SITE_PAGES} <= hrefs, path

