"""A real gunicorn serving the app on 127.0.0.1, for tests that need real worker processes
(browser tests, a warehouse swapped under load, recovery without restart), and the hostile
clients the server must withstand (slow headers, huge bodies)."""
from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
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


# ------------------------------------------------------------------------------ hostile clients (issue 14)


def worker_pids(server: Gunicorn) -> list[int]:
    return sorted(int(pid) for pid in Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split())


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class SlowClient(threading.Thread):
    """A client that sends a request's headers one line every `every` seconds and never ends
    them. When the server closes the connection, it notes after how long and connects again."""

    def __init__(self, url: str, every: float = 3.0):
        super().__init__(daemon=True)
        parts = urllib.parse.urlsplit(url)
        self.address = (parts.hostname, parts.port)
        self.every = every
        self.stop_event = threading.Event()
        self.connections = 0
        self.cut_after: list[float] = []  # seconds each closed connection had lasted

    def run(self) -> None:
        while not self.stop_event.is_set():
            with socket.create_connection(self.address, timeout=10) as sock:
                self.connections += 1
                opened = time.monotonic()
                sent = 0
                try:
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                    while not self.stop_event.is_set():
                        readable, _, _ = select.select([sock], [], [], self.every)
                        if readable and not sock.recv(4096):
                            break  # closed by the server
                        if not readable:
                            sent += 1
                            sock.sendall(f"X-Slow-{sent}: still typing\r\n".encode())
                except OSError:
                    pass  # reset by the server
                if not self.stop_event.is_set():
                    self.cut_after.append(time.monotonic() - opened)

    def stop(self) -> None:
        self.stop_event.set()
        self.join(self.every + 5)


def post_body(url: str, path: str, size: int, chunked: bool = False) -> tuple[int | None, int]:
    """POST `size` bytes to `path` (or an endless chunked body) from one thread while another
    reads the answer, as a client that does not wait for it would. (status or None, bytes the
    server let us send)."""
    parts = urllib.parse.urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{length}\r\n\r\n".encode())
    sent = [0]

    def send() -> None:
        block = b" " * (1024 * 1024)
        chunk = f"{len(block):x}\r\n".encode() + block + b"\r\n" if chunked else block
        try:
            while sent[0] < size:
                sock.sendall(chunk)
                sent[0] += len(block)
        except OSError:
            pass  # the server has answered and closed

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    status = None
    try:
        first = sock.recv(4096).split(b"\r\n", 1)[0].split()
        status = int(first[1]) if len(first) > 1 else None
    except OSError:
        pass
    sender.join(120)
    sock.close()
    return status, sent[0]
