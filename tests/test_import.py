"""Imports of Husbanken-style files and StatBank exports (etl/importer.py).

All files used here are TEST DATA: the fixtures in tests/fixtures/import and the workbooks and
CSVs written into tmp_path. Snapshots go to tmp_path through BOLIG_SNAPSHOTS."""
from __future__ import annotations

import hashlib
import math
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from etl import importer, snapshot
from etl.errors import ImportRejected
from etl.numbers_no import parse_number, status_symbol
from etl.tidy import source_id

FIXTURES = Path(__file__).parent / "fixtures" / "import"
EXAMPLE_MAPPING = Path(__file__).parent.parent / "data" / "import_mappings" / "statbank_example.yaml"
HUSBANKEN = FIXTURES / "husbanken.yaml"
INDICATORS = {
    "housing_allowance_households": "households",
    "municipal_dwellings": "dwellings",
    "population": "persons",
    "start_loans": "loans",
}
REGIONS = {"0", "03", "0301", "46", "4601", "50", "5001"}
SOURCE = {"publisher": "TEST DATA publisher", "title": "TEST DATA", "url": "https://example.org/test-data"}


@pytest.fixture(autouse=True)
def snapshot_root(tmp_path, monkeypatch) -> Path:
    """Every test writes its snapshots (and any data) under tmp_path, never into data/."""
    root = tmp_path / "snapshots"
    monkeypatch.setenv("BOLIG_SNAPSHOTS", str(root))
    monkeypatch.setenv("BOLIG_DATA_DIR", str(tmp_path / "data"))
    return root


def read(path, mapping=HUSBANKEN):
    return importer.read_file(path, mapping, indicators=INDICATORS, known_regions=REGIONS)


def do_import(path, mapping=HUSBANKEN):
    return importer.import_file(path, mapping, indicators=INDICATORS, known_regions=REGIONS)


def load():
    return importer.load_bundle(indicators=INDICATORS, known_regions=REGIONS)


def rejection(path, mapping=HUSBANKEN) -> list[str]:
    with pytest.raises(ImportRejected) as info:
        read(path, mapping)
    assert "nothing was imported" in info.value.message
    return info.value.details


def mapping_dict(**changes) -> dict:
    base = {
        "indicator": "housing_allowance_households",
        "unit": "households",
        "source": dict(SOURCE),
        "columns": {"region": "Kommunenummer", "period": "Måned", "value": "Antall"},
    }
    base.update(changes)
    return base


def write_csv(tmp_path: Path, text: str, name: str = "testdata.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def write_xlsx(tmp_path: Path, rows: list[list], name: str = "testdata.xlsx", sheet: str | None = None) -> Path:
    workbook = openpyxl.Workbook()
    if sheet:
        workbook.active["A1"] = "TEST DATA: not the data sheet"
        target = workbook.create_sheet(sheet)
    else:
        target = workbook.active
    for row in rows:
        target.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def stored_files(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if p.is_file())


def figures(bundle) -> dict[tuple[str, str, str], tuple[float | None, str]]:
    """(region, period, breakdown) -> (value, status), with None for a missing value so that
    exact comparison works (NaN != NaN)."""
    return {
        (r.region_code, r.period, r.breakdown): (None if math.isnan(r.value) else r.value, r.status)
        for r in bundle.observations.itertuples(index=False)
    }


# --------------------------------------------------------------------------- Norwegian numbers


@pytest.mark.parametrize("text, expected", [
    ("12 345", 12345.0),
    ("12\u00a0400,5", 12400.5),
    ("1\u202f234", 1234.0),
    ("12 345 678,25", 12345678.25),
    ("1234.5", 1234.5),
    ("1234,5", 1234.5),
    ("0", 0.0),
    ("-12", -12.0),
    ("\u221212,5", -12.5),
    (" 7 ", 7.0),
])
def test_parse_number_reads_norwegian_and_plain_numbers(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["12a", "1.234,5", "1,234.5", "12 34", "1 2345", "", ",5", "1e5", "12 %", "--1"])
def test_parse_number_refuses_what_it_would_have_to_guess(text):
    with pytest.raises(ValueError):
        parse_number(text)


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=99),
       st.sampled_from([" ", "\u00a0", "\u202f"]))
