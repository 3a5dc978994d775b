"""Where things live. One place for every path and upstream address; each can be overridden
by an environment variable so that tests and deployments point elsewhere without code changes."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]

# The warehouse layout (etl/schema.sql) the app reads, written into each published file's meta.
# Raised whenever a column the app reads is added or renamed: a file of another layout (an old
# one rolled back into place) is then refused with "rebuild", not served into 500s.
# 2: note_nn, derivation_nn and label_nn (nynorsk notes and breakdown labels).
WAREHOUSE_SCHEMA = "2"


def _path(env: str, default: Path) -> Path:
    value = os.environ.get(env)
    return Path(value) if value else default


def data_dir() -> Path:
    """Bundled data: facts, indicator catalogue, table lists, region snapshots."""
    return _path("BOLIG_DATA_DIR", ROOT / "data")


def warehouse_path() -> Path:
    """The published DuckDB file that the app serves (read-only)."""
    return _path("BOLIG_WAREHOUSE", data_dir() / "warehouse.duckdb")


def snapshot_dir() -> Path:
    """Raw upstream responses and imported files, exactly as they came, with checksums."""
    return _path("BOLIG_SNAPSHOTS", data_dir() / "snapshots")


def run_log_path() -> Path:
    """Append-only log of ETL runs; kept outside the warehouse so failed runs are recorded too."""
    return _path("BOLIG_RUN_LOG", warehouse_path().with_name("etl_runs.jsonl"))


def ssb_base_url() -> str:
    return os.environ.get("BOLIG_SSB_BASE", "https://data.ssb.no/api/pxwebapi/v2").rstrip("/")


def klass_base_url() -> str:
    return os.environ.get("BOLIG_KLASS_BASE", "https://data.ssb.no/api/klass/v1").rstrip("/")


# ------------------------------------------------------------------------------ the site's own address

# Hosts whose own name may start the absolute links in an answer when BOLIG_PUBLIC_URL is not
# set: this machine, as `make run` and the tests reach it.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def public_url() -> str | None:
    """BOLIG_PUBLIC_URL, the site's address as readers reach it (https://host[:port]): every
    absolute link the app writes starts with it, whatever Host a request names. None when unset.
    Anything else than http(s)://host[:port] raises ValueError, so a typo stops the start."""
    value = os.environ.get("BOLIG_PUBLIC_URL", "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password
            or parts.path.strip("/") or parts.query or parts.fragment):
        raise ValueError(f"BOLIG_PUBLIC_URL must be http(s)://host[:port] with nothing after it, not {value!r}")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def trusted_hosts() -> frozenset[str]:
    """Host names (any port) that may be named in links when no public URL is set: this
    machine, plus BOLIG_TRUSTED_HOSTS (comma-separated). Requests naming any other host are
    refused with 400 (boligsosial/web/security.py)."""
    extra = os.environ.get("BOLIG_TRUSTED_HOSTS", "")
    return frozenset([*LOOPBACK_HOSTS, *(h.strip().lower().rstrip(".") for h in extra.split(",") if h.strip())])


def site_url() -> str:
    """The start of every absolute link in an answer, without the final slash: the public URL,
    or the request's own scheme and host (which boligsosial/web/security.py has already checked is
    a trusted one). Call it while a request is being answered."""
    configured = public_url()
    if configured:
        return configured
    from flask import request  # the ETL uses this module too, and never needs Flask

    return request.host_url.rstrip("/")
