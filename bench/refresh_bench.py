"""A refresh that changes nothing: `python -m etl refresh` twice against the fake SSB of the tests
(tests/fake_pxweb.py: real HTTP on 127.0.0.1, TEST tables under our table ids, made-up numbers),
into a temporary folder (the project's own snapshots and warehouse are not touched).

The first run fetches every table; the second should find every table's `updated` stamp
unchanged and fetch almost nothing. Reported for both (printed, and written to
bench/results/refresh.json): wall time, the build's share of it, requests by kind and bytes the
server sent. Regions (KLASS) are skipped, as in tests/test_refresh.py: the fake KLASS knows only
a handful of TEST codes, and a KLASS refresh is four requests whatever has changed.

Run: .venv/bin/python bench/refresh_bench.py   (no network: the fake server is local)
"""
from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadgen  # noqa: E402  (bench/ is not a package)

sys.path.insert(0, str(loadgen.ROOT))
from tests.fake_pxweb import FakeSsb, _Handler  # noqa: E402  (TEST DATA server of the test suite)


class CountingSsb(FakeSsb):
    """The fake SSB, also counting the bytes of every answer it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.bytes_sent = 0

    def start(self) -> "CountingSsb":
        fake = self

        class Handler(_Handler):
            def _send(self, status, content, fault):
                with fake._lock:
                    fake.bytes_sent += len(content)
                super()._send(status, content, fault)

        Handler.fake = self
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self


def request_kind(path: str) -> str:
    """config | search | table | metadata | data, from a PxWebApi v2 path."""
    parts = [part for part in path.split("/api/pxwebapi/v2", 1)[-1].split("/") if part]
    if parts in (["config"], ["tables"]):
        return {"config": "config", "tables": "search"}[parts[0]]
    return {2: "table", 3: parts[-1] if len(parts) == 3 else "other"}.get(len(parts), "other")


def refresh(fake: CountingSsb, env: dict) -> dict:
    seen, sent = len(fake.seen), fake.bytes_sent
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "etl", "refresh", "--skip-regions"], cwd=loadgen.ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - started
    published = re.search(r"^Published .* in ([\d.]+) s, data version (\w+)", done.stdout, re.M)
    requests = fake.seen[seen:]
    return {
        "exit_code": done.returncode,
        "seconds": round(seconds, 2),
        "build_seconds": float(published.group(1)) if published else None,
        "data_version": published.group(2) if published else None,
        "requests": len(requests),
        "requests_by_kind": dict(Counter(request_kind(r.path) for r in requests)),
        "bytes_fetched": fake.bytes_sent - sent,
        "tables": [line.strip() for line in done.stdout.splitlines()
                   if re.match(r"^\s+\w+\s+\S+\s+(fetched|unchanged|unresolved|failed)\b", line)],
        "stderr": done.stderr.strip()[-2000:] if done.returncode else "",
    }


def main() -> int:
    fake = CountingSsb().start()
    try:
        with tempfile.TemporaryDirectory(prefix="refresh-") as name:
            tmp = Path(name)
            # The lock a first refresh writes goes to the temporary folder too, starting from the
            # committed one; the fake has no rate limit, so the client's 30 a minute is lifted.
            lock = tmp / "ssb_lock.yaml"
            lock.write_bytes((loadgen.ROOT / "data" / "ssb_lock.yaml").read_bytes())
            env = {**loadgen.bench_env(tmp), "BOLIG_SSB_BASE": fake.base_url, "BOLIG_SNAPSHOTS": str(tmp / "snapshots"),
                   "BOLIG_SSB_LOCK": str(lock), "BOLIG_SSB_PER_MINUTE": "6000"}
            runs = {}
            for label in ("first", "second"):
                runs[label] = refresh(fake, env)
                run = runs[label]
                print(f"{label} refresh: exit {run['exit_code']}, {run['seconds']:.2f} s (build {run['build_seconds']} s), "
                      f"{run['requests']} requests {run['requests_by_kind']}, {run['bytes_fetched']} bytes fetched", flush=True)
                for line in run["tables"]:
                    print(f"    {line}")
                if run["exit_code"]:
                    print(run["stderr"])
    finally:
        fake.stop()
    second = runs["second"]
    result = {
        "measured_at": loadgen.now(),
        "machine": loadgen.machine(),
        "upstream": "tests/fake_pxweb.py (TEST tables in real KOSTRA shapes, local HTTP, no rate limit); KLASS skipped (--skip-regions)",
        "first": runs["first"],
        "second": second,
        "second_fetched_no_data": second["requests_by_kind"].get("data", 0) == 0,
    }
    out = loadgen.write_result("refresh", result)
    print(f"no-op refresh: {second['seconds']:.2f} s, {second['requests']} requests, {second['bytes_fetched']} bytes; "
          f"written to {loadgen.shown(out)}")
    return 1 if any(run["exit_code"] for run in runs.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
