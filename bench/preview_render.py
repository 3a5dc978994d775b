"""Social preview pictures and the site's crawler files: what they cost to make.

Builds the warehouse from the bundled data into a temporary folder (the served database is not
touched), then asks the app in-process (Flask's test client, no network) for each preview
picture many times, cold (render cache emptied first: query, SVG, cairosvg at 1200 x 630) and
cached; and for /sitemap.xml and /nytt.atom. Prints p50/p95 in milliseconds, the PNG sizes and
the number of sitemap entries, and writes bench/results/preview_render.json.
Run with `make bench` or `python bench/preview_render.py`.
"""
from __future__ import annotations

import os
import platform
import struct
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import loadgen  # noqa: E402  (bench/ is not a package; results go where BENCH_RESULTS says)

RUNS = int(os.environ.get("BENCH_RUNS", "20"))

PREVIEWS = [
    "/figur/homeless/preview.png",
    "/figur/homeless/preview.png?lang=en",
    "/figur/homeless_share/preview.png?by=situation&from=2020&to=2020",
    "/figur/disadvantaged/preview.png",
    "/preview.png",
]
DOCUMENTS = ["/sitemap.xml", "/nytt.atom", "/robots.txt"]


def _timed(client, url: str, before=lambda: None) -> tuple[list[float], bytes]:
    times, body = [], b""
    for _ in range(RUNS):
        before()
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        body = response.get_data()
    return times, body


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
        client.get("/healthz")  # open the warehouse connection: not part of any picture's cost
        pictures = []
        for url in PREVIEWS:
            cold, body = _timed(client, url, public.cache.clear)
            cached, _ = _timed(client, url)
            pictures.append({"url": url, "bytes": len(body), "size": list(struct.unpack(">II", body[16:24])),
                             "cold": loadgen.render_times(cold), "cached": loadgen.render_times(cached)})
        documents = []
        for url in DOCUMENTS:
            times, body = _timed(client, url)
            documents.append({"url": url, "bytes": len(body), "time": loadgen.render_times(times)})
        sitemap = ET.fromstring(client.get("/sitemap.xml").data)
        entries = len(sitemap)
    result = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "runs": RUNS,
        "method": "in-process Flask test client, bundled warehouse; cold = render cache emptied before the request",
        "pictures": pictures, "documents": documents, "sitemap_entries": entries,
    }
    print(f"preview pictures, {RUNS} runs each (ms; cold = no render cache, cached = repeat)")
    print(f"{'url':70} {'size':>9} {'KiB':>6} {'cold p50/p95':>15} {'cached p50/p95':>15}")
    for picture in pictures:
        print(f"{picture['url'][:70]:70} {'x'.join(map(str, picture['size'])):>9} {picture['bytes'] / 1024:>6.1f}"
              f" {picture['cold']['p50_ms']:>7.1f}/{picture['cold']['p95_ms']:<7.1f}"
              f" {picture['cached']['p50_ms']:>7.2f}/{picture['cached']['p95_ms']:<7.2f}")
    for document in documents:
        print(f"{document['url']:70} {document['bytes'] / 1024:>16.1f} {document['time']['p50_ms']:>7.1f}/{document['time']['p95_ms']:<7.1f}")
    print(f"sitemap entries: {entries}")
    print(f"written to {loadgen.write_result('preview_render', result)}")


if __name__ == "__main__":
    main()
