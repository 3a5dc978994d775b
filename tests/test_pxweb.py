"""The PxWebApi client and the SSB source, over real HTTP against the fake SSB (TEST data).

Covers selection expressions, GET vs POST, splitting above the cell limit, refresh (skip when
unchanged, refuse and store nothing when SSB changed shape) and load_bundle from snapshots."""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from etl import jsonstat, pxweb, snapshot, ssb
from etl.errors import EtlError, UpstreamChanged, UpstreamError
from etl.pxweb import UnknownCode, plan_requests, resolve_values
from etl.tidy import CATEGORY_COLUMNS, OBSERVATION_COLUMNS, SOURCE_COLUMNS
from tests.fake_pxweb import make_client, small_ssb  # noqa: F401  (small_ssb is a fixture)

pytestmark = pytest.mark.integration  # tests/conftest.py: the kinds of test

ROOT = Path(__file__).resolve().parent.parent
YEARS = [str(y) for y in range(2015, 2025)]
POPULATION = {"Region": ["*"], "ContentsCode": ["Personer1"], "Tid": ["from(2015)"]}


# --- selection expressions and planning (no network) --------------------------------------


@pytest.mark.parametrize("selected, expected", [
    (["*"], YEARS),
    (["top(3)"], ["2022", "2023", "2024"]),
    (["TOP(1)"], ["2024"]),
    (["bottom(2)"], ["2015", "2016"]),
    (["from(2022)"], ["2022", "2023", "2024"]),
    (["from(2010)"], YEARS),  # a bound that is not a code compares as text
    (["to(2016)"], ["2015", "2016"]),
    (["range(2017,2019)"], ["2017", "2018", "2019"]),
    (["202?"], ["2020", "2021", "2022", "2023", "2024"]),
    (["2024", "2015"], ["2015", "2024"]),  # table order, not request order
    (["201*", "2016"], [y for y in YEARS if y.startswith("201")]),
])
def test_resolve_values(selected, expected):
    assert resolve_values(selected, YEARS) == expected


def test_resolve_values_rejects_unknown_codes_and_mixed_functions():
    with pytest.raises(UnknownCode):
        resolve_values(["1999"], YEARS)
    with pytest.raises(ValueError, match="only value"):
        resolve_values(["top(2)", "2015"], YEARS)


def test_plan_splits_the_largest_non_time_dimension_first():
    resolved = {"Region": [f"r{i}" for i in range(6)], "ContentsCode": ["A"], "Tid": YEARS}
    selection = {"Region": ["*"], "ContentsCode": ["A"], "Tid": ["*"]}
    plans = plan_requests(selection, resolved, max_cells=20, time_dim="Tid")
    assert [p["Region"] for p in plans] == [["r0", "r1"], ["r2", "r3"], ["r4", "r5"]]
    assert all(p["Tid"] == ["*"] for p in plans)
    # Too big even per region: each region part is cut again along time.
    plans = plan_requests(selection, resolved, max_cells=4, time_dim="Tid")
    assert len(plans) == 6 * 3 and plans[0] == {"Region": ["r0"], "ContentsCode": ["A"], "Tid": YEARS[:4]}
    assert plan_requests(selection, resolved, max_cells=60, time_dim="Tid") == [selection]


# --- simple endpoints ------------------------------------------------------------------------


def test_table_info_config_and_metadata(small_ssb):
    client = make_client(small_ssb)
    info = client.table_info("07459")
    assert (info.id, info.updated, info.first_period, info.last_period) == ("07459", "2025-02-25T07:00:00Z", "2015", "2024")
    assert client.config()["maxDataCells"] == 800_000
    meta = client.metadata("07459").dataset
    assert meta.ids == ["Region", "Kjonn", "Alder", "ContentsCode", "Tid"]
    assert meta.dimension("Kjonn").elimination is True and meta.dimension("ContentsCode").elimination is False
    assert client.metadata("07459", "en").dataset.dimension("Region").label_of("0301") == "TEST Oslo (en)"
    assert small_ssb.seen[-1].query["lang"] == "en"


