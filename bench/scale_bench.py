"""Full national size, measured: the build and the app with every municipality, county and year.

Everything here is TEST DATA in a temporary folder (never data/): a copy of the data folder, a
synthetic SSB table list, lock and stored snapshots shaped like KOSTRA tables, and the warehouse
`python -m etl build` makes from them. Two sizes:

  national  every municipality and county code of our registry in the years it existed (both
            sides of the 2020 and 2024 reforms), the country, every indicator of
            data/indicators.yaml, 2005-2024, and a TEST breakdown (two categories beside the
            total) on every third table: ~0.6 million observations
  10x       the same with ten times as many indicators (the real ones plus TEST copies): ten
            times the observations, each indicator's series the size it has at national size

Per size it measures: the build (`python -m etl build` in its own process: wall time and peak
memory) and the database file; then in-process (Flask's test client, as bench/figur_render.py)
/kommuner with a place, its ranking (similar, in the county, all) and comparisons (the county
map is on the same page), the map view (/kommuner without a place), a public chart page /figur,
and the API's data.csv of every region, each rendered three ways: "fresh" right after a new
connection (every data cache empty, as after a new warehouse is published), "cold" (a view not
asked for before: page caches emptied, the worker's data caches as other views left them) and
"cached" (the same view again); last, two gunicorn workers (the way `make serve` runs them):
memory after every route has been asked for twice.

Budget at national size: build <= 60 s; /kommuner cold p95 <= 150 ms, cached p95 <= 10 ms; API
CSV of every region <= 500 ms. Prints the figures and writes bench/results/scale.json.

Usage: .venv/bin/python bench/scale_bench.py [--sizes=national,10x]   (BENCH_RUNS: renders per URL;
       SCALE_SIZES=national does only the first, as `make bench-quick`)
"""
from __future__ import annotations

import gc
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadgen  # noqa: E402  (bench/ is not a package)

ROOT = loadgen.ROOT
sys.path.insert(0, str(ROOT))

