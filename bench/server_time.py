"""Server time of every API route and download, at one user and under load; and how a public
page's throughput compares with a static file of the same bytes on the same server.

1. One user: every API route (each route of data/openapi.yaml and the API's index, with the
   sample URLs of bench/mix.yaml) and every download of the mix, asked SERVER_TIME_REPEAT times
   each, one request at a time. Server time is gunicorn's own (access log %(D)s); the client's
   time is given beside it.
2. Under load: the load bench's mix (bench/mix.yaml, LOAD_USERS readers) for SERVER_TIME_LOAD_SECONDS;
   server time per route from the access log, client time per route from the readers.
3. Throughput ratio: wrk (`apt-get install wrk`) against a page and against /static/<file>, the
   same bytes saved as a file and served by the same gunicorn and Flask app (bench/static_app.py),
   both without and with compression, in turns (WRK_ROUNDS rounds of WRK_SECONDS each; the
   median ratio is reported). Target: public page / static file >= 0.5. App pages and an
   API CSV are measured too, for reference.

Written to bench/results/server_time.json. Run: .venv/bin/python bench/server_time.py
"""
from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import requests
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadgen  # noqa: E402  (bench/ is not a package)

REPEAT = int(os.environ.get("SERVER_TIME_REPEAT", "30"))
LOAD_SECONDS = float(os.environ.get("SERVER_TIME_LOAD_SECONDS", "30"))
USERS = int(os.environ.get("LOAD_USERS", "50"))
THINK = float(os.environ.get("LOAD_THINK", "1.0"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "2"))
WRK_SECONDS = int(os.environ.get("WRK_SECONDS", "3"))
# Page and static file are measured in turns, this many rounds each, and the median ratio is
# reported: other work on the machine then weighs on both sides alike.
WRK_ROUNDS = int(os.environ.get("WRK_ROUNDS", "3"))
WRK_CONNECTIONS = 4  # two per worker: the workers never wait for a request, the client stays light
RATIO_TARGET = 0.5
OPENAPI = loadgen.ROOT / "data" / "openapi.yaml"
# Pages whose throughput is compared with a static file: public pages (the target), then references.
RATIO_PAGES = {"/figur/homeless": "public", "/embed/homeless": "public", "/": "app page",
               "/api/v1/indicators/homeless/data.csv?region=all": "API"}
ENCODINGS = {"identity": None, "compressed": "gzip, deflate, br, zstd"}  # the second as a browser sends it


def api_routes() -> list[str]:
    """The API's documented routes as URL patterns under /api/v1 (plus its index)."""
    spec = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    return ["/api/v1/"] + ["/api/v1" + path for path in spec.get("paths", {})]


def uncovered(patterns: list[str], paths: list[str]) -> list[str]:
    """The route patterns ("/a/{id}/data.{format}") that none of `paths` (with or without a
    query) matches."""
    def regex(pattern: str) -> re.Pattern:
        parts = re.split(r"(\{[^}]+\})", pattern)
        return re.compile("".join("[^/?]+" if part.startswith("{") else re.escape(part) for part in parts) + r"(\?.*)?$")

    return [pattern for pattern in patterns if not any(regex(pattern).match(path) for path in paths)]