def test_search_tables_follows_pages(small_ssb):
    found = make_client(small_ssb).search_tables("TEST", page_size=2)
    assert sorted(t["id"] for t in found) == ["07459", "11084", "12008"]
    assert [s.query["pageNumber"] for s in small_ssb.requests_to("/tables")] == ["1", "2"]


def test_find_tables_prints_id_title_updated_and_periods(small_ssb):
    lines = []
    ssb.find_tables("boliger", make_client(small_ssb), out=lines.append)
    assert lines == [" 12008  12008: TEST Kommunalt disponerte boliger (K)  (updated 2025-06-15; 2015–2024)"]
    ssb.find_tables("nothing-like-this", make_client(small_ssb), out=lines.append)
    assert lines[-1] == "no tables found for 'nothing-like-this'"


# --- data: GET, POST, splitting ----------------------------------------------------------


def test_data_uses_get_with_value_codes(small_ssb):
    client = make_client(small_ssb)
    result = client.data("07459", POPULATION)
    get = small_ssb.requests_to("/data")
    assert [s.method for s in get] == ["GET"] and len(result.parts) == 1
    assert get[0].query == {"lang": "no", "outputFormat": "json-stat2", "valueCodes[Region]": "*",
                            "valueCodes[ContentsCode]": "Personer1", "valueCodes[Tid]": "from(2015)"}
    frame = result.dataset.to_frame()
    assert result.dataset.ids == ["Region", "ContentsCode", "Tid"]  # Kjonn and Alder eliminated
    assert len(frame) == 6 * 10
    # The fake sums an eliminated dimension without a total over its categories.
    table = small_ssb.tables["07459"]
    expected = sum(table.value(("0301", k, a, "Personer1", "2020")) for k in ["1", "2"] for a in ["000", "001", "002"])
    row = frame[(frame["Region"] == "0301") & (frame["Tid"] == "2020")].iloc[0]
    assert row["value"] == pytest.approx(expected, abs=0.05)


def test_long_selection_goes_as_post(small_ssb):
    region = small_ssb.tables["07459"].dim("Region")
    region.codes += [f"{n:04d}" for n in range(1000, 1450)]  # many municipalities, listed one by one
    selection = {"Region": list(region.codes), "ContentsCode": ["Personer1"], "Tid": ["top(2)"]}
    client = make_client(small_ssb)
    long_get = f"{client.base_url}/tables/07459/data?{pxweb.selection_query(selection, {}, 'no')}"
    assert len(long_get) > 2_100
    with pytest.raises(UpstreamError, match="HTTP 404"):  # what SSB does with such a URL
        client.http.get(long_get)
    result = client.data("07459", selection)
    post = small_ssb.requests_to("/data", "POST")
    assert len(post) == 1 and result.parts[0].method == "POST" and len(small_ssb.requests_to("/data")) == 2
    assert post[0].query == {"lang": "no", "outputFormat": "json-stat2"}
    assert post[0].body == {"selection": [{"variableCode": d, "valueCodes": v} for d, v in selection.items()]}
    assert json.loads(result.parts[0].body) == post[0].body
    assert result.dataset.size == [len(region.codes), 1, 2]
    # The same cells as a short GET for the same selection.
    by_get = client.data("07459", {**selection, "Region": ["*"]})
    assert small_ssb.requests_to("/data")[-1].method == "GET"
    pd.testing.assert_frame_equal(result.dataset.to_frame(), by_get.dataset.to_frame())


def test_codelist_is_sent_with_get_and_post(small_ssb):
    client = make_client(small_ssb)
    selection = {"Region": ["K-0301", "K-4601"], "ContentsCode": ["Personer1"], "Tid": ["top(1)"]}
    result = client.data("07459", selection, codelists={"Region": "agg_KommSummer"})
    assert small_ssb.requests_to("/metadata")[0].query["codelist[Region]"] == "agg_KommSummer"
    assert small_ssb.requests_to("/data")[0].query["codelist[Region]"] == "agg_KommSummer"
    assert list(result.dataset.dimension("Region").codes) == ["K-0301", "K-4601"]
    client.max_url = 100
    client.data("07459", selection, codelists={"Region": "agg_KommSummer"})
    assert small_ssb.requests_to("/data", "POST")[0].body["selection"][0]["codelist"] == "agg_KommSummer"


