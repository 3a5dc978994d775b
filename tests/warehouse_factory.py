"""A small TEST warehouse for app tests, built from the real etl/schema.sql.

Every number here is made up and every source is titled "TEST DATA", so a test that finds one
of these numbers on a page knows it came from the warehouse and not from code, and nobody can
mistake a screenshot of the test app for real statistics. The indicator ids and breakdown codes
are the real ones the page config (data/headlines.yaml) asks for.
"""
from __future__ import annotations

import os
from pathlib import Path

import duckdb

from boligsosial.config import settings
from boligsosial.warehouse import integrity

SCHEMA_SQL = (Path(__file__).resolve().parent.parent / "etl" / "schema.sql").read_text(encoding="utf-8")

INDICATORS = [
    # id, title_nb, title_en, unit, unit_label_nb, unit_label_en, decimals
    ("homeless", "Bostedsløse", "Homeless people", "persons", "personer", "persons", 0),
    ("homeless_per_1000", "Bostedsløse per 1 000 innbyggere", "Homeless per 1,000 inhabitants",
     "per_1000", "per 1 000 innbyggere", "per 1,000 inhabitants", 2),
    ("disadvantaged", "Vanskeligstilte på boligmarkedet", "Disadvantaged on the housing market",
     "persons", "personer", "persons", 0),
]

SOURCES = [
    # source_id, publisher, title, url, published, publisher_kind
    ("test-survey", "Testinstituttet", "TEST DATA: kartlegging av bostedsløse", "https://example.org/test/survey", "2017-06-06",
     "primary"),
    ("test-strategy", "Testdepartementet", "TEST DATA: strategi", "https://example.org/test/strategy", "", "primary"),
    ("test-article", "Testavisen", "TEST DATA: artikkel", "https://example.org/test/article", "2021-03", "secondary"),
]

# indicator, region, period, breakdown, value, status, qualifier, source, derived, derivation, confidence
OBSERVATIONS = [
    ("disadvantaged", "0", "2014", "estimate=strategy_2014", 111000.0, "", "approx", "test-article", False, None, "M"),
    ("disadvantaged", "0", "2020", "estimate=strategy_2020", 222000.0, "", "approx", "test-strategy", False, None, "H"),
    ("homeless", "0", "1996", "", 9100.0, "", "approx", "test-survey", False, None, "H"),
    ("homeless", "0", "2003", "", 8200.0, "", "approx", "test-survey", True, "TEST: 2005 minus 300", "M"),
    ("homeless", "0", "2005", "", 8500.0, "", "", "test-survey", False, None, "H"),
    # 2008: no count on purpose (the real data lacks it too); only the rate below.
    ("homeless", "0", "2012", "", 7777.0, "", "", "test-survey", False, None, "H"),
    ("homeless", "0", "2016", "", 5555.0, "", "", "test-survey", False, None, "H"),
    ("homeless", "0", "2020", "", 3333.0, "", "", "test-survey", False, None, "H"),
    ("homeless_per_1000", "0", "2008", "", 1.23, "", "", "test-survey", False, None, "H"),
    ("homeless_per_1000", "0", "2012", "", 1.11, "", "", "test-survey", False, None, "H"),
    ("homeless_per_1000", "0", "2016", "", 0.66, "", "", "test-survey", False, None, "H"),
    ("homeless_per_1000", "0", "2020", "", 0.55, "", "", "test-survey", False, None, "H"),
    # A suppressed municipal number: value NULL, status says why.
    ("homeless", "0301", "2020", "", None, ":", "", "test-survey", False, None, "H"),
]

# Expected periods without a figure, as the ETL writes them (etl/expected.py): no value, a
# status, no source, the reason in both languages.
# indicator, region, period, breakdown, status, note_nb, note_nn, note_en
EXPECTED = [
    ("homeless", "0", "2008", "", "..", "", "", ""),
    ("homeless", "0", "2024", "", "...", "TEST: ikke publisert ennå.", "TEST: ikkje publisert enno.", "TEST: not published yet."),
    ("homeless_per_1000", "0", "2024", "", "...", "TEST: ikke publisert ennå.", "TEST: ikkje publisert enno.",
     "TEST: not published yet."),
]

STRATEGIES = [
    ("test-bfv", "national", "TEST strategi A", "TEST strategy A", "0", 2014, 2020),
    ("test-atth", "national", "TEST strategi B", "TEST strategy B", "0", 2021, 2024),
]


def build_test_warehouse(
    path: Path,
    data_version: str = "test-v1",
    built_at: str = "2026-11-21T06:00:00+00:00",
    observations: list[tuple] | None = None,
) -> Path:
    """Write a complete test warehouse to `path` the way the ETL publishes one: built beside
    it, checkpointed, then swapped in with os.replace (so a reader holding the old file sees a
    new inode)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".building")
    temp.unlink(missing_ok=True)
    con = duckdb.connect(str(temp))
    try:
        con.execute(SCHEMA_SQL)
        con.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [("data_version", data_version), ("built_at", built_at), ("schema_version", settings.WAREHOUSE_SCHEMA)],
        )
        con.executemany(
            """INSERT INTO indicator (id, topic, title_nb, title_en, unit, unit_label_nb, unit_label_en, decimals,
                                      better, definition_nb, definition_en)
               VALUES (?, 'test', ?, ?, ?, ?, ?, ?, 'down', 'TEST-definisjon', 'TEST definition')""",
            INDICATORS,
        )
        con.executemany(
            """INSERT INTO source (source_id, publisher, title, url, published, publisher_kind, license, kind)
               VALUES (?, ?, ?, ?, ?, ?, 'TEST', 'curated')""",
            SOURCES,
        )
        con.executemany(
            """INSERT INTO observation (indicator_id, region_code, period, breakdown, value, status, qualifier,
                                        source_id, derived, derivation, confidence)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            OBSERVATIONS if observations is None else observations,
        )
        # TEST derivations are the same in every language (the real ones are translated, see data/facts).
        con.execute("""UPDATE observation SET derivation_nb = derivation, derivation_nn = derivation, derivation_en = derivation
                       WHERE derivation IS NOT NULL""")
        con.executemany(
            """INSERT INTO observation (indicator_id, region_code, period, breakdown, value, status, qualifier,
                                        source_id, derived, derivation, confidence, note, note_nb, note_nn, note_en)
               VALUES (?, ?, ?, ?, NULL, ?, '', NULL, false, NULL, '', ?, ?, ?, ?)""",
            [(i, r, p, b, st, en, nb, nn, en) for i, r, p, b, st, nb, nn, en in EXPECTED
             if (i, r, p, b) not in {row[:4] for row in (OBSERVATIONS if observations is None else observations)}],
        )
        con.executemany(
            "INSERT INTO region (code, name, level, valid_from) VALUES (?, ?, ?, DATE '1838-01-01')",
            [("0", "Norge", "country"), ("0301", "Oslo", "municipality")],
        )
        con.executemany(
            """INSERT INTO strategy (id, kind, name_nb, name_en, region_code, period_start, period_end)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            STRATEGIES,
        )
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return publish_file(temp, path, data_version)


def publish_file(built: Path, path: Path, data_version: str = "") -> Path:
    """Rename a complete warehouse into place as a rollout does: its entry goes into the
    publish record beside `path` first (the app serves only recorded files), then the file."""
    integrity.add_to_record(path, integrity.describe(built, data_version))
    os.replace(built, path)
    return path


if __name__ == "__main__":  # build one by hand: python -m tests.warehouse_factory PATH
    import sys

    print(build_test_warehouse(Path(sys.argv[1])))
