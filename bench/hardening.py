"""Figures for the defences of issue 14, against gunicorn started with gunicorn.conf.py on
127.0.0.1 serving a warehouse freshly built from the bundled data (data/ is not touched):

1. /healthz latency while SLOW_CLIENTS clients send a header line every 3 s for SLOW_SECONDS
   (default 2 clients, 30 s, as the issue's finding), and the same with more slow clients than
   the server has threads (2 workers x 8), which the reverse proxy in front is there for.
2. Worker RSS before and after a 300 MB POST to /_dash-update-component, and its answer.
3. How long until every worker answers 503 after the served file is changed in place: bytes
   written (mtime changes), bytes written with the mtime put back, truncation; and how long
   the checksum of the file takes.
4. Imports: time, peak RSS and exit code of `python -m etl import` for a 1 MB .xlsx with a
   1 GiB cell, sheets of 3 million and of 300 000 rows, and a YAML alias bomb in the mapping.

Prints each figure and writes bench/results/hardening.json. Settings: SLOW_SECONDS (30),
HARDENING_MANY (20 slow clients in the second run).
Run: .venv/bin/python bench/hardening.py
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import loadgen  # noqa: E402  (bench/ is not a package)

from boligsosial.warehouse import integrity  # noqa: E402
from tests.live_server import SlowClient, post_body, rss_mb, start_gunicorn, worker_pids  # noqa: E402
from tests.test_import_limits import (  # noqa: E402
    BILLION_LAUGHS,
    MAPPING,
    many_rows,
    one_huge_cell,
    write_workbook,
)

ROOT = loadgen.ROOT
SLOW_SECONDS = float(os.environ.get("SLOW_SECONDS", "30"))
MANY = int(os.environ.get("HARDENING_MANY", "20"))


def healthz_under_slow_clients(url: str, clients: int) -> dict:
    slow = [SlowClient(url, every=3.0) for _ in range(clients)]
    for client in slow:
        client.start()
    time.sleep(1)
    latencies, failures = [], 0
    until = time.monotonic() + SLOW_SECONDS
    while time.monotonic() < until:
        started = time.monotonic()
        try:
            ok = requests.get(url + "/healthz", timeout=30).status_code == 200
        except requests.RequestException:
            ok = False
        latencies.append(time.monotonic() - started)
        failures += not ok
        time.sleep(0.25)
    for client in slow:
        client.stop()
    cuts = [cut for client in slow for cut in client.cut_after]
    result = {"slow_clients": clients, "seconds": SLOW_SECONDS, "healthz_requests": len(latencies), "failed": failures,
              "healthz_ms": {"p50": round(statistics.median(latencies) * 1000, 1),
                             "p95": round(sorted(latencies)[int(0.95 * (len(latencies) - 1))] * 1000, 1),
                             "max": round(max(latencies) * 1000, 1)},
              "slow_connections_closed_after_s": round(statistics.median(cuts), 1) if cuts else None}
    print(f"  {clients} slow clients for {SLOW_SECONDS:.0f} s: /healthz p50 {result['healthz_ms']['p50']} ms, "
          f"p95 {result['healthz_ms']['p95']} ms, max {result['healthz_ms']['max']} ms, {failures} failed; "
          f"slow connections closed after {result['slow_connections_closed_after_s']} s", flush=True)
    return result


def big_post(url: str, server) -> dict:
    for _ in range(8):
        requests.get(url + "/", timeout=30).raise_for_status()
    before = {pid: round(rss_mb(pid), 1) for pid in worker_pids(server)}
    started = time.monotonic()
    status, sent = post_body(url, "/_dash-update-component", 300 * 1024 * 1024)
    seconds = time.monotonic() - started
    time.sleep(1)
    after = {pid: round(rss_mb(pid), 1) for pid in worker_pids(server)}
    print(f"  300 MB POST: HTTP {status} after {seconds:.2f} s, {sent / 1e6:.1f} MB accepted by the socket; "
          f"worker RSS {list(before.values())} -> {list(after.values())} MB", flush=True)
    return {"status": status, "seconds": round(seconds, 2), "bytes_sent": sent, "rss_before_mb": list(before.values()),
            "rss_after_mb": list(after.values())}


def _all_unavailable(url: str) -> bool:
    return all(requests.get(url + "/healthz", timeout=10).status_code == 503 for _ in range(10))


def detection(url: str, served: Path, change) -> float:
    change(served)
    started = time.monotonic()
    while not _all_unavailable(url):
        if time.monotonic() - started > 60:
            return float("nan")
        time.sleep(0.05)
    return round(time.monotonic() - started, 2)


def scribble(keep_mtime: bool):
    def change(path: Path) -> None:
        before = os.stat(path)
        with open(path, "r+b") as handle:
            handle.seek(before.st_size // 2)
            handle.write(os.urandom(8192))
        if keep_mtime:
            os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    return change


def truncate(path: Path) -> None:
    os.truncate(path, os.stat(path).st_size // 3)


def integrity_figures(tmp: Path, env: dict) -> dict:
    results = {}
    for name, change in (("bytes written in place", scribble(False)), ("bytes written, mtime put back", scribble(True)),
                         ("truncated in place", truncate)):
        loadgen.build_warehouse(env)
        served = Path(env["BOLIG_WAREHOUSE"])
        server = start_gunicorn(served, tmp, workers=2, env=env)
        try:
            for _ in range(20):
                requests.get(server.url + "/", timeout=30).raise_for_status()
            results[name] = detection(server.url, served, change)
        finally:
            server.stop()
        print(f"  {name}: every worker answers 503 after {results[name]} s", flush=True)
    loadgen.build_warehouse(env)
    served = Path(env["BOLIG_WAREHOUSE"])
    started = time.perf_counter()
    for _ in range(10):
        integrity.sha256(served)
    hash_ms = (time.perf_counter() - started) / 10 * 1000
    print(f"  checksum of the {served.stat().st_size / 1e6:.2f} MB warehouse: {hash_ms:.1f} ms (taken at most every "
          f"{integrity.RECHECK_SECONDS:.0f} s per worker, and when its stat changes)", flush=True)
    return {"detection_seconds": results, "checksum_ms": round(hash_ms, 1), "warehouse_bytes": served.stat().st_size}


def import_figures(tmp: Path, env: dict) -> dict:
    mapping = tmp / "bench.mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    bomb = tmp / "bomb.mapping.yaml"
    bomb.write_text(MAPPING + BILLION_LAUGHS, encoding="utf-8")
    small = tmp / "bench.csv"
    small.write_text("Kommunenummer;Måned;Antall\n0301;2022;1\n", encoding="utf-8")
    cases = {
        "1 MB xlsx with a 1 GiB cell": (write_workbook(tmp / "cell.xlsx", one_huge_cell(1 << 30)), mapping),
        "xlsx with 3 million rows": (write_workbook(tmp / "rows.xlsx", many_rows(3_000_000)), mapping),
        "xlsx with 300 000 rows": (write_workbook(tmp / "rows300k.xlsx", many_rows(300_000)), mapping),
        "YAML alias bomb in the mapping": (small, bomb),
    }
    results = {}
    for name, (path, mapping_path) in cases.items():
        # Peak RSS of the import alone (VmHWM; getrusage would carry this process's size over exec).
        script = ("import sys\nfrom etl.cli import main\ntry:\n    code = main(sys.argv[1:])\nfinally:\n"
                  "    print('peak-rss-kb', [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0],"
                  " file=sys.stderr)\n"
                  "sys.exit(code)\n")
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-c", script, "import", str(path), "--mapping", str(mapping_path)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        seconds = time.monotonic() - started
        peak = next((int(line.split()[1]) / 1024 for line in done.stderr.splitlines() if line.startswith("peak-rss-kb")), None)
        reason = next((line.strip()[2:] for line in done.stderr.splitlines() if line.strip().startswith("- ")), "")
        results[name] = {"file_bytes": path.stat().st_size, "exit": done.returncode, "seconds": round(seconds, 2),
                         "peak_rss_mb": round(peak, 1) if peak else None, "message": reason}
        print(f"  {name} ({path.stat().st_size / 1e6:.1f} MB): exit {done.returncode} in {seconds:.1f} s, "
              f"peak RSS {peak:.0f} MB: {reason}", flush=True)
    return results


def main() -> int:
    result = {"measured_at": loadgen.now(), "machine": loadgen.machine()}
    with tempfile.TemporaryDirectory(prefix="hardening-") as name:
        tmp = Path(name)
        env = loadgen.bench_env(tmp)
        print("building the warehouse from bundled data ...", flush=True)
        print(" ", loadgen.build_warehouse(env), flush=True)
        server = start_gunicorn(Path(env["BOLIG_WAREHOUSE"]), tmp, workers=2, env=env)
        try:
            print("slow clients:", flush=True)
            result["slow_clients"] = [healthz_under_slow_clients(server.url, 2),
                                      healthz_under_slow_clients(server.url, MANY)]
            print("request bodies:", flush=True)
            result["big_post"] = big_post(server.url, server)
        finally:
            server.stop()
        print("a warehouse changed under the server (2 workers):", flush=True)
        result["integrity"] = integrity_figures(tmp, env)
        print("imports:", flush=True)
        result["imports"] = import_figures(tmp, env)
    print("wrote", loadgen.shown(loadgen.write_result("hardening", result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