def test_query_above_the_cell_limit_is_split_and_merged(small_ssb):
    whole = make_client(small_ssb).data("12008", {"KOKkommuneregion0000": ["*"], "ContentsCode": ["*"], "Tid": ["*"]})
    small_ssb.seen.clear()
    small_ssb.max_cells = small_ssb.config_max_cells = 25  # the server enforces it and /config says so
    split = make_client(small_ssb).data("12008", {"KOKkommuneregion0000": ["*"], "ContentsCode": ["*"], "Tid": ["*"]})
    assert small_ssb.requests_to("/config")  # the limit was read from /config
    data_requests = small_ssb.requests_to("/data")
    assert len(data_requests) == len(split.parts) == 6  # 6 regions x 2 contents x 10 years = 120 cells; 1 region (20 cells) a request
    assert all(s.query["valueCodes[ContentsCode]"] == "*" for s in data_requests)
    pd.testing.assert_frame_equal(split.dataset.to_frame(), whole.dataset.to_frame())
    assert split.dataset.statuses == whole.dataset.statuses


def test_split_along_two_dimensions_still_merges_exactly(small_ssb):
    selection = {"KOKkommuneregion0000": ["*"], "ContentsCode": ["*"], "Tid": ["*"]}
    whole = make_client(small_ssb).data("12008", selection).dataset.to_frame()
    small_ssb.max_cells = 4
    client = make_client(small_ssb)
    client._max_cells = 4
    split = client.data("12008", selection)
    assert len(split.parts) == 6 * 2 * 3  # region, then contents, then time (4 + 4 + 2 years)
    pd.testing.assert_frame_equal(split.dataset.to_frame(), whole)


def test_server_cell_limit_without_split_is_a_clear_error(small_ssb):
    small_ssb.max_cells = 10
    client = make_client(small_ssb)
    client._max_cells = 800_000  # believes the default
    with pytest.raises(UpstreamError, match=r"HTTP 403 .*exceeds the number of allowed"):
        client.data("07459", POPULATION)
    assert len(small_ssb.requests_to("/data")) == 1  # 403 is not retried


def test_unknown_code_is_caught_before_asking_for_data(small_ssb):
    with pytest.raises(UpstreamChanged, match=r"SSB table 07459: dimension 'Region' has no value code '9999'"):
        make_client(small_ssb).data("07459", {**POPULATION, "Region": ["9999"]})
    assert small_ssb.requests_to("/data") == []


def test_a_400_from_the_server_is_a_clear_error(small_ssb):
    client = make_client(small_ssb)
    meta = jsonstat.parse_metadata(json.dumps(small_ssb.metadata(small_ssb.tables["07459"], "no", {})))
    small_ssb.tables["07459"].dim("Region").codes.remove("5001")  # the metadata we hold is out of date
    with pytest.raises(UpstreamError, match=r"HTTP 400 .*5001 is not a valid value code"):
        client.data("07459", {**POPULATION, "Region": ["5001"]}, meta=meta)


# --- refresh -----------------------------------------------------------------------------------


def write_table_list(tmp_path: Path, monkeypatch, text: str) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(exist_ok=True)
    (data_dir / "ssb_tables.yaml").write_text(text, encoding="utf-8")
    # Series are resolved by the kind of unit their indicator has.
    (data_dir / "indicators.yaml").write_bytes((ROOT / "data" / "indicators.yaml").read_bytes())
    if not (data_dir / "regions").exists():  # a build reads cells against the region registry
        (data_dir / "regions").symlink_to(ROOT / "data" / "regions")
    monkeypatch.setenv("BOLIG_DATA_DIR", str(data_dir))


DWELLINGS_ONLY = """
tables:
  - key: dwellings
    title: TEST
    find: {id: "12008"}
    region: {dimension: KOKkommuneregion0000, values: ["*"], map: {EAK: "0"}, strip: [EKA]}
    time: {dimension: Tid, values: ["from(2015)"]}
    series:
      - {indicator: municipal_dwellings_per_1000, label: [disponerte boliger], code: KOSboligSper10000000}
      - {indicator: municipal_dwellings_wheelchair_share, label: [andel]}
"""


