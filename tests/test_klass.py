"""etl.klass against a fake KLASS on 127.0.0.1: real HTTP, answers in KLASS's shape.

TEST DATA: the codes below are a handful of real-looking entries (Oslo; Ålesund split into
Ålesund and Haram in 2024) in the shape KLASS answers `codes?from=&to=` and `changes`, trimmed
to what the client reads. They are not a copy of any KLASS answer.
"""
from __future__ import annotations

import copy
import json
import threading
import urllib.parse
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from etl import klass, snapshot
from etl import regions as R
from etl.errors import UpstreamChanged, UpstreamError
from etl.http import HttpClient

pytestmark = pytest.mark.integration  # tests/conftest.py: the kinds of test

TODAY = date(2026, 11, 21)
TO = "2026-11-22"  # refresh asks up to tomorrow


def code(c, name, start, end):
    return {"code": c, "parentCode": None, "level": "1", "name": name, "shortName": "", "presentationName": "",
            "validFrom": None, "validTo": None, "validFromInRequestedRange": start, "validToInRequestedRange": end,
            "notes": ""}


def change(old, old_name, new, new_name, day):
    return {"oldCode": old, "oldName": old_name, "oldShortName": "", "newCode": new, "newName": new_name,
            "newShortName": "", "changeOccurred": day}


ANSWERS = {
    ("131", "codes"): {"codes": [
        code("0301", "Oslo", "2005-01-01", "2020-01-01"), code("0301", "Oslo", "2020-01-01", TO),
        code("1507", "Ålesund", "2020-01-01", "2024-01-01"),
        code("1508", "Ålesund", "2024-01-01", TO), code("1580", "Haram", "2024-01-01", TO),
        code("9999", "Uoppgitt", "2005-01-01", TO),
    ]},
    ("104", "codes"): {"codes": [code("03", "Oslo", "2005-01-01", TO), code("15", "Møre og Romsdal", "2005-01-01", TO),
                                 code("99", "Uoppgitt", "2005-01-01", TO)]},
    ("131", "changes"): {"codeChanges": [change("1507", "Ålesund", "1508", "Ålesund", "2024-01-01"),
                                         change("1507", "Ålesund", "1580", "Haram", "2024-01-01")]},
    ("104", "changes"): {"codeChanges": []},
    ("131", "codesAt"): {"codes": [code("0301", "Oslo", None, None)]},
}


class FakeKlass:
    def __init__(self):
        self.answers = copy.deepcopy(ANSWERS)
        self.fail_next = 0  # answer HTTP 500 to this many requests
        self.seen: list[str] = []

    def answer(self, path: str) -> tuple[int, bytes]:
        self.seen.append(path)
        if self.fail_next:
            self.fail_next -= 1
            return 500, b'{"error": "TEST: internal error"}'
        parts = urllib.parse.urlsplit(path).path.split("/")  # /classifications/131/codes.json
        key = (parts[-2], parts[-1].removesuffix(".json"))
        if parts[-3] != "classifications" or key not in self.answers:
            return 404, b'{"error": "TEST: not found"}'
        return 200, json.dumps(self.answers[key], ensure_ascii=False).encode("utf-8")


@pytest.fixture
def fake_klass(monkeypatch):
    fake = FakeKlass()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            status, body = fake.answer(self.path)
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    monkeypatch.setenv("BOLIG_KLASS_BASE", f"http://127.0.0.1:{server.server_port}")
    yield fake
    server.shutdown()
    server.server_close()


def client():
    return HttpClient(sleep=lambda seconds: None, max_tries=3)


