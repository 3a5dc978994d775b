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
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadgen  # noqa: E402  (bench/ is not a package)

ROOT = loadgen.ROOT
SECONDS = float(os.environ.get("SOAK_SECONDS", "300"))
USERS = int(os.environ.get("SOAK_USERS", "50"))
WORKERS = int(os.environ.get("SOAK_WORKERS", "2"))
THINK = float(os.environ.get("SOAK_THINK", "1.0"))
SEED = int(os.environ.get("SOAK_SEED", "1"))
# How often each kind of request is made: mostly pages, as readers do.
MIX = {"page": 0.55, "api": 0.2, "download": 0.15, "healthz": 0.1}


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        env = loadgen.bench_env(Path(tmp))
        print("building the warehouse from bundled data ...", flush=True)
        print(" ", loadgen.build_warehouse(env), flush=True)
        gunicorn = loadgen.Gunicorn(env, Path(tmp) / "gunicorn.log", WORKERS)
        try:
            found = loadgen.crawl(gunicorn.url)
            for kind, urls in found.items():
                print(f"  {kind:8} {len(urls):3} urls", flush=True)
            targets = {kind: [loadgen.Target(kind, url) for url in urls] for kind, urls in found.items()}
            # Warm every worker (first imports, first connection) before measuring: concurrent
            # readers, since one reader's requests may all land on the same worker.
            loadgen.warm(gunicorn.url, targets["page"], WORKERS)
            workers = gunicorn.workers()
            rss_start = {pid: loadgen.rss_mb(pid) for pid in workers}
            cpu_start = {pid: loadgen.cpu_seconds(pid) for pid in workers}
            load_start = loadgen.load_average()

            readers = loadgen.Readers(gunicorn.url, targets, MIX, USERS, THINK, SEED)
            print(f"{USERS} readers for {SECONDS:.0f} s against {WORKERS} gunicorn workers ...", flush=True)
            readers.start()
            readers.stop_event.wait(SECONDS / 2)
            inode_before = os.stat(env["BOLIG_WAREHOUSE"]).st_ino
            rebuild_started = time.monotonic() - readers.started
            rebuild = loadgen.build_warehouse(env)  # publishes over the served file while the readers run
            rebuild_seconds = time.monotonic() - readers.started - rebuild_started
            print(f"  rebuilt at {rebuild_started:.0f} s in {rebuild_seconds:.1f} s: {rebuild}", flush=True)
            readers.run_for(SECONDS)
            elapsed = readers.elapsed
            rss_end = {pid: loadgen.rss_mb(pid) for pid in gunicorn.workers()}
            # Busy share of each worker, and of this load generator, over the run: tells a server
            # that is saturated from a load generator that is.
            worker_busy = [round((loadgen.cpu_seconds(pid) - cpu_start[pid]) / elapsed, 2) for pid in workers if pid in rss_end]
            generator_busy = readers.generator_busy()
            load_end = loadgen.load_average()
            replaced = os.stat(env["BOLIG_WAREHOUSE"]).st_ino != inode_before
        finally:
            gunicorn.stop()

    recorder = readers.recorder
    everything = recorder.all()
    ok = len(everything)
    failed = recorder.failed()
    result = {
        "measured_at": loadgen.now(),
        "machine": loadgen.machine(),
        "settings": {"seconds": SECONDS, "users": USERS, "workers": WORKERS, "think_mean_s": THINK, "mix": MIX},
        "urls": {kind: len(urls) for kind, urls in found.items()},
        "requests": ok + failed,
        "failed": failed,
        "errors": {reason: {"count": n, "example": recorder.examples[reason]} for reason, n in recorder.errors.items()},
        "requests_per_s": round((ok + failed) / elapsed, 1),
        "megabytes_served": round(recorder.bytes / 1e6, 1),
        "latency_all": loadgen.percentiles(everything),
        "latency_by_kind": {kind: loadgen.percentiles(values) for kind, values in sorted(recorder.latencies.items())},
        "rebuild": {"at_s": round(rebuild_started, 1), "seconds": round(rebuild_seconds, 1), "file_replaced": replaced,
                    "output": rebuild},
        "data_versions_served": dict(recorder.versions),
        "cpu_busy_share": {"workers": worker_busy, "load_generator": generator_busy},
        "host_load_average": {"start": load_start, "end": load_end, "cores": os.cpu_count()},
        "worker_rss_mb": {"start": list(rss_start.values()), "end": list(rss_end.values()),
                          "same_workers": sorted(rss_start) == sorted(rss_end)},
    }
    print(json.dumps(result, indent=2))
    out = loadgen.write_result("soak", result)
    print(f"written to {loadgen.shown(out)}; {failed} failed of {ok + failed} requests")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
