"""What the load benches share: a gunicorn to measure, a URL mix, simulated readers, figures.

Readers are Python threads with a requests.Session each (closed loop: ask, wait for the answer,
pause a random "think" time, ask again). They share the 2 cores with the server they measure,
so every bench reports the load generator's own CPU share next to the server's: a figure taken
while the generator is saturated says more about the generator than the server.

Server time comes from gunicorn's own access log (%(D)s: from the request being read to the
response being written), so it excludes time spent in the listen queue and in the client.
"""
from __future__ import annotations

import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from html import unescape
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
# Where the benches write their JSON; `run_all.py --quick` points it elsewhere, so trial runs
# never replace the figures of a real run.
RESULTS = Path(os.environ.get("BENCH_RESULTS") or ROOT / "bench" / "results")
MIX_FILE = ROOT / "bench" / "mix.yaml"
TIMEOUT = 120  # seconds per request; gunicorn's own worker timeout (30 s) comes first
DOWNLOAD = re.compile(r"\.(csv|xlsx|parquet|zip)(\?|$)")  # what the soak's crawler counts as a download
# In the load mix, CSV and JSON with parameters are API calls; whole files are downloads.
FILE_DOWNLOAD = re.compile(r"\.(xlsx|parquet|zip)(\?|$)")
# One line per request: method, path?query, status, microseconds inside the worker.
ACCESS_FORMAT = "%(m)s %(U)s?%(q)s %(s)s %(D)s"


# ------------------------------------------------------------------------------ what to ask


@dataclass(frozen=True)
class Target:
    """One request a reader can make; per-route figures name it by its route pattern (route_of)."""

    group: str
    path: str
    method: str = "GET"

    @property
    def name(self) -> str:
        return route_of(self.method, self.path)


def route_of(method: str, path: str) -> str:
    """The route pattern a request belongs to: API ids and formats become placeholders, the
    query string is dropped. Used to group server times (many URLs, one route)."""
    path = path.split("?", 1)[0]
    if path.startswith("/api/v1/indicators/"):
        rest = path[len("/api/v1/indicators/"):]
        if "/data." in rest:
            return f"{method} /api/v1/indicators/{{id}}/data.{rest.rsplit('.', 1)[1]}"
        return f"{method} /api/v1/indicators/{{id}}"
    for public in ("/figur/", "/embed/"):
        if path.startswith(public):
            suffix = Path(path).suffix
            return f"{method} {public}{{id}}{suffix}"
    return f"{method} {path}"


def group_of(method: str, path: str) -> str:
    """The kind of request, for the load mix and the per-group figures."""
    bare = path.split("?", 1)[0]
    if bare == "/healthz":
        return "healthz"
    if bare.startswith(("/figur/", "/embed/")):
        return "public"
    if bare.startswith("/api/"):
        return "download" if FILE_DOWNLOAD.search(path) else "api"
    if bare.startswith(("/assets/", "/static/")):
        return "static"
    return "page"


def pick(targets: dict[str, list[Target]], mix: dict[str, float], rng: random.Random) -> Target:
    """A group by its weight in `mix` (groups without targets are left out), then a target of it."""
    groups = [group for group in mix if targets.get(group)]
    group = rng.choices(groups, [mix[g] for g in groups])[0]
    return rng.choice(targets[group])


def share(targets: dict[str, list[Target]], mix: dict[str, float]) -> dict[str, float]:
    """The share of requests each group gets once groups without targets are left out."""
    present = {group: weight for group, weight in mix.items() if targets.get(group)}
    total = sum(present.values())
    return {group: round(weight / total, 3) for group, weight in present.items()} if total else {}


def crawl(base: str) -> dict[str, list[str]]:
    """Same-site links found on the start page's menu pages: pages, API calls and downloads."""
    session = requests.Session()
    pages, api, downloads = ["/", "/status"], set(), set()
    seen = set()
    queue = ["/"]
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        body = session.get(base + path, timeout=TIMEOUT).text
        for href in re.findall(r'href="([^"]+)"', body):
            link = unescape(href)
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue  # another site, or a fragment
            if parts.path.startswith("/api/"):
                (downloads if DOWNLOAD.search(link) else api).add(link)
            elif parts.path.startswith(("/assets/", "/_")):
                continue
            elif path == "/" and parts.path not in pages:
                pages.append(parts.path)  # the menu; their own links are followed once more
                queue.append(parts.path)
    return {"page": pages, "api": sorted(api), "download": sorted(downloads), "healthz": ["/healthz"]}


