"""The region registry and harmonise: first on a small made-up registry (TEST DATA, not real
codes' history), then on the bundled registry in data/regions."""
from __future__ import annotations

import filecmp
import json
import math
import shutil

import pandas as pd
import pytest

from boligsosial.config import settings
from etl import regions as R
from etl.tidy import OBSERVATION_COLUMNS

# ---------------------------------------------------------------------------- made-up registry
# 1001 + 1002 merge into 1010 on 2020-01-01; 2001 -> 3001 (2020) -> 4001 (2024) renumbered;
# 5001 splits into 5101 and 5102 on 2024-01-01; 6001 never changes.

TARGET = "2024-06-01"


def fake_registry():
    regions = pd.DataFrame(
        [
            ("0", "Country", "country", "", "2018-01-01", ""),
            ("10", "County", "county", "0", "2018-01-01", ""),
            ("1001", "Left", "municipality", "10", "2018-01-01", "2020-01-01"),
            ("1002", "Right", "municipality", "10", "2018-01-01", "2020-01-01"),
            ("1010", "Merged", "municipality", "10", "2020-01-01", ""),
            ("2001", "Old number", "municipality", "10", "2018-01-01", "2020-01-01"),
            ("3001", "Middle number", "municipality", "10", "2020-01-01", "2024-01-01"),
            ("4001", "New number", "municipality", "10", "2024-01-01", ""),
            ("5001", "Whole", "municipality", "10", "2018-01-01", "2024-01-01"),
            ("5101", "North part", "municipality", "10", "2024-01-01", ""),
            ("5102", "South part", "municipality", "10", "2024-01-01", ""),
            ("6001", "Steady", "municipality", "10", "2018-01-01", ""),
        ],
        columns=R.REGION_COLUMNS,
    )
    changes = pd.DataFrame(
        [
            ("1001", "Left", "1010", "Merged", "2020-01-01", "municipality"),
            ("1002", "Right", "1010", "Merged", "2020-01-01", "municipality"),
            ("2001", "Old number", "3001", "Middle number", "2020-01-01", "municipality"),
            ("3001", "Middle number", "4001", "New number", "2024-01-01", "municipality"),
            ("5001", "Whole", "5101", "North part", "2024-01-01", "municipality"),
            ("5001", "Whole", "5102", "South part", "2024-01-01", "municipality"),
        ],
        columns=R.CHANGE_COLUMNS,
    )
    return regions, changes


INDICATORS = pd.DataFrame(
    [
        ("cnt", None, None, None, "persons"),
        ("pop", None, None, None, "persons"),
        ("rate", "cnt", "pop", 1000.0, "per_1000"),
        ("share", None, None, None, "percent"),
    ],
    columns=["id", "numerator", "denominator", "per", "unit"],
)


def obs(indicator, region, period, value, status="", note=""):
    row = dict.fromkeys(OBSERVATION_COLUMNS, "")
    row.update(indicator_id=indicator, region_code=region, period=period, value=value, status=status,
               source_id="src", derived=False, confidence="H", note=note)
    return row


def run(*rows):
    regions, changes = fake_registry()
    frame = pd.DataFrame(list(rows), columns=OBSERVATION_COLUMNS)
    return R.harmonise(frame, regions, changes, INDICATORS, TARGET)


def one(result, indicator, region, period):
    found = result[(result.indicator_id == indicator) & (result.region_code == region) & (result.period == period)]
    assert len(found) == 1, found
    return found.iloc[0]


def test_counts_of_merged_municipalities_add_up():
    result, breaks = run(obs("cnt", "1001", "2019", 5.0), obs("cnt", "1002", "2019", 7.0))
    row = one(result, "cnt", "1010", "2019")
    assert row.value == 12.0 and row.status == ""
    assert row.derived and row.harmonised and row.original_codes == "1001+1002"
    assert "sum of 1001+1002" in row.derivation
    assert set(result.region_code) == {"1010"} and breaks.empty


