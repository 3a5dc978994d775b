"""Column tests on the curated data (data/facts, data/indicators.yaml, data/strategies.yaml) and
on the loaders that read them.

The data tests read the CSVs directly rather than through etl.facts, so that they still
check the data if the loader's own checks are loosened. Tests that need malformed input
write it under tmp_path and never touch data/.
"""
from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest
import yaml

from boligsosial.config import settings
from etl.catalogue import load_indicators, load_units
from etl.errors import EtlError
from etl.facts import (
    FACT_COLUMNS,
    NON_FACT_FILES,
    load_bundle,
    load_categories,
    load_dimensions,
    load_partnerships,
    load_publishers,
)
from etl.strategies import load_strategies
from etl.tidy import QUALIFIERS, TEXTS, breakdown_key, parse_breakdown

FACTS = settings.data_dir() / "facts"
# What a facts folder needs besides its figures: labels and the publisher list.
SUPPORT_FILES = {"categories.csv", "dimensions.csv", "publishers.csv"}

# Years each region code was valid (KLASS 104/131), so a code used outside its period fails.
OLD_COUNTIES = ["01", "02", "04", "05", "06", "07", "08", "09", "10", "12", "14", "16", "17", "19", "20"]
REGION_YEARS = {
    "0": (1900, 2100),
    "03": (1900, 2100), "11": (1900, 2100), "15": (1900, 2100), "18": (1900, 2100),
    **{code: (1900, 2019) for code in OLD_COUNTIES},
    "50": (2018, 2100),
    **{code: (2020, 2023) for code in ("30", "34", "38", "42", "46", "54")},
    "0301": (1900, 2100),
    "1201": (1900, 2019),
    "4601": (2020, 2100),
    "5001": (2018, 2100),
    "3021": (2020, 2023),
}


def _fact_files() -> list[Path]:
    return sorted(p for p in FACTS.glob("*.csv") if p.name not in NON_FACT_FILES)


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    """Every facts row as text, with its file and line for readable failures."""
    out = []
    for path in _fact_files():
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            for row in reader:
                out.append({**row, "where": f"{path.name}:{reader.line_num}"})
    assert out, "no curated facts found"
    return out


@pytest.fixture(scope="module")
def catalogue():
    return load_indicators().set_index("id")


@pytest.fixture(scope="module")
def strategies():
    return load_strategies()


def _find(rows, indicator, period, breakdown="", region="0"):
    return [
        r for r in rows
        if (r["indicator_id"], r["period"], r["breakdown"], r["region_code"]) == (indicator, period, breakdown, region)
    ]


# ------------------------------------------------------------------ column tests on the facts

def test_facts_files_have_exactly_the_agreed_columns():
    for path in _fact_files():
        with open(path, encoding="utf-8", newline="") as handle:
            assert next(csv.reader(handle)) == FACT_COLUMNS, path.name


def test_every_indicator_is_in_the_catalogue_and_its_unit_matches(rows, catalogue):
    unknown = [r["where"] for r in rows if r["indicator_id"] not in catalogue.index]
    assert not unknown
    wrong_unit = [r["where"] for r in rows if r["unit"] != catalogue.loc[r["indicator_id"], "unit"]]
    assert not wrong_unit


def test_confidence_is_h_or_m(rows):
    assert {r["confidence"] for r in rows} <= {"H", "M"}


def test_urls_start_with_http(rows):
    assert not [r["where"] for r in rows if not r["url"].startswith(("http://", "https://"))]


def test_sources_have_publisher_and_title(rows):
    assert not [r["where"] for r in rows if not r["publisher"].strip() or not r["title"].strip()]


def test_derived_rows_say_how_in_every_language(rows):
    assert {r["derived"] for r in rows} <= {"true", "false"}
    for column in TEXTS["derivation"]:
        assert not [r["where"] for r in rows if r["derived"] == "true" and not r[column].strip()], column
    assert not [r["where"] for r in rows if r["derived"] == "false" and any(r[c] for c in TEXTS["derivation"])]


def test_no_note_without_every_language(rows):
    for columns in TEXTS.values():
        partial = [r["where"] for r in rows if len({bool(r[c].strip()) for c in columns}) > 1]
        assert not partial, columns


