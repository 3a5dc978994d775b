"""HTTP for upstream APIs (SSB PxWebApi, KLASS): polite, bounded and explicit about failure.

- A sliding-window rate limit (SSB allows 30 requests a minute per IP).
- Retries for 429, 5xx, timeouts, dropped connections and truncated JSON, with exponential
  backoff, honouring Retry-After, and a bounded number of tries.
- Every failure ends in an UpstreamError whose message says what happened, never a traceback.
"""
from __future__ import annotations

import collections
import email.utils
import json
import os
import time
from dataclasses import dataclass
from typing import Any, Callable

import requests

from etl.errors import UpstreamError

USER_AGENT = "boligsosial-statistikk-etl (+https://github.com/; open-source statistics dashboard)"
RETRY_STATUS = {429, 500, 502, 503, 504}


@dataclass
class Reply:
    url: str
    status: int
    content: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.content)


class RateLimiter:
    """At most `limit` requests in any `window` seconds."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float], sleep: Callable[[float], None]):
        self.limit, self.window, self.clock, self.sleep = limit, window, clock, sleep
        self.sent: collections.deque[float] = collections.deque()

    def wait(self) -> None:
        now = self.clock()
        while self.sent and now - self.sent[0] >= self.window:
            self.sent.popleft()
        if len(self.sent) >= self.limit:
            self.sleep(self.window - (now - self.sent[0]))
            self.sent.popleft()
        self.sent.append(self.clock())


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After is either seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class HttpClient:
    def __init__(
        self,
        *,
        per_minute: int = 30,
        timeout: float | None = None,
        max_tries: int = 5,
        backoff: float | None = None,
        max_wait: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        session: requests.Session | None = None,
    ):
        # Operators (and end-to-end tests) can tune these without code: BOLIG_HTTP_TIMEOUT, BOLIG_HTTP_BACKOFF.
        self.timeout = timeout if timeout is not None else float(os.environ.get("BOLIG_HTTP_TIMEOUT", "30"))
        self.backoff = backoff if backoff is not None else float(os.environ.get("BOLIG_HTTP_BACKOFF", "2"))
        self.max_tries, self.max_wait = max_tries, max_wait
        self.sleep = sleep
        self.limiter = RateLimiter(per_minute, 60.0, clock, sleep)
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.requests_sent = 0

    def request(self, method: str, url: str, *, params: dict | None = None, body: Any = None, expect_json: bool = True) -> Reply:
        problem = ""
        for attempt in range(1, self.max_tries + 1):
            self.limiter.wait()
            self.requests_sent += 1
            wait = self.backoff * 2 ** (attempt - 1)
            try:
                resp = self.session.request(method, url, params=params, json=body, timeout=self.timeout)
            except requests.Timeout:
                problem = f"no answer within {self.timeout:g} s"
            except requests.ConnectionError as exc:
                problem = f"connection failed ({type(exc).__name__})"
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
                # The connection dropped in the middle of the body: requests raises these, not
                # ConnectionError, so they need their own clause to be retried.
                problem = f"the connection broke off during the answer ({type(exc).__name__})"
            else:
                reply = Reply(resp.url, resp.status_code, resp.content, dict(resp.headers))
                if resp.status_code in RETRY_STATUS:
                    problem = f"HTTP {resp.status_code}"
                    # "Retry-After: 0" means now; only a missing or unreadable header falls back.
                    told = retry_after_seconds(resp.headers.get("Retry-After"))
                    if told is not None and told > self.max_wait:
                        raise UpstreamError(
                            f"{method} {url}: HTTP {resp.status_code}, the server asks us to wait {told:.0f} s "
                            f"(more than {self.max_wait:.0f} s); try again later")
                    wait = told if told is not None else wait
                elif resp.status_code >= 400:
                    raise UpstreamError(f"{method} {url} was refused: HTTP {resp.status_code} {_error_text(resp.content)}")
                elif expect_json and not _is_json(resp.content):
                    problem = "the answer was not complete JSON (truncated or malformed)"
                else:
                    return reply
            if attempt < self.max_tries:
                self.sleep(min(wait, self.max_wait))
        raise UpstreamError(f"{method} {url} failed after {self.max_tries} tries: {problem}")

    def get(self, url: str, params: dict | None = None, **kw) -> Reply:
        return self.request("GET", url, params=params, **kw)

    def post(self, url: str, body: Any, params: dict | None = None, **kw) -> Reply:
        return self.request("POST", url, params=params, body=body, **kw)


def _is_json(content: bytes) -> bool:
    try:
        json.loads(content)
    except ValueError:
        return False
    return True


def _error_text(content: bytes) -> str:
    """Upstream error bodies are short JSON or text; show at most a line of them."""
    text = content[:300].decode("utf-8", "replace").strip().replace("\n", " ")
    return f"({text})" if text else ""