def snapshot_names(root: Path | None = None) -> list[str]:
    return sorted(s.name for s in snapshot.list_snapshots("ssb", root))


def test_refresh_stores_snapshots_with_provenance(small_ssb, tmp_path, monkeypatch):
    write_table_list(tmp_path, monkeypatch, DWELLINGS_ONLY)
    [result] = ssb.refresh(client=make_client(small_ssb))
    assert (result.key, result.table_id, result.status, result.rows, result.snapshot) == ("dwellings", "12008", "fetched", 80, "dwellings.table.json")
    assert "left out region codes EAKUO, EKG13" in result.message
    assert snapshot_names() == ["dwellings.data.json", "dwellings.metadata.en.json", "dwellings.metadata.no.json", "dwellings.table.json"]
    data = snapshot.load("ssb", "dwellings.data.json")
    assert data.url.startswith(f"{small_ssb.base_url}/tables/12008/data?lang=no&outputFormat=json-stat2&valueCodes[KOKkommuneregion0000]=*")
    assert data.method == "GET" and data.request_body is None
    assert data.sha256 == hashlib.sha256(data.read_bytes()).hexdigest() and snapshot.verify(data)
    assert data.fetched_at.endswith("+00:00")
    assert data.extra == {"entry": "dwellings", "table_id": "12008", "updated": "2025-06-15T06:00:00Z", "kind": "data", "part": 1, "parts": 1}
    manifest = snapshot.load("ssb", "dwellings.table.json")
    assert manifest.extra["files"] == ["dwellings.data.json", "dwellings.metadata.no.json", "dwellings.metadata.en.json"]
    assert manifest.extra["updated"] == "2025-06-15T06:00:00Z" and manifest.extra["last_period"] == "2024"
    assert snapshot.load("ssb", "dwellings.metadata.en.json").url.endswith("/tables/12008/metadata?lang=en")


def test_unchanged_updated_means_no_data_request(small_ssb, tmp_path, monkeypatch):
    write_table_list(tmp_path, monkeypatch, DWELLINGS_ONLY)
    client = make_client(small_ssb)
    ssb.refresh(client=client)
    small_ssb.seen.clear()
    messages = []
    [result] = ssb.refresh(client=client, progress=messages.append)
    assert result.status == "unchanged" and "2025-06-15T06:00:00Z" in result.message
    assert [s.path for s in small_ssb.seen] == ["/api/pxwebapi/v2/tables/12008"]
    assert messages[-1].startswith("dwellings: unchanged")
    # A new `updated` stamp fetches again.
    small_ssb.tables["12008"].updated = "2026-06-15T06:00:00Z"
    [result] = ssb.refresh(client=client)
    assert result.status == "fetched" and len(small_ssb.requests_to("/data")) == 1
    assert snapshot.load("ssb", "dwellings.data.json").extra["updated"] == "2026-06-15T06:00:00Z"


def test_edited_table_list_is_fetched_even_if_ssb_has_nothing_new(small_ssb, tmp_path, monkeypatch):
    write_table_list(tmp_path, monkeypatch, DWELLINGS_ONLY)
    client = make_client(small_ssb)
    ssb.refresh(client=client)
    write_table_list(tmp_path, monkeypatch, DWELLINGS_ONLY.replace('"from(2015)"', '"from(2020)"'))
    with pytest.raises(EtlError, match=r"asks for other cells .* `python -m etl refresh dwellings`"):
        ssb.load_bundle()  # offline, the stored snapshot no longer answers the table list
    [result] = ssb.refresh(client=client)
    assert result.status == "fetched" and result.rows == 40


@pytest.mark.parametrize("where", ["both", "data"])
def test_renamed_dimension_fails_and_stores_nothing(small_ssb, tmp_path, monkeypatch, where):
    write_table_list(tmp_path, monkeypatch, DWELLINGS_ONLY)
    small_ssb.tables["12008"].rename_dimension("KOKkommuneregion0000", "KOKkommuneregion0001", where)
    [result] = ssb.refresh(client=make_client(small_ssb))
    assert result.status == "failed" and isinstance(result.error, UpstreamChanged)
    assert "12008" in result.message and "KOKkommuneregion0000" in result.message and "KOKkommuneregion0001" in result.message
    assert snapshot_names() == []


