"""Faults at start and during refresh: a missing, corrupted or foreign warehouse file never takes
the app down or shows a traceback; every page says what is wrong, /healthz answers non-200
with the reason, /status tells data version, last good run and a failed refresh apart; a good
file appearing is served without a restart; and a warehouse published while requests are
running never gives a failed request or a response that mixes two versions. (Files changed in
place under a running server: tests/test_integrity.py.)"""
from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections import Counter
from pathlib import Path

import dash
import duckdb
import pytest
import requests

import app as app_module
from boligsosial.config import settings
from boligsosial.text import i18n
from boligsosial.text.numbers import NBSP
from boligsosial.warehouse import db, integrity, runs, series_rows
from boligsosial.web import errors
from boligsosial.web.data_version import HEADER
from tests.live_server import start_gunicorn
from tests.warehouse_factory import OBSERVATIONS, build_test_warehouse, publish_file

pytestmark = pytest.mark.integration  # tests/conftest.py: the kinds of test

server = app_module.server
LEAKS = ("Traceback", 'File "/', "site-packages")


@pytest.fixture
def client():
    return server.test_client()


def _pages() -> list[str]:
    return [page["path"] for page in dash.page_registry.values() if not page.get("path_template")]


# ------------------------------------------------------------------------------ broken files


# Each bad file is written beside the served one and swapped in, as a (broken) ETL would.


def _missing(path: Path) -> None:
    path.unlink(missing_ok=True)


def _garbage(path: Path) -> None:
    path.with_name("incoming").write_bytes(os.urandom(64 * 1024))
    os.replace(path.with_name("incoming"), path)


def _empty(path: Path) -> None:
    path.with_name("incoming").write_bytes(b"")
    os.replace(path.with_name("incoming"), path)


def _without_meta(path: Path) -> None:
    """A DuckDB file from some other build: our tables but no meta."""
    incoming = build_test_warehouse(path.with_name("incoming"))
    con = duckdb.connect(str(incoming))
    con.execute("DROP TABLE meta")
    con.close()
    os.replace(incoming, path)


def _foreign(path: Path) -> None:
    """A valid DuckDB file with none of our tables."""
    incoming = path.with_name("incoming")
    incoming.unlink(missing_ok=True)
    con = duckdb.connect(str(incoming))
    con.execute("CREATE TABLE something_else (x INTEGER)")
    con.close()
    os.replace(incoming, path)


BROKEN = {"missing": _missing, "garbage": _garbage, "empty": _empty, "without-meta": _without_meta, "foreign": _foreign}
# What the notice calls each, when it replaces a published file.
KIND = {"missing": integrity.MISSING, "garbage": integrity.CORRUPT, "empty": integrity.INCOMPLETE,
        "without-meta": integrity.CORRUPT, "foreign": integrity.CORRUPT}


def _says_what_is_wrong(path: str, body: str, kind: str | None = None) -> bool:
    if path == "/status":
        return any(i18n.t(key, "nb") in body for key in ("page.status.data_missing", "page.status.data_unreadable"))
    kinds = [kind] if kind else errors.KINDS
    return any(i18n.t(f"warehouse.problem.{k}.heading", "nb") in body and f'data-problem="{k}"' in body for k in kinds)


def _notice(body: str) -> str:
    start = body.index('<section class="notice notice-error"')
    return body[start:body.index("</section>", start)]


@pytest.mark.parametrize("fault", BROKEN)
def test_every_page_says_plainly_what_is_wrong(client, fault):
    build_test_warehouse(settings.warehouse_path())
    assert client.get("/").status_code == 200
    BROKEN[fault](settings.warehouse_path())
    notices = set()
    for path in _pages():
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == 503, (path, response.status_code)  # never 200 without figures
        assert _says_what_is_wrong(path, body, KIND[fault]), path
        if path != "/status":
            notices.add(_notice(body))
        for leak in LEAKS:
            assert leak not in body, (path, leak)
    assert len(notices) == 1  # every page: the same notice


@pytest.mark.parametrize("fault", BROKEN)
def test_healthz_is_not_ok_and_says_why(client, fault):
    BROKEN[fault](settings.warehouse_path())
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["message"]
    assert HEADER not in response.headers  # no data, no data version


@pytest.mark.parametrize(("fault", "key"), [("missing", "page.status.data_missing"), ("garbage", "page.status.data_unreadable"),
                                            ("without-meta", "page.status.data_unreadable")])
