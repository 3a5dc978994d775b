"""Page weight (not part of the test suite): what a first visit to each page downloads.

Builds the warehouse from the bundled data into a temporary folder (the project's own
data/warehouse.duckdb is not touched), serves it with gunicorn on 127.0.0.1 as `make serve`
does, and opens every page in a fresh headless Chromium context (empty cache, Debian's
/usr/bin/chromium through Playwright). Bytes are what came over the network, compressed, as
Chromium's DevTools protocol counts them (Network.loadingFinished encodedDataLength, headers
included). Charts are SVG in the page's HTML (drawn on the server), so the first view is the
whole page; it is also scrolled through to the end, and anything fetched then counts too.

Budget (issue 5): app pages at most 800 KiB; public chart pages at most 100 KiB.
Printed as a table and written to bench/results/page_weight.json.
Run: .venv/bin/python bench/page_weight.py
"""
from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live_server import start_gunicorn  # noqa: E402 - the tests' gunicorn starter, reused

# BENCH_RESULTS: where run_all.py --quick keeps trial figures apart from a real run's.
RESULTS = Path(os.environ.get("BENCH_RESULTS") or ROOT / "bench" / "results") / "page_weight.json"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
APP_PAGES = ["/", "/bostedslose", "/vanskeligstilte", "/strategier", "/data", "/data/api", "/status"]
# Measured when the server has them (other parts of issue 5 add them).
OPTIONAL_PAGES = ["/kommuner", "/figur/homeless", "/embed/homeless"]
APP_BUDGET = 800 * 1024
PUBLIC_BUDGET = 100 * 1024
LARGEST = 5  # resources listed per page


@contextlib.contextmanager
def served_app(workers: int = 2) -> Iterator[str]:
    """Base URL of gunicorn serving a warehouse freshly built from the bundled data."""
    with tempfile.TemporaryDirectory(prefix="bolig-bench-") as tmp:
        env = {**os.environ, "BOLIG_WAREHOUSE": str(Path(tmp) / "warehouse.duckdb"),
               "BOLIG_RUN_LOG": str(Path(tmp) / "etl_runs.jsonl")}
        subprocess.run([sys.executable, "-m", "etl", "build"], cwd=ROOT, env=env, check=True,
                       capture_output=True, timeout=600)
        server = start_gunicorn(Path(env["BOLIG_WAREHOUSE"]), Path(tmp), workers=workers, env=env)
        try:
            yield server.url
        finally:
            server.stop()


def pages_served(base: str) -> list[str]:
    """The app pages, plus the optional ones this server answers with 200."""
    found = []
    for path in OPTIONAL_PAGES:
        try:
            with urllib.request.urlopen(base + path, timeout=30) as response:
                if response.status == 200:
                    found.append(path)
        except (urllib.error.HTTPError, urllib.error.URLError):
            pass
    return APP_PAGES + found


def budget(path: str) -> int:
    return PUBLIC_BUDGET if path.startswith(("/figur/", "/embed/")) else APP_BUDGET


def weigh(browser, url: str) -> dict:
    """Bytes and requests of a first visit to url (fresh context: nothing cached)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    urls: dict[str, str] = {}
    sizes: dict[str, int] = {}
    statuses: dict[str, int] = {}
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.responseReceived", lambda e: statuses.__setitem__(e["requestId"], e["response"]["status"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    page.goto(url, wait_until="networkidle")
    first_view = sum(sizes.values())
    # Anything a page would fetch only when scrolled (it should be nothing) counts too.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    drawn = page.locator("svg.chart-svg:visible").count()
    context.close()
    base = url.split("/", 3)[:3]
    prefix = "/".join(base)
    resources = sorted(
        ({"url": urls.get(rid, "?").removeprefix(prefix), "bytes": size, "status": statuses.get(rid)}
         for rid, size in sizes.items()),
        key=lambda r: -r["bytes"],
    )
    return {
        "bytes": sum(r["bytes"] for r in resources),
        "bytes_first_view": first_view,
        "requests": len(resources),
        "charts_drawn": drawn,
        "scripts": [r["url"] for r in resources if r["url"].split("?")[0].endswith(".js")],
        "largest": resources[:LARGEST],
    }


def main() -> None:
    from playwright.sync_api import sync_playwright

    results = {}
    with served_app() as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for path in pages_served(base):
            weigh(browser, base + path)  # warm-up: the workers render and compress once
            results[path] = {**weigh(browser, base + path), "budget": budget(path)}
        browser.close()

    print(f"{'page':<18} {'first KiB':>9} {'all KiB':>8} {'budget':>6} {'req':>4} {'charts':>6}  largest (KiB)")
    for path, r in results.items():
        ok = "ok" if r["bytes"] <= r["budget"] else "OVER"
        top = ", ".join(f"{x['url'].split('?')[0].rsplit('/', 1)[-1] or '/'} {x['bytes'] / 1024:.0f}" for x in r["largest"][:3])
        print(f"{path:<18} {r['bytes_first_view'] / 1024:9.1f} {r['bytes'] / 1024:8.1f} {r['budget'] // 1024:6d} "
              f"{r['requests']:4d} {r['charts_drawn']:6d}  {ok}: {top}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} CPUs, {platform.platform()}",
        "method": "first visit, empty cache, headless Chromium 1280x900; CDP encodedDataLength (compressed, with "
                  "headers); bytes_first_view before scrolling, bytes after scrolling until every chart is drawn",
        "pages": results,
    }, indent=2, ensure_ascii=False) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
