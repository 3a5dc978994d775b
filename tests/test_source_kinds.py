"""What the shown figures rest on: primary sources, secondary ones (news, NGOs) or derivation.

`python -m etl status` reports the share resting on a secondary source, and the /data catalogue
shows the counts per indicator. Both are checked against the facts files themselves, read
directly with the publisher list, so a miscount in the SQL cannot agree with itself."""
from __future__ import annotations

import csv

import duckdb
import pytest

from boligsosial.config import settings
from boligsosial.warehouse import catalogue_rows
from etl import status
from etl.facts import NON_FACT_FILES

FACTS = settings.data_dir() / "facts"


@pytest.fixture(scope="module")
def expected() -> dict[str, dict[str, int]]:
    """Per indicator: primary / secondary / derived counts of the curated rows."""
    kinds = {r["publisher"]: r["kind"] for r in csv.DictReader(open(FACTS / "publishers.csv", encoding="utf-8"))}
    out: dict[str, dict[str, int]] = {}
    for path in sorted(FACTS.glob("*.csv")):
        if path.name in NON_FACT_FILES:
            continue
        for row in csv.DictReader(open(path, encoding="utf-8")):
            basis = "derived" if row["derived"] == "true" else kinds[row["publisher"]]
            counts = out.setdefault(row["indicator_id"], {"primary": 0, "secondary": 0, "derived": 0})
            counts[basis] += 1
    return out


def test_status_counts_match_the_facts_files(bundled_warehouse, expected):
    con = duckdb.connect(str(bundled_warehouse), read_only=True)
    try:
        counts = status.source_kind_counts(con)["curated"]
    finally:
        con.close()
    for basis in ("primary", "secondary", "derived"):
        assert counts.get(basis, 0) == sum(c[basis] for c in expected.values()), basis


def test_status_report_states_the_secondary_share(bundled_warehouse, monkeypatch, expected):
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(bundled_warehouse))
    secondary = sum(c["secondary"] for c in expected.values())
    total = sum(sum(c.values()) for c in expected.values())
    report = status.report()
    assert f"resting on a secondary source: {secondary} of {total} curated figures ({100 * secondary / total:.1f} %" in report


def test_secondary_share_is_zero_without_figures():
    assert status.secondary_share({}) == 0.0
    assert status.secondary_share({"primary": 3, "secondary": 1}) == 25.0


def test_catalogue_counts_per_indicator(bundled_warehouse, monkeypatch, expected):
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(bundled_warehouse))
    entries = {e["id"]: e for e in catalogue_rows.catalogue()}
    for indicator, counts in expected.items():
        entry = entries[indicator]
        got = {"primary": entry["figures_primary"], "secondary": entry["figures_secondary"], "derived": entry["figures_derived"]}
        assert got == counts, indicator


def test_data_page_shows_what_the_figures_rest_on(bundled_warehouse, monkeypatch, expected):
    import app as app_module

    monkeypatch.setenv("BOLIG_WAREHOUSE", str(bundled_warehouse))
    client = app_module.server.test_client()
    from boligsosial.domain.sources import basis

    counts = expected["homeless_share"]
    assert counts["primary"] and counts["secondary"]
    for lang in ("nb", "en"):
        page = client.get(f"/data?q=homeless_share&lang={lang}").get_data(as_text=True)
        assert basis(counts["primary"], counts["secondary"], counts["derived"], lang) in page
    assert f"{counts['primary']} fra primærkilder, {counts['secondary']} fra sekundærkilder" in basis(
        counts["primary"], counts["secondary"], counts["derived"], "nb")


def test_the_basis_leaves_out_kinds_with_no_figures():
    from boligsosial.domain.sources import basis

    assert basis(5, 0, 1, "nb") == "5 fra primærkilder, 1 avledet"
    assert basis(0, 2, 0, "en") == "2 from secondary sources"
    assert basis(0, 0, 0, "nb") == "Ingen tall"
