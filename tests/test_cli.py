"""The CLI as a script sees it: exit codes, one readable message, never a traceback."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from boligsosial.config import settings

pytestmark = pytest.mark.integration  # tests/conftest.py: the kinds of test

ROOT = Path(__file__).resolve().parent.parent


def etl(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, env=os.environ.copy(),
                          capture_output=True, text=True, timeout=timeout)


def test_build_then_status_lists_every_source_with_row_counts():
    built = etl("build")
    assert built.returncode == 0, built.stderr
    assert "Published" in built.stdout
    status = etl("status")
    assert status.returncode == 0, status.stderr
    con = duckdb.connect(str(settings.warehouse_path()), read_only=True)
    try:
        sources = con.execute(
            "SELECT s.title, count(o.source_id) FROM source s LEFT JOIN observation o USING (source_id) GROUP BY ALL").fetchall()
    finally:
        con.close()
    assert sources
    for title, rows in sources:
        line = next((out for out in status.stdout.splitlines() if title[:70] in out), None)
        assert line is not None, f"status does not list {title!r}"
        assert f" {rows} " in line
    assert "never fetched" in status.stdout  # no SSB snapshots in a fresh build: said, not hidden


def test_status_before_any_build_says_how_to_build():
    status = etl("status")
    assert status.returncode == 0
    assert "not built yet" in status.stdout and "python -m etl build" in status.stdout


def test_usage_errors_exit_2_without_traceback():
    result = etl("no-such-command")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_import_of_a_missing_file_is_a_clear_error(tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("indicator: population\n", encoding="utf-8")
    result = etl("import", str(tmp_path / "missing.csv"), "--mapping", str(mapping))
    assert result.returncode == 5
    assert "missing.csv" in result.stderr and "Traceback" not in result.stderr
    assert not settings.warehouse_path().exists()