def test_parse_number_round_trips_norwegian_formatting(whole, cents, space):
    text = f"{whole:,}".replace(",", space) + f",{cents:02d}"
    assert parse_number(text) == pytest.approx(whole + cents / 100, rel=1e-12)


def test_status_symbols_are_recognised_exactly():
    assert [status_symbol(s) for s in [".", "..", "...", ":", "-", " : "]] == [".", "..", "...", ":", "-", ":"]
    assert status_symbol("0") is None
    assert status_symbol("....") is None


# --------------------------------------------------------------------------- good files


def test_utf8_semicolon_file_gives_exact_values_and_statuses():
    path = FIXTURES / "husbanken_utf8_semicolon_testdata.csv"
    bundle = read(path)
    assert figures(bundle) == {
        ("0301", "2022-01", ""): (12345.0, ""),
        ("0301", "2022-02", ""): (12400.5, ""),
        ("4601", "2022-01", ""): (1234.0, ""),
        ("4601", "2022-02", ""): (None, ":"),
        ("5001", "2022-01", ""): (None, ".."),
        ("5001", "2022-02", ""): (None, "-"),
        ("0", "2022-01", ""): (98765.0, ""),
    }
    obs = bundle.observations
    confidential = obs[obs["status"] == ":"]
    assert len(confidential) == 1 and confidential["value"].isna().all()  # never 0
    assert obs["value"].isna().sum() == 3
    assert set(obs["indicator_id"]) == {"housing_allowance_households"}
    assert set(obs["confidence"]) == {"H"} and set(obs["qualifier"]) == {""}
    assert not obs["derived"].any()


def test_source_row_identifies_the_file_by_checksum():
    path = FIXTURES / "husbanken_utf8_semicolon_testdata.csv"
    bundle = read(path)
    checksum = hashlib.sha256(path.read_bytes()).hexdigest()
    [source] = bundle.sources.to_dict("records")
    assert source["source_id"] == source_id("TEST DATA publisher", "TEST DATA: Husbanken-style monthly file",
                                            "https://example.org/test-data/husbanken", checksum)
    assert source["checksum"] == checksum
    assert source["kind"] == "import"
    assert source["published"] == "2022-03"
    assert set(bundle.observations["source_id"]) == {source["source_id"]}


def test_windows_1252_file_with_breakdown_codes_and_total():
    bundle = read(FIXTURES / "husbanken_cp1252_testdata.csv", FIXTURES / "husbanken_household_type.yaml")
    assert figures(bundle) == {
        ("0301", "2022-01", "household_type=alone"): (5000.0, ""),
        ("0301", "2022-01", "household_type=families_with_children"): (3000.0, ""),
        ("0301", "2022-01", "household_type=other"): (1000.0, ""),
        ("0301", "2022-01", ""): (9000.0, ""),  # "I alt" is the total
    }
    assert set(bundle.observations["confidence"]) == {"M"}
    categories = bundle.categories.set_index("code")["label_nb"].to_dict()
    assert categories == {"alone": "Bor alene", "families_with_children": "Familie med barn", "other": "Øvrige"}


def test_comma_delimited_file():
    bundle = read(FIXTURES / "husbanken_comma_testdata.csv")
    assert figures(bundle) == {
        ("0301", "2022-01", ""): (1234.5, ""),
        ("0301", "2022-02", ""): (1234.5, ""),
        ("4601", "2022-01", ""): (None, "..."),
    }


def test_statbank_export_with_title_lines_footnotes_and_code_name_regions():
    bundle = read(FIXTURES / "statbank_07459_testdata.csv", EXAMPLE_MAPPING)
    assert figures(bundle) == {
        ("0301", "2023", "sex=1"): (350000.0, ""),
        ("0301", "2023", "sex=2"): (351000.0, ""),
        ("0301", "2023", ""): (701000.0, ""),
        ("4601", "2023", "sex=1"): (15000.0, ""),
        ("4601", "2023", "sex=2"): (None, ":"),
        ("0", "2023", ""): (5500000.0, ""),
    }
    assert set(bundle.observations["indicator_id"]) == {"population"}
    assert bundle.sources.loc[0, "table_id"] == "07459"