def test_norwegian_texts_keep_the_numbers_of_the_english(rows):
    # A translation must not change a figure: every number in the English text appears in the
    # bokmål and the nynorsk one (decimal point written as a comma, numbers inside URLs ignored).
    def numbers(text: str) -> set[str]:
        text = re.sub(r"https?://\S+", "", text)
        return {n.replace(".", ",").replace(" ", "") for n in re.findall(r"\d+(?:[ .,]\d+)*", text)}
    lost = []
    for r in rows:
        for nb, nn, en in TEXTS.values():
            for norwegian in (nb, nn):
                missing = numbers(r[en]) - numbers(r[norwegian])
                if missing:
                    lost.append((r["where"], norwegian, sorted(missing)))
    assert not lost


def test_qualifier_is_allowed(rows):
    assert {r["qualifier"] for r in rows} <= QUALIFIERS


def test_key_is_unique(rows):
    seen: dict[tuple, str] = {}
    duplicates = []
    for r in rows:
        key = (r["indicator_id"], r["region_code"], r["period"], r["breakdown"])
        if key in seen:
            duplicates.append((seen[key], r["where"]))
        seen.setdefault(key, r["where"])
    assert not duplicates


def test_values_are_plain_numbers_within_the_indicator_range(rows, catalogue):
    out_of_range = []
    for r in rows:
        value = float(r["value"])  # raises on "6 259" or "9,2"
        low, high = catalogue.loc[r["indicator_id"], ["min_value", "max_value"]]
        if not low <= value <= high:
            out_of_range.append((r["where"], value))
    assert not out_of_range


def test_periods_are_years_or_months(rows):
    assert not [r["where"] for r in rows if not re.fullmatch(r"\d{4}(-(0[1-9]|1[0-2]))?", r["period"])]


def test_region_codes_are_valid_for_their_period(rows):
    wrong = []
    for r in rows:
        years = REGION_YEARS.get(r["region_code"])
        if years is None or not years[0] <= int(r["period"][:4]) <= years[1]:
            wrong.append((r["where"], r["region_code"], r["period"]))
    assert not wrong


def test_breakdowns_are_canonical_and_labelled(rows):
    labels = load_categories()
    labelled = set(zip(labels["dimension"], labels["code"]))
    not_canonical = [r["where"] for r in rows if breakdown_key(parse_breakdown(r["breakdown"])) != r["breakdown"]]
    assert not not_canonical
    unlabelled = {
        (dim, code)
        for r in rows
        for dim, code in parse_breakdown(r["breakdown"]).items()
        if (dim, code) not in labelled
    }
    assert not unlabelled


def test_every_category_dimension_has_labels():
    dimensions = set(load_dimensions()["dimension"])
    categories = load_categories()
    assert set(categories["dimension"]) <= dimensions
    assert not categories.duplicated(["dimension", "code"]).any()
    assert (categories[["label_nb", "label_nn", "label_en"]] != "").all().all()


def test_disadvantaged_rows_always_name_their_estimate(rows):
    # The estimates use different definitions, so an untagged row could be mistaken for SSB's.
    untagged = [
        r["where"] for r in rows
        if r["indicator_id"].startswith("disadvantaged") and "estimate" not in parse_breakdown(r["breakdown"])
    ]
    assert not untagged


def test_ranges_are_stored_as_low_and_high(rows):
    low = _find(rows, "disadvantaged", "2015", "estimate=low")
    high = _find(rows, "disadvantaged", "2015", "estimate=high")
    assert [r["value"] for r in low] == ["177000"] and [r["value"] for r in high] == ["282400"]
    bergen = {r["breakdown"]: r["value"] for r in rows if r["region_code"] == "1201" and r["period"] == "2003"}
    assert bergen == {"": "713", "estimate=low": "685", "estimate=high": "742"}


# ------------------------------------------------------------------ headline figures

@pytest.mark.parametrize(
    "indicator, period, breakdown, value, qualifier",
    [
        ("homeless", "1996", "", 6200, ""),
        ("homeless", "2012", "", 6259, ""),
        ("homeless", "2016", "", 3909, ""),
        ("homeless", "2020", "", 3325, ""),
        ("homeless_per_1000", "2020", "", 0.62, ""),
        ("disadvantaged", "2011", "estimate=ssb_2011", 122077, ""),
        ("disadvantaged", "2014", "estimate=strategy_2014", 150000, "approx"),
        ("disadvantaged", "2020", "estimate=strategy_2020", 179000, "approx"),
    ],
)
def test_headline_figures(rows, indicator, period, breakdown, value, qualifier):
    found = _find(rows, indicator, period, breakdown)
    assert len(found) == 1, (indicator, period, breakdown)
    assert float(found[0]["value"]) == value
    assert found[0]["qualifier"] == qualifier


