"""The same load as bench/load.py through Debian's nginx as a caching reverse proxy in front of
TWO gunicorn instances (each as `make serve`: 2 workers) on 127.0.0.1, serving one read-only
warehouse built from the bundled data in a temporary folder.

nginx runs as this script's child (`daemon off`), with bench/nginx/nginx.conf.template rendered
into the temporary folder (its cache, logs and pid there too; nothing under /etc or /var). The
cache is keyed on the data version the app serves (see the template's header), in two variants:
"strict" asks the app for its version on every request, "version cached 1s" keeps that answer
for one second. Each variant starts with an empty cache.

Reported (printed, and written to bench/results/nginx.json): per variant requests/s, p50/p95/p99
per group, failures, cache hit ratio (from nginx's access log: HIT against all cacheable
requests) and CPU shares. If nginx is missing or does not start, why, in the JSON.

Settings (environment): NGINX_SECONDS (60), LOAD_USERS (50), LOAD_THINK (1.0), LOAD_SEED (1),
NGINX_INSTANCE_WORKERS (2). Run: .venv/bin/python bench/nginx_bench.py   (needs `apt-get install nginx`)
"""
from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadgen  # noqa: E402  (bench/ is not a package)

SECONDS = float(os.environ.get("NGINX_SECONDS", "60"))
USERS = int(os.environ.get("LOAD_USERS", "50"))
THINK = float(os.environ.get("LOAD_THINK", "1.0"))
SEED = int(os.environ.get("LOAD_SEED", "1"))
INSTANCE_WORKERS = int(os.environ.get("NGINX_INSTANCE_WORKERS", "2"))
TEMPLATE = Path(__file__).resolve().parent / "nginx" / "nginx.conf.template"
VARIANTS = {"strict": "0", "version cached 1s": "1s"}
PAGE_TTL = "10m"
# $upstream_cache_status values of requests that went through the cache.
CACHE_LOOKUPS = {"HIT", "MISS", "EXPIRED", "STALE", "UPDATING", "REVALIDATED", "BYPASS"}


def render(template: str, values: dict[str, str]) -> str:
    """The template with every {{name}} replaced; a name without a value is an error, so a
    half-rendered config never reaches nginx."""
    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"no value for {{{{{name}}}}} in {TEMPLATE.name}")
        return str(values[name])

    return re.sub(r"\{\{(\w+)\}\}", fill, template)


def config_values(prefix: Path, listen_port: int, upstream_ports: list[int], version_ttl: str, run_as: str | None) -> dict:
    """The template's values. `run_as`: the user nginx's workers run as when it starts as root."""
    if version_ttl in ("", "0"):
        version_cache = "            proxy_cache off;  # ask on every request"
    else:
        version_cache = "\n".join([
            "            proxy_cache version;",
            '            proxy_cache_key "version";',
            "            proxy_ignore_headers Cache-Control Expires;  # /healthz says no-store; the TTL here decides",
            f"            proxy_cache_valid 200 {version_ttl};",
            "            # When it expires, one request asks again in the background while the others",
            "            # use the answer just expired, rather than all queueing at the app together.",
            "            proxy_cache_use_stale updating;",
            "            proxy_cache_background_update on;",
        ])
    return {
        "prefix": str(prefix),
        "listen_port": str(listen_port),
        "upstream_servers": "\n".join(f"        server 127.0.0.1:{port};" for port in upstream_ports),
        "version_ttl": version_ttl,
        "version_cache": version_cache,
        "page_ttl": PAGE_TTL,
        "user_line": f"user {run_as};" if run_as else "# (not started as root: workers run as this user)",
    }


def cache_statuses(lines: list[str]) -> Counter:
    """$upstream_cache_status counts from the access log written with the template's format."""
    return Counter(line.split(" ", 1)[0] for line in lines if line.strip())


def hit_ratio(statuses: Counter) -> float | None:
    looked_up = sum(n for status, n in statuses.items() if status in CACHE_LOOKUPS)
    return round(statuses.get("HIT", 0) / looked_up, 3) if looked_up else None