def test_refresh_stores_four_snapshots_and_the_registry_reads_them(fake_klass, tmp_path):
    stored = klass.refresh(client(), root=tmp_path, today=TODAY)
    assert sorted(s.name for s in stored) == sorted(
        f"{c}-{k}-2005-01-01-{TO}.json" for c in ("104", "131") for k in ("codes", "changes"))
    assert len(fake_klass.seen) == 4  # one question per classification and endpoint, not one per year
    assert "from=2005-01-01" in stored[0].url and f"to={TO}" in stored[0].url
    assert all(snapshot.verify(s, tmp_path) for s in stored)
    assert json.loads(stored[0].read_bytes(tmp_path)) == ANSWERS[("131", "codes")]

    regions, changes = R.load_registry(root=tmp_path)
    assert regions.fillna("").to_dict("records") == [
        {"code": "0", "name": "Norge", "level": "country", "parent_code": "", "valid_from": "2005-01-01", "valid_to": ""},
        {"code": "03", "name": "Oslo", "level": "county", "parent_code": "0", "valid_from": "2005-01-01", "valid_to": ""},
        {"code": "15", "name": "Møre og Romsdal", "level": "county", "parent_code": "0", "valid_from": "2005-01-01", "valid_to": ""},
        {"code": "0301", "name": "Oslo", "level": "municipality", "parent_code": "03", "valid_from": "2005-01-01", "valid_to": ""},
        {"code": "1507", "name": "Ålesund", "level": "municipality", "parent_code": "15", "valid_from": "2020-01-01", "valid_to": "2024-01-01"},
        {"code": "1508", "name": "Ålesund", "level": "municipality", "parent_code": "15", "valid_from": "2024-01-01", "valid_to": ""},
        {"code": "1580", "name": "Haram", "level": "municipality", "parent_code": "15", "valid_from": "2024-01-01", "valid_to": ""},
    ]
    assert changes[["old_code", "new_code", "changed_on", "level"]].values.tolist() == [
        ["1507", "1508", "2024-01-01", "municipality"], ["1507", "1580", "2024-01-01", "municipality"]]


def test_codes_at_and_changes_ask_klass_directly(fake_klass):
    api = klass.Klass(client())
    reply = api.codes_at("131", date(2024, 1, 1))
    assert reply.json()["codes"][0]["code"] == "0301" and "date=2024-01-01" in reply.url
    assert api.changes("131", date(2023, 1, 1), date(2024, 1, 2)).json()["codeChanges"][0]["newCode"] == "1508"


def test_a_500_is_retried(fake_klass, tmp_path):
    fake_klass.fail_next = 1
    stored = klass.refresh(client(), root=tmp_path, today=TODAY)
    assert len(stored) == 4 and len(fake_klass.seen) == 5


def test_klass_down_stores_nothing(fake_klass, tmp_path):
    fake_klass.fail_next = 100
    with pytest.raises(UpstreamError, match="failed after 3 tries"):
        klass.refresh(client(), root=tmp_path, today=TODAY)
    assert snapshot.list_snapshots(klass.NAMESPACE, tmp_path) == []


def test_changed_shape_is_refused_and_nothing_is_stored(fake_klass, tmp_path):
    fake_klass.answers[("104", "changes")] = {"changes": []}  # codeChanges renamed
    with pytest.raises(UpstreamChanged, match="without a 'codeChanges' list"):
        klass.refresh(client(), root=tmp_path, today=TODAY)
    assert snapshot.list_snapshots(klass.NAMESPACE, tmp_path) == []
    assert not (tmp_path / klass.NAMESPACE).exists() or not any((tmp_path / klass.NAMESPACE).iterdir())


def test_codes_without_their_validity_window_are_refused(fake_klass, tmp_path):
    for item in fake_klass.answers[("131", "codes")]["codes"]:
        del item["validToInRequestedRange"]
    with pytest.raises(UpstreamChanged) as raised:
        klass.refresh(client(), root=tmp_path, today=TODAY)
    assert "validToInRequestedRange" in str(raised.value)
    assert snapshot.list_snapshots(klass.NAMESPACE, tmp_path) == []


def test_an_incomplete_snapshot_set_is_ignored(fake_klass, tmp_path):
    stored = klass.refresh(client(), root=tmp_path, today=TODAY)
    stored[0].path(tmp_path).with_name(stored[0].name + snapshot.META_SUFFIX).unlink()
    regions, _ = R.load_registry(root=tmp_path)
    assert len(regions) > 100  # fell back to the bundled registry
