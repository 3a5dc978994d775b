"""A real gunicorn serving the app on 127.0.0.1, for tests that need real worker processes
(browser tests, a warehouse swapped under load, recovery without restart)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Gunicorn:
    url: str
    process: subprocess.Popen
    log_path: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # answering at all (503 from a missing warehouse) means it is up
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on {url} within {timeout} s")


def start_gunicorn(warehouse: Path, tmp: Path, workers: int = 2, threads: int | None = None,
                   env: dict | None = None) -> Gunicorn:
    """gunicorn app:server with the project's gunicorn.conf.py on a free port with
    BOLIG_WAREHOUSE=warehouse (built or not), its output in tmp/gunicorn.log; raises with that
    log if it does not come up. `threads` overrides the config's threads per worker."""
    port = free_port()
    env = {**os.environ, "BOLIG_WAREHOUSE": str(warehouse), **(env or {})}
    log_path = tmp / "gunicorn.log"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with open(log_path, "w") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [str(gunicorn), "-c", str(ROOT / "gunicorn.conf.py"), "app:server", "-w", str(workers),
             *(["--threads", str(threads)] if threads else []), "-b", f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    server = Gunicorn(f"http://127.0.0.1:{port}", proc, log_path)
    try:
        _wait_until_up(server.url + "/healthz", proc)
    except RuntimeError:
        server.stop()
        raise RuntimeError(server.log()) from None
    return server