def test_a_series_no_contents_code_fits_is_named_with_what_exists(small_ssb, tmp_path, monkeypatch):
    write_table_list(tmp_path, monkeypatch, DWELLINGS_ONLY.replace("label: [andel]", "label: [gone]"))
    [result] = ssb.refresh(client=make_client(small_ssb))
    assert result.status == "fetched"  # the other series resolved; this one is named, not guessed
    assert "not resolved: municipal_dwellings_wheelchair_share: no ContentsCode has a label with 'gone'" in result.message
    assert "KOSTESTandel0000 'TEST andel' (prosent)" in result.message
    write_table_list(tmp_path, monkeypatch, DWELLINGS_ONLY.replace("label: [andel]", "label: [gone]")
                     .replace("label: [disponerte boliger]", "label: [gone either]"))
    small_ssb.tables["12008"].updated = "2026-06-15T06:00:00Z"
    monkeypatch.setenv("BOLIG_SSB_LOCK", str(tmp_path / "empty-lock.yaml"))
    [result] = ssb.refresh(client=make_client(small_ssb))
    assert result.status == "failed" and isinstance(result.error, UpstreamChanged)
    assert "no series of data/ssb_tables.yaml resolved" in result.message


def test_dimension_that_cannot_be_eliminated_must_be_listed(small_ssb, tmp_path, monkeypatch):
    write_table_list(tmp_path, monkeypatch, DWELLINGS_ONLY)
    small_ssb.tables["12008"].dims.insert(1, small_ssb.tables["07459"].dim("Kjonn"))
    small_ssb.tables["12008"].dim("Kjonn").elimination = False
    [result] = ssb.refresh(client=make_client(small_ssb))
    assert "dimension 'Kjonn' (kjønn) must be selected" in result.message
    assert snapshot_names() == []


def test_unknown_status_symbol_fails_and_stores_nothing(small_ssb, tmp_path, monkeypatch):
    write_table_list(tmp_path, monkeypatch, DWELLINGS_ONLY)
    small_ssb.tables["12008"].unknown_status = "*"
    [result] = ssb.refresh(client=make_client(small_ssb))
    assert result.status == "failed" and "unknown status symbol '*'" in result.message
    assert snapshot_names() == []


def test_broken_answers_fail_with_a_message_and_store_nothing(small_ssb, tmp_path, monkeypatch):
    write_table_list(tmp_path, monkeypatch, DWELLINGS_ONLY)
    small_ssb.truncate_next(times=100, only="/data")
    [result] = ssb.refresh(client=make_client(small_ssb))
    assert result.status == "failed" and "not complete JSON" in result.message
    assert len(small_ssb.requests_to("/data")) == 3  # bounded tries
    assert snapshot_names() == []


def test_dropped_last_year_keeps_the_stored_snapshot(small_ssb, tmp_path, monkeypatch):
    write_table_list(tmp_path, monkeypatch, DWELLINGS_ONLY)
    client = make_client(small_ssb)
    ssb.refresh(client=client)
    before = snapshot.load("ssb", "dwellings.data.json").sha256
    table = small_ssb.tables["12008"]
    table.drop_last_period()
    table.updated = "2026-01-01T07:00:00Z"
    [result] = ssb.refresh(client=client)
    assert result.status == "failed" and "period 2024 is in the stored snapshot" in result.message
    assert snapshot.load("ssb", "dwellings.data.json").sha256 == before
    assert snapshot.load("ssb", "dwellings.table.json").extra["updated"] == "2025-06-15T06:00:00Z"


def test_failure_of_one_table_does_not_stop_the_others(small_ssb, tmp_path, monkeypatch):
    small_ssb.tables["11084"].rename_dimension("EierStatus", "Eierstatus2")
    results = ssb.refresh(["11084", "07459", "99999"], client=make_client(small_ssb))
    assert [(r.key, r.status) for r in results] == [("99999", "failed"), ("households_tenure", "failed"), ("population", "fetched")]
    assert "EierStatus" in results[1].message


# --- load_bundle -------------------------------------------------------------------------------


