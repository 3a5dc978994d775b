"""`python -m etl refresh` and `python -m etl check-upstream` end to end, as separate processes
talking real HTTP to the fake SSB (TEST tables in real KOSTRA shapes, under the real table ids).
Each upstream fault ends in a retry or a clear error, a change at SSB against data/ssb_lock.yaml
stops the refresh by name, and the served database is unchanged by a failed refresh."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from boligsosial.config import settings
from etl import runlog, ssb_lock
from tests.fake_pxweb import fake_ssb  # noqa: F401  (fixture)

pytestmark = pytest.mark.integration  # tests/conftest.py: the kinds of test

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fast_http(monkeypatch):
    monkeypatch.setenv("BOLIG_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("BOLIG_HTTP_TIMEOUT", "1")
    monkeypatch.setenv("BOLIG_SSB_PER_MINUTE", "6000")  # the fake has no rate limit; SSB's 30 a minute would only wait


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
        (lambda f: f.tables["07459"].rename_dimension("Region", "Region2024"), 4, "new Region2024; gone Region"),
        (lambda f: f.tables["12008"].dim("ContentsCode").labels.update({"KOSboligSper10000000": "TEST Boliger per 1 000 husstander"}),
         4, "ContentsCode KOSboligSper10000000 was labelled"),
    ],
    ids=["500", "truncated", "hang", "429-too-long", "renamed-dimension", "relabelled-contents"],
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


def test_check_upstream_says_what_a_refresh_would_fetch_and_whether_it_matches_the_lock(fake_ssb, fast_http):
    first = etl("check-upstream")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "not in data/ssb_lock.yaml yet" in first.stdout
    assert "municipal_dwellings_per_1000: KOSboligSper10000000 'TEST Kommunalt disponerte boliger per 1 000 innbyggere' (boliger)" in first.stdout
    assert "would fetch: " in first.stdout and "(never fetched)" in first.stdout
    assert not fake_ssb.requests_to("/data")  # reads metadata, never data
    assert ssb_lock.read() == {} and not list((Path(os.environ["BOLIG_SNAPSHOTS"])).glob("ssb/*"))  # writes nothing
    _first_refresh_ok()
    locked = etl("check-upstream", "municipal_dwellings")
    assert locked.returncode == 0 and locked.stdout.count("matches the lock") == 3
    assert "would fetch: nothing (the stored snapshot is of 2025-06-15T06:00:00Z" in locked.stdout
    fake_ssb.tables["12008"].dim("ContentsCode").units["KOSTESTboliger0000"] = {"base": "rom", "decimals": 0}
    changed = etl("check-upstream")
    assert changed.returncode == 4, changed.stdout
    assert "DIFFERS from the lock: municipal_dwellings: ContentsCode KOSTESTboliger0000 had unit 'boliger', now 'rom'" in changed.stdout
    fake_ssb.fail_next(500, times=1000)
    down = etl("check-upstream", "population")
    assert down.returncode == 3 and "UNREACHABLE" in down.stdout and "Traceback" not in down.stderr


def test_check_upstream_help_documents_the_command():  # noqa: D103
    shown = etl("check-upstream", "--help")
    assert shown.returncode == 0
    for words in ("data/ssb_lock.yaml", "would fetch", "Writes nothing", "exit codes", "4 SSB differs"):
        assert words in " ".join(shown.stdout.split()), words
    assert "check-upstream" in etl("--help").stdout


def test_a_candidate_ssb_does_not_have_does_not_stop_the_first_refresh(fake_ssb, fast_http):
    fake_ssb.tables.pop("90103")  # no start-loan table of the right shape
    result = etl("refresh", "--skip-regions")
    assert result.returncode == 0, result.stderr
    assert "Not found at SSB and left out (candidates): start_loans" in result.stderr
    assert "Published" in result.stdout and "review the labels and units, then commit it" in result.stdout
    assert ("temporary_accommodation_households", "3101", "2024") in ssb_rows()
    assert "start_loans" not in ssb_lock.read() and "temporary_accommodation" in ssb_lock.read()
