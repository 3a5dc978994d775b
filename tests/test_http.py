"""HttpClient against a real local HTTP server (the fake SSB): retries, waits, bounds, rate limit.

No test really waits: sleeps are recorded, the rate limiter gets a fake clock. The only real
time spent is the client timeout (0.5 s) in the hanging-server tests."""
from __future__ import annotations

import email.utils

import pytest

from etl.errors import UpstreamError
from etl.http import HttpClient, retry_after_seconds
from tests.fake_pxweb import fake_ssb  # noqa: F401  (fixture)

pytestmark = pytest.mark.integration  # tests/conftest.py: the kinds of test


class Recorder:
    """Stands in for time.sleep and time.monotonic: records waits and moves a fake clock."""

    def __init__(self):
        self.now = 1000.0
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def client(recorder: Recorder, **options) -> HttpClient:
    settings = {"per_minute": 10_000, "timeout": 5.0, "max_tries": 4, "backoff": 2.0, "sleep": recorder.sleep, "clock": recorder.clock}
    return HttpClient(**{**settings, **options})


def config_url(fake) -> str:
    return f"{fake.base_url}/config"


def test_429_is_retried_honouring_retry_after(fake_ssb):
    rec = Recorder()
    fake_ssb.fail_next(429, times=2, retry_after="7")
    reply = client(rec).get(config_url(fake_ssb))
    assert reply.json()["maxDataCells"] == 800_000
    assert rec.waits == [7.0, 7.0]
    assert len(fake_ssb.seen) == 3


def test_retry_after_zero_means_now_and_a_wait_too_long_stops_with_a_clear_error(fake_ssb):
    rec = Recorder()
    fake_ssb.fail_next(429, times=1, retry_after="0")
    fake_ssb.fail_next(429, times=1, retry_after="3600")
    with pytest.raises(UpstreamError, match="asks us to wait 3600 s"):
        client(rec, max_wait=120.0).get(config_url(fake_ssb))
    assert rec.waits == [0.0]  # honoured the 0, did not sleep an hour
    assert len(fake_ssb.requests_to("/config")) == 2


def test_retry_after_as_http_date():
    when = email.utils.formatdate(1_000_030, usegmt=True)
    assert retry_after_seconds(when, now=1_000_000) == pytest.approx(30.0)
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_500_then_success_waits_with_backoff(fake_ssb):
    rec = Recorder()
    fake_ssb.fail_next(500, times=2)
    assert client(rec).get(config_url(fake_ssb)).status == 200
    assert rec.waits == [2.0, 4.0]
    assert len(fake_ssb.seen) == 3


def test_tries_are_bounded(fake_ssb):
    rec = Recorder()
    fake_ssb.fail_next(503, times=100)
    with pytest.raises(UpstreamError, match="failed after 3 tries: HTTP 503"):
        client(rec, max_tries=3).get(config_url(fake_ssb))
    assert len(fake_ssb.seen) == 3
    assert rec.waits == [2.0, 4.0]  # no wait after the last try


def test_client_errors_are_not_retried_and_say_why(fake_ssb):
    rec = Recorder()
    with pytest.raises(UpstreamError, match=r"HTTP 404 .*can not be found"):
        client(rec).get(f"{fake_ssb.base_url}/tables/99999")
    assert len(fake_ssb.seen) == 1 and rec.waits == []


def test_hanging_server_is_retried_then_answers(fake_ssb):
    rec = Recorder()
    fake_ssb.hang_next(2.0, times=1)
    reply = client(rec, timeout=0.5).get(config_url(fake_ssb))
    assert reply.status == 200
    assert len(fake_ssb.seen) == 2 and rec.waits == [2.0]


def test_hanging_server_ends_in_a_clear_error(fake_ssb):
    rec = Recorder()
    fake_ssb.hang_next(2.0, times=2)
    with pytest.raises(UpstreamError, match=r"failed after 2 tries: no answer within 0.5 s") as caught:
        client(rec, timeout=0.5, max_tries=2).get(config_url(fake_ssb))
    assert "/config" in str(caught.value)
    assert len(fake_ssb.seen) == 2


def test_truncated_json_is_retried(fake_ssb):
    rec = Recorder()
    fake_ssb.truncate_next(times=1)
    assert client(rec).get(config_url(fake_ssb)).json()["defaultLanguage"] == "no"
    assert len(fake_ssb.seen) == 2


def test_truncated_json_every_time_ends_in_a_clear_error(fake_ssb):
    rec = Recorder()
    fake_ssb.truncate_next(times=100)
    with pytest.raises(UpstreamError, match="not complete JSON"):
        client(rec, max_tries=3).get(config_url(fake_ssb))
    assert len(fake_ssb.seen) == 3


def test_connection_dropped_mid_body_is_retried(fake_ssb):
    rec = Recorder()
    fake_ssb.drop_next(times=1)
    assert client(rec).get(config_url(fake_ssb)).status == 200
    assert len(fake_ssb.seen) == 2


def test_connection_dropped_every_time_ends_in_a_clear_error(fake_ssb):
    rec = Recorder()
    fake_ssb.drop_next(times=100)
    with pytest.raises(UpstreamError, match="broke off during the answer"):
        client(rec, max_tries=2).get(config_url(fake_ssb))


def test_refused_connection_is_an_upstream_error():
    rec = Recorder()
    with pytest.raises(UpstreamError, match="connection failed"):
        client(rec, max_tries=2).get("http://127.0.0.1:9/api/pxwebapi/v2/config")  # port 9: nothing listens
    assert rec.waits == [2.0]


def test_rate_limit_31st_request_within_a_minute_waits(fake_ssb):
    rec = Recorder()
    http = client(rec, per_minute=30)
    for _ in range(30):
        http.get(config_url(fake_ssb))
    assert rec.waits == []
    http.get(config_url(fake_ssb))  # the 31st, at the same (fake) instant
    assert rec.waits == [60.0]
    assert len(fake_ssb.seen) == 31


def test_rate_limit_window_slides(fake_ssb):
    rec = Recorder()
    http = client(rec, per_minute=30)
    for _ in range(30):
        http.get(config_url(fake_ssb))
        rec.now += 1.0  # one request a second: the first leaves the window after 60 s
    http.get(config_url(fake_ssb))  # at +30 s: the oldest was at +0 s, so wait 30 s
    assert rec.waits == [pytest.approx(30.0)]
    rec.now += 61.0
    http.get(config_url(fake_ssb))
    assert len(rec.waits) == 1
