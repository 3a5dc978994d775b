"""The data API and the Data page through Flask's test client, against the real bundled data
built into a temporary warehouse (and, where a test needs to control the data version or the
contents, the TEST warehouse from tests/warehouse_factory.py)."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from html.parser import HTMLParser

import duckdb
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

import app as app_module
from boligsosial.config import api_description, settings
from boligsosial.domain import selection
from boligsosial.warehouse import db
from boligsosial.web import api, export_rows
from tests.warehouse_factory import build_test_warehouse

ERROR_KEYS = {"status", "message_nb", "message_nn", "message_en", "parameter"}


@pytest.fixture(scope="module")
def built(bundled_warehouse):
    """The bundled data (data/facts, data/indicators.yaml) built by the real ETL, once."""
    return bundled_warehouse


@pytest.fixture
def real(built, monkeypatch):
    db.close()
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(built))
    yield built
    db.close()


@pytest.fixture
def test_warehouse():
    db.close()
    yield build_test_warehouse(settings.warehouse_path())
    db.close()


@pytest.fixture
def client():
    return app_module.server.test_client()


def _sql(path, sql: str, params=()):
    db.close()  # DuckDB allows one configuration per file in a process: the app's reopens later
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _error(response, status: int, parameter=None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()["error"]
    assert set(body) == ERROR_KEYS and body["status"] == status
    assert body["message_nb"] and body["message_nn"] and body["message_en"] and body["message_nb"] != body["message_en"]
    assert body["parameter"] == parameter
    assert "Traceback" not in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return body


def _csv_frame(response, lang="nb") -> pd.DataFrame:
    separator, decimal = export_rows.CSV_FORMAT[lang]
    return pd.read_csv(io.BytesIO(response.data), sep=separator, decimal=decimal, comment="#",
                       dtype={"region_code": str, "period": str, "breakdown": str, "original_codes": str}, keep_default_na=False,
                       na_values={"value": [""]})


# ------------------------------------------------------------------------------ catalogue and metadata


def test_catalogue_lists_every_indicator_with_what_the_data_holds(client, real):
    response = client.get("/api/v1/indicators")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    entries = {entry["id"]: entry for entry in body["indicators"]}
    assert set(entries) == {id_ for (id_,) in _sql(real, "SELECT id FROM indicator")}
    count, first, last = _sql(real, """SELECT count(*), min(period), max(period) FROM observation
                                       WHERE indicator_id = 'homeless'""")[0]
    homeless = entries["homeless"]
    assert (homeless["row_count"], homeless["first_period"], homeless["last_period"]) == (count, first, last)
    assert set(homeless["levels_present"]) == {"country", "municipality"}
    # Every figure has a confidence; an expected period with no figure (2008, 2024) has none.
    assert homeless["missing_values"] >= 2
    assert homeless["confidence"]["H"] + homeless["confidence"]["M"] == count - homeless["missing_values"]
    assert homeless["definition_nb"] and homeless["unit_label_en"] == "persons"
    assert homeless["links"]["csv"].endswith("/api/v1/indicators/homeless/data.csv?region=all")
    assert "min_value" not in homeless
    assert body["data_version"] == _sql(real, "SELECT value FROM meta WHERE key = 'data_version'")[0][0]


def test_catalogue_search(client, real):
    found = [e["id"] for e in client.get("/api/v1/indicators?q=startlån").get_json()["indicators"]]
    assert found and all("start_loan" in id_ for id_ in found)
    assert client.get("/api/v1/indicators?q=zzzzqqq").get_json()["indicators"] == []
    _error(client.get("/api/v1/indicators?q=" + "x" * 300), 400, "q")


def test_indicator_metadata_with_sources_breakdowns_and_categories(client, real):
    body = client.get("/api/v1/indicators/homeless_share").get_json()
    assert body["id"] == "homeless_share" and body["title_en"]
    assert body["sources"] and all(s["url"].startswith("http") for s in body["sources"])
    keys = {b["key"]: b for b in body["breakdowns"]}
    assert "age=under_25" in keys and keys["age=under_25"]["label_nb"].startswith("Alder: ")
    dimensions = {d["dimension"]: d for d in body["dimensions"]}
    assert "situation" in dimensions and dimensions["situation"]["categories"][0]["label_en"]
    assert dimensions["situation"]["label_nn"] == "Busituasjon"  # nynorsk beside bokmål and English
    total = client.get("/api/v1/indicators/homeless").get_json()
    assert any(b["key"] == "" and b["parameter"] == "total" for b in total["breakdowns"])


def test_unknown_indicator_is_404_everywhere(client, real):
    _error(client.get("/api/v1/indicators/nonexistent"), 404, "id")
    for fmt in api.FORMATS:
        _error(client.get(f"/api/v1/indicators/nonexistent/data.{fmt}"), 404, "id")
    _error(client.get("/api/v1/indicators/homeless/data.txt"), 404, "format")
    _error(client.get("/api/v1/no/such/route"), 404)


def test_api_root_points_onwards(client, real):
    body = client.get("/api/v1/").get_json()
    assert body["openapi"].endswith("/api/v1/openapi.json") and body["documentation"].endswith("/data/api")


# ------------------------------------------------------------------------------ data


def test_csv_numbers_are_the_warehouse_numbers(client, real):
    response = client.get("/api/v1/indicators/homeless/data.csv?region=0&from=2012&breakdown=total")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8; header=present"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="boligsosial-homeless-')
    frame = _csv_frame(response)
    expected = dict(_sql(real, """SELECT period, value FROM observation WHERE indicator_id = 'homeless'
                                  AND region_code = '0' AND breakdown = '' AND period >= '2012'"""))
    # The expected 2024 survey has no figure yet: an empty value, not a missing row.
    assert expected["2024"] is None and frame.set_index("period").loc["2024", "status"] == "..."
    assert {p: (None if v != v else v) for p, v in zip(frame["period"], frame["value"])} == expected
    text = response.data.decode("utf-8-sig")
    assert "# API-adresse;\"http://localhost/api/v1/indicators/homeless/data.csv?region=0&from=2012&breakdown=total&codes=original&lang=nb\"" in text
    assert "# Kilde;" in text and "Hentet " in text


def test_every_format_gives_the_same_rows(client, real):
    query = "region=all&breakdown=estimate=ssb_2011&by=tenure"
    csv_rows = _csv_frame(client.get(f"/api/v1/indicators/disadvantaged/data.csv?{query}"))
    json_rows = client.get(f"/api/v1/indicators/disadvantaged/data.json?{query}").get_json()["rows"]
    parquet = pq.read_table(io.BytesIO(client.get(f"/api/v1/indicators/disadvantaged/data.parquet?{query}").data))
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/api/v1/indicators/disadvantaged/data.xlsx?{query}").data))
    xlsx_rows = list(workbook["Data"].iter_rows(min_row=2, values_only=True))
    assert len(csv_rows) == len(json_rows) == parquet.num_rows == len(xlsx_rows) > 0
    assert {r["breakdown"] for r in json_rows} >= {"estimate=ssb_2011", "estimate=ssb_2011|tenure=renter"}
    assert all(r["breakdown"] == "estimate=ssb_2011" or "tenure=" in r["breakdown"] for r in json_rows)
    assert [r["value"] for r in json_rows] == parquet.column("value").to_pylist() == csv_rows["value"].tolist()


def test_english_csv_and_current_codes(client, real):
    response = client.get("/api/v1/indicators/homeless/data.csv?region=4601&codes=current&lang=en")
    frame = _csv_frame(response, "en")
    assert set(frame["region_code"]) == {"4601"} and frame["harmonised"].all()
    assert set(frame["original_codes"]) == {"1201"}
    assert frame.loc[0, "region_name"] == "Bergen"
    assert response.data.decode("utf-8-sig").startswith('# Title,"Homeless people"')


def test_a_selection_without_rows_is_an_empty_table_not_an_error(client, real):
    response = client.get("/api/v1/indicators/homeless/data.csv?region=9999")
    assert response.status_code == 200
    assert _csv_frame(response).empty


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("from=2020-13", "from"),
        ("to=twenty", "to"),
        ("from=2020&to=2012", "from"),
        ("region=oslo", "region"),
        ("codes=today", "codes"),
        ("by=no_such_dimension", "by"),
        ("breakdown=age", "breakdown"),
        ("lang=sv", "lang"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(client, real, query, parameter):
    _error(client.get(f"/api/v1/indicators/homeless/data.csv?{query}"), 400, parameter)


def test_regions_with_level_and_date(client, real):
    body = client.get("/api/v1/regions?level=county&at=2024-01-01").get_json()
    codes = {r["code"] for r in body["regions"]}
    assert "18" in codes and "30" not in codes and "46" in codes  # Viken was split in 2024
    assert all(r["level"] == "county" and r["valid_to"] is None for r in body["regions"])
    assert len(client.get("/api/v1/regions").get_json()["regions"]) == _sql(real, "SELECT count(*) FROM region")[0][0]
    _error(client.get("/api/v1/regions?at=2024-02-30"), 400, "at")
    _error(client.get("/api/v1/regions?level=kommune"), 400, "level")


def test_whole_database_zip(client, real):
    response = client.get("/api/v1/download/boligsosial.zip?lang=en")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="boligsosial-')
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert {"README.md", "metadata.json", "csv/observation.csv", "parquet/observation.parquet"} <= set(archive.namelist())
    observations = pq.read_table(io.BytesIO(archive.read("parquet/observation.parquet")))
    assert observations.num_rows == _sql(real, "SELECT count(*) FROM observation")[0][0]


# ------------------------------------------------------------------------------ safety and size


INJECTIONS = [
    "0' OR '1'='1",
    "0); DROP TABLE observation; --",
    "age=x'); DELETE FROM observation; --",
    "\"; ATTACH 'x.db' AS x; --",
    "1 UNION SELECT * FROM source",
]


@pytest.mark.parametrize("value", INJECTIONS)
@pytest.mark.parametrize("parameter", ["region", "from", "to", "breakdown", "by", "codes", "lang", "q"])
def test_injection_strings_are_rejected_or_find_nothing_and_the_database_is_untouched(client, real, parameter, value):
    before = hashlib.sha256(real.read_bytes()).hexdigest()
    route = "/api/v1/indicators" if parameter == "q" else "/api/v1/indicators/homeless/data.json"
    response = client.get(route, query_string={parameter: value})
    if response.status_code == 200:
        body = response.get_json()
        assert body.get("rows", body.get("indicators")) == []
    else:
        _error(response, 400, parameter)
    db.close()
    assert hashlib.sha256(real.read_bytes()).hexdigest() == before
    assert _sql(real, "SELECT count(*) FROM observation")[0][0] > 0


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_strings_as_ids_are_404(client, real, value):
    _error(client.get("/api/v1/indicators/" + value.replace("/", "%2F")), 404, "id")
    _error(client.get("/api/v1/indicators/" + value.replace("/", "%2F") + "/data.csv"), 404, "id")


def test_a_response_over_the_row_limit_is_413_with_advice(client, real, monkeypatch):
    rows = _sql(real, "SELECT count(*) FROM observation WHERE indicator_id = 'disadvantaged'")[0][0]
    monkeypatch.setattr(api, "MAX_ROWS", rows - 1)
    body = _error(client.get("/api/v1/indicators/disadvantaged/data.csv?region=all"), 413)
    assert "region" in body["message_en"] and "boligsosial.zip" in body["message_en"]
    assert str(rows - 1) in body["message_nb"]
    monkeypatch.setattr(api, "MAX_ROWS", rows)
    assert client.get("/api/v1/indicators/disadvantaged/data.csv?region=all").status_code == 200


def test_too_many_values_is_400(client, real):
    regions = ",".join(f"{n:04d}" for n in range(selection.MAX_REGIONS + 1))
    _error(client.get(f"/api/v1/indicators/homeless/data.csv?region={regions}"), 400, "region")


def test_an_unexpected_error_is_500_json_without_details(client, real, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("secret detail /srv/boligsosial/warehouse.duckdb")

    monkeypatch.setattr(export_rows, "load", broken)
    response = client.get("/api/v1/indicators/homeless/data.csv")
    _error(response, 500)
    assert "secret" not in response.get_data(as_text=True) and "/srv" not in response.get_data(as_text=True)


@pytest.mark.parametrize("route", [
    "/api/v1/indicators", "/api/v1/indicators/homeless", "/api/v1/indicators/homeless/data.csv",
    "/api/v1/regions", "/api/v1/download/boligsosial.zip",
])
def test_without_a_warehouse_every_data_route_is_503_json(client, route):
    db.close()
    response = client.get(route)
    _error(response, 503)
    assert str(settings.warehouse_path()) not in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "60"


# ------------------------------------------------------------------------------ caching


def test_cache_headers_and_304_on_a_matching_etag(client, test_warehouse):
    url = "/api/v1/indicators/homeless/data.csv?region=0"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert first.headers["Last-Modified"] == "Sat, 21 Nov 2026 06:00:00 GMT"  # built_at of the TEST warehouse
    assert first.headers["X-Data-Version"] == "test-v1"
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    # A validator a compressing layer suffixed, and one given among others, still match.
    compressed = etag[:-1] + ':gzip"'
    assert client.get(url, headers={"If-None-Match": f'"other", {compressed}'}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": "Sat, 21 Nov 2026 06:00:00 GMT"}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": "Fri, 20 Nov 2026 06:00:00 GMT"}).status_code == 200
    assert client.get(url, headers={"If-None-Match": 'W/"stale"'}).status_code == 200


def test_etag_follows_the_normalised_parameters(client, test_warehouse):
    etag = lambda url: client.get(url).headers["ETag"]  # noqa: E731
    assert etag("/api/v1/indicators/homeless/data.csv?region=0301,0") == etag(
        "/api/v1/indicators/homeless/data.csv?region=0,0301&codes=original")
    assert etag("/api/v1/indicators/homeless/data.csv") != etag("/api/v1/indicators/homeless/data.csv?lang=en")
    assert etag("/api/v1/indicators/homeless/data.csv") != etag("/api/v1/indicators/homeless/data.json")


def test_etag_changes_when_the_data_version_changes(client, test_warehouse):
    url = "/api/v1/indicators/homeless/data.json"
    old = client.get(url).headers["ETag"]
    build_test_warehouse(settings.warehouse_path(), data_version="test-v2", built_at="2026-11-22T06:00:00+00:00")
    fresh = client.get(url, headers={"If-None-Match": old})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != old
    assert fresh.get_json()["about"]["data_version"] == "test-v2"
    assert fresh.headers["Last-Modified"] == "Sun, 22 Nov 2026 06:00:00 GMT"


# ------------------------------------------------------------------------------ OpenAPI


def test_openapi_describes_every_route_and_parameter(client, test_warehouse):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.headers["ETag"]
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": "http://localhost/api/v1"}]
    served = {
        rule.rule.removeprefix(api.PREFIX).replace("<indicator_id>", "{id}").replace("<fmt>", "{format}")
        for rule in app_module.server.url_map.iter_rules() if rule.endpoint.startswith("api.")
    }
    assert served - {"/", "/<path:_rest>"} == set(document["paths"])
    shared = document["components"]["parameters"]
    assert set(selection.PARAMETERS) <= set(shared)
    data_parameters = {p.get("$ref", "").rsplit("/", 1)[-1] for p in document["paths"]["/indicators/{id}/data.{format}"]["get"]["parameters"]}
    assert set(selection.PARAMETERS) <= data_parameters
    assert shared["codes"]["schema"]["enum"] == list(selection.CODES)
    assert shared["lang"]["schema"]["enum"] == ["nb", "nn", "en"]
    assert shared["region"]["schema"]["maxLength"] == selection.MAX_VALUE_LENGTH
    assert shared["q"]["schema"]["maxLength"] == selection.MAX_SEARCH_LENGTH
    assert document["paths"]["/indicators/{id}/data.{format}"]["get"]["parameters"][1]["schema"]["enum"] == list(api.FORMATS)
    revalidated = client.get("/api/v1/openapi.json", headers={"If-None-Match": response.headers["ETag"]})
    assert revalidated.status_code == 304


# ------------------------------------------------------------------------------ the Data page


class _Page(HTMLParser):
    def __init__(self, markup: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text_parts: list[str] = []
        self._skip = 0
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._skip += tag in ("script", "style", "title")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style", "title")

    def handle_data(self, data):
        if not self._skip:
            self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.text_parts).split())

    def all(self, tag: str) -> list[dict]:
        return [attrs for name, attrs in self.tags if name == tag]


def test_data_page_lists_every_indicator_with_its_facts_in_the_html(client, real):
    response = client.get("/data")
    assert response.status_code == 200
    page = _Page(response.get_data(as_text=True))
    for (title,) in _sql(real, "SELECT title_nb FROM indicator"):
        assert title in page.text
    assert "Definisjon" in page.text and "Sist oppdatert" in page.text and "Sikkerhet" in page.text
    assert "1996–2024 (15 rader) – 2 av dem uten tall" in page.text  # homeless: periods, rows, missing
    links = [a["href"] for a in page.all("a")]
    assert "/api/v1/indicators/homeless/data.csv?region=all&codes=original&lang=nb" in links
    assert "/api/v1/indicators/homeless/data.xlsx?region=all&codes=original&lang=nb" in links
    assert "/api/v1/download/boligsosial.zip" in links and "/api/v1/openapi.json" in links
    assert len(page.all("h1")) == 1


def test_data_page_search_works_without_javascript(client, real):
    page = _Page(client.get("/data?q=startlån").get_data(as_text=True))
    form = page.all("form")[0]
    assert form["method"] == "get" and form["action"] == "/data" and form["role"] == "search"
    field = next(i for i in page.all("input") if i.get("name") == "q")
    assert field["id"] == "data-q" and field["value"] == "startlån"
    assert {"for": "data-q"} in page.all("label")
    assert "Startlån, utbetalt beløp" in page.text and "Bostedsløse per 1 000" not in page.text
    assert "av 46 indikatorer passer til «startlån»" in page.text


def test_data_page_links_download_what_they_say(client, real):
    page = _Page(client.get("/data?lang=en&q=homeless").get_data(as_text=True))
    csv_link = next(a["href"] for a in page.all("a") if a.get("aria-label") == "Download Homeless people as CSV")
    assert csv_link.endswith("lang=en")
    response = client.get(csv_link)
    assert response.status_code == 200 and len(_csv_frame(response, "en")) == _sql(
        real, "SELECT count(*) FROM observation WHERE indicator_id = 'homeless'")[0][0]


def test_data_page_without_a_warehouse_explains_itself(client):
    db.close()
    response = client.get("/data")
    assert response.status_code == 503
    assert "Databasen er ikke bygget" in _Page(response.get_data(as_text=True)).text


def test_api_page_describes_every_route(client, test_warehouse):
    page = _Page(client.get("/data/api?lang=en").get_data(as_text=True))
    for path in api_description.document()["paths"]:
        assert f"GET /api/v1{path}" in page.text
    assert "breakdown" in page.text and "If-None-Match" in page.text
    assert json.loads(json.dumps(api_description.document()))  # the description is plain JSON data
