"""A TEST warehouse for the national-story pages (Oversikt, Bostedsløse, Vanskeligstilte,
Strategier): tests/warehouse_factory.py's warehouse plus the breakdowns, categories, counties,
strategies and goals those pages read.

As in the factory, every number is made up and every source says TEST DATA, so a number found
on a page can only have come from the warehouse. The ids (indicators, breakdown codes,
strategies) are the real ones the page configs in data/ ask for.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from tests.warehouse_factory import OBSERVATIONS, build_test_warehouse, publish_file

INDICATORS = [
    # id, unit, unit_label_nb, unit_label_en, decimals, better, title_nb, title_en
    ("homeless_share", "percent", "prosent", "percent", 0, "none", "Andel av de bostedsløse", "Share of homeless people"),
    ("homeless_children_with_parents", "persons", "personer", "persons", 0, "down",
     "Barn som er bostedsløse sammen med foreldre", "Children homeless with their parents"),
    ("homeless_mean_age", "years", "år", "years", 0, "none", "Gjennomsnittsalder blant bostedsløse", "Mean age of homeless people"),
    ("disadvantaged_share", "percent", "prosent", "percent", 1, "down", "Andel vanskeligstilte", "Share disadvantaged"),
    ("municipal_dwellings", "dwellings", "boliger", "dwellings", 0, "none", "Kommunalt disponerte boliger", "Municipal rental dwellings"),
    ("municipal_dwellings_per_1000", "per_1000", "per 1 000 innbyggere", "per 1,000 inhabitants", 0, "none",
     "Kommunalt disponerte boliger per 1 000 innbyggere", "Municipal dwellings per 1,000 inhabitants"),
]

S, SSB = "test-survey", "test-article"
E = "estimate=ssb_2011"
# indicator, region, period, breakdown, value, status, qualifier, source, derived, derivation, confidence
STORY_OBSERVATIONS = [
    ("homeless", "0", "2012", "age=under_25", 1111.0, "", "", S, False, None, "H"),
    ("homeless", "0", "2012", "age=under_20", 444.0, "", "", S, False, None, "H"),
    ("homeless", "0", "2020", "municipality_group=over_40000", 2222.0, "", "", S, False, None, "M"),
    ("homeless", "0", "2020", "municipality_group=big4", 1444.0, "", "", S, False, None, "M"),
    ("homeless_share", "0", "2012", "situation=friends_acquaintances_relatives", 41.0, "", "", S, False, None, "M"),
    ("homeless_share", "0", "2012", "situation=temporary_accommodation", 22.0, "", "approx", S, False, None, "M"),
    ("homeless_share", "0", "2016", "situation=friends_acquaintances", 36.0, "", "", S, False, None, "H"),
    ("homeless_share", "0", "2016", "situation=temporary_accommodation", 27.0, "", "", S, False, None, "H"),
    ("homeless_share", "0", "2016", "situation=prison", 8.0, "", "", S, False, None, "H"),
    ("homeless_share", "0", "2020", "situation=temporary_accommodation", 33.0, "", "", S, False, None, "M"),
    ("homeless_share", "0", "2020", "situation=institution_prison_crisis_centre", 21.0, "", "", S, False, None, "M"),
    # A suppressed figure: no value, SSB's ":" says why. Never shown as 0.
    ("homeless_share", "0", "2020", "situation=no_overnight_place_or_shelter", None, ":", "", S, False, None, "M"),
    ("homeless_share", "0", "2012", "sex=female", 31.0, "", "approx", S, False, None, "M"),
    ("homeless_share", "0", "2020", "sex=male", 72.0, "", "", S, False, None, "M"),
    ("homeless_share", "0", "2020", "sex=female", 28.0, "", "", S, False, None, "M"),
    ("homeless_share", "0", "2012", "condition=drug_dependence", 55.0, "", "", S, False, None, "M"),
    ("homeless_share", "0", "2012", "condition=mental_illness", 39.0, "", "", S, False, None, "M"),
    ("homeless_share", "0", "2020", "condition=drug_dependence", 49.0, "", "approx", S, False, None, "M"),
    ("homeless_share", "0", "2016", "income_source=social_assistance", 34.0, "", "", S, False, None, "H"),
    ("homeless_share", "0", "2016", "income_source=work", 9.0, "", "", S, False, None, "H"),
    ("homeless_share", "0", "2020", "benefit=social_assistance", 32.0, "", "", S, False, None, "M"),
    ("homeless_share", "0", "2012", "among=under_25|situation=friends_acquaintances", 53.0, "", "gt", S, False, None, "H"),
    ("homeless_share", "0", "2012", "among=under_25|duration=long_term", 48.0, "", "", S, False, None, "H"),
    ("homeless_share", "0", "2012", "among=under_25|cause=breakup_family_conflict", 18.0, "", "", S, False, None, "H"),
    ("homeless_share", "0", "2020", "country_of_birth=norway", 66.0, "", "", S, False, None, "M"),
    ("homeless_children_with_parents", "0", "2012", "", 666.0, "", "", S, False, None, "H"),
    ("homeless_children_with_parents", "0", "2016", "", 222.0, "", "", S, False, None, "H"),
    ("homeless_mean_age", "0", "2020", "", 37.0, "", "", S, False, None, "M"),
    ("disadvantaged", "0", "2011", E, 100001.0, "", "", SSB, False, None, "H"),
    ("disadvantaged_share", "0", "2011", E, 2.2, "", "", SSB, False, None, "H"),
    ("disadvantaged", "0", "2011", "estimate=nou_2011_15", 130000.0, "", "approx", SSB, False, None, "M"),
    ("disadvantaged", "0", "2015", "estimate=low", 160000.0, "", "", SSB, False, None, "M"),
    ("disadvantaged", "0", "2015", "estimate=high", 260000.0, "", "", SSB, False, None, "M"),
    ("disadvantaged", "0", "2019", "estimate=isf_2019", 165000.0, "", "gt", SSB, False, None, "M"),
    ("disadvantaged", "0", "2020", "age=under_20|estimate=strategy_2020", 77000.0, "", "", SSB, False, None, "H"),
    ("disadvantaged", "0", "2011", f"{E}|tenure=self_owner", 40000.0, "", "", SSB, False, None, "H"),
    ("disadvantaged_share", "0", "2011", f"{E}|tenure=self_owner", 1.1, "", "", SSB, False, None, "H"),
    ("disadvantaged", "0", "2011", f"{E}|tenure=cooperative", 15000.0, "", "", SSB, False, None, "H"),
    ("disadvantaged_share", "0", "2011", f"{E}|tenure=cooperative", 3.1, "", "", SSB, False, None, "H"),
    ("disadvantaged", "0", "2011", f"{E}|tenure=renter", 45001.0, "", "", SSB, False, None, "H"),
    ("disadvantaged_share", "0", "2011", f"{E}|tenure=renter", 6.6, "", "", SSB, False, None, "H"),
    ("disadvantaged", "01", "2011", E, 7001.0, "", "", SSB, False, None, "H"),
    ("disadvantaged_share", "01", "2011", E, 2.9, "", "", SSB, False, None, "H"),
    ("disadvantaged", "03", "2011", E, 30003.0, "", "", SSB, False, None, "H"),
    ("disadvantaged_share", "03", "2011", E, 5.5, "", "", SSB, False, None, "H"),
    ("disadvantaged", "16", "2011", E, 6006.0, "", "", SSB, False, None, "H"),
    ("disadvantaged_share", "16", "2011", E, 2.1, "", "", SSB, False, None, "H"),
    ("disadvantaged", "0", "2011", f"children=none|{E}", 25000.0, "", "", SSB, False, None, "H"),
    ("disadvantaged", "0", "2011", f"children=six_plus|{E}", 4000.0, "", "", SSB, False, None, "H"),
    ("disadvantaged_share", "0", "2011", f"children=six_plus|{E}", 50.5, "", "", SSB, False, None, "H"),
    ("disadvantaged", "0", "2011", f"{E}|household_type=married_couple_youngest_0_5", 30000.0, "", "", SSB, False, None, "H"),
    ("disadvantaged", "0", "2011", f"{E}|immigrant_background=immigrant_asia_africa_etc", 30000.0, "", "", SSB, False, None, "H"),
    ("disadvantaged", "0", "2011", f"{E}|municipality_group=under_10000", 15000.0, "", "", SSB, False, None, "H"),
    ("disadvantaged", "0", "2011", f"{E}|municipality_group=oslo", 30003.0, "", "", SSB, False, None, "H"),
    ("municipal_dwellings", "0", "2012", "", 99999.0, "", "", SSB, False, None, "H"),
    ("municipal_dwellings", "0", "2016", "", 104444.0, "", "", SSB, False, None, "M"),
    ("municipal_dwellings", "0", "2023", "", 111111.0, "", "", SSB, False, None, "H"),
    ("municipal_dwellings_per_1000", "0", "2012", "", 19.0, "", "", SSB, False, None, "H"),
    ("municipal_dwellings_per_1000", "0", "2023", "", 22.0, "", "", SSB, False, None, "H"),
]

DIMENSIONS = [
    ("age", "Alder", "Age"), ("among", "Blant", "Among"), ("benefit", "Mottar ytelse", "Receives benefit"),
    ("cause", "Årsak", "Cause"), ("children", "Barn i husholdningen", "Children in the household"),
    ("condition", "Rus og psykisk helse", "Substance use and mental health"),
    ("country_of_birth", "Fødeland", "Country of birth"), ("duration", "Varighet", "Duration"),
    ("estimate", "Anslag", "Estimate"), ("household_type", "Husholdningstype", "Household type"),
    ("immigrant_background", "Innvandringsbakgrunn", "Immigrant background"),
    ("income_source", "Hovedinntekt", "Main source of income"), ("municipality_group", "Kommunegruppe", "Municipality group"),
    ("sex", "Kjønn", "Sex"), ("situation", "Bosituasjon", "Living situation"), ("tenure", "Eierform", "Tenure"),
]

CATEGORIES = [
    ("age", "under_20", "Under 20 år", "Under 20", 1), ("age", "under_25", "Under 25 år", "Under 25", 2),
    ("among", "under_25", "Bostedsløse under 25 år", "Homeless people under 25", 1),
    ("benefit", "social_assistance", "Sosialhjelp", "Social assistance", 1),
    ("cause", "breakup_family_conflict", "Samlivsbrudd eller familiekonflikt", "Break-up or family conflict", 1),
    ("children", "none", "Ingen barn", "No children", 1), ("children", "six_plus", "6 barn eller flere", "6 or more children", 7),
    ("condition", "drug_dependence", "Rusavhengighet", "Drug dependence", 1),
    ("condition", "mental_illness", "Psykisk lidelse", "Mental illness", 2),
    ("country_of_birth", "norway", "Født i Norge", "Born in Norway", 1),
    ("duration", "long_term", "Langvarig bostedsløs", "Long-term homeless", 1),
    ("estimate", "ssb_2011", "SSB 2011: TEST-mål", "SSB 2011: TEST measure", 1),
    ("estimate", "nou_2011_15", "NOU 2011:15 (TEST)", "NOU 2011:15 (TEST)", 2),
    ("estimate", "strategy_2014", "Strategien 2014 (TEST)", "The 2014 strategy (TEST)", 3),
    ("estimate", "low", "Lavt anslag (TEST)", "Low estimate (TEST)", 4),
    ("estimate", "high", "Høyt anslag (TEST)", "High estimate (TEST)", 5),
    ("estimate", "isf_2019", "ISF 2019 (TEST)", "ISF 2019 (TEST)", 7),
    ("estimate", "strategy_2020", "Strategien 2020 (TEST)", "The 2020 strategy (TEST)", 8),
    ("household_type", "married_couple_youngest_0_5", "Ektepar, yngste barn 0–5 år", "Married couple, youngest child 0–5", 1),
    ("immigrant_background", "immigrant_asia_africa_etc", "Innvandrere fra Asia, Afrika mv.", "Immigrants from Asia, Africa etc.", 2),
    ("income_source", "social_assistance", "Sosialhjelp", "Social assistance", 1), ("income_source", "work", "Arbeid", "Work", 4),
    ("municipality_group", "under_10000", "Under 10 000 innbyggere", "Under 10,000 inhabitants", 1),
    ("municipality_group", "oslo", "Oslo", "Oslo", 4),
    ("municipality_group", "over_40000", "Kommuner over 40 000 innbyggere", "Municipalities over 40,000 inhabitants", 8),
    ("municipality_group", "big4", "De fire største byene", "The four largest cities", 9),
    ("sex", "male", "Menn", "Men", 1), ("sex", "female", "Kvinner", "Women", 2),
    ("situation", "temporary_accommodation", "Midlertidig botilbud", "Temporary accommodation", 1),
    ("situation", "friends_acquaintances_relatives", "Hos venner, kjente eller slekt", "With friends, acquaintances or relatives", 2),
    ("situation", "friends_acquaintances", "Hos venner eller kjente", "With friends or acquaintances", 3),
    ("situation", "prison", "Fengsel eller kriminalomsorg", "Prison or correctional service", 5),
    ("situation", "institution_prison_crisis_centre", "Institusjon, fengsel eller krisesenter", "Institution, prison or crisis centre", 6),
    ("situation", "no_overnight_place_or_shelter", "Uten sted å sove", "Nowhere to sleep", 10),
    ("tenure", "self_owner", "Selveier", "Owner-occupier", 1), ("tenure", "cooperative", "Borettslag", "Cooperative", 2),
    ("tenure", "renter", "Leier", "Renter", 3),
]

# Counties as they were before 2020 (valid_to 2020), so the 2011 figures are named as then.
COUNTIES = [("01", "TEST-fylke Østfold", "2020-01-01"), ("03", "TEST-fylke Oslo", None),
            ("16", "TEST-fylke Sør-Trøndelag", "2018-01-01"), ("50", "TEST-fylke Trøndelag", None)]

STRATEGIES = [
    # id, kind, name_nb, name_en, start, end, published, source title, url
    ("prosjekt_bostedslose", "forerunner", "TEST forløper A", "TEST forerunner A", 2001, 2004, None),
    ("pa_vei_til_egen_bolig", "forerunner", "TEST forløper B", "TEST forerunner B", 2005, 2007, None),
    ("bolig_for_velferd", "national", "TEST strategi A", "TEST strategy A", 2014, 2020, "2014-03"),
    ("alle_trenger_et_trygt_hjem", "national", "TEST strategi B", "TEST strategy B", 2021, 2024, "2020"),
]
GOALS = [
    ("bolig_for_velferd", 1, "TEST-mål A1", "TEST goal A1"), ("bolig_for_velferd", 2, "TEST-mål A2", "TEST goal A2"),
    ("alle_trenger_et_trygt_hjem", 1, "TEST-mål B1", "TEST goal B1"),
]
GOAL_INDICATORS = [
    ("bolig_for_velferd", 1, "homeless"), ("bolig_for_velferd", 1, "homeless_per_1000"),
    ("bolig_for_velferd", 1, "disadvantaged"), ("bolig_for_velferd", 1, "municipal_dwellings_per_1000"),
    ("alle_trenger_et_trygt_hjem", 1, "homeless"),
]
PRIORITY_AREAS = [
    ("bolig_for_velferd", 1, 1, "priority_area", "TEST-innsatsområde A1", "TEST priority area A1"),
    ("alle_trenger_et_trygt_hjem", 1, None, "priority_area", "TEST-innsatsområde B1", "TEST priority area B1"),
]
TARGETS = [
    ("bolig_for_velferd", 1, "TEST-resultatmål A1", "TEST result target A1", "homeless_children_with_parents", None, "down"),
    ("alle_trenger_et_trygt_hjem", 1, "TEST-nullvisjon", "TEST zero vision", "homeless", 0.0, "down"),
]


def build_story_warehouse(path: Path) -> Path:
    """The factory's warehouse with the story pages' rows added, swapped in as a whole."""
    path = Path(path)
    building = build_test_warehouse(path.with_name(path.name + ".story"), observations=OBSERVATIONS + STORY_OBSERVATIONS)
    con = duckdb.connect(str(building))
    try:
        con.executemany(
            """INSERT INTO indicator (id, topic, unit, unit_label_nb, unit_label_en, decimals, better, title_nb, title_en,
                                      definition_nb, definition_en, comparability_nb, comparability_en)
               VALUES (?, 'test', ?, ?, ?, ?, ?, ?, ?, 'TEST-definisjon', 'TEST definition',
                       'TEST-sammenlignbarhet', 'TEST comparability')""",
            INDICATORS,
        )
        con.executemany("INSERT INTO dimension (dimension, label_nb, label_en) VALUES (?, ?, ?)", DIMENSIONS)
        con.executemany("INSERT INTO category (dimension, code, label_nb, label_en, sort_order) VALUES (?, ?, ?, ?, ?)", CATEGORIES)
        con.executemany(
            "INSERT INTO region (code, name, level, parent_code, valid_from, valid_to) VALUES (?, ?, 'county', '0', DATE '2005-01-01', ?)",
            COUNTIES,
        )
        con.execute("DELETE FROM strategy")
        con.executemany(
            """INSERT INTO strategy (id, kind, name_nb, name_en, region_code, period_start, period_end, published,
                                     source_publisher, source_title, source_url)
               VALUES (?, ?, ?, ?, '0', ?, ?, ?, 'Testdepartementet', 'TEST DATA: strategi', 'https://example.org/test/strategy')""",
            STRATEGIES,
        )
        con.executemany("INSERT INTO goal (strategy_id, goal_no, text_nb, text_en) VALUES (?, ?, ?, ?)", GOALS)
        con.executemany("INSERT INTO goal_indicator (strategy_id, goal_no, indicator_id) VALUES (?, ?, ?)", GOAL_INDICATORS)
        con.executemany("INSERT INTO priority_area (strategy_id, area_no, goal_no, kind, text_nb, text_en) VALUES (?, ?, ?, ?, ?, ?)", PRIORITY_AREAS)
        con.executemany(
            "INSERT INTO target (strategy_id, target_no, text_nb, text_en, indicator_id, target_value, direction) VALUES (?, ?, ?, ?, ?, ?, ?)",
            TARGETS,
        )
        con.execute("CHECKPOINT")
    finally:
        con.close()
    publish_file(building, path)
    return path


if __name__ == "__main__":  # build one by hand: python -m tests.story_warehouse PATH
    import sys

    print(build_story_warehouse(Path(sys.argv[1])))
