"""Load: 50 readers for 60 s across app pages, public chart pages, the API, downloads and
health checks, against gunicorn on 127.0.0.1 (2 workers, as `make serve`) serving a warehouse
freshly built from the bundled data in a temporary folder.

What is asked for, and how often: bench/mix.yaml (URLs that do not answer when the run starts
are printed as "not available" and left out). Each reader loops: request, wait for the answer,
pause (exponential, mean LOAD_THINK s), repeat. The readers are threads in this process, on the
same 2 cores as the server: the output gives both CPU shares.

Expected: zero failed requests. Reported (printed, and written to bench/results/load.json):
requests/s, client-side p50/p95/p99 overall, per group and per route, and server time per route
(from gunicorn's access log).

Settings (environment): LOAD_SECONDS (60), LOAD_USERS (50), LOAD_WORKERS (2), LOAD_THINK (1.0),
LOAD_SEED (1). Run: .venv/bin/python bench/load.py
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadgen  # noqa: E402  (bench/ is not a package)

SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
USERS = int(os.environ.get("LOAD_USERS", "50"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "2"))
THINK = float(os.environ.get("LOAD_THINK", "1.0"))
SEED = int(os.environ.get("LOAD_SEED", "1"))


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="load-") as name:
        tmp = Path(name)
        env = loadgen.bench_env(tmp)
        print("building the warehouse from bundled data ...", flush=True)
        print(" ", loadgen.build_warehouse(env), flush=True)
        server = loadgen.Gunicorn(env, tmp / "gunicorn.log", WORKERS, access_log=tmp / "access.log")
        try:
            targets, mix, missing = loadgen.load_mix(server.url)
            for group, items in targets.items():
                print(f"  {group:9} {len(items):3} urls", flush=True)
            loadgen.print_missing(missing)
            loadgen.warm(server.url, [t for items in targets.values() for t in items], WORKERS)
            before = len(server.access_rows())
            print(f"{USERS} readers for {SECONDS:.0f} s (think {THINK} s) against {WORKERS} gunicorn workers; "
                  "the load generator shares the CPU ...", flush=True)
            _, figures = loadgen.measure(server.url, targets, mix, USERS, SECONDS, THINK, server.workers(), SEED)
            rows = server.access_rows()[before:]
        finally:
            server.stop()

    result = {
        "measured_at": loadgen.now(),
        "machine": loadgen.machine(),
        "server": f"gunicorn app:server, {WORKERS} workers as in gunicorn.conf.py (threaded), 127.0.0.1",
        "not_available": missing,
        **figures,
        "server_time_by_route": loadgen.server_times(rows),
    }
    loadgen.print_run("load", figures)
    out = loadgen.write_result("load", result)
    print(f"written to {loadgen.shown(out)}; {figures['failed']} failed of {figures['requests']} requests")
    return 1 if figures["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