def test_load_bundle_from_snapshots_gives_tidy_rows(small_ssb, tmp_path, monkeypatch):
    write_table_list(tmp_path, monkeypatch, DWELLINGS_ONLY)
    ssb.refresh(client=make_client(small_ssb))
    small_ssb.stop()  # offline from here
    bundle = ssb.load_bundle()
    obs = bundle.observations
    assert list(obs.columns) == OBSERVATION_COLUMNS and list(bundle.sources.columns) == SOURCE_COLUMNS
    # 2 indicators x (0, 03, 0301, 4601) x 10 years, less one: the ".." of 4601 Bergen for 2016,
    # before the code existed (from 2020), is an empty cell outside its era, not a missing figure.
    assert len(obs) == 2 * 4 * 10 - 1
    assert set(obs["region_code"]) == {"0", "03", "0301", "4601"}  # EAK -> 0, EKA03 -> 03; EAKUO and EKG13 left out
    table = small_ssb.tables["12008"]

    def row(region, indicator, year):
        match = obs[(obs.region_code == region) & (obs.indicator_id == indicator) & (obs.period == year)]
        assert len(match) == 1
        return match.iloc[0]

    national = row("0", "municipal_dwellings_per_1000", "2020")
    assert national["value"] == pytest.approx(table.value(("EAK", "KOSboligSper10000000", "2020")))
    assert (national["status"], national["breakdown"], national["confidence"], national["derived"]) == ("", "", "H", False)
    assert row("03", "municipal_dwellings_wheelchair_share", "2015")["value"] == pytest.approx(table.value(("EKA03", "KOSTESTandel0000", "2015")))
    assert obs[(obs.region_code == "4601") & (obs.period == "2016")].indicator_id.tolist() == ["municipal_dwellings_wheelchair_share"]
    not_applicable, confidential = row("4601", "municipal_dwellings_wheelchair_share", "2024"), row("0301", "municipal_dwellings_per_1000", "2017")
    assert not_applicable["status"] == "." and math.isnan(not_applicable["value"])  # inside its era: kept, with its symbol
    assert confidential["status"] == ":" and math.isnan(confidential["value"])
    assert set(obs.loc[obs.status != "", "status"]) == {":", "."}
    assert obs["value"].isna().sum() == 2
    [source] = bundle.sources.to_dict("records")
    assert source["source_id"] == obs["source_id"].iloc[0]
    assert source == {
        "source_id": source["source_id"], "publisher": "Statistisk sentralbyrå (SSB)",
        "title": "12008: TEST Kommunalt disponerte boliger (K)", "url": "https://www.ssb.no/statbank/table/12008",
        "table_id": "12008", "published": "2025-06-15", "license": "CC BY 4.0",
        "fetched_at": snapshot.load("ssb", "dwellings.data.json").fetched_at,
        "checksum": snapshot.load("ssb", "dwellings.data.json").sha256, "kind": "ssb",
    }


def test_split_snapshots_build_the_same_bundle(small_ssb, tmp_path, monkeypatch):
    write_table_list(tmp_path, monkeypatch, DWELLINGS_ONLY)
    whole_root, split_root = tmp_path / "whole", tmp_path / "split"
    ssb.refresh(client=make_client(small_ssb), root=whole_root)
    small_ssb.max_cells = small_ssb.config_max_cells = 25
    [result] = ssb.refresh(client=make_client(small_ssb), root=split_root)
    assert "from 6 data request(s)" in result.message
    assert snapshot_names(split_root)[:3] == ["dwellings.data.p01.json", "dwellings.data.p02.json", "dwellings.data.p03.json"]
    whole, split = ssb.load_bundle(whole_root), ssb.load_bundle(split_root)
    key = ["indicator_id", "region_code", "period"]
    pd.testing.assert_frame_equal(
        whole.observations.drop(columns="source_id").sort_values(key).reset_index(drop=True),
        split.observations.drop(columns="source_id").sort_values(key).reset_index(drop=True),
    )
    parts = sorted((s for s in snapshot.list_snapshots("ssb", split_root) if ".data." in s.name), key=lambda s: s.name)
    assert split.sources.loc[0, "checksum"] == hashlib.sha256("\n".join(p.sha256 for p in parts).encode()).hexdigest()
    # A later unsplit refresh removes the old parts.
    small_ssb.max_cells, small_ssb.config_max_cells = None, 800_000
    small_ssb.tables["12008"].updated = "2026-06-15T06:00:00Z"
    ssb.refresh(client=make_client(small_ssb), root=split_root)
    assert [n for n in snapshot_names(split_root) if ".data." in n] == ["dwellings.data.json"]


