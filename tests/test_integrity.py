"""The served warehouse is checked against the record the ETL wrote when it published it (issue
14, finding 4): bytes written into the file in place (same inode) or a truncation are noticed
within seconds by every worker, /healthz answers 503, every page the same notice naming the
problem with status 503, and the app recovers when a good file is published. Before: random
bytes in place left /healthz at 200 on both workers while one of them told readers there was no
database, and a truncated file went on being served from memory until the workers restarted."""
from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
import requests

import app as app_module
from boligsosial.config import settings
from boligsosial.text import i18n
from boligsosial.warehouse import db, integrity
from boligsosial.web import errors
from tests.live_server import start_gunicorn
from tests.warehouse_factory import build_test_warehouse, publish_file

pytestmark = pytest.mark.integration  # a real gunicorn and published files changed under it

server = app_module.server


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setattr(integrity, "RECHECK_SECONDS", 0.3)
    build_test_warehouse(settings.warehouse_path(), data_version="good-1")
    return server.test_client()


def _scribble(path: Path, keep_mtime: bool = False) -> None:
    """Random bytes over the middle of the file, in place: same inode, same size."""
    before = os.stat(path)
    with open(path, "r+b") as handle:
        handle.seek(before.st_size // 2)
        handle.write(os.urandom(8192))
        handle.flush()
        os.fsync(handle.fileno())
    if keep_mtime:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_ino, after.st_size) == (before.st_ino, before.st_size)