def test_example_mapping_has_no_figures_and_a_real_indicator():
    raw = yaml.safe_load(EXAMPLE_MAPPING.read_text(encoding="utf-8"))
    mapping = importer.parse_mapping(raw, INDICATORS)
    assert mapping.indicator == "population" and mapping.unit == "persons"


def test_xlsx_on_a_named_sheet_with_number_and_text_cells(tmp_path):
    path = write_xlsx(tmp_path, [
        ["TEST DATA: invented figures"],
        ["Kommunenummer", "Måned", "Antall"],
        ["0301", "2022M01", 12345],
        ["0301", "2022M02", 12.5],
        ["4601", "2022M01", "1 234,5"],
        ["4601", "2022M02", ".."],
    ], sheet="Data")
    bundle = read(path, mapping_dict(sheet="Data", skip_rows=1))
    assert figures(bundle) == {
        ("0301", "2022-01", ""): (12345.0, ""),
        ("0301", "2022-02", ""): (12.5, ""),
        ("4601", "2022-01", ""): (1234.5, ""),
        ("4601", "2022-02", ""): (None, ".."),
    }


def test_indicator_read_per_row_through_indicator_codes(tmp_path):
    path = write_csv(tmp_path, "Kommune;År;Variabel;Verdi\n0301;2022;Startlån;12\n0301;2022;Kommunale boliger;900\n")
    mapping = mapping_dict(indicator=None, unit="loans",
                           columns={"region": "Kommune", "period": "År", "value": "Verdi", "indicator": "Variabel"},
                           indicator_codes={"Startlån": "start_loans"})
    del mapping["indicator"]
    details = rejection(path, mapping)
    assert details == ['line 3: "Kommunale boliger" in column "Variabel" is not in the mapping\'s codes (Startlån)']
    path.write_text("Kommune;År;Variabel;Verdi\n0301;2022;Startlån;12\n", encoding="utf-8")
    assert read(path, mapping).observations["indicator_id"].tolist() == ["start_loans"]


def test_indicator_ids_read_per_row_must_exist_and_have_the_mapping_unit(tmp_path):
    path = write_csv(tmp_path, "Kommune;År;Indikator;Verdi\n"
                               "0301;2022;start_loans;12\n0301;2022;population;700000\n0301;2022;bostotte;1\n")
    mapping = {"unit": "loans", "source": SOURCE,
               "columns": {"region": "Kommune", "period": "År", "value": "Verdi", "indicator": "Indikator"}}
    details = rejection(path, mapping)
    assert details[0] == 'line 3: unit "loans" does not match indicator "population", whose unit is "persons"'
    assert details[1].startswith('line 4: indicator "bostotte" is not in the indicator catalogue')
    assert len(details) == 2


def test_parse_mapping_raises_import_rejected_with_every_problem():
    with pytest.raises(ImportRejected) as info:
        importer.parse_mapping({"unit": "households", "columns": {"region": "R"}}, INDICATORS)
    assert info.value.details == [
        'mapping: "source" is missing',
        'mapping: give either "indicator" (one for the whole file) or "columns.indicator" (read per row), '
        "not both or neither",
        'mapping: "source.publisher" is missing',
        'mapping: "source.title" is missing',
        'mapping: "source.url" is missing',
        'mapping: "columns.period" is missing',
        'mapping: "columns.value" is missing',
    ]


# --------------------------------------------------------------------------- rejected files


def test_every_bad_row_is_listed_with_its_line_number():
    details = rejection(FIXTURES / "husbanken_many_problems_testdata.csv")
    assert details == [
        'line 4: region "9999" in column "Kommunenummer" is not a known region code',
        'line 5: value "12a" in column "Antall" is not a number',
        'line 6: period "januar 2022" in column "Måned" is not a period format we know '
        "(2022, 2022M01 or 2022-01, 2022K1 or 2022-Q1, 2022U05 or 2022-W05)",
        "line 7: same indicator, region, period and breakdown as line 3",
        'line 8: column "Antall" is empty; write the figure, or an SSB symbol such as ".." (missing) '
        'or ":" (confidential)',
        'line 9: region "301" in column "Kommunenummer" is not a known region code',
        'line 9: value "1.234,5" in column "Antall" is not a number',
    ]


