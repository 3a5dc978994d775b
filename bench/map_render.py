"""Choropleth maps drawn on the server: what a map costs to draw, and how big it is.

For each structure (2020, 2024) and level (county, municipality) renders the map with made-up
values (every region with a value, a few missing and suppressed; the numbers are never shown
anywhere) in the wide, narrow and image frames, in-process:

  cold     geometry file read and parsed again before every render (load_geometry cache emptied)
  cached   geometry already in memory: classing, titles and SVG writing only

Prints p50/p95 in milliseconds and the SVG's size (raw and gzip), the number of shapes drawn
(region paths, plus inset paths) and the PNG's time and size at 1200 px (cairosvg, as the PNG
downloads are made), and writes bench/results/map_render.json. Run: python bench/map_render.py
(BENCH_RUNS=10 for a quick look).
"""
from __future__ import annotations

import gzip
import os
import platform
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import loadgen  # noqa: E402  (bench/ is not a package; results go where BENCH_RESULTS says)

from boligsosial.charts import choropleth, map_canvas, map_geometry, map_values  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "30"))
FRAMES = {"wide": map_canvas.MAP_WIDE, "narrow": map_canvas.MAP_NARROW,
          "image": replace(map_canvas.MAP_IMAGE, title="Benchmark", source="Kilde: -")}


def _values(geometry: map_geometry.Geometry) -> dict[str, map_values.MapValue]:
    rng = random.Random(12)
    values = {}
    for number, code in enumerate(geometry.regions):
        status = ".." if number % 17 == 3 else ":" if number % 19 == 5 else ""
        values[code] = map_values.MapValue(None if status else round(rng.lognormvariate(2.5, 0.4), 1), status)
    return values


def _render(structure: str, level: str, frame: map_canvas.MapFrame) -> str:
    geometry = map_geometry.load_geometry(structure, level)
    outline = map_geometry.load_geometry(structure, "county") if level == "municipality" else None
    return choropleth.choropleth(geometry, _values(geometry), href=lambda code: f"/kommuner?region={code}&indicator=bench",
                                 unit="per 1 000 innbyggere", title="Benchmark", year="2024", decimals=1,
                                 norway=map_values.MapValue(13.4), outline=outline, frame=frame)


def main() -> None:
    import cairosvg

    maps = []
    for structure in map_geometry.STRUCTURES:
        for level in map_geometry.LEVELS:
            geometry = map_geometry.load_geometry(structure, level)
            for name, frame in FRAMES.items():
                cold, cached = [], []
                for _ in range(RUNS):
                    map_geometry.load_geometry.cache_clear()
                    started = time.perf_counter()
                    _render(structure, level, frame)
                    cold.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    svg = _render(structure, level, frame)
                    cached.append(time.perf_counter() - started)
                body = svg.encode("utf-8")
                entry = {"structure": structure, "level": level, "frame": name, "width": frame.width,
                         "regions": len(geometry.regions), "inset_shapes": len(geometry.inset),
                         "bytes": len(body), "gzip_bytes": len(gzip.compress(body)),
                         "cold": loadgen.render_times(cold), "cached": loadgen.render_times(cached)}
                if name == "wide":
                    png_times = []
                    for _ in range(max(3, RUNS // 10)):
                        started = time.perf_counter()
                        png = cairosvg.svg2png(bytestring=body, output_width=1200)
                        png_times.append(time.perf_counter() - started)
                    entry["png_1200px"] = {"bytes": len(png), "p50_ms": round(statistics.median(png_times) * 1000, 1)}
                maps.append(entry)
    geometry_files = {path.name: {"bytes": path.stat().st_size, "gzip_bytes": len(gzip.compress(path.read_bytes()))}
                      for path in sorted((ROOT / "data" / "geo").glob("*.json")) if path.name != "provenance.json"}
    result = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "runs": RUNS,
        "method": "in-process; cold = geometry JSON read and parsed before the render, cached = geometry in memory; "
                  "municipality maps with county borders drawn over them",
        "geometry_files": geometry_files,
        "maps": maps,
    }
    print(f"choropleth maps, {RUNS} runs each (ms); sizes of the SVG")
    print(f"{'map':32} {'shapes':>11} {'cold p50/p95':>15} {'cached p50/p95':>15} {'KiB':>7} {'KiB gz':>7} {'PNG ms/KiB':>11}")
    for entry in maps:
        png = entry.get("png_1200px")
        print(f"{entry['structure'] + ' ' + entry['level'] + ' ' + entry['frame']:32}"
              f" {entry['regions']:>5}+{entry['inset_shapes']:<5}"
              f" {entry['cold']['p50_ms']:>7.1f}/{entry['cold']['p95_ms']:<7.1f}"
              f" {entry['cached']['p50_ms']:>7.1f}/{entry['cached']['p95_ms']:<7.1f}"
              f" {entry['bytes'] / 1024:>7.1f} {entry['gzip_bytes'] / 1024:>7.1f}"
              + (f" {png['p50_ms']:>5.0f}/{png['bytes'] / 1024:<5.0f}" if png else ""))
    print("geometry files (data/geo): " + ", ".join(f"{name} {v['bytes'] / 1024:.0f} KiB ({v['gzip_bytes'] / 1024:.0f} gz)"
                                                   for name, v in geometry_files.items()))
    print(f"written to {loadgen.write_result('map_render', result)}")


if __name__ == "__main__":
    main()