def test_generated_derivations_and_notes_are_in_every_language():
    first = obs("cnt", "1001", "2019", 5.0, note="Part one.")
    first.update(note_en="Part one.", note_nb="Del en.", note_nn="Del ein.")
    result, _ = run(first, obs("cnt", "1002", "2019", 7.0))
    row = one(result, "cnt", "1010", "2019")
    assert row.derivation_en == row.derivation == "sum of 1001+1002, the codes that make up 1010"
    assert row.derivation_nb == "summen av 1001+1002, kodene som utgjør 1010"
    assert row.derivation_nn == "summen av 1001+1002, kodane som utgjer 1010"
    assert (row.note_nb, row.note_nn, row.note_en, row.note) == ("Del en.", "Del ein.", "Part one.", "Part one.")


@pytest.mark.parametrize("second", [obs("cnt", "1002", "2019", math.nan, status=":"), None])
def test_a_suppressed_or_absent_part_makes_the_merged_count_missing_not_partial(second):
    rows = [obs("cnt", "1001", "2019", 5.0)] + ([second] if second else [])
    result, _ = run(*rows)
    row = one(result, "cnt", "1010", "2019")
    assert math.isnan(row.value) and row.status == ".."
    assert "not computed: no value for 1002" in row.derivation


@pytest.mark.parametrize(
    "counts, populations, expected",
    [((10.0, 30.0), (1000.0, 3000.0), 10.0), ((10.0, 90.0), (1000.0, 3000.0), 25.0)],
)
def test_rate_of_merged_municipalities_is_recomputed_not_summed_or_averaged(counts, populations, expected):
    rows = []
    for code, count, population in zip(("1001", "1002"), counts, populations):
        rows += [obs("cnt", code, "2019", count), obs("pop", code, "2019", population),
                 obs("rate", code, "2019", count / population * 1000)]
    result, _ = run(*rows)
    row = one(result, "rate", "1010", "2019")
    assert row.value == pytest.approx(expected)  # not the sum (40) nor the plain average (20)
    assert row.derived and "recomputed" in row.derivation and row.original_codes == "1001+1002"


def test_rate_without_its_denominator_is_missing():
    result, _ = run(obs("cnt", "1001", "2019", 10.0), obs("cnt", "1002", "2019", 30.0),
                    obs("rate", "1001", "2019", 10.0), obs("rate", "1002", "2019", 10.0))
    row = one(result, "rate", "1010", "2019")
    assert math.isnan(row.value) and row.status == ".."


def test_percent_share_of_merged_municipalities_stays_on_old_codes_flagged():
    result, _ = run(obs("share", "1001", "2019", 40.0), obs("share", "1002", "2019", 60.0))
    assert set(result.region_code) == {"1001", "1002"}
    assert not result.harmonised.any()
    assert result.note.str.contains("not harmonised").all()
    assert result.note_nb.str.startswith("ikke harmonisert: 1001+1002 ble slått sammen til 1010").all()
    assert result.note_nn.str.startswith("ikkje harmonisert: 1001+1002 vart slått saman til 1010").all()


def test_chained_renumbering_maps_the_code():
    result, _ = run(obs("cnt", "2001", "2019", 3.0), obs("share", "3001", "2021", 55.0))
    counted, shared = one(result, "cnt", "4001", "2019"), one(result, "share", "4001", "2021")
    assert counted.value == 3.0 and counted.harmonised and counted.original_codes == "2001" and not counted.derived
    assert shared.value == 55.0 and shared.original_codes == "3001"
    _, changes = fake_registry()
    assert R.current_code("2001", changes, on=TARGET) == "4001"
    assert R.current_code("2001", changes, on="2021-01-01") == "3001"


def test_split_code_gives_a_break_and_no_value_on_the_new_codes():
    result, breaks = run(obs("cnt", "5001", "2022", 100.0))
    assert not result.region_code.isin(["5101", "5102"]).any()
    kept = one(result, "cnt", "5001", "2022")
    assert not kept.harmonised and "5001 was split on 2024-01-01" in kept.note
    assert breaks.to_dict("records") == [
        {"region_code": r, "indicator_id": "cnt", "changed_on": "2024-01-01", "kind": "split", "old_code": "5001"}
        for r in ("5101", "5102")
    ]
    _, changes = fake_registry()
    assert R.current_code("5001", changes, on=TARGET) is None