RUNS = int(os.environ.get("BENCH_RUNS", "30"))
FRESH_RUNS = max(3, RUNS // 5)  # renders right after a new connection (every data cache empty)
YEARS = [str(y) for y in range(2005, 2025)]
SIZES = {"national": 1, "10x": 10}
PER_TABLE = 6  # ContentsCodes per synthetic table (KOSTRA tables have a handful)
REGION_DIM = "KOKkommuneregion0000"
BREAKDOWN_DIM = "TESTgruppe"
BUDGET = {"build_s": 60.0, "kommuner_cold_p95_ms": 150.0, "kommuner_cached_p95_ms": 10.0, "api_csv_all_ms": 500.0}

KOMMUNER = [  # a place with its ranking and comparisons; the map is on the same page
    "/kommuner?region=3101",  # Halden, default figure (municipal dwellings per 1 000), similar municipalities
    "/kommuner?region=3101&scope=all&compare=0301,4601,5001,1103",
    "/kommuner?region=3101&scope=county&indicator=temporary_accommodation_households&measure=count",
    "/kommuner?region=0301&scope=all&indicator=start_loans&period=2019",
    "/kommuner?region=46&scope=all",
    "/kommuner?region=3101&lang=en",
]
MAP = ["/kommuner", "/kommuner?indicator=temporary_accommodation_households&measure=count"]
FIGUR = ["/figur/municipal_dwellings_per_1000?region=3101,0301,4601", "/figur/temporary_accommodation_households?region=0,31,3101"]
API = ["/api/v1/indicators/municipal_dwellings_per_1000/data.csv?region=all",
       "/api/v1/indicators/temporary_accommodation_households/data.csv?region=all&lang=en"]


# ------------------------------------------------------------------------------ synthetic input


def _copy_data(target: Path) -> None:
    """The data folder without the served warehouse and run log (the app reads its texts and
    page settings from there too)."""
    shutil.copytree(ROOT / "data", target, ignore=shutil.ignore_patterns("warehouse.duckdb*", "etl_runs.jsonl", "snapshots"))


def _indicators(data_dir: Path, factor: int) -> list[dict]:
    """The catalogue the build reads: the real one, plus TEST copies for sizes above national."""
    path = data_dir / "indicators.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    real = document["indicators"]
    extra = []
    for n in range(len(real) * (factor - 1)):
        template = real[n % len(real)]
        extra.append({
            "id": f"test_scale_{n:04d}", "topic": template["topic"],
            "title": {"nb": f"TEST DATA skala {n}", "nn": f"TEST DATA skala {n}", "en": f"TEST DATA scale {n}"}, "unit": template["unit"],
            "decimals": template.get("decimals", 0), "better": "none",
            "definition": {"nb": "TEST DATA for ytelsesmåling.", "nn": "TEST DATA for ytelsesmåling.", "en": "TEST DATA for benchmarking."},
            "comparability": {"nb": "TEST DATA.", "nn": "TEST DATA.", "en": "TEST DATA."},
            "min_value": template.get("min_value", 0), "max_value": template.get("max_value", 10_000_000),
            "levels": ["country", "county", "municipality"],
        })
    if extra:
        document["indicators"] = real + extra
        path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return real + extra


def _region_codes() -> tuple[list[tuple[str, str]], dict[str, list[tuple[str, str]]]]:
    """KOSTRA-style region codes (EAK, EKAnn, every municipality code of 2005-2024, EAKUO and the
    KOSTRA groups) and each code's validity."""
    from etl import regions

    table, _ = regions.read_bundle()
    spans: dict[str, list[tuple[str, str]]] = {}
    for row in table.itertuples(index=False):
        spans.setdefault(row.code, []).append((row.valid_from, row.valid_to if isinstance(row.valid_to, str) else "9999-12-31"))
    codes = [("EAK", "0")]
    codes += [(f"EKA{c}", c) for c in sorted(set(table[table.level == "county"].code))]
    codes += [(c, c) for c in sorted(set(table[table.level == "municipality"].code))]
    codes += [("EAKUO", ""), *[(f"EKG{n:02d}", "") for n in range(1, 17)]]
    return codes, spans


def _valid(spans, code: str, year: str) -> bool:
    if code in ("", "0"):
        return True
    first, last = f"{year}-01-01", f"{int(year) + 1}-01-01"
    return any(start < last and first < end for start, end in spans.get(code, ()))


def _upper(indicator: dict) -> float:
    unit = indicator["unit"]
    top = {"percent": 100.0, "per_1000": 80.0, "years": 90.0}.get(unit, 5_000.0)
    return min(top, float(indicator.get("max_value") or top))


def write_inputs(tmp: Path, factor: int, seed: int = 2026, years: list[str] = YEARS, municipalities: int | None = None) -> dict:
    """The synthetic table list, lock and snapshots for one size; returns what was written.
    `years` and `municipalities` (how many municipality codes, in code order) make a small one
    for the test of this bench."""
    from etl import snapshot, ssb, ssb_lock

    data_dir, snapshots = tmp / "data", tmp / "snapshots"
    _copy_data(data_dir)
    indicators = _indicators(data_dir, factor)
    codes, spans = _region_codes()
    if municipalities is not None:
        kept = {c for c, ours in codes if len(ours) == 4}
        kept = set(sorted(kept)[:municipalities])
        codes = [(c, ours) for c, ours in codes if len(ours) != 4 or c in kept]
    rng = random.Random(seed)
    tables, lock, cells = [], {}, 0
    groups = [indicators[i:i + PER_TABLE] for i in range(0, len(indicators), PER_TABLE)]
    for number, group in enumerate(groups, start=1):
        key, table_id = f"scale_{number:03d}", f"T{number:04d}"
        broken_down = number % 3 == 0
        categories = ["0", "1", "2"] if broken_down else []
        contents = [f"TESTC{i['id']}" for i in group]
        entry = {
            "key": key, "title": f"TEST DATA {table_id}", "find": {"id": table_id},
            "region": {"dimension": REGION_DIM, "values": ["*"], "map": {"EAK": "0"}, "strip": ["EKA"], "weighted": True},
            "time": {"dimension": "Tid", "values": ["*"]},
            "series": [{"indicator": i["id"], "label": [f"TEST DATA {i['id']}"], "unit": ["TEST"]} for i in group],
        }
        if broken_down:
            entry["dimensions"] = {BREAKDOWN_DIM: {"name": "test_group", "values": ["*"], "total": "0",
                                                   "label_nb": "TEST gruppe", "label_en": "TEST group"}}
        tables.append(entry)
        dims = [(REGION_DIM, [c for c, _ in codes], {c: f"TEST {c}" for c, _ in codes})]
        if broken_down:
            dims.append((BREAKDOWN_DIM, categories, {"0": "TEST i alt", "1": "TEST del 1", "2": "TEST del 2"}))
        dims += [("ContentsCode", contents, {c: f"TEST DATA {i['id']}" for c, i in zip(contents, group)}),
                 ("Tid", years, {y: y for y in years})]
        values, status = [], {}
        uppers = [_upper(i) for i in group]
        for region, ours in codes:
            for _ in categories or [None]:
                for upper in uppers:
                    for year in years:
                        if not _valid(spans, ours, year):
                            values.append(None)  # empty outside the code's era, as KOSTRA sends it
                            if ours and len(ours) == 4:
                                status[str(len(values) - 1)] = "."
                            continue
                        if rng.random() < 0.01:
                            values.append(None)
                            status[str(len(values) - 1)] = ":"
                        else:
                            values.append(round(rng.random() * upper, 1))
        cells += len(values)
        data = {"version": "2.0", "class": "dataset", "label": f"{table_id}: TEST DATA (skalatest)", "source": "TEST DATA",
                "updated": "2025-06-15T06:00:00Z", "id": [d for d, _, _ in dims], "size": [len(c) for _, c, _ in dims],
                "dimension": {d: {"label": d, "category": {"index": {c: n for n, c in enumerate(cs)}, "label": labels}}
                              for d, cs, labels in dims},
                "role": {"geo": [REGION_DIM], "metric": ["ContentsCode"], "time": ["Tid"]}, "value": values, "status": status,
                "extension": {"px": {"tableid": table_id}}}
        data["dimension"]["ContentsCode"]["category"]["unit"] = {c: {"base": "TEST", "decimals": 1} for c in contents}
        meta_en = {**data, "value": [], "status": {}, "dimension": {
            d: {"label": d, "category": {"index": {c: n for n, c in enumerate(cs)}, "label": {c: f"{v} (en)" for c, v in labels.items()}}}
            for d, cs, labels in dims}}
        lock[key] = {"table": table_id, "title": data["label"], "updated": data["updated"], "found_by": "TEST DATA",
                     "confirmed": "2026-12-03", "reviewed": True, "dimensions": data["id"], "codes": {REGION_DIM: {"EAK": "TEST EAK"}},
                     "series": {i["id"]: {"code": c, "label": f"TEST DATA {i['id']}", "unit": "TEST"} for c, i in zip(contents, group)}}
        base = {"entry": key, "table_id": table_id, "updated": data["updated"]}
        files = [f"{key}.data.json", f"{key}.metadata.en.json"]
        snapshot.store("ssb", files[0], json.dumps(data).encode(), url="TEST DATA", extra={**base, "kind": "data", "part": 1, "parts": 1},
                       root=snapshots)
        snapshot.store("ssb", files[1], json.dumps(meta_en).encode(), url="TEST DATA", extra={**base, "kind": "metadata", "lang": "en"},
                       root=snapshots)
        tables_entry = tables[-1]
        info = json.dumps({"id": table_id, "label": data["label"], "updated": data["updated"]}).encode()
        spec_query = {"table": table_id, "selection": _selection(tables_entry), "codelists": {}}
        snapshot.store("ssb", f"{key}.table.json", info, url="TEST DATA",
                       extra={**base, "kind": "table", "files": files, "last_period": years[-1], "query": spec_query}, root=snapshots)
    (data_dir / "ssb_tables.yaml").write_text(yaml.safe_dump({"tables": tables}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    ssb_lock.write(lock, tmp / "ssb_lock.yaml")
    # The selection written above must be the one the build computes from the table list.
    os.environ["BOLIG_DATA_DIR"] = str(data_dir)
    try:
        entries = {e.key: e for e in ssb.load_table_list()}
        for key, locked in lock.items():
            spec = entries[key].spec(locked["table"], {k: v["code"] for k, v in locked["series"].items()})
            assert ssb._query(spec)["selection"] == _selection(next(t for t in tables if t["key"] == key)), key
    finally:
        os.environ.pop("BOLIG_DATA_DIR", None)
    return {"indicators": len(indicators), "tables": len(tables), "cells": cells, "region_codes": len(codes)}


def _selection(entry: dict) -> dict:
    selection = {REGION_DIM: ["*"]}
    if entry.get("dimensions"):
        selection[BREAKDOWN_DIM] = ["*"]
    selection["ContentsCode"] = [f"TESTC{s['indicator']}" for s in entry["series"]]
    selection["Tid"] = ["*"]
    return selection


def environment(tmp: Path) -> dict:
    return {**os.environ, "BOLIG_DATA_DIR": str(tmp / "data"), "BOLIG_WAREHOUSE": str(tmp / "warehouse.duckdb"),
            "BOLIG_SNAPSHOTS": str(tmp / "snapshots"), "BOLIG_RUN_LOG": str(tmp / "etl_runs.jsonl"),
            "BOLIG_SSB_LOCK": str(tmp / "ssb_lock.yaml"), "BOLIG_SSB_BASE": "http://127.0.0.1:9/no-network",
            "BOLIG_KLASS_BASE": "http://127.0.0.1:9/no-network"}


# ------------------------------------------------------------------------------ measuring


def build(env: dict) -> dict:
    """`python -m etl build` in its own process: wall time, the child's peak memory, rows."""
    started = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    done = subprocess.run([sys.executable, "-m", "etl", "build"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=7200)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"the build failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    rows = {}
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].isdigit() and parts[2] == "rows":
            rows[parts[0]] = int(parts[1])
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"seconds": round(seconds, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime - cpu_before, 2),
            "peak_rss_mb": round(max(usage.ru_maxrss, before) / 1024, 1), "rows": rows}


def render() -> dict:
    """Runs in a child process whose environment points at the temporary warehouse."""
    import app
    from boligsosial.warehouse import db
    from boligsosial.web import page_cache, public

    gc.collect()  # as gunicorn.conf.py's post_worker_init does once the app is imported
    gc.freeze()

    client = app.server.test_client()
    started = time.perf_counter()
    first = client.get(KOMMUNER[0])
    result = {"first_request_ms": round((time.perf_counter() - started) * 1000, 1)}  # connection, gazetteer, imports
    assert first.status_code == 200, first.status_code
    pages = {}
    for group, urls, clear in (("kommuner", KOMMUNER, page_cache.cache.clear), ("map", MAP, page_cache.cache.clear),
                               ("figur", FIGUR, public.cache.clear), ("api_csv", API, lambda: None)):
        for url in urls:
            reply = client.get(url)
            assert reply.status_code == 200, (url, reply.status_code, reply.get_data()[:300])
            times: dict[str, list[float]] = {"fresh": [], "cold": [], "cached": []}
            cpu: dict[str, list[float]] = {"fresh": [], "cold": [], "cached": []}

            def timed(kind: str) -> None:
                wall, used = time.perf_counter(), time.process_time()
                client.get(url)
                times[kind].append(time.perf_counter() - wall)
                cpu[kind].append(time.process_time() - used)

            for run in range(RUNS):
                if run < FRESH_RUNS:
                    # As after a new warehouse is published: new connection, no data read yet.
                    db.close()
                    clear()
                    timed("fresh")
                clear()  # a view nobody has asked for yet, in a worker that has served others
                timed("cold")
                timed("cached")
            pages[url] = {"group": group, "bytes": len(reply.get_data()),
                          "fresh": loadgen.render_times(times["fresh"]), "cold": loadgen.render_times(times["cold"]),
                          "cached": loadgen.render_times(times["cached"]) if group != "api_csv" else None,
                          # CPU time of the request (DuckDB runs in the same thread): what it costs
                          # whatever else the machine is doing
                          "cpu": {kind: loadgen.render_times(values) for kind, values in cpu.items()}}
            if group == "api_csv":
                pages[url]["rows"] = sum(1 for line in reply.get_data().decode("utf-8").splitlines() if line and not line.startswith("#")) - 1
    result["pages"] = pages
    result["process_rss_mb"] = loadgen.rss_mb(os.getpid())
    result["observations"] = db.rows("SELECT count(*) AS n FROM observation")[0]["n"]
    return result


def in_child(env: dict) -> dict:
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--render"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=7200)
    if done.returncode:
        raise SystemExit(f"rendering failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def workers(env: dict, tmp: Path) -> dict:
    """Two gunicorn workers, every route asked for twice: their memory (RSS)."""
    server = loadgen.Gunicorn(env, tmp / "gunicorn.log", workers=2)
    try:
        session = requests.Session()
        idle = [loadgen.rss_mb(pid) for pid in server.workers()]
        for _ in range(2):
            for url in KOMMUNER + MAP + FIGUR + API:
                for _worker in range(2):  # both workers (the kernel spreads the connections)
                    requests.get(server.url + url, timeout=120).raise_for_status()
                    session.close()
        busy = [loadgen.rss_mb(pid) for pid in server.workers()]
    finally:
        server.stop()
    return {"idle_rss_mb": idle, "after_routes_rss_mb": busy}


def measure(label: str, factor: int) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"scale-{label}-") as name:
        tmp = Path(name)
        started = time.perf_counter()
        written = write_inputs(tmp, factor)
        print(f"[{label}] synthetic input: {written['indicators']} indicators in {written['tables']} tables, "
              f"{written['cells']:,} cells ({time.perf_counter() - started:.0f} s to write)", flush=True)
        env = environment(tmp)
        built = build(env)
        size = (tmp / "warehouse.duckdb").stat().st_size
        print(f"[{label}] build {built['seconds']} s ({built['cpu_seconds']} s CPU), peak {built['peak_rss_mb']} MB, database {size / 1e6:.1f} MB, "
              f"{built['rows'].get('observation', 0):,} observations", flush=True)
        rendered = in_child(env)
        for url, page in rendered["pages"].items():
            cached = f", cached p50/p95 {page['cached']['p50_ms']}/{page['cached']['p95_ms']} ms" if page["cached"] else ""
            print(f"[{label}] {url}: fresh p95 {page['fresh']['p95_ms']} ms, cold p50/p95 {page['cold']['p50_ms']}/"
                  f"{page['cold']['p95_ms']} ms{cached}; CPU cold p95 {page['cpu']['cold']['p95_ms']} ms", flush=True)
        memory = workers(env, tmp)
        print(f"[{label}] workers RSS idle {memory['idle_rss_mb']} MB, after every route twice {memory['after_routes_rss_mb']} MB",
              flush=True)
    return {"factor": factor, "input": written, "build": built, "database_bytes": size, "render": rendered, "workers": memory}


def summary(results: dict) -> dict:
    """The figures the budget is about, per size, and how each grew from national to 10x."""
    figures = {}
    for label, result in results.items():
        pages = result["render"]["pages"].values()
        kommuner = [p for p in pages if p["group"] == "kommuner"]
        figures[label] = {
            "observations": result["build"]["rows"].get("observation", 0),
            "build_s": result["build"]["seconds"],
            "build_cpu_s": result["build"]["cpu_seconds"],
            "build_peak_rss_mb": result["build"]["peak_rss_mb"],
            "database_mb": round(result["database_bytes"] / 1e6, 1),
            "kommuner_fresh_p95_ms": max(p["fresh"]["p95_ms"] for p in kommuner),
            "kommuner_cold_p95_ms": max(p["cold"]["p95_ms"] for p in kommuner),
            "kommuner_cached_p95_ms": max(p["cached"]["p95_ms"] for p in kommuner),
            "kommuner_cold_cpu_p95_ms": max(p["cpu"]["cold"]["p95_ms"] for p in kommuner),
            "kommuner_fresh_cpu_p95_ms": max(p["cpu"]["fresh"]["p95_ms"] for p in kommuner),
            "kommuner_cached_cpu_p95_ms": max(p["cpu"]["cached"]["p95_ms"] for p in kommuner),
            "map_cold_p95_ms": max(p["cold"]["p95_ms"] for p in pages if p["group"] == "map"),
            "figur_cold_p95_ms": max(p["cold"]["p95_ms"] for p in pages if p["group"] == "figur"),
            "figur_cached_p95_ms": max(p["cached"]["p95_ms"] for p in pages if p["group"] == "figur"),
            "api_csv_all_ms": max(p["cold"]["p95_ms"] for p in pages if p["group"] == "api_csv"),
            "api_csv_all_cpu_ms": max(p["cpu"]["cold"]["p95_ms"] for p in pages if p["group"] == "api_csv"),
            "api_csv_rows": max(p.get("rows", 0) for p in pages if p["group"] == "api_csv"),
            "first_request_ms": result["render"]["first_request_ms"],
            "worker_rss_mb": max(result["workers"]["after_routes_rss_mb"]),
        }
    if "national" in figures:
        figures["budget"] = {name: {"budget": limit, "national": figures["national"][name],
                                    "met": figures["national"][name] <= limit} for name, limit in BUDGET.items()}
    if "national" in figures and "10x" in figures:
        figures["growth_10x"] = {name: round(figures["10x"][name] / figures["national"][name], 2)
                                 for name in figures["national"] if figures["national"][name]}
    return figures


def main(argv: list[str]) -> int:
    if "--render" in argv:
        print(json.dumps(render()))
        return 0
    wanted = {name: SIZES[name] for name in os.environ.get("SCALE_SIZES", ",".join(SIZES)).split(",")}
    for arg in argv:
        if arg.startswith("--sizes="):
            wanted = {name: SIZES[name] for name in arg.split("=", 1)[1].split(",")}
    print(f"scale bench on {loadgen.machine()}, load average {loadgen.load_average()}; {RUNS} renders per URL; TEST DATA",
          flush=True)
    results = {label: measure(label, factor) for label, factor in wanted.items()}
    figures = summary(results)
    print("\n== scale ==")
    for label in wanted:
        print(f"  {label}: " + ", ".join(f"{k} {v}" for k, v in figures[label].items()))
    for name, check in figures.get("budget", {}).items():
        print(f"  budget {name}: {check['national']} (<= {check['budget']}: {'met' if check['met'] else 'NOT met'})")
    if "growth_10x" in figures:
        print("  10x / national: " + ", ".join(f"{k} x{v}" for k, v in figures["growth_10x"].items()))
    out = loadgen.write_result("scale", {"measured_at": loadgen.now(), "machine": loadgen.machine(), "runs": RUNS,
                                         "method": __doc__.split("\n\n")[2].replace("\n", " "), "figures": figures,
                                         "details": results})
    print(f"written to {loadgen.shown(out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
