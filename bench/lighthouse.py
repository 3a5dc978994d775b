"""Lighthouse scores for every page (not part of the test suite: scores depend on the machine).

Serves a warehouse freshly built from the bundled data with gunicorn on 127.0.0.1 (as
bench/page_weight.py does) and runs Lighthouse from node_modules (pinned in package.json,
`npm ci`) against Debian's Chromium, mobile (Lighthouse's default: simulated slow 4G and a 4x
slower CPU) and the desktop preset. Each page and preset is run LH_RUNS times and the median
of each figure is reported, because one run can be off by several points on a busy machine.

Budget (issue 5): app pages mobile performance >= 75, public chart pages >= 95, accessibility
100 everywhere. Printed as a table and written to bench/results/lighthouse.json.

Settings (environment): LH_RUNS (3), LH_PRESETS ("mobile,desktop"), LH_PAGES (comma-separated
paths, measured again into the last results; default every page bench/page_weight.py measures).
Run: .venv/bin/python bench/lighthouse.py
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from page_weight import CHROMIUM, CHROMIUM_ARGS, ROOT, pages_served, served_app  # noqa: E402

# BENCH_RESULTS: where run_all.py --quick keeps trial figures apart from a real run's.
RESULTS = Path(os.environ.get("BENCH_RESULTS") or ROOT / "bench" / "results") / "lighthouse.json"
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
RUNS = int(os.environ.get("LH_RUNS", "3"))
PRESETS = [p.strip() for p in os.environ.get("LH_PRESETS", "mobile,desktop").split(",") if p.strip()]
ATTEMPTS = 3
CATEGORIES = ("performance", "accessibility", "best-practices")
METRICS = {  # audit id -> name in the results
    "first-contentful-paint": "fcp_ms",
    "largest-contentful-paint": "lcp_ms",
    "total-blocking-time": "tbt_ms",
    "cumulative-layout-shift": "cls",
    "speed-index": "si_ms",
    "total-byte-weight": "bytes",
}


def budget(path: str) -> int:
    return 95 if path.startswith(("/figur/", "/embed/")) else 75


def run_once(url: str, preset: str, out: Path) -> dict:
    command = [
        str(LIGHTHOUSE), url, f"--chrome-flags={' '.join(CHROMIUM_ARGS)}", "--output=json", f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}", "--quiet",
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    for attempt in range(ATTEMPTS):  # Chromium now and then fails to start on a busy machine
        out.unlink(missing_ok=True)
        done = subprocess.run(command, timeout=300, env={**os.environ, "CHROME_PATH": CHROMIUM},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode == 0 and out.exists():
            break
    else:
        raise RuntimeError(f"Lighthouse failed {ATTEMPTS} times on {url}: {done.stderr.strip()[-500:]}")
    report = json.loads(out.read_text())
    result = {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}
    for audit, name in METRICS.items():
        result[name] = report["audits"][audit].get("numericValue")
    # What failed, so a score below 100 says why without opening the report.
    result["failed_accessibility"] = sorted(
        ref["id"] for ref in report["categories"]["accessibility"]["auditRefs"]
        if ref["weight"] and report["audits"][ref["id"]]["score"] == 0
    )
    return result


def median_of(runs: list[dict]) -> dict:
    summary: dict = {}
    for key in (*CATEGORIES, *METRICS.values()):
        values = [run[key] for run in runs if run.get(key) is not None]
        summary[key] = round(statistics.median(values), 3) if values else None
    summary["failed_accessibility"] = sorted({audit for run in runs for audit in run["failed_accessibility"]})
    summary["runs"] = runs
    return summary


def main() -> None:
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: run `npm ci` in the project folder.")
    wanted = os.environ.get("LH_PAGES")
    # Some pages only: the other pages' figures from the last run stay in the results.
    results: dict = json.loads(RESULTS.read_text())["pages"] if wanted and RESULTS.exists() else {}
    with served_app() as base, tempfile.TemporaryDirectory(prefix="bolig-lh-") as tmp:
        paths = [p.strip() for p in wanted.split(",")] if wanted else pages_served(base)
        for path in paths:
            urllib.request.urlopen(base + path, timeout=60).read()  # the server renders it once before timing
            for preset in PRESETS:
                runs = [run_once(base + path, preset, Path(tmp) / "report.json") for _ in range(RUNS)]
                results.setdefault(path, {})[preset] = median_of(runs)
                summary = results[path][preset]
                print(f"{path:<18} {preset:<8} perf {summary['performance']:>5} a11y {summary['accessibility']:>5} "
                      f"bp {summary['best-practices']:>5}  LCP {summary['lcp_ms']:>7.0f} ms  TBT {summary['tbt_ms']:>6.0f} ms  "
                      f"CLS {summary['cls']:.3f}  {summary['bytes'] / 1024:>6.0f} KiB"
                      f"{'' if summary['performance'] >= budget(path) or preset != 'mobile' else '  BELOW ' + str(budget(path))}"
                      f"{'  a11y: ' + ', '.join(summary['failed_accessibility']) if summary['failed_accessibility'] else ''}",
                      flush=True)
            write(results)  # so far, in case a later page fails
    print(f"written to {RESULTS}")


def write(results: dict) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} CPUs, {platform.platform()}",
        "load_average": Path("/proc/loadavg").read_text().split()[:3],
        "lighthouse": json.loads((ROOT / "node_modules" / "lighthouse" / "package.json").read_text())["version"],
        "runs_per_figure": RUNS,
        "method": "median of LH_RUNS runs per page and preset; simulated throttling (Lighthouse defaults)",
        "pages": results,
    }, indent=2) + "\n")


if __name__ == "__main__":
    main()