def test_a_split_code_follows_the_part_that_kept_its_name_when_asked():
    changes = pd.DataFrame([
        ("1504", "Ålesund", "1507", "Ålesund", "2020-01-01", "municipality"),
        ("1507", "Ålesund", "1508", "Ålesund", "2024-01-01", "municipality"),
        ("1507", "Ålesund", "1580", "Haram", "2024-01-01", "municipality"),
    ], columns=["old_code", "old_name", "new_code", "new_name", "changed_on", "level"])
    assert R.current_code("1504", changes, on="2026-01-01") is None  # split: no single successor
    assert R.current_code("1504", changes, on="2026-01-01", name="Ålesund") == "1508"
    assert R.current_code("1504", changes, on="2026-01-01", name="Molde") is None  # no part kept that name


def test_unchanged_codes_the_country_and_figures_already_on_new_codes_pass_through():
    result, breaks = run(obs("cnt", "6001", "2019", 1.0), obs("cnt", "0", "2019", 9.0),
                         obs("cnt", "1010", "2019", 12.0), obs("cnt", "5101", "2024", 4.0))
    assert len(result) == 4 and not result.harmonised.any() and not result.derived.any()
    assert set(result.region_code) == {"6001", "0", "1010", "5101"} and breaks.empty


def test_valid_at_around_the_reforms():
    regions, _ = fake_registry()
    def codes(day):
        return set(R.valid_at(regions, day).query("level == 'municipality'").code)
    assert codes("2019-12-31") == {"1001", "1002", "2001", "5001", "6001"}
    assert codes("2020-01-01") == {"1010", "3001", "5001", "6001"}
    assert codes("2023-12-31") == {"1010", "3001", "5001", "6001"}
    assert codes("2024-01-01") == {"1010", "4001", "5101", "5102", "6001"}


# ---------------------------------------------------------------------------- the bundled registry

COUNTIES = {
    "2017-06-01": {f"{n:02d}" for n in range(1, 21) if n != 13},
    "2018-06-01": {f"{n:02d}" for n in range(1, 21) if n not in (13, 16, 17)} | {"50"},
    "2020-01-01": {"03", "11", "15", "18", "30", "34", "38", "42", "46", "50", "54"},
    "2024-01-01": {"03", "11", "15", "18", "31", "32", "33", "34", "39", "40", "42", "46", "50", "55", "56"},
    "2026-06-01": {"03", "11", "15", "18", "31", "32", "33", "34", "39", "40", "42", "46", "50", "55", "56"},
}


@pytest.fixture(scope="module")
def bundle():
    return R.read_bundle()


def levels_at(regions, day):
    return R.valid_at(regions, day).groupby("level").size().to_dict()


def test_load_registry_falls_back_to_the_bundle_without_snapshots(bundle):
    regions, changes = R.load_registry()
    assert regions.equals(bundle[0]) and changes.equals(bundle[1])


@pytest.mark.parametrize(
    "day, municipalities, counties",
    # 428 (2016), 422 (31.12.2019), 356 (2020) and 357 (2024): SSB's published totals
    [("2016-01-01", 428, 19), ("2019-12-31", 422, 18), ("2020-01-01", 356, 11),
     ("2023-12-31", 356, 11), ("2024-01-01", 357, 15), ("2026-01-01", 357, 15)],
)
def test_bundle_has_the_published_number_of_regions(bundle, day, municipalities, counties):
    assert levels_at(bundle[0], day) == {"country": 1, "county": counties, "municipality": municipalities}


@pytest.mark.parametrize("day", sorted(COUNTIES))
def test_bundle_counties_of_each_era(bundle, day):
    assert set(R.valid_at(bundle[0], day).query("level == 'county'").code) == COUNTIES[day]


