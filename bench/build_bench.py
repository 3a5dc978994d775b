"""Offline build time and database size.

Builds the warehouse from the bundled data and stored snapshots several times into a temporary
folder (the served database is not touched) and prints the figures; writes them to
bench/results/build.json as well. Run with `make bench`.
"""
from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import loadgen  # noqa: E402  (bench/ is not a package; results go where BENCH_RESULTS says)

RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BOLIG_WAREHOUSE"] = str(Path(tmp) / "warehouse.duckdb")
        os.environ["BOLIG_RUN_LOG"] = str(Path(tmp) / "etl_runs.jsonl")
        from etl import build  # after the environment points at the temp folder

        seconds = []
        for _ in range(RUNS):
            started = time.perf_counter()
            published = build.build("bench")
            seconds.append(time.perf_counter() - started)
        result = {
            "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "runs": RUNS,
            "build_seconds_median": round(statistics.median(seconds), 3),
            "build_seconds_min": round(min(seconds), 3),
            "build_seconds_max": round(max(seconds), 3),
            "database_bytes": published.bytes,
            "rows": published.rows,
        }
    print(f"offline build: median {result['build_seconds_median']:.2f} s "
          f"(min {result['build_seconds_min']:.2f}, max {result['build_seconds_max']:.2f}) over {RUNS} runs")
    print(f"database size: {result['database_bytes'] / 1e6:.2f} MB ({result['database_bytes']} bytes)")
    print(f"observations: {result['rows'].get('observation', 0)}, sources: {result['rows'].get('source', 0)}, "
          f"regions: {result['rows'].get('region', 0)}")
    print(f"written to {loadgen.write_result('build', result)}")


if __name__ == "__main__":
    main()