def _truncate(path: Path) -> None:
    inode = os.stat(path).st_ino
    os.truncate(path, os.stat(path).st_size // 3)
    assert os.stat(path).st_ino == inode


def _problem(response) -> str | None:
    body = response.get_data(as_text=True)
    return next((kind for kind in errors.KINDS if f'data-problem="{kind}"' in body), None)


# ------------------------------------------------------------------------------ the record


def test_publishing_records_size_mtime_and_checksum_beside_the_warehouse(bundled_warehouse):
    entries = integrity.read_record(bundled_warehouse)
    stat = os.stat(bundled_warehouse)
    assert entries[0]["size"] == stat.st_size and entries[0]["mtime_ns"] == stat.st_mtime_ns
    assert entries[0]["sha256"] == integrity.sha256(bundled_warehouse)
    assert entries[0]["data_version"]
    record = json.loads(integrity.record_path(bundled_warehouse).read_text())
    assert record["format"] == 1


def test_the_record_keeps_earlier_files_so_a_rollback_is_served(client):
    path = settings.warehouse_path()
    keep = path.with_name("kept.duckdb")
    keep.write_bytes(path.read_bytes())  # the operator keeps the good-1 file for a rollback
    build_test_warehouse(path, data_version="good-2")
    assert client.get("/healthz").get_json()["data_version"] == "good-2"
    os.replace(keep, path)  # rolled back by renaming the old file into place: no new record
    assert client.get("/healthz").get_json()["data_version"] == "good-1"
    assert [entry["data_version"] for entry in integrity.read_record(path)] == ["good-2", "good-1"]


def test_a_file_without_a_record_is_not_served(client):
    integrity.record_path(settings.warehouse_path()).unlink()
    response = client.get("/healthz")
    assert response.status_code == 503 and "no publish record" in response.get_json()["message"]
    assert _problem(client.get("/")) == integrity.INCOMPLETE


# ------------------------------------------------------------------------------ changed in place


def test_bytes_written_in_place_are_found_on_the_next_request(client):
    assert client.get("/").status_code == 200  # read and cached from the good file
    _scribble(settings.warehouse_path())  # the mtime changes: checked at once
    response = client.get("/healthz")
    assert response.status_code == 503 and "has changed since it was published" in response.get_json()["message"]
    for path in ("/", "/bostedslose", "/data", "/status"):
        page = client.get(path)
        assert page.status_code == 503, path
    assert _problem(client.get("/")) == integrity.CORRUPT
    assert client.get("/figur/homeless").status_code == 503
    assert client.get("/api/v1/indicators").status_code == 503


def test_bytes_written_in_place_with_the_mtime_put_back_are_found_within_the_recheck(client):
    assert client.get("/healthz").status_code == 200
    _scribble(settings.warehouse_path(), keep_mtime=True)
    started = time.monotonic()
    while client.get("/healthz").status_code == 200:
        assert time.monotonic() - started < integrity.RECHECK_SECONDS + 2, "not noticed"
        time.sleep(0.05)
    assert _problem(client.get("/")) == integrity.CORRUPT


def test_a_truncated_file_is_incomplete_at_once(client):
    assert client.get("/").status_code == 200
    _truncate(settings.warehouse_path())
    response = client.get("/healthz")
    assert response.status_code == 503 and "cut short" in response.get_json()["message"]
    assert _problem(client.get("/")) == integrity.INCOMPLETE


def test_recovery_when_a_good_file_is_published_or_the_good_bytes_are_put_back(client):
    path = settings.warehouse_path()
    good = path.read_bytes()
    _scribble(path)
    assert client.get("/healthz").status_code == 503
    with open(path, "r+b") as handle:  # the same inode, repaired
        handle.write(good)
    assert client.get("/healthz").status_code == 200
    _truncate(path)
    assert client.get("/healthz").status_code == 503
    build_test_warehouse(path, data_version="good-2")
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["data_version"] == "good-2"
    assert client.get("/").status_code == 200


def test_the_checksum_is_not_taken_on_every_request(client, monkeypatch):
    hashed = []
    real_sha256 = integrity.sha256
    monkeypatch.setattr(integrity, "sha256", lambda path: hashed.append(path) or real_sha256(path))
    monkeypatch.setattr(integrity, "RECHECK_SECONDS", 60)
    db.close()  # forget the verdict taken while building
    for _ in range(50):
        assert client.get("/healthz").status_code == 200
    assert len(hashed) == 1


def test_a_due_checksum_is_taken_beside_the_request_not_in_it(client, monkeypatch):
    assert client.get("/healthz").status_code == 200  # the verdict for this file
    release, order = threading.Event(), []
    real_sha256 = integrity.sha256

    def held(path):
        order.append("hash started")
        release.wait(10)
        order.append("hash done")
        return real_sha256(path)

    monkeypatch.setattr(integrity, "sha256", held)
    time.sleep(integrity.RECHECK_SECONDS + 0.2)  # the checksum is due
    assert client.get("/healthz").status_code == 200  # answered on the last verdict
    order.append("request answered")
    release.set()
    for _ in range(100):
        if "hash done" in order:
            break
        time.sleep(0.05)
    # Inline, the request would have waited for the hash: answered only after "hash done".
    assert order.count("hash started") == 1 and order.index("request answered") < order.index("hash done")


# ------------------------------------------------------------------------------ every worker of a real gunicorn


def _healthz_states(url: str, n: int = 30) -> list[tuple[int, str]]:
    """(status, data version or the start of the message) of n fresh connections: with two
    workers, the chance that one of them got none of 30 is 2^-29."""
    seen = []
    for _ in range(n):
        response = requests.get(url + "/healthz", timeout=10)
        body = response.json()
        seen.append((response.status_code, body.get("data_version") or body.get("message", "")[:60]))
    return seen


def _until_unavailable(url: str, limit: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if all(status == 503 for status, _ in _healthz_states(url, 10)):
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"still served {limit} s after the change: {_healthz_states(url)}")


def test_every_worker_notices_a_change_in_place_and_recovers(tmp_path):
    served = build_test_warehouse(tmp_path / "served" / "warehouse.duckdb", data_version="good-1")
    gunicorn = start_gunicorn(served, tmp_path, workers=2, env={"BOLIG_RUN_LOG": str(tmp_path / "runs.jsonl")})
    try:
        for _ in range(20):  # both workers have read the file (DuckDB keeps what it read in memory)
            requests.get(gunicorn.url + "/", timeout=30).raise_for_status()
        assert set(_healthz_states(gunicorn.url)) == {(200, "good-1")}

        _scribble(served, keep_mtime=True)  # the hardest case: nothing in the stat changes
        _until_unavailable(gunicorn.url, integrity.RECHECK_SECONDS + 5)
        assert all(status == 503 for status, _ in _healthz_states(gunicorn.url))
        pages = [requests.get(gunicorn.url + path, timeout=30) for path in ("/", "/bostedslose", "/data", "/") * 3]
        assert {page.status_code for page in pages} == {503}
        notices = {page.text[page.text.index('<section class="notice'):page.text.index("</section>")] for page in pages}
        assert len(notices) == 1 and 'data-problem="corrupt"' in notices.pop()
        assert i18n.t("warehouse.problem.corrupt.heading", "nb") in pages[0].text

        _truncate(served)
        _until_unavailable(gunicorn.url, 5)
        assert 'data-problem="incomplete"' in requests.get(gunicorn.url + "/", timeout=30).text

        publish_file(build_test_warehouse(tmp_path / "staged" / "warehouse.duckdb", data_version="good-2"), served)
        assert set(_healthz_states(gunicorn.url)) == {(200, "good-2")}
        assert requests.get(gunicorn.url + "/", timeout=30).status_code == 200
        assert "Traceback" not in gunicorn.log()
    finally:
        gunicorn.stop()