def test_breakdowns_totals_and_english_labels(small_ssb, tmp_path, monkeypatch):
    write_table_list(tmp_path, monkeypatch, """
tables:
  - key: tenure
    title: TEST
    find: {id: "11084"}
    region: {dimension: Region, values: ["0", "0301"]}
    time: {dimension: Tid, values: ["top(2)"]}
    series:
      - {indicator: households, label: [husholdning], not: [prosent]}
    dimensions:
      EierStatus: {name: tenure, values: ["*"], total: "1", label_nb: Eierstatus, label_en: Tenure}
""")
    assert ssb.load_dimensions().to_dict("records") == [{"dimension": "tenure", "label_nb": "Eierstatus", "label_nn": "", "label_en": "Tenure"}]
    ssb.refresh(client=make_client(small_ssb))
    bundle = ssb.load_bundle()
    obs = bundle.observations
    assert sorted(set(obs["breakdown"])) == ["", "tenure=2", "tenure=3", "tenure=4"]
    assert len(obs) == 2 * 4 * 2
    total = obs[(obs.region_code == "0301") & (obs.period == "2024") & (obs.breakdown == "")].iloc[0]
    assert total["value"] == pytest.approx(small_ssb.tables["11084"].value(("0301", "1", "Husholdning", "2024")))
    cats = bundle.categories
    assert list(cats.columns) == CATEGORY_COLUMNS
    assert cats.to_dict("records") == [
        {"dimension": "tenure", "code": "2", "label_nb": "TEST Selveier", "label_nn": "", "label_en": "TEST Selveier (en)", "sort_order": 1},
        {"dimension": "tenure", "code": "3", "label_nb": "TEST Andels-/aksjeeier", "label_nn": "", "label_en": "TEST Andels-/aksjeeier (en)", "sort_order": 2},
        {"dimension": "tenure", "code": "4", "label_nb": "TEST Leier", "label_nn": "", "label_en": "TEST Leier (en)", "sort_order": 3},
    ]


def test_codelist_prefix_is_stripped(small_ssb, tmp_path, monkeypatch):
    write_table_list(tmp_path, monkeypatch, """
tables:
  - key: population
    title: TEST
    find: {id: "07459"}
    region: {dimension: Region, values: ["*"], codelist: agg_KommSummer}
    time: {dimension: Tid, values: ["top(1)"]}
    series:
      - {indicator: population, label: [personer]}
""")
    [result] = ssb.refresh(client=make_client(small_ssb))
    assert result.status == "fetched"
    assert small_ssb.requests_to("/data")[0].query["codelist[Region]"] == "agg_KommSummer"
    assert sorted(ssb.load_bundle().observations["region_code"]) == ["0301", "4601", "5001"]


def test_load_bundle_without_snapshots_is_empty(tmp_path, monkeypatch):
    monkeypatch.setenv("BOLIG_SNAPSHOTS", str(tmp_path / "none"))
    bundle = ssb.load_bundle()
    assert bundle.name == "ssb" and bundle.observations.empty


def test_tampered_snapshot_is_refused(small_ssb, tmp_path, monkeypatch):
    write_table_list(tmp_path, monkeypatch, DWELLINGS_ONLY)
    ssb.refresh(client=make_client(small_ssb))
    path = snapshot.load("ssb", "dwellings.data.json").path()
    path.write_bytes(path.read_bytes().replace(b"TEST", b"FAKE"))
    with pytest.raises(EtlError, match="dwellings.data.json is missing or does not match its checksum"):
        ssb.load_bundle()


def test_bad_table_list_is_reported(tmp_path, monkeypatch):
    write_table_list(tmp_path, monkeypatch, "tables:\n  - key: one\n    title: x\n")
    with pytest.raises(EtlError, match="table entry 1 \\(one\\) is invalid"):
        ssb.load_table_list()