@pytest.mark.parametrize("name, mapping, expected", [
    ("husbanken_utf16_testdata.csv", HUSBANKEN, "UTF-16"),
    ("husbanken_undecodable_testdata.csv", HUSBANKEN, "line 3: byte 0x81 is neither UTF-8 nor Windows-1252"),
    ("husbanken_empty_testdata.csv", HUSBANKEN, "the file is empty"),
    ("husbanken_header_only_testdata.csv", HUSBANKEN, "the file has a header (line 2) but no data rows"),
    ("not_a_zip_testdata.xlsx", HUSBANKEN, "not a valid .xlsx workbook"),
    ("husbanken_utf8_semicolon_testdata.csv", FIXTURES / "mapping_missing_column.yaml",
     'column "Antal" (columns.value in the mapping) is not in the file'),
])
def test_malformed_files_are_rejected_with_a_clear_reason(name, mapping, expected):
    details = rejection(FIXTURES / name, mapping)
    assert any(expected in d for d in details), details


def test_missing_column_message_shows_the_header():
    details = rejection(FIXTURES / "husbanken_utf8_semicolon_testdata.csv", FIXTURES / "mapping_missing_column.yaml")
    assert details[-1] == 'the header (line 2) has: "Kommunenummer", "Måned", "Antall"'


def test_formula_cells_are_rejected_not_evaluated(tmp_path):
    path = write_xlsx(tmp_path, [
        ["Kommunenummer", "Måned", "Antall"],
        ["0301", "2022M01", 10],
        ["0301", "2022M02", "=C2*2"],
        ["4601", "2022M01", "12a"],
    ])
    details = rejection(path, mapping_dict())
    assert details == [
        "row 3, column C: formula '=C2*2'; paste the values instead",
        'row 4: value "12a" in column "Antall" is not a number',
    ]


def test_a_zip_that_is_not_a_workbook_is_refused_without_a_traceback(tmp_path):
    import zipfile

    path = tmp_path / "testdata.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "TEST DATA")
    [detail] = rejection(path, mapping_dict())
    assert detail.startswith("the workbook cannot be read (KeyError")


def test_xlsx_number_cells_that_lost_a_leading_zero_and_date_periods(tmp_path):
    import datetime as dt

    path = write_xlsx(tmp_path, [
        ["Kommunenummer", "Måned", "Antall"],
        [301, "2022M01", 10],
        ["0301", dt.datetime(2022, 1, 1), 10],
        ["0301", 2022, 10],
    ])
    details = rejection(path, mapping_dict())
    assert details[0] == ('row 2: region "301" in column "Kommunenummer" is not a known region code '
                          '(Excel dropped the leading zero of "0301": format the column as text)')
    assert details[1].startswith('row 3: period in column "Måned" is a date cell (2022-01-01)')
    assert len(details) == 2  # 2022 as a number is a fine year


def test_code_name_cells_without_region_format_get_a_hint(tmp_path):
    path = write_csv(tmp_path, "Kommunenummer;Måned;Antall\n0301 Oslo;2022M01;1\n")
    assert rejection(path, mapping_dict()) == [
        'line 2: region "0301 Oslo" in column "Kommunenummer" is not a known region code '
        '(cells like "0301 Oslo" need region_format: "code name")'
    ]


def test_data_after_an_empty_line_is_reported_but_footnotes_are_ignored(tmp_path):
    text = "Kommunenummer;Måned;Antall\n0301;2022M01;1\n\n4601;2022M01;2\nKilde: TEST DATA\n"
    path = write_csv(tmp_path, text)
    assert rejection(path, mapping_dict()) == [
        "line 4: looks like data but comes after the empty line 3, where the data is taken to end; "
        "remove the empty line"
    ]
    path.write_text("Kommunenummer;Måned;Antall\n0301;2022M01;1\n\n;\nKilde: TEST DATA\n", encoding="utf-8")
    assert len(read(path, mapping_dict()).observations) == 1


