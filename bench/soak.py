"""Soak test (not part of the test suite): many readers for minutes, a rebuild in the middle.

Starts gunicorn on 127.0.0.1 the way `make serve` does, serving a warehouse freshly built from
the bundled data into a temporary folder (the project's own data/warehouse.duckdb is not
touched). SOAK_USERS readers (threads) each loop: request something, pause as a reader would,
repeat. What they ask for is found by crawling the site once: the pages in the menu, the status
page, /healthz, and every /api/ link the pages offer (catalogue, JSON, CSV/XLSX/Parquet
downloads, the database zip). Halfway through, the ETL rebuilds and publishes the warehouse
over the served file (`python -m etl build`), as a scheduled refresh would.

Expected: zero failed requests. Reported (printed, and written to bench/results/soak.json):
requests/s, p50/p95/p99 per kind, errors with examples, the data versions served, and the RSS
of every gunicorn worker at the start (after warm-up) and at the end.

Settings (environment): SOAK_SECONDS (300), SOAK_USERS (50), SOAK_WORKERS (2), SOAK_THINK
(mean pause between one reader's requests, seconds; 1.0), SOAK_SEED (random seed; 1).
Run: .venv/bin/python bench/soak.py   (SOAK_SECONDS=30 for a quick check)
"""
from __future__ import annotations

