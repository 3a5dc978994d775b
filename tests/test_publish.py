"""Publish: a failed or interrupted build leaves the served database as it was, and readers keep
reading while a new file is swapped in."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from boligsosial.config import settings
from etl import build, facts, publish, runlog
from etl.errors import ValidationFailed
from etl.tidy import Bundle

pytestmark = pytest.mark.integration  # tests/conftest.py: the kinds of test

ROOT = Path(__file__).resolve().parent.parent


def _served() -> Path:
    return settings.warehouse_path()


def _fingerprint(path: Path) -> tuple[int, bytes]:
    return path.stat().st_ino, path.read_bytes()


def _query(sql: str, params=()):
    con = duckdb.connect(str(_served()), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_build_publishes_the_headline_figures_with_sources():
    published = build.build()
    assert published.path == _served() and _served().exists()
    rows = dict(_query(
        "SELECT period, value FROM observation WHERE indicator_id = 'homeless' AND region_code = '0' AND breakdown = ''"))
    assert rows["1996"] == 6200 and rows["2012"] == 6259 and rows["2016"] == 3909 and rows["2020"] == 3325
    # Not in the sources, so no number: an expected survey year, kept as a visibly missing row.
    assert rows["2008"] is None or rows["2008"] != rows["2008"]
    missing = _query("""SELECT status, source_id, note_nb, note_nn, note_en FROM observation
                        WHERE indicator_id = 'homeless' AND region_code = '0' AND breakdown = '' AND period = '2008'""")
    assert missing[0][:2] == ("..", None) and all(missing[0][2:])
    orphans = _query("SELECT count(*) FROM observation o ANTI JOIN source s USING (source_id) WHERE o.value IS NOT NULL")[0][0]
    assert orphans == 0
    urls = _query("""SELECT DISTINCT s.url FROM observation o JOIN source s USING (source_id)
                     WHERE o.indicator_id = 'homeless' AND o.period = '2020' AND o.breakdown = ''""")
    assert urls and all(u.startswith("http") for (u,) in urls)
    meta = dict(_query("SELECT key, value FROM meta"))
    assert meta["data_version"] == published.data_version
    assert _query("SELECT status FROM etl_run ORDER BY started DESC LIMIT 1")[0][0] == "ok"


def test_same_inputs_give_the_same_data_version():
    assert build.build().data_version == build.build().data_version


def _with_bad_curated_row(monkeypatch, **changes):
    """Make the curated source return one extra row that breaks a warehouse check."""
    real = facts.load_bundle

    def patched(*args, **kwargs):
        bundle = real(*args, **kwargs)
        bad = bundle.observations.iloc[[0]].copy()
        for column, value in changes.items():
            bad[column] = value
        observations = pd.concat([bundle.observations, bad], ignore_index=True)
        return Bundle(bundle.name, observations, bundle.sources, bundle.categories)

    monkeypatch.setattr(facts, "load_bundle", patched)


@pytest.mark.parametrize(
    "changes, check",
    [
        ({}, "unique"),  # the same key twice
        ({"period": "1900", "value": -5.0}, "plausible range"),
        ({"period": "1901", "indicator_id": "no_such_indicator"}, "catalogue"),
        ({"period": "1902", "region_code": "9999"}, "region registry"),
        ({"period": "1903", "source_id": "nowhere"}, "source row"),
        ({"period": "1904", "value": float("nan")}, "status symbol"),
    ],
)
def test_a_build_that_fails_its_checks_leaves_the_served_database(monkeypatch, changes, check):
    build.build()
    before = _fingerprint(_served())
    _with_bad_curated_row(monkeypatch, **changes)
    with pytest.raises(ValidationFailed) as failure:
        build.build()
    assert check in str(failure.value)
    assert _fingerprint(_served()) == before
    assert not list(_served().parent.glob("*.new-*")), "temp file left behind"
    last = runlog.read_runs()[-1]
    assert last["status"] == "failed" and check in last["message"]


def test_a_crash_midway_leaves_the_served_database(monkeypatch):
    build.build()
    before = _fingerprint(_served())
    real_insert = publish._insert

    def crash_on_observations(con, table, frame):
        if table == "observation":
            raise RuntimeError("disk full (simulated)")
        real_insert(con, table, frame)

    monkeypatch.setattr(publish, "_insert", crash_on_observations)
    with pytest.raises(RuntimeError):
        build.build()
    assert _fingerprint(_served()) == before
    assert not list(_served().parent.glob("*.new-*"))
    assert runlog.read_runs()[-1]["status"] == "failed"


def test_a_hard_killed_build_leaves_the_served_database_and_is_cleaned_up():
    """SIGKILL a build while it writes its temp file: the served file is untouched, the run shows
    as interrupted, and the next build removes the leftover."""
    build.build()
    before = _fingerprint(_served())
    script = textwrap.dedent(
        """
        import time
        from etl import build, publish
        real = publish._insert
        def slow(con, table, frame):
            real(con, table, frame)
            if table == "observation":
                print("writing", flush=True)
                time.sleep(60)
        publish._insert = slow
        build.build()
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=os.environ.copy(), stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        assert list(_served().parent.glob("*.new-*")), "the killed build should have been mid-write"
        proc.kill()
    finally:
        proc.wait(10)
    assert _fingerprint(_served()) == before
    assert runlog.read_runs()[-1]["status"] == "interrupted"
    build.build()
    assert not list(_served().parent.glob("*.new-*"))


READER = textwrap.dedent(
    """
    import os, sys, time, duckdb
    path, stop = sys.argv[1], sys.argv[2]
    con, inode, reads, errors, versions = None, None, 0, 0, set()
    while not os.path.exists(stop):
        try:
            current = os.stat(path).st_ino
            if current != inode:  # the ETL swapped in a new file: reopen, as the app does
                if con is not None:
                    con.close()
                con, inode = duckdb.connect(path, read_only=True), current
            versions.add(con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()[0])
            con.execute("SELECT count(*) FROM observation").fetchone()
            reads += 1
        except Exception as exc:
            errors += 1
            print("error", repr(exc), file=sys.stderr)
    print(reads, errors, len(versions))
    """
)


def test_readers_keep_reading_while_new_databases_are_swapped_in(monkeypatch, tmp_path):
    build.build()
    old_reader = duckdb.connect(str(_served()), read_only=True)
    old_count = old_reader.execute("SELECT count(*) FROM observation").fetchone()[0]
    stop = tmp_path / "stop"
    proc = subprocess.Popen([sys.executable, "-c", READER, str(_served()), str(stop)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        real = facts.load_bundle
        for extra in range(1, 4):  # three swaps, each with different data so the version changes
            def fewer(*args, n=extra, **kwargs):
                bundle = real(*args, **kwargs)
                return Bundle(bundle.name, bundle.observations.iloc[n:], bundle.sources, bundle.categories)

            monkeypatch.setattr(facts, "load_bundle", fewer)
            build.build()
            time.sleep(0.3)
    finally:
        stop.touch()
        out, err = proc.communicate(timeout=30)
    reads, errors, versions = map(int, out.split())
    assert errors == 0, err
    assert reads > 0 and versions >= 2
    # A connection opened before the swaps still reads the old file, whole.
    assert old_reader.execute("SELECT count(*) FROM observation").fetchone()[0] == old_count
    old_reader.close()
    assert _query("SELECT count(*) FROM observation")[0][0] == old_count - 3