# ------------------------------------------------------------------ sources and publishers

@pytest.fixture(scope="module")
def publishers() -> dict[str, str]:
    table = load_publishers()
    return dict(zip(table["publisher"], table["kind"]))


def test_every_figure_has_a_url_a_publisher_and_a_confidence(rows):
    lacking = [r["where"] for r in rows
               if not r["url"].startswith(("http://", "https://")) or not r["publisher"].strip() or r["confidence"] not in {"H", "M"}]
    assert not lacking


def test_every_publisher_used_is_in_the_list(rows, publishers):
    assert {r["publisher"] for r in rows} <= set(publishers)
    assert set(publishers.values()) <= {"primary", "secondary"}


def test_a_figure_graded_h_names_a_primary_publisher(rows, publishers):
    # H means "an official or primary source states it directly" (data/facts/README.md).
    assert not [(r["where"], r["publisher"]) for r in rows if r["confidence"] == "H" and publishers[r["publisher"]] != "primary"]


def test_a_figure_from_a_secondary_publisher_is_graded_m(rows, publishers):
    assert not [r["where"] for r in rows if publishers[r["publisher"]] == "secondary" and r["confidence"] != "M"]


def test_news_sites_and_blogs_are_not_listed_as_primary(publishers):
    for name in ("Liberaleren", "Trondheim24", "Bygg.no", "Vernepleier.no", "LPP (lpp.no)", "Rusfeltet.no", "E24"):
        assert publishers[name] == "secondary", name


def test_the_strategy_estimate_of_150_000_cites_the_government(rows):
    (found,) = _find(rows, "disadvantaged", "2014", "estimate=strategy_2014")
    assert found["publisher"] == "Regjeringen" and found["url"].startswith("https://www.regjeringen.no/")
    assert found["confidence"] == "H" and found["value"] == "150000" and found["qualifier"] == "approx"


def test_headline_series_no_longer_rest_on_the_news_where_ssb_published_them(rows):
    for period in ("2012", "2016", "2023"):
        (found,) = _find(rows, "municipal_dwellings", period)
        assert found["publisher"] == "Statistisk sentralbyrå (SSB)", period


def test_county_figures_for_municipal_dwellings_2005_add_up_to_the_national_total(rows):
    counties = [r for r in rows if r["indicator_id"] == "municipal_dwellings" and r["period"] == "2005"
                and r["breakdown"] == "" and r["region_code"] != "0"]
    (national,) = _find(rows, "municipal_dwellings", "2005")
    assert len(counties) == 19
    assert sum(int(r["value"]) for r in counties) == int(national["value"]) == 94239
    # each county's tenure parts add up to its total, as SSB printed them
    for county in counties:
        parts = [r for r in rows if r["indicator_id"] == "municipal_dwellings" and r["period"] == "2005"
                 and r["region_code"] == county["region_code"] and r["breakdown"].startswith("municipal_tenure=")]
        assert len(parts) == 3 and sum(int(p["value"]) for p in parts) == int(county["value"]), county["where"]


def test_publisher_list_rejects_an_unknown_kind(tmp_path):
    folder = _facts_folder(tmp_path)
    (folder / "publishers.csv").write_text("publisher,name_en,kind,why_nb,why_en\nX,,tertiary,a,b\n", encoding="utf-8")
    with pytest.raises(EtlError) as caught:
        load_publishers(folder)
    assert "'X' has kind 'tertiary'" in str(caught.value)


def test_partnership_municipalities_are_sourced_and_on_codes_valid_at_their_start(publishers):
    from etl.regions import load_registry

    table = load_partnerships()
    assert len(table) >= 10
    assert set(table["publisher"]) <= {p for p, kind in publishers.items() if kind == "primary"}
    regions, _ = load_registry()
    municipalities = regions[regions["level"] == "municipality"]
    for row in table.itertuples():
        start = f"{row.period_start}-01-01"
        valid = municipalities[(municipalities["code"] == row.region_code) & (municipalities["valid_from"] <= start)
                               & (municipalities["valid_to"].isna() | (municipalities["valid_to"] > start))]
        assert len(valid) == 1, (row.region_code, row.period_start)
        assert valid.iloc[0]["name"] == row.name
        assert row.url.startswith("https://") and row.note_nb and row.note_nn and row.note_en