def test_wrong_skip_rows_points_at_the_line(tmp_path):
    path = write_csv(tmp_path, "TEST DATA\n\nKommunenummer;Måned;Antall\n0301;2022M01;1\n")
    assert rejection(path, mapping_dict(skip_rows=1)) == [
        "line 2: expected the header (skip_rows is 1), found an empty line"
    ]


def test_extra_cells_beyond_the_header_are_reported(tmp_path):
    path = write_csv(tmp_path, "Kommunenummer;Måned;Antall\n0301;2022M01;1;7\n")
    assert rejection(path, mapping_dict()) == ["line 2: has more cells than the header"]


@pytest.mark.parametrize("changes, expected", [
    ({"unit": "persons"},
     'mapping: unit "persons" does not match indicator "housing_allowance_households", whose unit is "households"'),
    ({"indicator": "bostotte"}, 'mapping: indicator "bostotte" is not in the indicator catalogue'),
    ({"skiprows": 2}, 'mapping: unknown key "skiprows"'),
    ({"columns": {"region": "Kommunenummer", "period": "Måned", "value": "Antall", "indicator": "X"}},
     'mapping: give either "indicator"'),
    ({"source": {"publisher": "TEST DATA"}}, 'mapping: "source.title" is missing'),
    ({"region_format": "name"}, 'mapping: "region_format" is "name"'),
    ({"confidence": "L"}, 'mapping: "confidence" is "L"; use H or M'),
    ({"breakdown": {"Kjønn": {"dimension": "sex", "codes": {"Menn": True}}}}, "must be text"),
])
def test_mapping_problems_are_reported(changes, expected):
    details = rejection(FIXTURES / "husbanken_utf8_semicolon_testdata.csv", mapping_dict(skip_rows=1, **changes))
    assert any(d.startswith(expected) or expected in d for d in details), details


def test_files_over_the_size_limit_are_refused(monkeypatch):
    monkeypatch.setattr(importer, "MAX_FILE_BYTES", 100)
    [detail] = rejection(FIXTURES / "husbanken_utf8_semicolon_testdata.csv")
    assert detail.startswith("the file is ") and "the import limit is" in detail


def test_unsupported_suffix(tmp_path):
    path = tmp_path / "testdata.xls"
    path.write_bytes(b"TEST DATA")
    assert rejection(path) == ['files ending in ".xls" cannot be imported; use .csv or .xlsx']


# --------------------------------------------------------------------------- stored imports


@pytest.mark.parametrize("name, mapping", [
    ("husbanken_many_problems_testdata.csv", HUSBANKEN),
    ("husbanken_utf16_testdata.csv", HUSBANKEN),
    ("husbanken_empty_testdata.csv", HUSBANKEN),
    ("not_a_zip_testdata.xlsx", HUSBANKEN),
    ("husbanken_utf8_semicolon_testdata.csv", FIXTURES / "mapping_missing_column.yaml"),
])
def test_nothing_is_stored_on_rejection(snapshot_root, name, mapping):
    with pytest.raises(ImportRejected):
        do_import(FIXTURES / name, mapping)
    assert stored_files(snapshot_root) == []


def test_import_stores_file_and_mapping_and_reloads_to_the_same_bundle(snapshot_root):
    path = FIXTURES / "husbanken_utf8_semicolon_testdata.csv"
    result = do_import(path)
    sha8 = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    stem = f"husbanken_utf8_semicolon_testdata-{sha8}"
    assert result.imported
    assert result.snapshot.name == f"{stem}.csv"
    assert stored_files(snapshot_root) == sorted([
        f"{stem}.csv", f"{stem}.csv.meta.json", f"{stem}.mapping.yaml", f"{stem}.mapping.yaml.meta.json",
    ])
    assert (snapshot_root / "import" / f"{stem}.csv").read_bytes() == path.read_bytes()
    assert (snapshot_root / "import" / f"{stem}.mapping.yaml").read_bytes() == HUSBANKEN.read_bytes()
    assert result.bundle.sources.loc[0, "fetched_at"] == result.snapshot.fetched_at

    reloaded = load()
    assert reloaded.name == "import"
    pd.testing.assert_frame_equal(reloaded.observations, result.bundle.observations)
    pd.testing.assert_frame_equal(reloaded.sources, result.bundle.sources)
    pd.testing.assert_frame_equal(reloaded.categories, result.bundle.categories)


