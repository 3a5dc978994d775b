"""The gunicorn worker the app runs in (named in gunicorn.conf.py): gunicorn's threaded worker
with a deadline for reading each request.

Threads, because a sync worker serves one connection at a time: two clients that send their
headers slowly (a line every few seconds) held both workers, and nothing else was answered for
32 s (issue 14). gunicorn's gthread worker keeps connections that have sent nothing yet in one
poller and gives a thread only to a connection that has sent something, so a slow client holds
one thread of several and the others go on answering.

Deadlines, because once a thread has begun a request, gthread reads it to the end however slowly
it arrives. Here a thread has HEADER_SECONDS for the request line and headers and, when the
request has a body, BODY_SECONDS more for the body and the answer. A connection past its
deadline is shut down: the blocked read ends, the thread is free again, and the client gets no
answer. The site takes no uploads, and the only requests with a body are Dash's callbacks (a few
kilobytes, answered in milliseconds), so neither bound is near what a real reader needs.
Production puts a reverse proxy that buffers whole requests in front (docs/deploy.md), so slow
clients never reach gunicorn at all; this is the bound for when they do.
"""
from __future__ import annotations

import os
import socket
import threading
import time

from gunicorn.workers.gthread import ThreadWorker

HEADER_SECONDS = float(os.environ.get("BOLIG_HEADER_TIMEOUT", "10"))
BODY_SECONDS = float(os.environ.get("BOLIG_BODY_TIMEOUT", "30"))
CHECK_EVERY = 0.5  # seconds between looks at the deadlines


def has_body(headers: list[tuple[str, str]]) -> bool:
    """Whether a request (gunicorn's upper-cased header list) announces a body."""
    for name, value in headers:
        if name == "TRANSFER-ENCODING" or (name == "CONTENT-LENGTH" and value.strip() not in ("", "0")):
            return True
    return False


class DeadlineThreadWorker(ThreadWorker):
    """gthread, plus: every request is read within its deadline or its connection is closed."""

    def init_process(self) -> None:
        # Runs in the worker after the fork; the base class then runs the worker's loop.
        self._deadlines: dict[int, tuple[object, float]] = {}  # worker thread -> (connection, deadline)
        self._deadlines_lock = threading.Lock()
        threading.Thread(target=self._enforce_deadlines, name="request-deadlines", daemon=True).start()
        super().init_process()

    def handle(self, conn):
        self._set_deadline(conn, HEADER_SECONDS)
        try:
            return super().handle(conn)
        finally:
            self._set_deadline(conn, None)

    def handle_request(self, req, conn):
        # The request line and headers are in. What remains to read is the body, if any; the
        # app reads it, and its answer follows.
        self._set_deadline(conn, BODY_SECONDS if has_body(req.headers) else None)
        return super().handle_request(req, conn)

    def _set_deadline(self, conn, seconds: float | None) -> None:
        thread = threading.get_ident()
        with self._deadlines_lock:
            if seconds is None:
                self._deadlines.pop(thread, None)
            else:
                self._deadlines[thread] = (conn, time.monotonic() + seconds)

    def _enforce_deadlines(self) -> None:
        while True:
            time.sleep(CHECK_EVERY)
            now = time.monotonic()
            # Under the lock, so a connection is only shut down while its thread is still
            # inside handle(): once the thread has let go of it, it may be someone else's.
            with self._deadlines_lock:
                for thread, (conn, deadline) in list(self._deadlines.items()):
                    if now < deadline:
                        continue
                    del self._deadlines[thread]
                    self.log.warning("Closed the connection from %s: its request was not read within its deadline",
                                     _client(conn))
                    try:
                        conn.sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass  # already closed by the client


def _client(conn) -> str:
    client = getattr(conn, "client", None)
    return client[0] if isinstance(client, tuple) and client else str(client)