def test_the_status_page_tells_a_missing_file_from_an_unreadable_one(client, fault, key):
    BROKEN[fault](settings.warehouse_path())
    body = client.get("/status").get_data(as_text=True)
    assert i18n.t(key, "nb") in body


def _unreadable_tables(path: Path) -> list[str]:
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return ["*"]
    try:
        failed = []
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
            try:
                con.execute(f'SELECT * FROM "{table}"').fetchall()  # names from the catalogue itself
            except duckdb.Error:
                failed.append(table)
        return failed
    finally:
        con.close()


def test_damage_anywhere_in_the_file_never_gives_a_500(client, tmp_path):
    """Overwrite one block of a good warehouse at a time (DuckDB checks block checksums):
    whichever table that hits, pages and /healthz answer, and say so when they cannot read.
    Each damaged file is published with its own record, as if it had been damaged before the
    ETL took its checksum, so that it is DuckDB's checks that must catch it."""
    good = build_test_warehouse(tmp_path / "good.duckdb")
    block = 256 * 1024
    target = settings.warehouse_path()
    damaged_somewhere_read = 0
    for offset in range(0, good.stat().st_size, block):
        incoming = shutil.copy(good, target.with_name("damaged"))
        with open(incoming, "r+b") as handle:
            handle.seek(offset + 100)
            handle.write(b"\xff" * 4096)
        if not _unreadable_tables(Path(incoming)):
            continue  # this block is free space: nothing reads it
        damaged_somewhere_read += 1
        publish_file(Path(incoming), target)
        assert client.get("/healthz").status_code in (200, 503), offset
        for path in _pages():
            response = client.get(path)
            assert response.status_code in (200, 503), (offset, path, response.status_code)
            assert not any(leak in response.get_data(as_text=True) for leak in LEAKS)
    assert damaged_somewhere_read >= 2  # the header and at least one table's data


def test_a_published_file_of_an_older_layout_is_refused_with_rebuild_not_served_into_errors(client, tmp_path):
    """An older file rolled back into place, with its record: its tables lack columns the app
    reads (layout 1 had no nynorsk notes), so it is refused as incomplete, on every page."""
    older = build_test_warehouse(tmp_path / "older.duckdb")
    con = duckdb.connect(str(older))
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.execute("ALTER TABLE observation DROP COLUMN note_nn")
    con.close()
    publish_file(older, settings.warehouse_path())
    health = client.get("/healthz")
    assert health.status_code == 503
    assert "another version of the ETL (layout 1; this app reads layout 2)" in health.get_json()["message"]
    for path in ("/", "/bostedslose", "/kommuner"):
        response = client.get(path)
        assert response.status_code == 503 and _says_what_is_wrong(path, response.get_data(as_text=True), integrity.INCOMPLETE)
    assert client.get("/api/v1/indicators/homeless/data.csv").status_code == 503


def test_a_damaged_block_is_a_file_fault_but_a_wrong_query_is_a_bug():
    assert db._file_fault(duckdb.Error("Corrupt database file: computed checksum 1 does not match stored checksum 2"))
    assert db._file_fault(duckdb.IOException("Could not read enough bytes from file"))
    assert db._file_fault(duckdb.CatalogException("Table with name meta does not exist!"))
    for bug in (duckdb.BinderException("x"), duckdb.ParserException("x"), duckdb.ConversionException("x")):
        assert not db._file_fault(bug)


# ------------------------------------------------------------------------------ run log and status page


def _log(path: Path, *records: dict) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")


OK_BUILD = [
    {"run_id": "r1", "command": "build", "started": "2026-11-20T05:00:00+00:00", "status": "running"},
    {"run_id": "r1", "command": "build", "started": "2026-11-20T05:00:00+00:00", "finished": "2026-11-20T05:00:02+00:00",
     "status": "ok", "message": "published data version test-v1"},
]
FAILED_REFRESH = [
    {"run_id": "r2", "command": "refresh", "started": "2026-11-21T04:00:00+00:00", "status": "running"},
    {"run_id": "r2", "command": "refresh", "started": "2026-11-21T04:00:00+00:00", "finished": "2026-11-21T04:01:00+00:00",
     "status": "failed", "message": "SSB 13586: HTTP 429 Too Many Requests after 5 tries"},
]


