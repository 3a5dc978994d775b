"""`python -m etl refresh` end to end, as a separate process talking real HTTP to the fake SSB
(TEST tables under the real table ids). Each upstream fault ends in a retry or a clear error,
and the served database is unchanged by a failed refresh."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from boligsosial import settings
from etl import runlog
from tests.fake_pxweb import fake_ssb  # noqa: F401  (fixture)

pytestmark = pytest.mark.integration  # tests/conftest.py: the kinds of test

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fast_http(monkeypatch):
    monkeypatch.setenv("BOLIG_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("BOLIG_HTTP_TIMEOUT", "1")


def etl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, env=os.environ.copy(),
                          capture_output=True, text=True, timeout=180)


def served() -> tuple[int, bytes]:
    path = settings.warehouse_path()
    return path.stat().st_ino, path.read_bytes()


def ssb_rows() -> dict:
    con = duckdb.connect(str(settings.warehouse_path()), read_only=True)
    try:
        return {(r[0], r[1], r[2]): (r[3], r[4]) for r in con.execute(
            """SELECT o.indicator_id, o.region_code, o.period, o.value, o.status
               FROM observation o JOIN source s USING (source_id) WHERE s.kind = 'ssb'""").fetchall()}
    finally:
        con.close()


def test_refresh_fetches_builds_and_then_skips_unchanged_tables(fake_ssb, fast_http):
    first = etl("refresh", "--skip-regions")
    assert first.returncode == 0, first.stderr
    rows = ssb_rows()
    assert rows, "no SSB rows were published"
    assert rows[("population", "0301", "2020")][0] > 0
    # A suppressed cell in the TEST table stays suppressed: no value, status kept.
    assert rows[("municipal_dwellings_per_1000", "0301", "2017")] == (None, ":")
    data_requests = len(fake_ssb.requests_to("/data"))
    second = etl("refresh", "--skip-regions")
    assert second.returncode == 0, second.stderr
    assert "unchanged" in second.stdout
    assert len(fake_ssb.requests_to("/data")) == data_requests  # nothing re-downloaded
    status = etl("status")
    assert "fresh" in status.stdout and "never fetched" not in status.stdout


def _first_refresh_ok():
    assert etl("refresh", "--skip-regions").returncode == 0


@pytest.mark.parametrize(
    "fault, exit_code, says",
    [
        (lambda f: f.fail_next(500, times=100), 3, "HTTP 500"),
        (lambda f: f.truncate_next(times=100), 3, "not complete JSON"),
        (lambda f: f.hang_next(3, times=100), 3, "no answer within"),
        (lambda f: f.fail_next(429, times=100, retry_after="7200"), 3, "asks us to wait"),
        (lambda f: f.tables["07459"].rename_dimension("Region", "Region2024"), 4, "Region"),
    ],
    ids=["500", "truncated", "hang", "429-too-long", "renamed-dimension"],
)
def test_a_failed_refresh_leaves_the_served_database_and_says_why(fake_ssb, fast_http, fault, exit_code, says):
    _first_refresh_ok()
    before = served()
    for table in fake_ssb.tables.values():  # new data upstream, so every table is fetched again
        table.updated = "2026-11-20T07:00:00Z"
    fault(fake_ssb)
    result = etl("refresh", "--skip-regions")
    assert result.returncode == exit_code, result.stderr
    assert says in result.stderr and "Traceback" not in result.stderr
    assert "served database is unchanged" in result.stderr
    assert served() == before
    assert runlog.read_runs()[-1]["status"] == "failed"


def test_a_429_with_a_short_retry_after_is_retried_and_succeeds(fake_ssb, fast_http):
    fake_ssb.fail_next(429, times=2, retry_after="0")
    result = etl("refresh", "--skip-regions")
    assert result.returncode == 0, result.stderr
    assert ssb_rows()