def test_reimporting_the_identical_file_is_a_no_op(snapshot_root, tmp_path):
    path = FIXTURES / "husbanken_utf8_semicolon_testdata.csv"
    first = do_import(path)
    before = {p: p.read_bytes() for p in snapshot_root.rglob("*")  if p.is_file()}
    again = do_import(path)
    renamed = tmp_path / "same_bytes_other_name.csv"
    shutil.copy(path, renamed)
    copy = do_import(renamed)
    assert not again.imported and not copy.imported
    assert "already imported" in again.message and first.snapshot.name in again.message
    assert {p: p.read_bytes() for p in snapshot_root.rglob("*") if p.is_file()} == before
    pd.testing.assert_frame_equal(again.bundle.sources, first.bundle.sources)


def test_same_file_with_a_different_mapping_is_refused(snapshot_root, tmp_path):
    path = FIXTURES / "husbanken_utf8_semicolon_testdata.csv"
    do_import(path)
    other = tmp_path / "other.yaml"
    other.write_text(HUSBANKEN.read_text(encoding="utf-8") + "confidence: M\n", encoding="utf-8")
    before = stored_files(snapshot_root)
    with pytest.raises(ImportRejected, match="already imported with a different mapping"):
        do_import(path, other)
    assert stored_files(snapshot_root) == before


def test_an_import_overlapping_an_earlier_one_is_refused(snapshot_root, tmp_path):
    do_import(FIXTURES / "husbanken_utf8_semicolon_testdata.csv")
    before = stored_files(snapshot_root)
    revised = write_csv(tmp_path, "TEST DATA revised\nKommunenummer;Måned;Antall\n0301;2022M01;12 999\n")
    with pytest.raises(ImportRejected) as info:
        do_import(revised)
    assert "share 1 figure(s), e.g. housing_allowance_households / 0301 / 2022-01" in str(info.value)
    assert stored_files(snapshot_root) == before


def test_several_imports_load_as_one_bundle(snapshot_root):
    do_import(FIXTURES / "husbanken_utf8_semicolon_testdata.csv")
    do_import(FIXTURES / "statbank_07459_testdata.csv", EXAMPLE_MAPPING)
    bundle = load()
    assert len(bundle.sources) == 2
    assert bundle.observations.groupby("indicator_id").size().to_dict() == {
        "housing_allowance_households": 7, "population": 6}
    assert bundle.categories[["dimension", "code", "label_nb"]].values.tolist() == [
        ["sex", "1", "Menn"], ["sex", "2", "Kvinner"]]


def test_load_bundle_without_imports_is_empty():
    bundle = load()
    assert bundle.name == "import" and bundle.observations.empty and bundle.sources.empty


def test_a_corrupted_snapshot_is_named(snapshot_root):
    result = do_import(FIXTURES / "husbanken_utf8_semicolon_testdata.csv")
    stored = result.snapshot.path()
    stored.write_bytes(stored.read_bytes().replace(b"12 345", b"99 345"))
    with pytest.raises(ImportRejected) as info:
        load()
    assert f"stored import {result.snapshot.name} is corrupted" in str(info.value)
    assert snapshot.verify(result.mapping_snapshot)  # the mapping itself is intact


def test_a_stored_import_that_no_longer_passes_is_named(snapshot_root):
    result = do_import(FIXTURES / "husbanken_utf8_semicolon_testdata.csv")
    with pytest.raises(ImportRejected) as info:
        importer.load_bundle(indicators=INDICATORS, known_regions=REGIONS - {"4601"})
    assert info.value.message == f"stored import {result.snapshot.name} no longer passes the import checks"
    assert info.value.details[0].startswith('line 5: region "4601"')