def parse_wrk(text: str) -> dict:
    """Requests/s, latency percentiles and failures from `wrk --latency` output."""
    def number(pattern: str) -> float | None:
        found = re.search(pattern, text)
        return float(found.group(1)) if found else None

    def millis(label: str) -> float | None:
        found = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        if not found:
            return None
        return round(float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)], 2)

    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return {
        "requests_per_s": number(r"Requests/sec:\s+([\d.]+)"),
        "requests": int(number(r"(\d+) requests in") or 0),
        "p50_ms": millis("50"), "p99_ms": millis("99"),
        "non_2xx_3xx": int(number(r"Non-2xx or 3xx responses:\s+(\d+)") or 0),
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


def compare(rounds: list[tuple[dict, dict]]) -> dict:
    """Median requests/s of page and static file over the rounds, and the median of the
    rounds' ratios (None when a round has no figure or had failures)."""
    def good(run: dict) -> bool:
        return bool(run["requests_per_s"]) and not run["non_2xx_3xx"] and not run["socket_errors"]

    ratios = [page["requests_per_s"] / static["requests_per_s"] for page, static in rounds if good(page) and good(static)]
    rates = {side: [run[index]["requests_per_s"] or 0.0 for run in rounds] for index, side in enumerate(("page", "static_file"))}
    return {
        "page_requests_per_s": statistics.median(rates["page"]) if rounds else None,
        "static_requests_per_s": statistics.median(rates["static_file"]) if rounds else None,
        "ratio": round(statistics.median(ratios), 3) if ratios and len(ratios) == len(rounds) else None,
        "rounds": [{"page": page, "static_file": static} for page, static in rounds],
    }


def wrk(url: str, encoding: str | None) -> dict:
    command = ["wrk", "-t1", f"-c{WRK_CONNECTIONS}", f"-d{WRK_SECONDS}s", "--latency", url]
    if encoding:
        command[1:1] = ["-H", f"Accept-Encoding: {encoding}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=WRK_SECONDS + 60)
    return parse_wrk(done.stdout)


def one_user(server: loadgen.Gunicorn, targets: list[loadgen.Target]) -> dict:
    """Each target REPEAT times, one request at a time: server and client time per target."""
    session = requests.Session()
    result = {}
    for target in targets:
        before = len(server.access_rows())
        client, failed = [], Counter()
        for _ in range(REPEAT):
            started = time.perf_counter()
            try:
                response = session.request(target.method, server.url + target.path, timeout=loadgen.TIMEOUT)
            except requests.RequestException as exc:
                failed[type(exc).__name__] += 1
                continue
            if response.status_code >= 400:
                failed[f"HTTP {response.status_code}"] += 1
                continue
            client.append(time.perf_counter() - started)
        time.sleep(0.2)  # gunicorn logs a request just after answering it
        rows = server.access_rows()[before:]
        result[f"{target.method} {target.path}"] = {
            "route": target.name,
            "server": loadgen.percentiles([seconds for *_, status, seconds in rows if status < 400]),
            "client": loadgen.percentiles(client),
            "failed": dict(failed),
        }
    return result


def ratios(server: loadgen.Gunicorn, static_dir: Path) -> tuple[dict, dict]:
    if shutil.which("wrk") is None:
        return {}, {"wrk": "not installed (apt-get install -y wrk)"}
    measured, missing = {}, {}
    for index, (path, kind) in enumerate(RATIO_PAGES.items()):
        response = requests.get(server.url + path, timeout=loadgen.TIMEOUT)
        if response.status_code >= 400:
            missing[path] = f"HTTP {response.status_code}"
            continue
        name = f"copy-{index}.html"
        (static_dir / name).write_bytes(response.content)  # the same bytes, before compression
        entry = {"kind": kind, "bytes": len(response.content)}
        for label, encoding in ENCODINGS.items():
            rounds = [(wrk(server.url + path, encoding), wrk(f"{server.url}/static/{name}", encoding))
                      for _ in range(WRK_ROUNDS)]
            entry[label] = compare(rounds)
        measured[path] = entry
    return measured, missing


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="server-time-") as name:
        tmp = Path(name)
        static_dir = tmp / "static"
        static_dir.mkdir()
        env = {**loadgen.bench_env(tmp), "BENCH_STATIC_DIR": str(static_dir)}
        print("building the warehouse from bundled data ...", flush=True)
        print(" ", loadgen.build_warehouse(env), flush=True)
        server = loadgen.Gunicorn(env, tmp / "gunicorn.log", WORKERS, app="bench.static_app:server",
                                  access_log=tmp / "access.log")
        try:
            targets, mix, missing = loadgen.load_mix(server.url)
            loadgen.print_missing(missing)
            timed = targets.get("api", []) + targets.get("download", [])
            not_covered = uncovered(api_routes(), [t.path for t in timed])
            loadgen.warm(server.url, timed, WORKERS)

            print(f"one user: {len(timed)} API and download URLs, {REPEAT} requests each ...", flush=True)
            single = one_user(server, timed)

            print(f"under load: {USERS} readers (think {THINK} s) for {LOAD_SECONDS:.0f} s ...", flush=True)
            before = len(server.access_rows())
            readers, figures = loadgen.measure(server.url, targets, mix, USERS, LOAD_SECONDS, THINK, server.workers())
            loaded_rows = server.access_rows()[before:]

            print(f"throughput of pages against a static file of the same bytes (wrk, {WRK_SECONDS} s each) ...",
                  flush=True)
            compared, ratio_missing = ratios(server, static_dir)
        finally:
            server.stop()

    public_ratios = [entry[label]["ratio"] for entry in compared.values() if entry["kind"] == "public"
                     for label in ENCODINGS if entry[label]["ratio"] is not None]
    result = {
        "measured_at": loadgen.now(),
        "machine": loadgen.machine(),
        "server": f"gunicorn app:server (+ /static for the comparison), {WORKERS} workers as in gunicorn.conf.py (threaded), 127.0.0.1",
        "not_available": {**missing, **ratio_missing},
        "api_routes_without_a_sample": not_covered,
        "one_user": {"repeat": REPEAT, "by_url": single},
        "under_load": {
            "settings": figures["settings"],
            "requests": figures["requests"], "failed": figures["failed"], "requests_per_s": figures["requests_per_s"],
            "server_time_by_route": loadgen.server_times(loaded_rows),
            "client_time_by_route": figures["latency_by_route"],
            "cpu_busy_share": figures["cpu_busy_share"],
            "host_load_average": figures["host_load_average"],
        },
        "throughput_vs_static": {"wrk": f"-t1 -c{WRK_CONNECTIONS} -d{WRK_SECONDS}s, {WRK_ROUNDS} rounds in turns",
                                 "pages": compared,
                                 "target_public_ratio": RATIO_TARGET,
                                 "public_ratio_min": min(public_ratios) if public_ratios else None,
                                 "met": bool(public_ratios) and min(public_ratios) >= RATIO_TARGET,
                                 "note": "wrk runs on the same 2 cores as the server"},
    }
    _print(result)
    out = loadgen.write_result("server_time", result)
    print(f"written to {loadgen.shown(out)}")
    single_failed = sum(sum(entry["failed"].values()) for entry in single.values())
    return 1 if figures["failed"] or single_failed else 0


def _print(result: dict) -> None:
    print("server time at one user (ms, from gunicorn's log; client time in brackets):")
    for key, entry in result["one_user"]["by_url"].items():
        server, client = entry["server"], entry["client"]
        print(f"  {key[:78]:78} p50 {server.get('p50_ms', float('nan')):7.1f}  p95 {server.get('p95_ms', float('nan')):7.1f}"
              f"  (client p95 {client.get('p95_ms', float('nan')):.1f})"
              + (f"  FAILED {entry['failed']}" if entry["failed"] else ""))
    for route in result["api_routes_without_a_sample"]:
        print(f"  not measured: {route} (no sample URL in bench/mix.yaml answers)")
    loaded = result["under_load"]
    print(f"server time under load ({loaded['settings']['users']} readers, {loaded['requests_per_s']} req/s, "
          f"{loaded['failed']} failed):")
    for route, p in loaded["server_time_by_route"].items():
        print(f"  {route[:78]:78} p50 {p['p50_ms']:7.1f}  p95 {p['p95_ms']:7.1f}  n={p['count']}")
    compared = result["throughput_vs_static"]
    for path, entry in compared["pages"].items():
        for label in ENCODINGS:
            run = entry[label]
            print(f"  {entry['kind']:8} {path[:50]:50} {entry['bytes']:>8} B {label:10} page {run['page_requests_per_s']} "
                  f"req/s, static file {run['static_requests_per_s']} req/s, ratio {run['ratio']} (median of {WRK_ROUNDS})")
    print(f"public page / static file: min ratio {compared['public_ratio_min']}; target >= {RATIO_TARGET}: "
          f"{'met' if compared['met'] else 'NOT met or not available'}")
    for what, why in result["not_available"].items():
        print(f"  not available: {what} ({why})")


if __name__ == "__main__":
    sys.exit(main())
