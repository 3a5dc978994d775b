"""Every bench, one after the other (`make bench`): each prints its figures and writes
bench/results/<name>.json; at the end, the headline figures of this run in one table and
bench/results/run_all.json (what ran, how long, how it ended).

A bench whose script is not there (yet) or whose tool is missing is reported as "not available",
never skipped silently. The soak (5 minutes) runs only with BENCH_SOAK=1; otherwise it is
listed as skipped (run it with `make soak`).

Usage: .venv/bin/python bench/run_all.py [NAME ...]    (default: all, in the order below)
       .venv/bin/python bench/run_all.py --quick       (short runs, to try the scripts: figures not for the
                                                        README, written to bench/results/quick/ by the
                                                        benches that honour BENCH_RESULTS)
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadgen  # noqa: E402  (bench/ is not a package)

BENCH = loadgen.ROOT / "bench"
# name, script, what it measures. Order: quick offline figures first, then the browser-based
# page benches, then the load benches (which load the CPU) last.
BENCHES = [
    ("build", "build_bench.py", "offline ETL build time and database size"),
    ("refresh", "refresh_bench.py", "a refresh that changes nothing (fake SSB)"),
    ("hardening", "hardening.py", "slow clients, a 300 MB POST, a file changed in place, import bombs"),
    ("scale", "scale_bench.py", "national size and ten times it (TEST DATA): build, /kommuner, /figur, API CSV, worker memory"),
    ("figur_render", "figur_render.py", "public chart page: cold render vs cached"),
    ("map_render", "map_render.py", "choropleth maps drawn on the server: cold vs cached, SVG and PNG size"),
    ("preview_render", "preview_render.py", "social preview pictures (1200 x 630 PNG), sitemap and feed"),
    ("page_weight", "page_weight.py", "bytes transferred on first load per page (Chromium)"),
    ("lighthouse", "lighthouse.py", "Lighthouse mobile and desktop per page"),
    ("load", "load.py", "50 readers for 60 s against gunicorn"),
    ("server_time", "server_time.py", "server time per API route and download; throughput vs a static file"),
    ("nginx", "nginx_bench.py", "the same load through nginx (cache) in front of two instances"),
    ("soak", "soak.py", "50 readers for 5 minutes with a rebuild halfway"),
]
QUICK = {"BENCH_RUNS": "2", "SCALE_SIZES": "national", "LOAD_SECONDS": "10", "LOAD_USERS": "10", "SERVER_TIME_REPEAT": "5",
         "SERVER_TIME_LOAD_SECONDS": "5", "WRK_SECONDS": "2", "WRK_ROUNDS": "1", "NGINX_SECONDS": "10", "SOAK_SECONDS": "20",
         "LH_RUNS": "1", "LH_PRESETS": "mobile",
         "SLOW_SECONDS": "10"}


def run(name: str, script: str, env: dict) -> dict:
    path = BENCH / script
    if name == "soak" and env.get("BENCH_SOAK") != "1":
        print("soak: skipped (5 minutes; run `make soak`, or set BENCH_SOAK=1 to include it here)", flush=True)
        return {"status": "skipped", "reason": "BENCH_SOAK is not 1"}
    if not path.exists():
        print(f"{name}: not available (bench/{script} does not exist)", flush=True)
        return {"status": "not available", "reason": f"bench/{script} does not exist"}
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(path)], cwd=loadgen.ROOT, env=env)
    seconds = round(time.monotonic() - started, 1)
    status = "ok" if done.returncode == 0 else f"failed (exit {done.returncode})"
    print(f"-- {name}: {status} in {seconds} s", flush=True)
    return {"status": status, "seconds": seconds}


def _read(name: str, since: str) -> dict | None:
    path = loadgen.RESULTS / f"{name}.json"
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return result if str(result.get("measured_at", "")) >= since else None  # only this run's figures


def headlines(since: str) -> list[str]:
    """One line per figure the README states, from this run's results."""
    lines = []
    if build := _read("build", since):
        lines.append(f"offline build: median {build['build_seconds_median']} s, database {build['database_bytes'] / 1e6:.1f} MB")
    if refresh := _read("refresh", since):
        second = refresh["second"]
        lines.append(f"no-op refresh: {second['seconds']} s (build {second['build_seconds']} s), {second['requests']} requests, "
                     f"{second['bytes_fetched']} bytes fetched")
    if hard := _read("hardening", since):
        two, post = hard["slow_clients"][0], hard["big_post"]
        lines.append(f"{two['slow_clients']} slow clients: /healthz max {two['healthz_ms']['max']} ms; 300 MB POST: HTTP "
                     f"{post['status']}, worker RSS {post['rss_before_mb']} -> {post['rss_after_mb']} MB; file changed in "
                     f"place: 503 on every worker after {max(hard['integrity']['detection_seconds'].values())} s at most")
    if scale := _read("scale", since):
        figures = scale["figures"]
        for label in ("national", "10x"):
            if label in figures:
                f = figures[label]
                lines.append(f"scale {label} ({f['observations']:,} observations): build {f['build_s']} s, database {f['database_mb']} MB, "
                             f"/kommuner cold p95 {f['kommuner_cold_p95_ms']} ms (fresh {f['kommuner_fresh_p95_ms']}), cached p95 "
                             f"{f['kommuner_cached_p95_ms']} ms, API CSV of every region {f['api_csv_all_ms']} ms, worker {f['worker_rss_mb']} MB")
        for name, check in figures.get("budget", {}).items():
            lines.append(f"scale budget {name}: {check['national']} (<= {check['budget']}: {'met' if check['met'] else 'NOT met'})")
    if load := _read("load", since):
        p = load["latency_all"]
        lines.append(f"load ({load['settings']['users']} readers, {load['settings']['seconds']:.0f} s): {load['requests_per_s']} req/s, "
                     f"p50 {p.get('p50_ms')} / p95 {p.get('p95_ms')} / p99 {p.get('p99_ms')} ms, {load['failed']} failed")
    if timing := _read("server_time", since):
        ratio = timing["throughput_vs_static"]
        lines.append(f"public page / static file throughput: {ratio['public_ratio_min']} (target >= {ratio['target_public_ratio']}: "
                     f"{'met' if ratio['met'] else 'not met or not available'})")
    if nginx := _read("nginx", since):
        if not nginx.get("available"):
            lines.append(f"nginx: not available ({nginx.get('reason')})")
        for label, v in nginx.get("variants", {}).items():
            p = v["latency_all"]
            lines.append(f"nginx, {label}: {v['requests_per_s']} req/s, p95 {p.get('p95_ms')} ms, cache hit ratio "
                         f"{v['cache']['hit_ratio']}, {v['failed']} failed")
    return lines


