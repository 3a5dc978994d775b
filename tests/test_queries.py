"""The warehouse reader: read-only, reopened when the ETL swaps the file, parameters bound,
and a clear WarehouseUnavailable when there is nothing good to read."""
from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys

import duckdb
import pytest

from boligsosial.config import settings
from boligsosial.warehouse import db, integrity, series_rows, strategy_rows
from tests.warehouse_factory import OBSERVATIONS, build_test_warehouse


@pytest.fixture
def warehouse():
    return build_test_warehouse(settings.warehouse_path())


def test_missing_file_raises_warehouse_unavailable_naming_the_build_command():
    with pytest.raises(db.WarehouseUnavailable) as caught:
        db.data_version()
    assert "does not exist" in caught.value.message
    assert "python -m etl build" in caught.value.message


def _as_if_published(path):
    """Give a hand-made file a publish record, so that DuckDB's own checks are what reject it
    (without one, boligsosial/warehouse/integrity.py does first)."""
    integrity.add_to_record(path, integrity.describe(path))


def test_a_file_that_is_not_a_database_raises_warehouse_unavailable():
    settings.warehouse_path().write_bytes(b"this is not a duckdb file" * 100)
    _as_if_published(settings.warehouse_path())
    with pytest.raises(db.WarehouseUnavailable, match="cannot be opened"):
        db.status()


def test_a_database_without_our_tables_raises_warehouse_unavailable():
    duckdb.connect(str(settings.warehouse_path())).close()
    _as_if_published(settings.warehouse_path())
    with pytest.raises(db.WarehouseUnavailable, match="incomplete"):
        series_rows.observations("homeless")


def test_status_and_data_version_come_from_the_meta_table(warehouse):
    assert db.data_version() == "test-v1"
    assert db.status() == {
        "status": "ok", "data_version": "test-v1", "built_at": "2026-11-21T06:00:00+00:00", "schema_version": "2",
    }


def test_observations_are_filtered_ordered_and_carry_their_source(warehouse):
    rows = series_rows.observations("homeless", "0", "", periods=["2020", "2012", "2008"])
    # 2008 is an expected survey with no figure: a row without a value or a source.
    assert [(r["period"], r["value"]) for r in rows] == [("2008", None), ("2012", 7777.0), ("2020", 3333.0)]
    assert (rows[0]["status"], rows[0]["source_title"]) == ("..", None)
    first = rows[1]
    assert first["source_title"] == "TEST DATA: kartlegging av bostedsløse"
    assert first["source_url"] == "https://example.org/test/survey"
    assert first["source_published"] == "2017-06-06"
    assert (first["decimals"], first["unit_label_nb"], first["unit_label_en"]) == (0, "personer", "persons")


def test_observations_without_periods_give_the_whole_series(warehouse):
    periods = [r["period"] for r in series_rows.observations("homeless")]
    assert periods == ["1996", "2003", "2005", "2008", "2012", "2016", "2020", "2024"]


def test_breakdown_and_region_select_exactly(warehouse):
    rows = series_rows.observations("disadvantaged", breakdown="estimate=strategy_2020")
    assert [(r["period"], r["value"], r["qualifier"]) for r in rows] == [("2020", 222000.0, "approx")]
    oslo = series_rows.observations("homeless", region_code="0301")
    assert len(oslo) == 1 and oslo[0]["value"] is None and oslo[0]["status"] == ":"


def test_indicator_and_strategies(warehouse):
    assert series_rows.indicator("homeless_per_1000")["decimals"] == 2
    assert series_rows.indicator("no-such-indicator") is None
    assert [s["period_start"] for s in strategy_rows.strategies("national")] == [2014, 2021]


INJECTIONS = [
    "homeless' OR '1'='1",
    "homeless'; DROP TABLE observation; --",
    "0' OR 1=1 --",
    "\" OR \"\"=\"",
    "') UNION SELECT * FROM meta --",
]


@pytest.mark.parametrize("attack", INJECTIONS)
def test_injection_strings_are_only_ever_values(warehouse, attack):
    before = len(series_rows.observations("homeless"))
    assert series_rows.observations(attack) == []
    assert series_rows.observations("homeless", region_code=attack) == []
    assert series_rows.observations("homeless", breakdown=attack) == []
    assert series_rows.observations("homeless", periods=[attack, "2012"])[0]["period"] == "2012"
    assert series_rows.indicator(attack) is None
    assert strategy_rows.strategies(attack) == []
    assert len(series_rows.observations("homeless")) == before  # nothing dropped or changed


def test_the_connection_is_read_only(warehouse):
    db.data_version()
    cursor = db.cursor()
    try:
        with pytest.raises(duckdb.Error, match="read-only"):
            cursor.execute("CREATE TABLE sneaky (a INTEGER)")
    finally:
        cursor.close()
    # A read-only reader holds a shared lock: another process (the ETL) cannot open the served
    # file for writing, which is why the ETL publishes by swapping in a new file instead.
    writer = subprocess.run(
        [sys.executable, "-c", f"import duckdb; duckdb.connect({str(warehouse)!r})"], capture_output=True, text=True
    )
    assert writer.returncode != 0 and "lock" in writer.stderr


def test_the_connection_is_opened_lazily(warehouse):
    assert db._connection is None
    db.data_version()
    assert db._connection is not None


def test_reopens_when_the_etl_swaps_in_a_new_file(warehouse):
    assert db.data_version() == "test-v1"
    old_inode = os.stat(warehouse).st_ino
    changed = [row if row[2] != "2020" or row[0] != "homeless" else (*row[:4], 3000.0, *row[5:]) for row in OBSERVATIONS]
    build_test_warehouse(warehouse, data_version="test-v2", observations=changed)  # os.replace, as the ETL does
    assert os.stat(warehouse).st_ino != old_inode
    assert db.data_version() == "test-v2"
    assert series_rows.observations("homeless", periods=["2020"])[0]["value"] == 3000.0
    # The replaced file is let go of, not kept open as a "(deleted)" file.
    held = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd") if _readable_link(fd)]
    assert not [path for path in held if path.startswith(str(warehouse)) and path.endswith("(deleted)")]


def _readable_link(fd: str) -> bool:
    try:
        os.readlink(f"/proc/self/fd/{fd}")
        return True
    except OSError:
        return False


def test_a_file_removed_under_a_running_app_is_reported_not_served_stale(warehouse):
    assert db.data_version() == "test-v1"
    os.remove(warehouse)
    with pytest.raises(db.WarehouseUnavailable):
        db.data_version()


def _version_in_child(queue):
    queue.put((os.getpid(), db.data_version(), db._opened_key[0]))


def test_a_forked_worker_opens_its_own_connection(warehouse):
    db.data_version()  # the parent holds a connection, as it could with gunicorn --preload
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_version_in_child, args=(queue,))
    child.start()
    pid, version, opened_by = queue.get(timeout=30)
    child.join(30)
    assert child.exitcode == 0
    assert version == "test-v1" and opened_by == pid != os.getpid()
    assert db.data_version() == "test-v1"  # the parent's connection is unharmed
