"""Resolving data/ssb_tables.yaml against SSB, the lock, and KOSTRA's real conventions, over real
HTTP against the fake SSB loaded with real shapes (tests/fake_pxweb.py: SSB's real KOSTRA region
list, every number made up: TEST DATA)."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import yaml

from etl import jsonstat, regions, snapshot, ssb, ssb_lock, ssb_resolve
from etl.errors import UpstreamChanged
from etl.ssb_tables import Wanted
from tests.fake_pxweb import (  # noqa: F401  (fake_ssb is a fixture)
    KOSTRA_REGION,
    FakeSsb,
    fake_ssb,
    kostra_tables,
    make_client,
    real_kostra_regions,
    valid_in,
)

pytestmark = pytest.mark.integration  # real HTTP against the fake SSB

ROOT = Path(__file__).resolve().parent.parent


# --- recognising a ContentsCode (no network) --------------------------------------------------


@pytest.mark.parametrize("label, base, kind", [
    ("Kommunalt disponerte boliger per 1 000 innbyggere", "boliger", "per_1000"),
    ("Kommunalt disponerte boliger per 1000 innbyggere", "", "per_1000"),
    ("Boliger pr. 1000 innbyggere", "antall", "per_1000"),
    ("Netto driftsutgifter per 10\u00a0000 innbyggere", "kr", "per_10000"),
    ("Andel kommunale boliger tilgjengelige for rullestolbrukere", "", "percent"),
    ("Husstander i midlertidige botilbud", "prosent", "percent"),
    ("Husstander i midlertidige botilbud, i alt", "husstander", "count"),
    ("Personer", "personer", "count"),
    ("Utbetalt startlån", "1 000 kr", "nok"),
])
def test_unit_kind_reads_label_and_unit(label, base, kind):
    assert ssb_resolve.unit_kind(label, base) == kind


def _contents(*items: tuple[str, str, str]) -> jsonstat.Dataset:
    document = {"version": "2.0", "class": "dataset", "id": ["ContentsCode"], "size": [len(items)], "value": [],
                "dimension": {"ContentsCode": {"label": "statistikkvariabel", "category": {
                    "index": [c for c, _, _ in items], "label": {c: t for c, t, _ in items},
                    "unit": {c: {"base": b, "decimals": 0} for c, _, b in items}}}}}
    return jsonstat.parse_metadata(json.dumps(document))


TEMPORARY = _contents(
    ("A", "Husstander i midlertidige botilbud, i alt", "husstander"),
    ("B", "Husstander med barn (<18) i midlertidige botilbud", "husstander"),
    ("C", "Andel husstander med barn i midlertidige botilbud i mer enn 3 mnd", "prosent"),
    ("D", "Husstander i natthjem", "husstander"),
)


def test_a_code_is_found_by_label_phrases_exclusions_and_the_kind_of_unit():
    households = Wanted("x", ("midlertidig", "botilbud"), ("barn", "natthjem"))
    assert ssb_resolve.find_contents(households, TEMPORARY, "count").code == "A"
    # Without the exclusions two codes fit: named, never guessed.
    loose = ssb_resolve.find_contents(Wanted("x", ("midlertidig",)), TEMPORARY, "count")
    assert loose.code is None and "2 ContentsCodes have" in loose.why_not and "A 'Husstander i midlertidige" in loose.why_not
    # The unit decides between a count and a share with the same words.
    assert ssb_resolve.find_contents(Wanted("x", ("barn", "midlertidig")), TEMPORARY, "percent").code == "C"
    assert ssb_resolve.find_contents(Wanted("x", ("barn", "midlertidig"), ("andel",)), TEMPORARY, "count").code == "B"


def test_a_documented_code_decides_among_fits_but_is_never_taken_on_its_own_word():
    assert ssb_resolve.find_contents(Wanted("x", ("midlertidig",), code="B"), TEMPORARY, "count").code == "B"
    wrong = ssb_resolve.find_contents(Wanted("x", ("natthjem",), code="C"), TEMPORARY, "count")
    assert wrong.code is None and "the documented code C is there, but" in wrong.why_not
    # A documented code the table does not have: the label decides.
    assert ssb_resolve.find_contents(Wanted("x", ("natthjem",), code="KOSgone"), TEMPORARY, "count").code == "D"
    missing = ssb_resolve.find_contents(Wanted("x", ("venteliste",)), TEMPORARY, "count")
    assert missing.code is None and "no ContentsCode has a label with 'venteliste'" in missing.why_not
    assert "D 'Husstander i natthjem' (husstander)" in missing.why_not  # what there is, to fix the entry


def test_title_changes_by_period_range_only_are_not_differences():
    assert ssb_resolve.title_key("12008: Kommunalt disponerte boliger (K) 2015 - 2024") == \
        ssb_resolve.title_key("12008: Kommunalt disponerte boliger (K) 2015 - 2025")
    assert ssb_resolve.title_key("Kommunalt disponerte boliger (K)") != ssb_resolve.title_key("Kommunale boliger (K)")


def test_the_committed_lock_and_table_list_agree():
    lock = ssb_lock.read(ROOT / "data" / "ssb_lock.yaml")
    entries = {e.key: e for e in ssb.load_table_list()}
    assert set(lock) <= set(entries)
    for key, locked in lock.items():  # every locked series is one the table list asks for
        assert set(locked["series"]) <= {w.indicator for w in entries[key].series}
    assert {w.indicator for e in entries.values() if e.candidate for w in e.series} >= {
        "temporary_accommodation_households", "temporary_accommodation_households_with_children",
        "temporary_accommodation_children_over_3_months_share", "temporary_accommodation_14_days_or_less_share",
        "night_shelter_households", "municipal_housing_applications", "municipal_housing_rejections",
        "waiting_list_households", "start_loan_dwellings_per_1000"}


# --- the shipped table list against real shapes -----------------------------------------------


def test_first_refresh_resolves_every_entry_and_writes_the_lock(fake_ssb):
    results = ssb.refresh(client=make_client(fake_ssb), today=__import__("datetime").date(2026, 12, 1))
    assert [(r.key, r.table_id, r.status, r.locked) for r in results] == [
        ("municipal_dwellings", "12008", "fetched", True), ("population", "07459", "fetched", True),
        ("households_tenure", "11084", "fetched", True),
        ("temporary_accommodation", "90101", "fetched", True),  # not 90105: discontinued
        ("municipal_housing_applications", "90102", "fetched", True),
        ("start_loans", "90103", "fetched", True),  # not 90104: a county table (no KOKkommuneregion0000)
    ]
    assert not [r for r in results if "not resolved" in r.message]
    lock = ssb_lock.read()
    dwellings = lock["municipal_dwellings"]
    assert dwellings["table"] == "12008" and dwellings["updated"] == "2025-06-15T06:00:00Z"
    assert dwellings["confirmed"] == "2026-12-01" and dwellings["reviewed"] is False
    assert dwellings["dimensions"] == [KOSTRA_REGION, "ContentsCode", "Tid"]
    assert dwellings["codes"] == {KOSTRA_REGION: {"EAK": "Landet"}}  # the real label
    assert {k: (v["code"], v["unit"]) for k, v in dwellings["series"].items()} == {
        "municipal_dwellings_per_1000": ("KOSboligSper10000000", "boliger"),
        "municipal_dwellings": ("KOSTESTboliger0000", "boliger"),  # not the "innleid" count
        "municipal_dwellings_wheelchair_share": ("KOSTESTrullestol0000", "prosent"),
    }
    assert lock["municipal_housing_applications"]["series"]["waiting_list_households"]["code"] == "KOSventelistetil0000"
    assert "search 'startlån': 2 table(s) found, 1 fit" in lock["start_loans"]["found_by"]
    text = ssb_lock.lock_path().read_text(encoding="utf-8")
    assert text.startswith(ssb_lock.HEADER) and "label: TEST Kommunalt disponerte boliger per 1 000 innbyggere" in text


def test_a_later_refresh_works_from_the_lock(fake_ssb):
    client = make_client(fake_ssb)
    ssb.refresh(client=client)
    before = ssb_lock.lock_path().read_bytes()
    fake_ssb.seen.clear()
    results = ssb.refresh(client=client)
    assert {r.status for r in results} == {"unchanged"}
    assert {s.path.rsplit("/", 1)[-1] for s in fake_ssb.seen} == {"12008", "07459", "11084", "90101", "90102", "90103"}
    assert not fake_ssb.requests_to("/metadata") and not [s for s in fake_ssb.seen if s.path.endswith("/tables")]  # no search
    # New data at SSB is not a difference: fetched, the lock stays as reviewed.
    fake_ssb.tables["90101"].updated = "2026-06-15T06:00:00Z"
    [result] = ssb.refresh(["temporary_accommodation"], client=client)
    assert result.status == "fetched" and not result.locked
    assert ssb_lock.lock_path().read_bytes() == before


def _label(fake, table_id, code, text):
    fake.tables[table_id].dim("ContentsCode").labels[code] = text


@pytest.mark.parametrize("change, says", [
    (lambda f: _label(f, "12008", "KOSboligSper10000000", "TEST Kommunalt disponerte boliger per 1 000 husholdninger"),
     "municipal_dwellings_per_1000: ContentsCode KOSboligSper10000000 was labelled 'TEST Kommunalt disponerte boliger per 1 000 "
     "innbyggere', now 'TEST Kommunalt disponerte boliger per 1 000 husholdninger'"),
    (lambda f: f.tables["12008"].dim("ContentsCode").units.update({"KOSTESTboliger0000": {"base": "rom", "decimals": 0}}),
     "municipal_dwellings: ContentsCode KOSTESTboliger0000 had unit 'boliger', now 'rom'"),
    (lambda f: f.tables["12008"].dim("ContentsCode").codes.remove("KOSTESTrullestol0000"),
     "municipal_dwellings_wheelchair_share: ContentsCode KOSTESTrullestol0000"),
    (lambda f: f.tables["12008"].dim(KOSTRA_REGION).codes.remove("EAK"), f"{KOSTRA_REGION} code 'EAK' (Landet) is gone"),
    (lambda f: f.tables["12008"].dim(KOSTRA_REGION).labels.update({"EAK": "Landet uten Svalbard"}),
     f"{KOSTRA_REGION} code 'EAK' was labelled 'Landet', now 'Landet uten Svalbard'"),
    (lambda f: setattr(f.tables["12008"], "discontinued", True), "SSB now marks table 12008 as discontinued"),
    (lambda f: setattr(f.tables["12008"], "label", "12008: TEST Kommunale utleieboliger (K)"),
     "table 12008 was titled '12008: TEST Kommunalt disponerte boliger (K) 2015 - 2024', now '12008: TEST Kommunale utleieboliger (K)'"),
    (lambda f: f.tables["12008"].dims.insert(1, __import__("copy").deepcopy(f.tables["07459"].dim("Kjonn"))),
     "table 12008 has other dimensions: new Kjonn"),
    (lambda f: f.tables.pop("12008"), "SSB has no table 12008 (the table locked for municipal_dwellings)"),
], ids=["label", "unit", "code-gone", "region-code-gone", "region-label", "discontinued", "title", "new-dimension", "table-gone"])
def test_anything_ssb_changes_that_the_lock_records_stops_the_refresh_by_name(fake_ssb, change, says):
    client = make_client(fake_ssb)
    ssb.refresh(["municipal_dwellings"], client=client)
    lock_before = ssb_lock.lock_path().read_bytes()
    stored = snapshot.load("ssb", "municipal_dwellings.data.json").sha256
    change(fake_ssb)
    if "12008" in fake_ssb.tables:
        fake_ssb.tables["12008"].updated = "2026-06-15T06:00:00Z"
    [result] = ssb.refresh(["municipal_dwellings"], client=client)
    assert result.status == "failed" and isinstance(result.error, UpstreamChanged) and result.error.exit_code == 4
    assert says in result.message, result.message
    assert snapshot.load("ssb", "municipal_dwellings.data.json").sha256 == stored  # nothing fetched or stored
    assert ssb_lock.lock_path().read_bytes() == lock_before  # the lock is not rewritten to fit


def test_a_change_hidden_behind_an_unchanged_stamp_is_still_found_when_the_title_moves(fake_ssb):
    client = make_client(fake_ssb)
    ssb.refresh(["municipal_dwellings"], client=client)
    fake_ssb.tables["12008"].label = "12008: TEST Noe annet (K)"  # `updated` not touched
    [result] = ssb.refresh(["municipal_dwellings"], client=client)
    assert result.status == "failed" and "was titled" in result.message


def test_two_tables_that_fit_equally_are_named_not_picked(fake_ssb):
    twin = kostra_tables()["90103"]
    twin.id, twin.label = "90199", "90199: TEST Startlån, kopi (K)"
    fake_ssb.tables["90199"] = twin
    [result] = ssb.refresh(["start_loans"], client=make_client(fake_ssb))
    assert result.status == "unresolved" and "several SSB tables fit entry start_loans equally well" in result.message
    assert "90103 " in result.message and "90199 " in result.message and "start_loans" not in ssb_lock.read()


def test_a_candidate_ssb_does_not_have_is_left_out_with_what_was_looked_at(fake_ssb):
    fake_ssb.tables.pop("90103")
    [result] = ssb.refresh(["start_loans"], client=make_client(fake_ssb))
    assert result.status == "unresolved" and result.error is None  # reported; the refresh goes on
    assert "no SSB table fits entry start_loans" in result.message and "90104 " in result.message
    assert "no dimension KOKkommuneregion0000" in result.message
    fake_ssb.tables["90103"] = kostra_tables()["90103"]
    _label(fake_ssb, "90103", "KOSfainansstartp0000", "TEST Noe helt annet")
    [result] = ssb.refresh(["start_loans"], client=make_client(fake_ssb))
    assert result.status == "unresolved" and "90103 '90103: TEST Startlån (K)': 0 of 1 series fit" in result.message
    assert "start_loans" not in ssb_lock.read() and not snapshot.load("ssb", "start_loans.table.json")


def test_an_entry_that_is_not_a_candidate_must_resolve(fake_ssb):
    _label(fake_ssb, "12008", "KOSboligSper10000000", "TEST Noe helt annet")
    _label(fake_ssb, "12008", "KOSTESTboliger0000", "TEST Noe helt annet 2")
    _label(fake_ssb, "12008", "KOSTESTrullestol0000", "TEST Noe helt annet 3")
    [result] = ssb.refresh(["municipal_dwellings"], client=make_client(fake_ssb))
    assert result.status == "failed" and result.error.exit_code == 4
    assert "no series of data/ssb_tables.yaml resolved" in result.message and "TEST Noe helt annet" in result.message


# --- KOSTRA's conventions, through refresh and build --------------------------------------------


@pytest.fixture(scope="module")
def kostra_build(tmp_path_factory):
    """One refresh of the shipped table list against the real-shape fake, then one build."""
    from etl import build

    out = tmp_path_factory.mktemp("kostra")
    fake = FakeSsb(kostra_tables()).start()
    try:
        with pytest.MonkeyPatch.context() as patch:
            for name, value in {"BOLIG_SSB_BASE": fake.base_url, "BOLIG_SNAPSHOTS": str(out / "snapshots"),
                                "BOLIG_WAREHOUSE": str(out / "warehouse.duckdb"), "BOLIG_RUN_LOG": str(out / "runs.jsonl"),
                                "BOLIG_SSB_LOCK": str(out / "ssb_lock.yaml")}.items():
                patch.setenv(name, value)
            results = ssb.refresh(client=make_client(fake))
            assert {r.status for r in results} == {"fetched"}, [r.message for r in results]
            path = build.build().path
        yield fake.tables, path
    finally:
        fake.stop()


def _rows(path, sql, *params):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_the_real_kostra_region_list_is_the_fakes(kostra_build):
    tables, _ = kostra_build
    real = [code for code, _ in real_kostra_regions()]
    assert len(real) == 467 and real[:2] == ["0101", "0104"] and real[429:432] == ["2111", "EAK", "EAKUO"]
    assert real[432:451] == [f"EKA{n:02d}" for n in range(1, 21) if n != 13] and real[451:] == [f"EKG{n:02d}" for n in range(1, 17)]
    assert tables["12008"].dim(KOSTRA_REGION).codes[:467] == real
    assert {"3001", "3101", "EKA30", "EKA31", "EKA50"} <= set(tables["12008"].dim(KOSTRA_REGION).codes)


def test_counties_map_to_the_counties_of_their_era(kostra_build):
    tables, path = kostra_build
    rows = _rows(path, """SELECT o.region_code, o.period, o.value FROM observation o JOIN source s USING (source_id)
                          WHERE s.table_id = '12008' AND o.indicator_id = 'municipal_dwellings' AND length(o.region_code) = 2""")
    assert rows
    for code, period, _ in rows:
        assert valid_in(code, period), (code, period)  # e.g. no Østfold 01 in 2021
    found = {(code, period): value for code, period, value in rows}
    for eka, code, period in [("EKA01", "01", "2017"), ("EKA16", "16", "2017"), ("EKA50", "50", "2018"),
                              ("EKA30", "30", "2021"), ("EKA31", "31", "2024"), ("EKA03", "03", "2024")]:
        assert found[(code, period)] == pytest.approx(tables["12008"].value((eka, "KOSTESTboliger0000", period)))
    assert ("01", "2021") not in found and ("30", "2019") not in found and ("31", "2023") not in found


def test_kostra_groups_the_country_without_oslo_and_longyearbyen_are_left_out(kostra_build):
    _, path = kostra_build
    codes = {r[0] for r in _rows(path, "SELECT DISTINCT region_code FROM observation WHERE source_id IN "
                                       "(SELECT source_id FROM source WHERE kind = 'ssb')")}
    registry = set(regions.read_bundle()[0].code)
    assert codes <= registry and "2111" not in codes
    assert not [c for c in codes if not c.isdigit()]  # no EKG.., EAKUO


def test_the_country_row_is_ssbs_own_figure_not_a_sum(kostra_build):
    tables, path = kostra_build
    for period in ("2017", "2024"):
        [(value,)] = _rows(path, """SELECT value FROM observation_current WHERE indicator_id = 'municipal_dwellings'
                                    AND region_code = '0' AND period = ?""", period)
        assert value == pytest.approx(tables["12008"].value(("EAK", "KOSTESTboliger0000", period)))
        [(total,)] = _rows(path, """SELECT sum(value) FROM observation WHERE indicator_id = 'municipal_dwellings'
                                    AND length(region_code) = 4 AND period = ?""", period)
        assert total > 10 * value  # the municipalities add up to something else entirely (TEST numbers)


def test_kostra_county_figures_are_never_summed_into_a_merged_county(kostra_build):
    _, path = kostra_build
    # Sør- and Nord-Trøndelag (16, 17) became Trøndelag (50) in 2018: their 2017 figures stay theirs.
    assert not _rows(path, """SELECT 1 FROM observation_current WHERE indicator_id = 'municipal_dwellings'
                              AND region_code = '50' AND period = '2017'""")
    kept = _rows(path, """SELECT region_code, derived, note FROM observation_current WHERE indicator_id = 'municipal_dwellings'
                          AND region_code IN ('16', '17') AND period = '2017'""")
    assert len(kept) == 2 and not any(derived for _, derived, _ in kept) and all("not harmonised" in note for *_, note in kept)
    assert not _rows(path, """SELECT 1 FROM observation_current o JOIN region r ON r.code = o.region_code
                              WHERE r.level = 'county' AND o.derived AND o.source_id IN (SELECT source_id FROM source WHERE kind = 'ssb')""")


def test_halden_0101_reaches_3101_through_the_2020_and_2024_changes(kostra_build):
    tables, path = kostra_build
    rows = {period: (value, harmonised, original) for period, value, harmonised, original in _rows(
        path, """SELECT period, value, harmonised, original_codes FROM observation_current
                 WHERE indicator_id = 'municipal_dwellings_per_1000' AND region_code = '3101' ORDER BY period""")}
    assert sorted(rows) == [str(y) for y in range(2015, 2025)]
    table = tables["12008"]
    for period, code in [("2015", "0101"), ("2019", "0101"), ("2020", "3001"), ("2023", "3001"), ("2024", "3101")]:
        value, harmonised, original = rows[period]
        assert value == pytest.approx(table.value((code, "KOSboligSper10000000", period)))
        assert (harmonised, original) == ((True, code) if code != "3101" else (False, ""))
    # 0101's empty cells after 2019 did not turn into rows beside 3101's figures.
    assert not _rows(path, "SELECT 1 FROM observation WHERE region_code = '0101' AND period >= '2020'")


def test_every_candidate_series_reaches_the_warehouse(kostra_build):
    _, path = kostra_build
    found = {r[0] for r in _rows(path, """SELECT DISTINCT indicator_id FROM observation o JOIN source s USING (source_id)
                                          WHERE s.kind = 'ssb' AND o.region_code = '3101'""")}
    assert found == {w.indicator for e in ssb.load_table_list() for w in e.series} - {"population", "households", "renter_households"}


def test_the_lock_written_by_that_refresh_is_the_one_the_build_read(kostra_build, tmp_path):
    _, path = kostra_build
    lock = yaml.safe_load((Path(path).parent / "ssb_lock.yaml").read_text(encoding="utf-8"))["entries"]
    tables = {r[0] for r in _rows(path, "SELECT table_id FROM source WHERE kind = 'ssb'")}
    assert tables == {entry["table"] for entry in lock.values()}
