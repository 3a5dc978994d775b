"""A real gunicorn started with the project's gunicorn.conf.py withstands slow clients and huge
bodies (issue 14, findings 1 and 2). Before: two clients sending a header line every 5 s held
both sync workers and /healthz got no answer for 31.9 s; one 300 MB POST took a worker from
184 MB to 976 MB and ended in a 500.

The 1 s bound below is what the issue asks of the health check, not a speed figure (those are in
bench/hardening.py): a blocked server misses it by tens of seconds, a working one by far less."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from boligsosial.web import gunicorn_worker
from tests.live_server import SlowClient, post_body, rss_mb, start_gunicorn, worker_pids
from tests.warehouse_factory import build_test_warehouse

pytestmark = pytest.mark.integration  # a real gunicorn


@pytest.fixture
def server(tmp_path):
    warehouse = build_test_warehouse(tmp_path / "served" / "warehouse.duckdb")
    running = start_gunicorn(warehouse, tmp_path, workers=2, env={"BOLIG_RUN_LOG": str(tmp_path / "runs.jsonl")})
    yield running
    running.stop()


def test_two_slow_clients_for_30_s_do_not_stall_the_health_check(server):
    slow = [SlowClient(server.url, every=3.0) for _ in range(2)]
    for client in slow:
        client.start()
    latencies, statuses = [], []
    try:
        time.sleep(1)  # both are connected and typing
        until = time.monotonic() + 30
        while time.monotonic() < until:
            started = time.monotonic()
            statuses.append(requests.get(server.url + "/healthz", timeout=10).status_code)
            latencies.append(time.monotonic() - started)
            time.sleep(0.25)
    finally:
        for client in slow:
            client.stop()
    assert set(statuses) == {200} and len(statuses) > 50
    assert max(latencies) < 1.0, max(latencies)
    # Each slow connection was closed at its header deadline, and the client came back.
    for client in slow:
        assert client.connections >= 2 and client.cut_after, client.cut_after
        assert all(gunicorn_worker.HEADER_SECONDS - 0.5 < cut < gunicorn_worker.HEADER_SECONDS + 3
                   for cut in client.cut_after), client.cut_after
    assert "Traceback" not in server.log()


def warm_every_worker(server) -> dict[int, float]:
    """Serve pages concurrently until no worker's memory grows by more than 5 MB in a round.

    Sequential requests can all land on one sync worker, leaving the other cold; its first page
    (imports, caches) then grows it by 30-40 MB and was read as the POST's cost (CI, stop 18)."""
    pages = ["/", "/bostedslose", "/vanskeligstilte", "/kommuner", "/figur/homeless"]
    last = {pid: rss_mb(pid) for pid in worker_pids(server)}
    for _ in range(10):
        with ThreadPoolExecutor(max_workers=4) as pool:
            for response in pool.map(lambda path: requests.get(server.url + path, timeout=30), pages * 4):
                response.raise_for_status()
        now = {pid: rss_mb(pid) for pid in worker_pids(server)}
        if now.keys() == last.keys() and all(now[pid] - last[pid] < 5 for pid in now):
            return now
        last = now
    raise AssertionError(f"the workers' memory did not settle in 10 rounds: {last}")


def test_a_300_mb_post_is_refused_before_it_is_read_and_worker_memory_stays_flat(server):
    before = warm_every_worker(server)
    status, sent = post_body(server.url, "/_dash-update-component", 300 * 1024 * 1024)
    time.sleep(1)
    after = {pid: rss_mb(pid) for pid in worker_pids(server)}
    assert status == 413
    assert sent < 300 * 1024 * 1024  # the server stopped taking it
    assert after.keys() == before.keys()  # no worker died or was replaced
    # Reading the body would add at least 300 MB to one worker; a fifth of that leaves room for
    # allocator noise without letting a read body pass.
    assert max(after[pid] - before[pid] for pid in before) < 60, (before, after)
    assert requests.get(server.url + "/healthz", timeout=10).status_code == 200


def test_an_endless_chunked_post_is_refused_at_once(server):
    status, sent = post_body(server.url, "/_dash-update-component", 300 * 1024 * 1024, chunked=True)
    assert status == 411
    assert sent < 300 * 1024 * 1024
    assert requests.get(server.url + "/healthz", timeout=10).status_code == 200
