"""A TEST warehouse for the region explorer (Kommuner og fylker): the story pages' warehouse
(tests/story_warehouse.py) plus counties and municipalities across the 2020 and 2024 reforms,
population, municipal dwellings and their rate per 1 000, and Halden's own strategy.

Place names and codes are real (they are what a reader types); every number is made up and
every source says TEST DATA. What it holds, on purpose:

- a renumbering chain: Halden 0101 (to 2020) -> 3001 (2020-2023) -> 3101 (from 2024)
- a merge: Moss 0104 and Rygge 0136 -> Moss 3002 (2020) -> 3103 (2024)
- two municipalities with one name (Våler in Østfold and in Innlandet)
- a suppressed value (Råde 2024), a missing year (Sarpsborg has no 2023 row), and a year where
  Halden's rate is not published but its count and population are (the rate is computed)
- observation on the codes valid at each period, observation_current on today's codes
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from etl import derived
from etl.tidy import OBSERVATION_COLUMNS
from tests.story_warehouse import build_story_warehouse
from tests.warehouse_factory import publish_file

K = "test-kostra"
P = "test-population"

COUNTIES = [
    # code, name, valid_from, valid_to
    ("02", "Akershus", "2005-01-01", "2020-01-01"),
    ("04", "Hedmark", "2005-01-01", "2020-01-01"),
    ("30", "Viken", "2020-01-01", "2024-01-01"),
    ("34", "Innlandet", "2020-01-01", None),
    ("31", "Østfold", "2024-01-01", None),
    ("32", "Akershus", "2024-01-01", None),
]

# Today's municipalities with the codes they had: (name, county, code to 2020, code 2020-2023).
MUNICIPALITIES = [
    # code, name, county, old codes and their counties
    ("3101", "Halden", "31", [("0101", "01", "2005-01-01", "2020-01-01"), ("3001", "30", "2020-01-01", "2024-01-01")]),
    ("3105", "Sarpsborg", "31", [("0105", "01", "2005-01-01", "2020-01-01"), ("3003", "30", "2020-01-01", "2024-01-01")]),
    ("3107", "Fredrikstad", "31", [("0106", "01", "2005-01-01", "2020-01-01"), ("3004", "30", "2020-01-01", "2024-01-01")]),
    ("3103", "Moss", "31", [("3002", "30", "2020-01-01", "2024-01-01")]),
    ("3112", "Råde", "31", [("0135", "01", "2005-01-01", "2020-01-01"), ("3017", "30", "2020-01-01", "2024-01-01")]),
    ("3114", "Våler", "31", [("0137", "01", "2005-01-01", "2020-01-01"), ("3018", "30", "2020-01-01", "2024-01-01")]),
    ("3201", "Bærum", "32", [("0219", "02", "2005-01-01", "2020-01-01"), ("3024", "30", "2020-01-01", "2024-01-01")]),
    ("3419", "Våler", "34", [("0426", "04", "2005-01-01", "2020-01-01")]),
]
MERGED = [("0104", "Moss", "01"), ("0136", "Rygge", "01")]  # both became Moss 3002 on 2020-01-01

CHANGES = [
    # old_code, old_name, new_code, new_name, changed_on
    ("0101", "Halden", "3001", "Halden", "2020-01-01"), ("3001", "Halden", "3101", "Halden", "2024-01-01"),
    ("0105", "Sarpsborg", "3003", "Sarpsborg", "2020-01-01"), ("3003", "Sarpsborg", "3105", "Sarpsborg", "2024-01-01"),
    ("0106", "Fredrikstad", "3004", "Fredrikstad", "2020-01-01"), ("3004", "Fredrikstad", "3107", "Fredrikstad", "2024-01-01"),
    ("0104", "Moss", "3002", "Moss", "2020-01-01"), ("0136", "Rygge", "3002", "Moss", "2020-01-01"),
    ("3002", "Moss", "3103", "Moss", "2024-01-01"),
    ("0135", "Råde", "3017", "Råde", "2020-01-01"), ("3017", "Råde", "3112", "Råde", "2024-01-01"),
    ("0137", "Våler", "3018", "Våler", "2020-01-01"), ("3018", "Våler", "3114", "Våler", "2024-01-01"),
    ("0219", "Bærum", "3024", "Bærum", "2020-01-01"), ("3024", "Bærum", "3201", "Bærum", "2024-01-01"),
    ("0426", "Våler", "3419", "Våler", "2020-01-01"),
]
COUNTY_CHANGES = [("01", "Østfold", "30", "Viken", "2020-01-01"), ("02", "Akershus", "30", "Viken", "2020-01-01"),
                  ("30", "Viken", "31", "Østfold", "2024-01-01"), ("30", "Viken", "32", "Akershus", "2024-01-01"),
                  ("04", "Hedmark", "34", "Innlandet", "2020-01-01")]

# Made-up figures on today's codes: population, municipal dwellings, and their published rate.
# None in the rate column: not published for that year (computed by the ETL's step from the
# count and the population). A missing key: no row at all.
POPULATION = {  # code: {year: value}
    "3101": {"2023": 31111.0, "2024": 31222.0}, "3105": {"2023": 58888.0, "2024": 59111.0},
    "3107": {"2023": 83333.0, "2024": 84444.0}, "3103": {"2023": 50505.0, "2024": 50606.0},
    "3112": {"2023": 7777.0, "2024": 7788.0}, "3114": {"2023": 5656.0, "2024": 5757.0},
    "3201": {"2023": 129999.0, "2024": 131111.0}, "3419": {"2023": 3939.0, "2024": 3940.0},
}
DWELLINGS = {  # code: {year: (count, rate or None)}
    "3101": {"2015": (600.0, 20.1), "2023": (777.0, 25.0), "2024": (790.0, None)},
    "3105": {"2015": (1200.0, 22.2), "2024": (1333.0, 22.6)},  # no 2023 row: a missing year
    "3107": {"2023": (2111.0, 25.3), "2024": (2222.0, 26.3)},
    "3103": {"2023": (999.0, 19.8), "2024": (1001.0, 19.8)},
    "3114": {"2024": (99.0, 17.2)},
    "3201": {"2023": (1555.0, 12.0), "2024": (1600.0, 12.2)},
    "3419": {"2024": (70.0, 17.8)},
}
# Råde's 2024 count is suppressed: no value, SSB's ":" says why; its rate is suppressed too.
SUPPRESSED = [("municipal_dwellings", "3112", "2024"), ("municipal_dwellings_per_1000", "3112", "2024")]
COUNTY_ROWS = [  # today's counties: region, period, count, rate
    ("31", "2024", 5999.0, 20.9), ("32", "2024", 9444.0, 13.3), ("34", "2024", 5000.0, 13.4),
]
COUNTRY_ROWS = [("2024", 112222.0, 20.1)]


def _original(code: str, year: str) -> str:
    """The code a place had in a year (observation is on the codes valid at the period)."""
    for current, _name, _county, old in MUNICIPALITIES:
        if current == code:
            for old_code, _c, start, end in old:
                if start[:4] <= year < end[:4]:
                    return old_code
    return code


def _rows() -> tuple[list[tuple], list[tuple]]:
    """(observation rows, observation_current rows) for the municipal and county figures."""
    original, current = [], []

    def add(indicator: str, code: str, year: str, value, status: str = "", source: str = K) -> None:
        old = _original(code, year)
        row = (indicator, code, year, "", value, status, "", source, False, None, "H")
        original.append((indicator, old, *row[2:]))
        current.append(row + (old != code, old if old != code else ""))

    for code, years in POPULATION.items():
        for year, value in years.items():
            add("population", code, year, value, source=P)
    for code, years in DWELLINGS.items():
        for year, (count, rate) in years.items():
            add("municipal_dwellings", code, year, count)
            if rate is not None:
                add("municipal_dwellings_per_1000", code, year, rate)
    for indicator, code, year in SUPPRESSED:
        add(indicator, code, year, None, ":")
    for code, year, count, rate in COUNTY_ROWS:
        add("municipal_dwellings", code, year, count)
        add("municipal_dwellings_per_1000", code, year, rate)
    for year, count, rate in COUNTRY_ROWS:
        add("municipal_dwellings", "0", year, count)
        add("municipal_dwellings_per_1000", "0", year, rate)
    return original, current


HALDEN_STRATEGY = ("test_halden_strategi", "municipal", "TEST boligsosial strategi for Halden",
                   "TEST social housing strategy for Halden", "3101", 2023, None, "PS 2023/41", "2023-05-11",
                   "Halden kommune", "TEST DATA: Boligsosial strategi", "https://example.org/test/halden")
HALDEN_GOALS = [(n, f"TEST-mål H{n}", f"TEST goal H{n}") for n in range(1, 5)]
HALDEN_AREAS = [(n, f"TEST-strategi H{n}", f"TEST strategy H{n}") for n in range(1, 5)]


def build_region_warehouse(path: Path) -> Path:
    """The story warehouse with the explorer's regions and figures added, swapped in whole."""
    path = Path(path)
    building = build_story_warehouse(path.with_name(path.name + ".regions"))
    con = duckdb.connect(str(building))
    try:
        con.execute("""INSERT INTO indicator (id, topic, unit, unit_label_nb, unit_label_en, decimals, better, title_nb,
                                              title_en, definition_nb, definition_en, levels)
                       VALUES ('population', 'population', 'persons', 'innbyggere', 'inhabitants', 0, 'none',
                               'Folketall', 'Population', 'TEST-definisjon', 'TEST definition',
                               'country,county,municipality')""")
        con.execute("""UPDATE indicator SET numerator = 'municipal_dwellings', denominator = 'population', per = 1000,
                                            decimals = 1
                       WHERE id = 'municipal_dwellings_per_1000'""")
        con.executemany(
            """INSERT INTO source (source_id, publisher, title, url, published, license, fetched_at, kind)
               VALUES (?, 'Teststatistikk', ?, ?, '2025-06-20', 'TEST', '2026-11-20', 'ssb')""",
            [(K, "TEST DATA: KOSTRA kommunale boliger", "https://example.org/test/kostra"),
             (P, "TEST DATA: folketall", "https://example.org/test/population")],
        )
        con.execute("UPDATE region SET valid_to = DATE '2020-01-01' WHERE code = '01'")
        con.execute("UPDATE region SET parent_code = '03' WHERE code = '0301'")
        con.executemany(
            "INSERT INTO region (code, name, level, parent_code, valid_from, valid_to) VALUES (?, ?, 'county', '0', ?, ?)",
            COUNTIES,
        )
        regions = []
        for code, name, county, old in MUNICIPALITIES:
            regions.append((code, name, county, old[-1][3] if old else "2005-01-01", None))
            regions += [(old_code, name, old_county, start, end) for old_code, old_county, start, end in old]
        regions += [(code, name, county, "2005-01-01", "2020-01-01") for code, name, county in MERGED]
        con.executemany(
            "INSERT INTO region (code, name, level, parent_code, valid_from, valid_to) VALUES (?, ?, 'municipality', ?, ?, ?)",
            regions,
        )
        con.executemany("INSERT INTO region_change VALUES (?, ?, ?, ?, ?, 'municipality')", CHANGES)
        con.executemany("INSERT INTO region_change VALUES (?, ?, ?, ?, ?, 'county')", COUNTY_CHANGES)
        # The story pages' rows (national and old counties) as they are on today's codes too.
        con.execute("""INSERT INTO observation_current
                       SELECT *, false, '' FROM observation WHERE region_code = '0' OR length(region_code) = 2""")
        original, current = _rows()
        con.executemany(
            """INSERT INTO observation (indicator_id, region_code, period, breakdown, value, status, qualifier,
                                        source_id, derived, derivation, confidence)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            original,
        )
        con.executemany(
            """INSERT INTO observation_current (indicator_id, region_code, period, breakdown, value, status, qualifier,
                                                source_id, derived, derivation, confidence, harmonised, original_codes)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            current,
        )
        con.execute(
            """INSERT INTO strategy (id, kind, name_nb, name_en, region_code, period_start, period_end, publication_code,
                                     published, owners_nb, source_publisher, source_title, source_url)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'Halden kommune', ?, ?)""",
            HALDEN_STRATEGY[:10] + HALDEN_STRATEGY[10:],
        )
        con.executemany("INSERT INTO goal (strategy_id, goal_no, text_nb, text_en) VALUES ('test_halden_strategi', ?, ?, ?)", HALDEN_GOALS)
        con.executemany(
            "INSERT INTO priority_area (strategy_id, area_no, goal_no, kind, text_nb, text_en) VALUES ('test_halden_strategi', ?, NULL, 'strategy', ?, ?)", HALDEN_AREAS)
        # Halden in a programme period under its code then (0101), found on today's 3101.
        con.execute("""INSERT INTO partnership VALUES ('0101', 'Halden', 'boligsosialt_utviklingsprogram', 'ost', 2013, 2016,
                       'participated', 'Teststatistikk', 'TEST DATA: programliste', 'https://example.org/test/programme',
                       NULL, 'TEST-merknad om programmet', 'TEST-merknad om programmet (nn)', 'TEST note on the programme', '3101')""")
        _add_computed_rates(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    publish_file(building, path)
    return path


def _add_computed_rates(con: duckdb.DuckDBPyConnection) -> None:
    """Rates without a published row, computed by the ETL's own step (etl/derived.py), as a
    real build does: Halden's 2024 rate."""
    indicators = con.execute("SELECT * FROM indicator").df()
    sources = con.execute("SELECT * FROM source").df()
    for table in ("observation", "observation_current"):
        rows = con.execute(f"SELECT * FROM {table}").df()
        added = derived.add_rates(rows[OBSERVATION_COLUMNS], indicators, sources).iloc[len(rows):]
        if table == "observation_current":
            added = added.assign(harmonised=False, original_codes="")
        con.register("added", added)
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM added")
        con.unregister("added")


if __name__ == "__main__":  # build one by hand: python -m tests.region_warehouse PATH
    import sys

    print(build_region_warehouse(Path(sys.argv[1])))
