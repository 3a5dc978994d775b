"""bench/scale_bench.py makes its warehouse with the real ETL from TEST DATA, in its own folder:
checked on a small version (three years, a dozen municipalities, twice the indicators)."""
from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import scale_bench  # noqa: E402  (bench/ is not a package)

pytestmark = pytest.mark.integration  # a full ETL run of the scale bench


def _files(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_the_scale_warehouse_is_test_data_built_by_the_etl_outside_data(tmp_path):
    before = _files(ROOT / "data")
    written = scale_bench.write_inputs(tmp_path, 2, years=["2019", "2020", "2024"], municipalities=12)
    assert written["indicators"] == 2 * 46 and written["tables"] == 16
    built = scale_bench.build(scale_bench.environment(tmp_path))
    assert _files(ROOT / "data") == before  # nothing written into data/
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        def one(sql):
            return con.execute(sql).fetchall()

        assert built["rows"]["observation"] == one("SELECT count(*) FROM observation")[0][0] > 0
        # Every synthetic number's source says TEST DATA (the bundled curated facts are there too, as in a real build).
        assert {r[0] for r in one("SELECT DISTINCT s.title FROM observation o JOIN source s USING (source_id) WHERE s.kind = 'ssb'")} \
            == {f"T{n:04d}: TEST DATA (skalatest)" for n in range(1, 17)}
        assert one("SELECT count(*) FROM observation o JOIN source s USING (source_id) WHERE s.kind = 'ssb'")[0][0] > 0.9 * \
            one("SELECT count(*) FROM observation")[0][0]
        assert one("SELECT count(*) FROM indicator WHERE id LIKE 'test_scale_%' AND title_nb NOT LIKE 'TEST DATA%'") == [(0,)]
        assert {r[0] for r in one("SELECT label_nb FROM category WHERE dimension = 'test_group'")} == {"TEST del 1", "TEST del 2"}
        # Both sides of the reforms, the counties of each era and the country; no KOSTRA groups.
        periods = dict(one("""SELECT period, count(DISTINCT region_code) FROM observation JOIN source USING (source_id)
                              WHERE kind = 'ssb' AND length(region_code) = 2 GROUP BY 1"""))
        assert periods == {"2019": 18, "2020": 11, "2024": 15}
        assert one("SELECT count(*) FROM observation JOIN source USING (source_id) WHERE kind = 'ssb' AND region_code = '0'")[0][0] > 0
        assert not one("SELECT 1 FROM observation WHERE region_code NOT IN (SELECT code FROM region)")
        assert one("SELECT count(DISTINCT breakdown) FROM observation JOIN source USING (source_id) WHERE kind = 'ssb'") == [(3,)]
    finally:
        con.close()