def test_partnership_municipalities_are_found_on_todays_codes():
    from datetime import date

    from etl.build import _partnerships_today
    from etl.regions import load_registry

    _, changes = load_registry()
    table = _partnerships_today(changes, date(2026, 12, 3))
    today = dict(zip(zip(table["region_code"], table["period_start"]), table["region_code_today"]))
    assert today[("1653", 2013)] == "5028"  # Melhus, renumbered with Trøndelag in 2018
    assert today[("1504", 2013)] == "1508"  # Ålesund: merged 2020, split again 2024, kept the name
    assert today[("1505", 2013)] == "1505"  # Kristiansund: unchanged


def test_a_label_missing_in_one_language_is_refused(tmp_path):
    folder = _facts_folder(tmp_path)
    lines = (folder / "categories.csv").read_text(encoding="utf-8").splitlines()
    fields = lines[1].split(",")
    fields[3] = ""  # label_nn
    (folder / "categories.csv").write_text("\n".join([lines[0], ",".join(fields), *lines[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(EtlError) as caught:
        load_categories(folder)
    assert f"categories.csv: {fields[0]}/{fields[1]} has no label_nn" in str(caught.value)


def test_partnership_list_rejects_a_bad_row(tmp_path):
    folder = _facts_folder(tmp_path)
    header = ",".join(["region_code", "name", "programme", "husbanken_region", "period_start", "period_end", "status",
                       "publisher", "title", "url", "published", "note_nb", "note_nn", "note_en"])
    (folder / "partnership_municipalities.csv").write_text(
        header + "\n301,Oslo,kommuneprogram,,2016,2020,maybe,Some Blog,T,https://example.org,,,,Only English\n", encoding="utf-8")
    with pytest.raises(EtlError) as caught:
        load_partnerships(folder)
    message = str(caught.value)
    for expected in ("four-digit", "status 'maybe'", "'Some Blog' is not in publishers.csv", "note_en is given but note_nb, note_nn are empty"):
        assert expected in message, expected


def test_no_homeless_count_for_2008(rows):
    # Only the rate (1.27 per 1 000) was published in the sources; the count must not be made up.
    assert not [r for r in rows if r["indicator_id"] == "homeless" and r["period"] == "2008"]
    assert _find(rows, "homeless_per_1000", "2008")


def test_every_survey_year_has_its_national_figures(rows):
    counts = {r["period"] for r in rows if r["indicator_id"] == "homeless" and r["region_code"] == "0" and r["breakdown"] == ""}
    rates = {r["period"] for r in rows if r["indicator_id"] == "homeless_per_1000" and r["breakdown"] == ""}
    assert counts == {"1996", "2003", "2005", "2012", "2016", "2020"}
    assert rates == {"1996", "2008", "2012", "2016", "2020"}
    (derived_2003,) = _find(rows, "homeless", "2003")
    assert derived_2003["derived"] == "true" and derived_2003["confidence"] == "M"


# ------------------------------------------------------------------ loaders

def test_bundle_matches_the_csv_rows(rows):
    bundle = load_bundle()
    assert bundle.name == "curated"
    assert len(bundle.observations) == len(rows)
    assert bundle.sources["source_id"].is_unique
    assert set(bundle.observations["source_id"]) == set(bundle.sources["source_id"])
    assert (bundle.observations["status"] == "").all()
    assert set(bundle.sources["kind"]) == {"curated"}
    assert set(bundle.sources["fetched_at"]) == {"2026-11-21"}


def test_units_are_labelled():
    units = load_units()
    assert units["id"].is_unique and (units["label_nb"] != "").all()


def _facts_folder(tmp_path: Path, *lines: str) -> Path:
    """A facts folder with the real label files and one CSV file, bad.csv, holding `lines`."""
    folder = tmp_path / "facts"
    folder.mkdir()
    for name in SUPPORT_FILES:
        shutil.copy(FACTS / name, folder / name)
    (folder / "bad.csv").write_text("\n".join([",".join(FACT_COLUMNS), *lines]) + "\n", encoding="utf-8")
    return folder


GOOD_ROW = "homeless,0,2012,,6259,,persons,OsloMet,Report,https://example.org/r,,H,false,,,,,,"


@pytest.mark.parametrize(
    "bad_row, expected",
    [
        ("homeless,0,2012,sex=male,6 259,,persons,OsloMet,Report,https://example.org/r,,H,false,,,,,,", "not a plain number"),
        ("homeless,0,2012,sex=male,6259,,dwellings,OsloMet,Report,https://example.org/r,,H,false,,,,,,", "unit"),
        ("homeless,0,2012,sex=male,6259,about,persons,OsloMet,Report,https://example.org/r,,H,false,,,,,,", "qualifier"),
        ("homeless,0,2012,sex=male,6259,,persons,OsloMet,Report,https://example.org/r,,L,false,,,,,,", "confidence"),
        ("homeless,0,2012,sex=male,6259,,persons,OsloMet,Report,https://example.org/r,,H,true,,,,,,", "derivation"),
        ("homeless,0,2012,sex=robot,6259,,persons,OsloMet,Report,https://example.org/r,,H,false,,,,,,", "no label"),
        ("homeless,0,2012,,6259,,persons,OsloMet,Report,https://example.org/r,,H,false,,,,,,", "duplicate of bad.csv:2"),
        ("homeless,0,2012,sex=male,6259,,persons,OsloMet,Report,https://example.org/r,,H,true,,,how,,,", "no derivation_nb"),
        ("homeless,0,2012,sex=male,6259,,persons,OsloMet,Report,https://example.org/r,,H,false,,,,,,A note", "note_en is given but note_nb, note_nn are empty"),
        ("homeless,0,2012,sex=male,6259,,persons,OsloMet,Report,https://example.org/r,,H,false,,,,Et notat,,", "note_nb is given but note_nn, note_en are empty"),
        ("homeless,0,2012,sex=male,6259,,persons,OsloMet,Report,https://example.org/r,,H,false,,,,Et notat,,A note",
         "note_nb, note_en are given but note_nn is empty"),
        ("homeless,0,2012,sex=male,6259,,persons,OsloMet,Report,https://example.org/r,,H,false,slik,,how,,,", "derived is not true"),
        ("homeless,0,2012,sex=male,6259,,persons,Some Blog,Report,https://example.org/r,,M,false,,,,,,", "not in publishers.csv"),
        ("homeless,0,2012,sex=male,6259,,persons,Aftenposten,Report,https://example.org/r,,H,false,,,,,,", "needs a primary publisher"),
    ],
)
def test_loader_rejects_a_bad_row_naming_its_line(tmp_path, bad_row, expected):
    folder = _facts_folder(tmp_path, GOOD_ROW, bad_row)
    with pytest.raises(EtlError) as caught:
        load_bundle(folder)
    message = str(caught.value)
    assert "bad.csv:3" in message and expected in message


def test_loader_rejects_wrong_columns(tmp_path):
    folder = _facts_folder(tmp_path)
    (folder / "bad.csv").write_text("indicator_id,value\nhomeless,1\n", encoding="utf-8")
    with pytest.raises(EtlError, match="bad.csv:1"):
        load_bundle(folder)


def test_loader_accepts_a_good_file(tmp_path):
    bundle = load_bundle(_facts_folder(tmp_path, GOOD_ROW))
    assert bundle.observations["value"].tolist() == [6259.0]


# ------------------------------------------------------------------ catalogue

def _catalogue(tmp_path: Path, **changes) -> Path:
    entry = {
        "id": "x", "topic": "homelessness", "title": {"nb": "X", "nn": "X", "en": "X"}, "unit": "persons",
        "decimals": 0, "better": "down", "definition": {"nb": "d", "nn": "d", "en": "d"},
        "comparability": {"nb": "c", "nn": "c", "en": "c"}, "min_value": 0, "max_value": 10,
        "levels": ["country"],
    }
    entry.update(changes)
    entries = [{k: v for k, v in entry.items() if v is not None}]
    if changes.get("id") == "duplicate":
        entries.append(dict(entries[0]))
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump({"units": {"persons": {"nb": "personer", "nn": "personer", "en": "persons"}},
                                    "indicators": entries}, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"unit": None}, "indicators[0].unit: missing"),
        ({"unit": "furlongs"}, "unknown unit"),
        ({"id": "duplicate"}, "duplicate indicator id"),
        ({"numerator": "x"}, "both numerator and denominator"),
        ({"better": "sideways"}, "better"),
    ],
)
def test_catalogue_rejects_malformed_entries(tmp_path, changes, expected):
    with pytest.raises(EtlError) as caught:
        load_indicators(_catalogue(tmp_path, **changes))
    assert expected in str(caught.value)


def test_catalogue_accepts_a_good_entry(tmp_path):
    frame = load_indicators(_catalogue(tmp_path))
    assert frame.loc[0, "unit_label_nb"] == "personer" and frame.loc[0, "levels"] == "country"


def test_rates_can_be_recomputed(catalogue):
    rates = catalogue[catalogue["numerator"].notna()]
    assert {"homeless_per_1000", "municipal_dwellings_per_1000"} <= set(rates.index)
    assert set(rates["numerator"]) | set(rates["denominator"]) <= set(catalogue.index)


# ------------------------------------------------------------------ strategies

def _parts(strategies, table, strategy_id):
    frame = strategies[table]
    return frame[frame["strategy_id"] == strategy_id]


def test_bolig_for_velferd_has_3_goals_7_areas_3_targets(strategies):
    goals = _parts(strategies, "goal", "bolig_for_velferd")
    areas = _parts(strategies, "priority_area", "bolig_for_velferd")
    targets = _parts(strategies, "target", "bolig_for_velferd")
    assert sorted(goals["goal_no"]) == [1, 2, 3]
    assert len(areas) == 7 and set(areas["goal_no"]) == {1, 2, 3}
    assert len(targets) == 3
    temporary = targets[targets["indicator_id"] == "temporary_accommodation_children_over_3_months_share"]
    assert temporary["direction"].tolist() == ["down"]


def test_alle_trenger_et_trygt_hjem_has_4_goals_3_areas_and_a_zero_vision(strategies):
    sid = "alle_trenger_et_trygt_hjem"
    assert len(_parts(strategies, "goal", sid)) == 4
    assert len(_parts(strategies, "priority_area", sid)) == 3
    zero = _parts(strategies, "target", sid)
    zero = zero[zero["indicator_id"] == "homeless"]
    assert zero["target_value"].tolist() == [0.0] and zero["direction"].tolist() == ["down"]
    strategy = strategies["strategy"].set_index("id").loc[sid]
    assert strategy["publication_code"] == "H-2475 B"


def test_halden_strategy(strategies):
    sid = "halden_boligsosial_strategi"
    strategy = strategies["strategy"].set_index("id").loc[sid]
    assert strategy["region_code"] == "3101" and strategy["published"] == "2023-05-11"
    assert len(_parts(strategies, "goal", sid)) == 4
    assert _parts(strategies, "priority_area", sid)["kind"].tolist() == ["strategy"] * 4


def test_strategy_links_point_to_known_indicators_and_goals(strategies, catalogue):
    links = strategies["goal_indicator"]
    assert set(links["indicator_id"]) <= set(catalogue.index)
    assert (links["why"].str.strip() != "").all()
    goals = set(zip(strategies["goal"]["strategy_id"], strategies["goal"]["goal_no"]))
    assert set(zip(links["strategy_id"], links["goal_no"])) <= goals
    assert set(strategies["strategy"]["kind"]) == {"national", "forerunner", "municipal"}


def test_strategies_reject_malformed_yaml(tmp_path):
    broken = tmp_path / "strategies.yaml"
    broken.write_text("strategies:\n  - id: x\n    kind: [national\n", encoding="utf-8")
    with pytest.raises(EtlError, match="not valid YAML"):
        load_strategies(broken)


def test_strategies_reject_unknown_indicator(tmp_path):
    document = yaml.safe_load((settings.data_dir() / "strategies.yaml").read_text(encoding="utf-8"))
    document["strategies"][-1]["goals"][0]["indicators"][0]["id"] = "no_such_indicator"
    path = tmp_path / "strategies.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    with pytest.raises(EtlError, match="no_such_indicator"):
        load_strategies(path)