def main(argv: list[str]) -> int:
    if {"-h", "--help"} & set(argv):
        print(__doc__)
        return 0
    options = {arg for arg in argv if arg.startswith("-")} - {"--quick"}
    if options:  # an unknown option must not start every bench
        print(f"unknown option(s): {', '.join(sorted(options))}; see --help")
        return 2
    quick = "--quick" in argv
    names = [arg for arg in argv if not arg.startswith("--")]
    unknown = set(names) - {name for name, _, _ in BENCHES}
    if unknown:
        print(f"unknown bench(es): {', '.join(sorted(unknown))}; known: {', '.join(n for n, _, _ in BENCHES)}")
        return 2
    env = {**os.environ, **(QUICK if quick else {})}
    if quick:  # trial figures go to a folder of their own, not over a real run's results
        env["BENCH_RESULTS"] = str(loadgen.RESULTS / "quick")
        loadgen.RESULTS = Path(env["BENCH_RESULTS"])
    since = loadgen.now()
    started = time.monotonic()
    print(f"benches on {loadgen.machine()}, host load average {loadgen.load_average()} "
          f"(the benches share the CPU with anything else running){' [QUICK: figures not for the README]' if quick else ''}",
          flush=True)
    outcomes = {}
    for name, script, what in BENCHES:
        if names and name not in names:
            continue
        print(f"\n== {name}: {what} (bench/{script}) ==", flush=True)
        outcomes[name] = run(name, script, env)
    total = round(time.monotonic() - started, 1)

    print("\n== summary ==")
    for name, outcome in outcomes.items():
        took = f" ({outcome['seconds']} s)" if "seconds" in outcome else ""
        print(f"  {name:13} {outcome['status']}{took}")
    for line in headlines(since):
        print(f"  {line}")
    print(f"  total {total} s")
    loadgen.write_result("run_all", {"measured_at": since, "machine": loadgen.machine(), "quick": quick,
                                     "total_seconds": total, "benches": outcomes})
    return 1 if any(o["status"].startswith("failed") for o in outcomes.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