def test_bundle_has_no_duplicate_periods_and_every_municipality_has_a_county(bundle):
    regions = bundle[0]
    assert not regions.duplicated(["code", "valid_from"]).any()
    # validity only changes on these days, so checking each of them covers every period
    for day in sorted(set(regions.valid_from) | set(regions.valid_to.dropna())):
        valid = R.valid_at(regions, day)
        municipalities = valid[valid.level == "municipality"]
        assert set(municipalities.parent_code) <= set(valid[valid.level == "county"].code), day
        assert municipalities.code.is_unique, day


@pytest.mark.parametrize(
    "code, name, valid_from, valid_to",
    [
        ("0301", "Oslo", "2005-01-01", ""),
        ("1201", "Bergen", "2005-01-01", "2020-01-01"), ("4601", "Bergen", "2020-01-01", ""),
        ("1601", "Trondheim", "2005-01-01", "2018-01-01"), ("5001", "Trondheim", "2018-01-01", "2023-01-01"),
        ("0214", "Ås", "2005-01-01", "2020-01-01"), ("3021", "Ås", "2020-01-01", "2024-01-01"),
        ("3218", "Ås", "2024-01-01", ""),
        ("0219", "Bærum", "2005-01-01", "2020-01-01"), ("3024", "Bærum", "2020-01-01", "2024-01-01"),
        ("3201", "Bærum", "2024-01-01", ""),
        ("0101", "Halden", "2005-01-01", "2020-01-01"), ("3001", "Halden", "2020-01-01", "2024-01-01"),
        ("3101", "Halden", "2024-01-01", ""),
        ("1504", "Ålesund", "2005-01-01", "2020-01-01"), ("1507", "Ålesund", "2020-01-01", "2024-01-01"),
        ("1508", "Ålesund", "2024-01-01", ""), ("1580", "Haram", "2024-01-01", ""),
        ("1103", "Stavanger", "2005-01-01", ""),
    ],
)
def test_bundle_has_the_key_municipalities(bundle, code, name, valid_from, valid_to):
    regions = bundle[0]
    assert ((regions.code == code) & (regions.name == name) & (regions.valid_from == valid_from)
            & (regions.valid_to.fillna("") == valid_to)).any()


@pytest.mark.parametrize(
    "old, on, new",
    [("0219", "2024-06-01", "3201"), ("0219", "2021-06-01", "3024"), ("0101", "2024-06-01", "3101"),
     ("1201", "2024-06-01", "4601"), ("1601", "2024-06-01", "5001"), ("0214", "2024-06-01", "3218"),
     ("1504", "2021-06-01", "1507"), ("1504", "2024-06-01", None), ("1850", "2024-06-01", None),
     ("16", "2024-06-01", "50"), ("30", "2024-06-01", None), ("0301", "2024-06-01", "0301")],
)
def test_bundle_chains(bundle, old, on, new):
    assert R.current_code(old, bundle[1], on=on) == new


def test_bundle_agrees_with_the_independent_2020_2023_list(bundle):
    """SSB's own list for reporting year 2022 (kostra-kontrollprogram) against the codes the
    bundle derives by walking the 2024 list back through the change table."""
    path = settings.data_dir() / "regions" / "klass" / "131-codesAt-2022-01-01.json"
    listed = {c["code"]: c["name"] for c in json.loads(path.read_text(encoding="utf-8"))["codes"]}
    listed.pop("9999")
    derived = R.valid_at(bundle[0], "2022-01-01").query("level == 'municipality'")
    assert dict(zip(derived.code, derived.name)) == listed


def test_rebuilding_the_bundle_reproduces_the_committed_csvs(tmp_path):
    shutil.copytree(settings.data_dir() / "regions", tmp_path / "regions")
    R.rebuild_bundle(data_dir=tmp_path)
    for name in ("regions.csv", "changes.csv"):
        assert filecmp.cmp(tmp_path / "regions" / name, settings.data_dir() / "regions" / name, shallow=False), name