class Nginx:
    def __init__(self, prefix: Path, upstream_ports: list[int], version_ttl: str):
        self.prefix = prefix
        self.port = loadgen.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        run_as = None
        if os.geteuid() == 0:  # nginx's workers drop to this user: let it use the folder
            run_as = "nobody nogroup"
        for sub in ("cache", "version", "client_body", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp"):
            (prefix / sub).mkdir(parents=True, exist_ok=True)
        if run_as:
            nobody = pwd.getpwnam("nobody")
            os.chmod(prefix, 0o755)
            for path in [prefix, *prefix.iterdir()]:
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
        self.conf = prefix / "nginx.conf"
        self.conf.write_text(render(TEMPLATE.read_text(encoding="utf-8"),
                                    config_values(prefix, self.port, upstream_ports, version_ttl, run_as)))
        command = [shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(prefix), "-c", str(self.conf)]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx -t failed: {checked.stderr.strip()}")
        self.process = subprocess.Popen([*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                                        stderr=open(prefix / "stderr.log", "w"))
        error_log = prefix / "error.log"
        loadgen.wait_until_up(self.url, self.process, 20, self.stop, lambda: "nginx did not come up: " + (
            error_log.read_text(errors="replace")[-2000:] if error_log.exists() else "no error log"))

    def pids(self) -> list[int]:
        return [self.process.pid, *loadgen.children(self.process.pid)]

    def access_lines(self) -> list[str]:
        log = self.prefix / "access.log"
        return log.read_text(errors="replace").splitlines() if log.exists() else []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: fast shutdown of master and workers
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def unavailable(reason: str) -> int:
    print(f"nginx bench not available: {reason}", flush=True)
    out = loadgen.write_result("nginx", {"measured_at": loadgen.now(), "machine": loadgen.machine(),
                                         "available": False, "reason": reason})
    print(f"written to {loadgen.shown(out)}")
    return 0


def main() -> int:
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        return unavailable("nginx is not installed (apt-get install -y nginx)")
    nginx_version = subprocess.run([shutil.which("nginx") or "/usr/sbin/nginx", "-v"], capture_output=True,
                                   text=True).stderr.strip()
    variants, missing = {}, {}
    with tempfile.TemporaryDirectory(prefix="nginx-bench-") as name:
        tmp = Path(name)
        if os.geteuid() == 0:
            os.chmod(tmp, 0o711)  # nginx's workers (user nobody) must reach their folders inside
        env = loadgen.bench_env(tmp)
        print("building the warehouse from bundled data ...", flush=True)
        print(" ", loadgen.build_warehouse(env), flush=True)
        instances = []
        try:
            for index in range(2):
                instances.append(loadgen.Gunicorn(env, tmp / f"gunicorn-{index}.log", INSTANCE_WORKERS))
            print(f"two gunicorn instances ({INSTANCE_WORKERS} workers each) on ports "
                  f"{', '.join(str(i.port) for i in instances)}", flush=True)
            for label, ttl in VARIANTS.items():
                try:
                    proxy = Nginx(tmp / f"nginx-{len(variants)}", [i.port for i in instances], ttl)
                except (RuntimeError, OSError, KeyError) as exc:
                    return unavailable(str(exc))
                try:
                    # Asked of an instance directly, so the cache starts empty.
                    targets, mix, missing = loadgen.load_mix(instances[0].url)
                    for instance in instances:  # warm the app (imports, connections), not the cache
                        loadgen.warm(instance.url, [t for items in targets.values() for t in items], INSTANCE_WORKERS)
                    print(f"{label}: {USERS} readers for {SECONDS:.0f} s through nginx on port {proxy.port} ...", flush=True)
                    pids = proxy.pids() + [pid for i in instances for pid in i.workers()]
                    _, figures = loadgen.measure(proxy.url, targets, mix, USERS, SECONDS, THINK, pids, SEED,
                                                 count_header="X-Cache-Status")
                    statuses = cache_statuses(proxy.access_lines())
                finally:
                    proxy.stop()
                figures["cache"] = {"hit_ratio": hit_ratio(statuses), "statuses": dict(statuses),
                                    "note": "HIT / requests that went through the cache; '-' = not cached by design "
                                            "(health check, /status)"}
                figures["version_question_cached_for"] = ttl
                loadgen.print_run(f"nginx, {label}", figures)
                print(f"  cache hit ratio {figures['cache']['hit_ratio']} ({dict(statuses)})", flush=True)
                variants[label] = figures
        finally:
            for instance in instances:
                instance.stop()

    result = {
        "measured_at": loadgen.now(),
        "machine": loadgen.machine(),
        "available": True,
        "nginx": nginx_version,
        "setup": f"nginx (1 worker) -> 2 gunicorn instances x {INSTANCE_WORKERS} workers (gunicorn.conf.py), one read-only warehouse; "
                 "the load generator, nginx and both instances share the same cores",
        "config_template": str(TEMPLATE.relative_to(loadgen.ROOT)),
        "not_available": missing,
        "variants": variants,
    }
    out = loadgen.write_result("nginx", result)
    failed = sum(v["failed"] for v in variants.values())
    print(f"written to {loadgen.shown(out)}; {failed} failed requests")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