def load_mix(base: str, path: Path = MIX_FILE) -> tuple[dict[str, list[Target]], dict[str, float], dict[str, str]]:
    """The targets of bench/mix.yaml that answer now, by group; the mix weights; and the
    targets left out with the reason."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    wanted = [Target(group, url) for group, urls in spec["urls"].items() for url in urls]
    kept, missing = available(base, wanted)
    targets: dict[str, list[Target]] = defaultdict(list)
    for target in kept:
        targets[target.group].append(target)
    return dict(targets), dict(spec["mix"]), missing


def available(base: str, targets: Iterable[Target]) -> tuple[list[Target], dict[str, str]]:
    """The targets that answer below 400 now, and why each other one does not (asked once each)."""
    session = requests.Session()
    kept, missing = [], {}
    for target in targets:
        try:
            response = session.request(target.method, base + target.path, timeout=TIMEOUT)
            if response.status_code < 400:
                kept.append(target)
            else:
                missing[f"{target.method} {target.path}"] = f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            missing[f"{target.method} {target.path}"] = type(exc).__name__
    return kept, missing


# ------------------------------------------------------------------------------ figures


def percentiles(values: list[float]) -> dict[str, float]:
    """count, p50/p95/p99/max/mean in milliseconds of durations given in seconds (nearest rank)."""
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {"count": len(values), "p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99),
            "max_ms": round(ordered[-1] * 1000, 1), "mean_ms": round(statistics.fmean(values) * 1000, 1)}


def render_times(seconds: list[float]) -> dict[str, float]:
    """p50, p95 and max in milliseconds of render times given in seconds (nearest rank over
    n - 1): what the render benches (figur, map, preview, scale) report for each page."""
    ordered = sorted(seconds)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] * 1000, 2)

    return {"p50_ms": at(0.5), "p95_ms": at(0.95), "max_ms": round(ordered[-1] * 1000, 2)}


def parse_access_log(lines: Iterable[str]) -> list[tuple[str, str, int, float]]:
    """(method, path?query, status, seconds) for each line written with ACCESS_FORMAT; other
    lines (gunicorn's own messages) are skipped."""
    rows = []
    for line in lines:
        parts = line.split()
        if len(parts) != 4 or not parts[2].isdigit() or not parts[3].isdigit():
            continue
        method, target, status, micros = parts
        rows.append((method, target.rstrip("?"), int(status), int(micros) / 1e6))
    return rows


def server_times(rows: Iterable[tuple[str, str, int, float]], key=lambda method, path: route_of(method, path)) -> dict:
    """Percentiles of server time per key (by default the route), successful requests only."""
    grouped: dict[str, list[float]] = defaultdict(list)
    for method, path, status, seconds in rows:
        if status < 400:
            grouped[key(method, path)].append(seconds)
    return {name: percentiles(values) for name, values in sorted(grouped.items())}


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def load_average() -> float:
    """The host's 1-minute load average: other work on the machine skews every figure here."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def children(pid: int) -> list[int]:
    return sorted(int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())


def shown(path: Path) -> str:
    """A path as printed: relative to the project when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def write_result(name: str, result: dict) -> Path:
    out = RESULTS / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


# ------------------------------------------------------------------------------ the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_warehouse(env: dict) -> str:
    """Build and publish the warehouse from bundled data (no network); its first output line."""
    done = subprocess.run([sys.executable, "-m", "etl", "build"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600, check=True)
    return (done.stdout.strip().splitlines() or [""])[0]


def bench_env(tmp: Path) -> dict:
    """The environment of a bench server: its own warehouse and run log in `tmp`."""
    return {**os.environ, "BOLIG_WAREHOUSE": str(tmp / "warehouse.duckdb"), "BOLIG_RUN_LOG": str(tmp / "etl_runs.jsonl")}


def wait_until_up(url: str, process: subprocess.Popen, timeout: float, stop, why) -> None:
    """Return once `url`/healthz answers 200; on timeout or when `process` exits, call `stop`
    and raise with the message `why()` gives (the server's own log)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url + "/healthz", timeout=5).raise_for_status()
            return
        except requests.RequestException:
            if time.monotonic() > deadline or process.poll() is not None:
                stop()
                raise RuntimeError(why())
            time.sleep(0.2)


class Gunicorn:
    """`gunicorn <app>` on 127.0.0.1 the way `make serve` runs it (gunicorn.conf.py), plus an access log of server
    times when `access_log` is given."""

    def __init__(self, env: dict, log: Path, workers: int = 2, app: str = "app:server", access_log: Path | None = None,
                 port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self.access_log = access_log
        command = [str(Path(sys.executable).with_name("gunicorn")), "-c", str(ROOT / "gunicorn.conf.py"), app,
                   "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}"]
        if access_log is not None:
            command += ["--access-logfile", str(access_log), "--access-logformat", ACCESS_FORMAT]
        with open(log, "w") as out:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        self._wait()

    def _wait(self, timeout: float = 60) -> None:
        wait_until_up(self.url, self.process, timeout, self.stop,
                      lambda: "gunicorn did not come up:\n" + self.log_path.read_text(errors="replace"))

    def workers(self) -> list[int]:
        return children(self.process.pid)

    def access_rows(self) -> list[tuple[str, str, int, float]]:
        if self.access_log is None or not self.access_log.exists():
            return []
        return parse_access_log(self.access_log.read_text(errors="replace").splitlines())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def warm(base: str, targets: list[Target], workers: int) -> None:
    """Ask for every target from several threads at once, so every worker has done its first
    imports and opened its connection before anything is measured."""
    def ask_all() -> None:
        session = requests.Session()
        for target in targets:
            session.request(target.method, base + target.path, timeout=TIMEOUT)

    threads = [threading.Thread(target=ask_all) for _ in range(2 * workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# ------------------------------------------------------------------------------ the readers


class Recorder:
    """Latencies (seconds) of good answers per group and per route; failures with an example."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.by_route: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter = Counter()
        self.examples: dict[str, str] = {}
        self.versions: Counter = Counter()
        self.headers: Counter = Counter()  # values of one response header, when asked to count it
        self.bytes = 0

    def add(self, target: Target, seconds: float, response: requests.Response | None, error: str = "",
            count_header: str = "") -> None:
        with self.lock:
            if response is not None and response.status_code < 400:
                self.latencies[target.group].append(seconds)
                self.by_route[target.name].append(seconds)
                self.versions[response.headers.get("X-Data-Version", "none")] += 1
                if count_header:
                    self.headers[response.headers.get(count_header, "none")] += 1
                self.bytes += len(response.content)
                return
            reason = error or f"HTTP {response.status_code}"
            self.errors[reason] += 1
            self.examples.setdefault(reason, f"{target.method} {target.path}")

    def all(self) -> list[float]:
        return [seconds for values in self.latencies.values() for seconds in values]

    def failed(self) -> int:
        return sum(self.errors.values())


class Readers:
    """`users` readers asking for targets in the proportions of `mix` until stopped."""

    def __init__(self, base: str, targets: dict[str, list[Target]], mix: dict[str, float], users: int, think: float,
                 seed: int = 1, count_header: str = ""):
        self.base, self.targets, self.mix, self.think = base, targets, mix, think
        self.count_header = count_header
        self.recorder, self.stop_event = Recorder(), threading.Event()
        self.threads = [threading.Thread(target=self._read, args=(seed * 1000 + i,), daemon=True) for i in range(users)]
        self.started = self.elapsed = 0.0
        self._cpu = 0.0

    def start(self) -> "Readers":
        self._cpu = time.process_time()
        self.started = time.monotonic()
        for thread in self.threads:
            thread.start()
        return self

    def run_for(self, seconds: float) -> "Readers":
        self.stop_event.wait(max(0.0, seconds - (time.monotonic() - self.started)))
        return self.stop()

    def stop(self) -> "Readers":
        self.stop_event.set()
        for thread in self.threads:
            thread.join(TIMEOUT + 5)
        self.elapsed = time.monotonic() - self.started
        return self

    def generator_busy(self) -> float:
        """Share of one core this process used while the readers ran."""
        return round((time.process_time() - self._cpu) / self.elapsed, 2) if self.elapsed else 0.0

    def _read(self, seed: int) -> None:
        rng = random.Random(seed)
        session = requests.Session()
        while not self.stop_event.is_set():
            target = pick(self.targets, self.mix, rng)
            started = time.perf_counter()
            try:
                response = session.request(target.method, self.base + target.path, timeout=TIMEOUT)
                self.recorder.add(target, time.perf_counter() - started, response, count_header=self.count_header)
            except requests.RequestException as exc:
                self.recorder.add(target, time.perf_counter() - started, None, type(exc).__name__)
            self.stop_event.wait(rng.expovariate(1 / self.think) if self.think > 0 else 0)


def summary(readers: Readers) -> dict:
    """The client-side figures of a finished run."""
    recorder = readers.recorder
    ok, failed = len(recorder.all()), recorder.failed()
    return {
        "requests": ok + failed,
        "failed": failed,
        "errors": {reason: {"count": n, "example": recorder.examples[reason]} for reason, n in recorder.errors.items()},
        "requests_per_s": round((ok + failed) / readers.elapsed, 1) if readers.elapsed else 0.0,
        "megabytes_served": round(recorder.bytes / 1e6, 1),
        "latency_all": percentiles(recorder.all()),
        "latency_by_group": {group: percentiles(values) for group, values in sorted(recorder.latencies.items())},
        "latency_by_route": {route: percentiles(values) for route, values in sorted(recorder.by_route.items())},
    }


def measure(base: str, targets: dict[str, list[Target]], mix: dict[str, float], users: int, seconds: float,
            think: float, server_pids: list[int], seed: int = 1, count_header: str = "") -> tuple[Readers, dict]:
    """Run the readers for `seconds` and return them with the run's figures: the client side
    (summary), the CPU share of the server processes and of this load generator, and the host's
    load average before and after (other work on the machine skews everything)."""
    cpu_start = {pid: cpu_seconds(pid) for pid in server_pids}
    load_start = load_average()
    readers = Readers(base, targets, mix, users, think, seed, count_header).start().run_for(seconds)
    busy = {}
    for pid in server_pids:
        try:
            busy[pid] = round((cpu_seconds(pid) - cpu_start[pid]) / readers.elapsed, 2)
        except FileNotFoundError:
            busy[pid] = None  # the process was replaced during the run
    figures = {
        "settings": {"users": users, "seconds": seconds, "think_mean_s": think, "seed": seed},
        "mix_share": share(targets, mix),
        **summary(readers),
        "cpu_busy_share": {"server_processes": list(busy.values()), "load_generator": readers.generator_busy(),
                           "note": "shares of one core; the load generator runs on the same cores as the server"},
        "host_load_average": {"start": load_start, "end": load_average(), "cores": os.cpu_count()},
    }
    return readers, figures


def print_run(title: str, figures: dict) -> None:
    """The figures of one run, one line per group, for the console."""
    print(f"{title}: {figures['requests']} requests, {figures['failed']} failed, {figures['requests_per_s']} req/s, "
          f"{figures['megabytes_served']} MB", flush=True)
    rows = {"all": figures["latency_all"], **figures["latency_by_group"]}
    for name, p in rows.items():
        if p:
            print(f"  {name:9} n={p['count']:<6} p50 {p['p50_ms']:8.1f}  p95 {p['p95_ms']:8.1f}  p99 {p['p99_ms']:8.1f} ms")
    for reason, error in figures["errors"].items():
        print(f"  FAILED {reason}: {error['count']} (e.g. {error['example']})")
    busy = figures["cpu_busy_share"]
    print(f"  CPU (share of one core): server {busy['server_processes']}, load generator {busy['load_generator']}; "
          f"host load average {figures['host_load_average']['start']} -> {figures['host_load_average']['end']}", flush=True)


def print_missing(missing: dict[str, str]) -> None:
    for what, why in missing.items():
        print(f"  not available: {what} ({why})", flush=True)