def test_harmonise_on_the_bundle(bundle):
    regions, changes = bundle
    frame = pd.DataFrame(
        [obs("cnt", "0219", "2019", 100.0), obs("cnt", "5001", "2019", 200.0), obs("cnt", "5030", "2019", 5.0),
         *[obs("cnt", c, "2019", 1.0) for c in ("1504", "1523", "1529", "1534", "1546")]],
        columns=OBSERVATION_COLUMNS,
    )
    result, breaks = R.harmonise(frame, regions, changes, INDICATORS, "2024-06-01")
    assert one(result, "cnt", "3201", "2019").value == 100.0
    trondheim = one(result, "cnt", "5001", "2019")  # Klæbu (5030) joined Trondheim in 2020
    assert trondheim.value == 205.0 and trondheim.original_codes == "5001+5030"
    assert set(breaks.region_code) == {"1508", "1580"} and set(breaks.old_code) == {"1507"}
    assert not result.region_code.isin(["1507", "1508", "1580"]).any()


# ---------------------------------------------------------------------------- KLASS's changes of 2026-01-01


def test_bundle_knows_the_renamings_of_2026(bundle):
    """KLASS 131 changes of 1 January 2026 (data/regions/klass/131-changes-2026-01-01.json, see
    SOURCES.md): 5006 and 5536 get their new names that day; the codes do not change."""
    regions = bundle[0]
    def name(code, day):
        found = R.valid_at(regions, day).query("code == @code")
        assert len(found) == 1, (code, day)
        return found.iloc[0]["name"]
    assert name("5006", "2025-12-31") == "Steinkjer" and name("5006", "2026-01-01") == "Steinkjer - Stïentje"
    assert name("5536", "2025-12-31") == "Lyngen" and name("5536", "2026-01-01") == "Lyngen - Ivgu - Yykeän"
    assert set(R.valid_at(regions, "2025-12-31").code) == set(R.valid_at(regions, "2026-01-01").code)


def test_bundle_knows_the_border_move_of_2026_and_3118_continues(bundle):
    regions, changes = bundle
    moved = changes[(changes.changed_on == "2026-01-01") & (changes.old_code == "3118")]
    assert set(moved.new_code) == {"3118", "3207", "3216"}
    # A border move, not a merger or a split: Indre Østfold keeps its code and its period.
    for code in ("3118", "3207", "3216"):
        assert R.current_code(code, changes, on="2026-06-01") == code
        assert len(regions[regions.code == code]) == 1
    # Part of a municipality of Østfold (31) went to municipalities of Akershus (32).
    county = changes[(changes.changed_on == "2026-01-01") & (changes.level == "county")]
    assert set(zip(county.old_code, county.new_code)) == {("31", "31"), ("31", "32"), ("32", "32")}


def test_harmonising_past_2026_flags_the_moved_border_instead_of_guessing(bundle):
    regions, changes = bundle
    frame = pd.DataFrame([obs("cnt", "3118", "2024", 100.0), obs("cnt", "3207", "2024", 50.0),
                          obs("cnt", "3101", "2024", 7.0), obs("cnt", "5006", "2024", 9.0)], columns=OBSERVATION_COLUMNS)
    before, no_breaks = R.harmonise(frame, regions, changes, INDICATORS, "2025-06-01")
    assert no_breaks.empty and not before.note.str.contains("not harmonised").any()
    after, breaks = R.harmonise(frame, regions, changes, INDICATORS, "2026-06-01")
    kept = one(after, "cnt", "3118", "2024")
    assert kept.value == 100.0 and not kept.harmonised  # never summed or split by guess
    assert "3118 gave part of its area away on 2026-01-01" in kept.note
    assert "3118 gave part of its area away on 2026-01-01" in one(after, "cnt", "3207", "2024").note
    assert set(breaks.region_code) == {"3118", "3207", "3216"} and set(breaks.old_code) == {"3118"}
    # Places the change did not touch pass through, a renamed one too.
    assert one(after, "cnt", "3101", "2024").note == "" and one(after, "cnt", "5006", "2024").note == ""
