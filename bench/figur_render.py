"""Public chart pages: what drawing costs, and what the render cache saves.

Builds the warehouse from the bundled data into a temporary folder (the served database is not
touched), then asks the app in-process (Flask's test client, no network) for each public page
many times:

  cold     render cache emptied before every request: data queries, SVG drawing, template
  cached   the same request again: served from the cache (no data query, no drawing)
  304      the same request with its ETag in If-None-Match

Prints p50/p95 in milliseconds and the response sizes (raw and gzip), and writes
bench/results/figur_render.json. Run with `make bench` or `python bench/figur_render.py`.
"""
from __future__ import annotations

import gzip
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

RUNS = int(os.environ.get("BENCH_RUNS", "40"))

URLS = [
    "/figur/homeless",
    "/figur/homeless?lang=en",
    "/embed/homeless",
    "/figur/homeless_per_1000?from=2008",
    "/figur/homeless_share?by=situation&from=2020&to=2020",
    "/figur/disadvantaged?region=all&breakdown=estimate=ssb_2011&from=2011&to=2011",
    "/figur/homeless.svg",
    "/figur/homeless.png",
]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BOLIG_WAREHOUSE"] = str(Path(tmp) / "warehouse.duckdb")
        os.environ["BOLIG_RUN_LOG"] = str(Path(tmp) / "etl_runs.jsonl")
        os.environ["BOLIG_SNAPSHOTS"] = str(Path(tmp) / "snapshots")
        from etl import build  # after the environment points at the temp folder

        build.build("bench")
        import app
        from boligsosial.web import public

        client = app.server.test_client()
        client.get("/healthz")  # open the warehouse connection: not part of any page's cost
        pages = []
        for url in URLS:
            cold, cached, not_modified = [], [], []
            first = client.get(url)
            assert first.status_code == 200, (url, first.status_code)
            body, etag = first.get_data(), first.headers["ETag"]
            for _ in range(RUNS):
                public.cache.clear()
                started = time.perf_counter()
                client.get(url)
                cold.append(time.perf_counter() - started)
                started = time.perf_counter()
                client.get(url)
                cached.append(time.perf_counter() - started)
                started = time.perf_counter()
                response = client.get(url, headers={"If-None-Match": etag})
                not_modified.append(time.perf_counter() - started)
                assert response.status_code == 304
            pages.append({
                "url": url, "bytes": len(body), "gzip_bytes": len(gzip.compress(body)),
                "cold": loadgen.render_times(cold), "cached": loadgen.render_times(cached),
                "not_modified": loadgen.render_times(not_modified),
                "speedup_p50": round(statistics.median(cold) / statistics.median(cached), 1),
            })
    css = (ROOT / "assets" / "figur.css").read_bytes()
    result = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "runs": RUNS,
        "method": "in-process Flask test client, bundled warehouse; cold = render cache emptied before the request",
        "css_bytes": len(css), "css_gzip_bytes": len(gzip.compress(css)),
        "pages": pages,
    }
    print(f"public chart pages, {RUNS} runs each (ms; cold = no render cache, cached = repeat, 304 = ETag match)")
    print(f"{'url':78} {'cold p50/p95':>15} {'cached p50/p95':>15} {'304 p50/p95':>13} {'KiB gz':>7}")
    for page in pages:
        print(f"{page['url'][:78]:78} {page['cold']['p50_ms']:>7.1f}/{page['cold']['p95_ms']:<7.1f}"
              f" {page['cached']['p50_ms']:>7.2f}/{page['cached']['p95_ms']:<7.2f}"
              f" {page['not_modified']['p50_ms']:>6.2f}/{page['not_modified']['p95_ms']:<6.2f}"
              f" {page['gzip_bytes'] / 1024:>7.1f}")
    print(f"figur.css: {len(css)} bytes ({result['css_gzip_bytes']} gzip), cached by the browser after the first page")
    print(f"written to {loadgen.write_result('figur_render', result)}")


if __name__ == "__main__":
    main()