import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("SOAK_SECONDS", "300"))
USERS = int(os.environ.get("SOAK_USERS", "50"))
WORKERS = int(os.environ.get("SOAK_WORKERS", "2"))
THINK = float(os.environ.get("SOAK_THINK", "1.0"))
SEED = int(os.environ.get("SOAK_SEED", "1"))
TIMEOUT = 120  # seconds per request; gunicorn's own worker timeout (30 s) comes first
# How often each kind of request is made: mostly pages, as readers do.
MIX = {"page": 0.55, "api": 0.2, "download": 0.15, "healthz": 0.1}
DOWNLOAD = re.compile(r"\.(csv|xlsx|parquet|zip)(\?|$)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _build(env: dict) -> str:
    """Build and publish the warehouse from bundled data (no network); its last output line."""
    done = subprocess.run([sys.executable, "-m", "etl", "build"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600, check=True)
    return (done.stdout.strip().splitlines() or [""])[0]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _load_average() -> float:
    """The host's 1-minute load average: other work on the machine skews every figure here."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def _crawl(base: str) -> dict[str, list[str]]:
    """Same-site links found on the start page's menu pages: pages, API calls and downloads."""
    session = requests.Session()
    pages, api, downloads = ["/", "/status"], set(), set()
    seen = set()
    queue = ["/"]
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        body = session.get(base + path, timeout=TIMEOUT).text
        for href in re.findall(r'href="([^"]+)"', body):
            link = unescape(href)
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue  # another site, or a fragment
            if parts.path.startswith("/api/"):
                (downloads if DOWNLOAD.search(link) else api).add(link)
            elif parts.path.startswith(("/assets/", "/_")):
                continue
            elif path == "/" and parts.path not in pages:
                pages.append(parts.path)  # the menu; their own links are followed once more
                queue.append(parts.path)
    return {"page": pages, "api": sorted(api), "download": sorted(downloads), "healthz": ["/healthz"]}


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter = Counter()
        self.examples: dict[str, str] = {}
        self.versions: Counter = Counter()
        self.bytes = 0

    def add(self, kind: str, url: str, seconds: float, response: requests.Response | None, error: str = "") -> None:
        with self.lock:
            if response is not None and response.status_code < 400:
                self.latencies[kind].append(seconds)
                self.versions[response.headers.get("X-Data-Version", "none")] += 1
                self.bytes += len(response.content)
                return
            reason = error or f"HTTP {response.status_code}"
            self.errors[reason] += 1
            self.examples.setdefault(reason, url)


def _reader(base: str, targets: dict[str, list[str]], recorder: Recorder, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    session = requests.Session()
    kinds = [kind for kind in MIX if targets[kind]]
    weights = [MIX[kind] for kind in kinds]
    while not stop.is_set():
        kind = rng.choices(kinds, weights)[0]
        url = rng.choice(targets[kind])
        started = time.perf_counter()
        try:
            response = session.get(base + url, timeout=TIMEOUT)
            recorder.add(kind, url, time.perf_counter() - started, response)
        except requests.RequestException as exc:
            recorder.add(kind, url, time.perf_counter() - started, None, type(exc).__name__)
        stop.wait(rng.expovariate(1 / THINK) if THINK > 0 else 0)


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {"count": len(values), "p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99),
            "max_ms": round(ordered[-1] * 1000, 1), "mean_ms": round(statistics.fmean(values) * 1000, 1)}


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        env = {**os.environ, "BOLIG_WAREHOUSE": str(Path(tmp) / "warehouse.duckdb"),
               "BOLIG_RUN_LOG": str(Path(tmp) / "etl_runs.jsonl")}
        print("building the warehouse from bundled data ...", flush=True)
        print(" ", _build(env), flush=True)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(Path(tmp) / "gunicorn.log", "w")
        gunicorn = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "app:server", "--workers", str(WORKERS),
             "--bind", f"127.0.0.1:{port}", "--no-control-socket"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    requests.get(base + "/healthz", timeout=5).raise_for_status()
                    break
                except requests.RequestException:
                    if time.monotonic() > deadline or gunicorn.poll() is not None:
                        raise RuntimeError("gunicorn did not come up:\n" + (Path(tmp) / "gunicorn.log").read_text())
                    time.sleep(0.3)
            targets = _crawl(base)
            for kind, urls in targets.items():
                print(f"  {kind:8} {len(urls):3} urls", flush=True)
            # Warm every worker (first imports, first connection) before measuring: concurrent
            # readers, since one reader's requests may all land on the same worker.
            warmers = [threading.Thread(target=lambda: [requests.get(base + url, timeout=TIMEOUT) for url in targets["page"]])
                       for _ in range(2 * WORKERS)]
            for warmer in warmers:
                warmer.start()
            for warmer in warmers:
                warmer.join()
            workers = _workers(gunicorn.pid)
            rss_start = {pid: _rss_mb(pid) for pid in workers}
            cpu_start = {pid: _cpu_seconds(pid) for pid in workers}
            own_cpu_start = time.process_time()
            load_start = _load_average()

            recorder, stop = Recorder(), threading.Event()
            readers = [threading.Thread(target=_reader, args=(base, targets, recorder, stop, SEED * 1000 + i), daemon=True)
                       for i in range(USERS)]
            print(f"{USERS} readers for {SECONDS:.0f} s against {WORKERS} gunicorn workers ...", flush=True)
            started = time.monotonic()
            for reader in readers:
                reader.start()
            stop.wait(SECONDS / 2)
            inode_before = os.stat(env["BOLIG_WAREHOUSE"]).st_ino
            rebuild_started = time.monotonic() - started
            rebuild = _build(env)  # publishes over the served file while the readers run
            rebuild_seconds = time.monotonic() - started - rebuild_started
            print(f"  rebuilt at {rebuild_started:.0f} s in {rebuild_seconds:.1f} s: {rebuild}", flush=True)
            stop.wait(max(0.0, SECONDS - (time.monotonic() - started)))
            stop.set()
            for reader in readers:
                reader.join(TIMEOUT + 5)
            elapsed = time.monotonic() - started
            rss_end = {pid: _rss_mb(pid) for pid in _workers(gunicorn.pid)}
            # Busy share of each worker, and of this load generator, over the run: tells a server
            # that is saturated from a load generator that is.
            worker_busy = [round((_cpu_seconds(pid) - cpu_start[pid]) / elapsed, 2) for pid in workers if pid in rss_end]
            generator_busy = round((time.process_time() - own_cpu_start) / elapsed, 2)
            load_end = _load_average()
            replaced = os.stat(env["BOLIG_WAREHOUSE"]).st_ino != inode_before
        finally:
            gunicorn.terminate()
            gunicorn.wait(30)
            log.close()

    everything = [s for values in recorder.latencies.values() for s in values]
    ok = len(everything)
    failed = sum(recorder.errors.values())
    result = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "settings": {"seconds": SECONDS, "users": USERS, "workers": WORKERS, "think_mean_s": THINK, "mix": MIX},
        "urls": {kind: len(urls) for kind, urls in targets.items()},
        "requests": ok + failed,
        "failed": failed,
        "errors": {reason: {"count": n, "example": recorder.examples[reason]} for reason, n in recorder.errors.items()},
        "requests_per_s": round((ok + failed) / elapsed, 1),
        "megabytes_served": round(recorder.bytes / 1e6, 1),
        "latency_all": _percentiles(everything),
        "latency_by_kind": {kind: _percentiles(values) for kind, values in sorted(recorder.latencies.items())},
        "rebuild": {"at_s": round(rebuild_started, 1), "seconds": round(rebuild_seconds, 1), "file_replaced": replaced,
                    "output": rebuild},
        "data_versions_served": dict(recorder.versions),
        "cpu_busy_share": {"workers": worker_busy, "load_generator": generator_busy},
        "host_load_average": {"start": load_start, "end": load_end, "cores": os.cpu_count()},
        "worker_rss_mb": {"start": list(rss_start.values()), "end": list(rss_end.values()),
                          "same_workers": sorted(rss_start) == sorted(rss_end)},
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results" / "soak.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written to {out.relative_to(ROOT)}; {failed} failed of {ok + failed} requests")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