def test_the_run_log_reader_merges_skips_and_flags_unfinished_runs(tmp_path):
    log = tmp_path / "runs.jsonl"
    assert runs.read_runs(log) == []
    _log(log, *OK_BUILD, *FAILED_REFRESH)
    with open(log, "a", encoding="utf-8") as handle:
        handle.write('{"run_id": "r3", "command": "build", "started": "2026-11-21T05:00:00+00:00", "status": "running"}\n')
        handle.write('{"run_id": "r3", "command": "bui')  # cut short by a crash
        handle.write("\n[1, 2]\nnot json\n")
    read = runs.read_runs(log)
    assert [(r["run_id"], r["status"]) for r in read] == [("r1", "ok"), ("r2", "failed"), ("r3", runs.UNFINISHED)]
    summary = runs.summarise(read)
    assert summary.last_ok["run_id"] == "r1"
    assert summary.latest["run_id"] == "r3" and not summary.latest_failed
    assert runs.summarise(read[:2]).latest_failed


def test_the_run_log_reader_reads_only_the_end_of_a_long_log(tmp_path, monkeypatch):
    log = tmp_path / "runs.jsonl"
    monkeypatch.setattr(runs, "TAIL_BYTES", 400)
    _log(log, *[dict(OK_BUILD[1], run_id=f"old{i}") for i in range(50)], *FAILED_REFRESH)
    read = runs.read_runs(log)
    assert read[-1]["run_id"] == "r2" and len(read) < 10
    assert all(r["run_id"] for r in read)


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_status_page_shows_version_last_good_run_and_the_failed_refresh(client, lang):
    build_test_warehouse(settings.warehouse_path(), data_version="test-v1", built_at="2026-11-20T05:00:02+00:00")
    _log(settings.run_log_path(), *OK_BUILD, *FAILED_REFRESH)
    response = client.get(f"/status?lang={lang}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "test-v1" in body
    built = {"nb": "20. november 2026 kl. 05:00 UTC", "en": "20 November 2026 at 05:00 UTC"}[lang]
    assert built in body
    assert i18n.t("page.status.latest_failed", lang, command=i18n.t("page.status.command.refresh", lang),
                  when={"nb": "21. november 2026 kl. 04:01 UTC", "en": "21 November 2026 at 04:01 UTC"}[lang]) in body
    assert "SSB 13586: HTTP 429 Too Many Requests after 5 tries" in body
    assert i18n.t("page.status.still_serving", lang) in body
    assert i18n.t("page.status.last_ok", lang, command=i18n.t("page.status.command.build", lang), when=built) in body


def test_status_page_with_only_good_runs_says_so(client):
    build_test_warehouse(settings.warehouse_path())
    _log(settings.run_log_path(), *OK_BUILD)
    body = client.get("/status").get_data(as_text=True)
    assert "latest-run-ok" in body and "latest-run-failed" not in body


def test_status_page_without_warehouse_or_runs_still_answers(client):
    response = client.get("/status?lang=en")
    body = response.get_data(as_text=True)
    assert response.status_code == 503  # its status says the outage too; its body gives the details
    assert i18n.t("page.status.data_missing", "en") in body
    assert i18n.t("page.status.no_runs", "en") in body
    assert i18n.t("page.status.no_ok", "en") in body


# ------------------------------------------------------------------------------ one version per response


def test_one_request_reads_one_warehouse_even_when_a_new_one_is_published_midway():
    path = settings.warehouse_path()
    build_test_warehouse(path, data_version="v1")
    db.pin()
    try:
        assert db.data_version() == "v1"
        build_test_warehouse(path, data_version="v2")  # os.replace under the reader, as the ETL does
        assert db.data_version() == "v1"
        assert series_rows.indicator("homeless")["title_nb"] == "Bostedsløse"  # other tables: the same old file
    finally:
        db.unpin()
    assert db.data_version() == "v2"  # the next request gets the new data


def test_the_response_names_the_version_its_content_came_from(client, monkeypatch):
    """A page that reads, then sees a new warehouse published, then reads again: both reads and
    the X-Data-Version header are the first version."""
    path = settings.warehouse_path()
    build_test_warehouse(path, data_version="v1")
    start = next(page for page in dash.page_registry.values() if page["path"] == "/")

    def reads_twice(**_):
        first = db.data_version()
        build_test_warehouse(path, data_version="v2")
        return dash.html.Div(f"{first} {db.data_version()}")

    monkeypatch.setitem(start, "layout", reads_twice)
    response = client.get("/")
    assert "v1 v1" in response.get_data(as_text=True)
    assert response.headers[HEADER] == "v1"
    assert client.get("/healthz").headers[HEADER] == "v2"


# ------------------------------------------------------------------------------ real gunicorn


def test_recovers_without_restart_when_a_good_file_appears(tmp_path):
    served = tmp_path / "served" / "warehouse.duckdb"
    served.parent.mkdir()
    staged = build_test_warehouse(tmp_path / "staged" / "warehouse.duckdb", data_version="good-1")
    gunicorn = start_gunicorn(served, tmp_path, workers=2, env={"BOLIG_RUN_LOG": str(tmp_path / "runs.jsonl")})
    try:
        def state() -> set[tuple[int, str]]:
            """(status, data version) over enough requests to reach both workers."""
            seen = set()
            for _ in range(12):
                response = requests.get(gunicorn.url + "/healthz", timeout=10)
                seen.add((response.status_code, response.json().get("data_version", "")))
            return seen

        assert state() == {(503, "")}
        page = requests.get(gunicorn.url + "/", timeout=30)
        assert page.status_code == 503 and _says_what_is_wrong("/", page.text, integrity.MISSING)

        _garbage(served)
        assert state() == {(503, "")}
        assert i18n.t("page.status.data_unreadable", "nb") in requests.get(gunicorn.url + "/status", timeout=30).text

        publish_file(staged, served)
        assert state() == {(200, "good-1")}
        page = requests.get(gunicorn.url + "/", timeout=30)
        assert page.status_code == 200 and page.headers[HEADER] == "good-1" and not _says_what_is_wrong("/", page.text)

        _without_meta(served)  # a bad file published over a good one
        assert state() == {(503, "")}
        publish_file(build_test_warehouse(tmp_path / "staged" / "again.duckdb", data_version="good-2"), served)
        assert state() == {(200, "good-2")}
        assert "Traceback" not in gunicorn.log()
    finally:
        gunicorn.stop()


def _version_number(n: int) -> float:
    """The 2020 homeless count in test warehouse version n: unique to that version."""
    return 40_000.0 + n


def _build_version(path: Path, n: int) -> Path:
    observations = [
        (*row[:4], _version_number(n), *row[5:]) if row[:4] == ("homeless", "0", "2020", "") else row
        for row in OBSERVATIONS
    ]
    return build_test_warehouse(path, data_version=f"load-v{n}", observations=observations)


def test_publishing_during_traffic_fails_no_request_and_mixes_no_versions(tmp_path):
    versions = 6
    served = _build_version(tmp_path / "served" / "warehouse.duckdb", 1)
    staged = [_build_version(tmp_path / "staged" / f"v{n}.duckdb", n) for n in range(2, versions + 1)]
    gunicorn = start_gunicorn(served, tmp_path, workers=2, env={"BOLIG_RUN_LOG": str(tmp_path / "runs.jsonl")})
    api_paths = sorted(
        rule.rule for rule in server.url_map.iter_rules()
        if rule.rule.startswith("/api/") and not rule.arguments and "GET" in rule.methods
    )
    paths = ["/", "/healthz", *api_paths]
    problems: list[str] = []
    seen: Counter = Counter()
    stop = threading.Event()

    def check(path: str, response: requests.Response) -> None:
        if response.status_code != 200:
            problems.append(f"{path}: {response.status_code}")
            return
        version = response.headers.get(HEADER, "")
        seen[version] += 1
        if path == "/healthz" and response.json()["data_version"] != version:
            problems.append(f"/healthz body {response.json()['data_version']} under header {version}")
        if path == "/":
            # The figure unique to each version, as the page writes it, and the version's name
            # (in the footer): this version's must be there, no other version's.
            n = int(version.removeprefix("load-v"))
            marks = {m: (f"{int(_version_number(m)):,}".replace(",", NBSP), f"load-v{m}") for m in range(1, versions + 1)}
            if not all(mark in response.text for mark in marks[n]):
                problems.append(f"/ under {version} lacks its own figure or version name")
            others = [m for m, pair in marks.items() if m != n and any(mark in response.text for mark in pair)]
            if others:
                problems.append(f"/ under {version} also shows data of versions {others}")

    def client(offset: int) -> None:
        session = requests.Session()
        i = offset
        while not stop.is_set():
            path = paths[i % len(paths)]
            i += 1
            try:
                check(path, session.get(gunicorn.url + path, timeout=30))
            except requests.RequestException as exc:
                problems.append(f"{path}: {exc!r}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(6)]
    try:
        for thread in threads:
            thread.start()
        for path in staged:  # the ETL publishing five times while the clients run
            time.sleep(1.2)
            publish_file(path, served)
        time.sleep(1.2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
        gunicorn.stop()
    assert problems == []
    assert len(seen) >= 3, seen  # the swaps really happened under traffic
    assert sum(seen.values()) > 50
    assert f"load-v{versions}" in seen
