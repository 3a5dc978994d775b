"""Where things live. One place for every path and upstream address; each can be overridden
by an environment variable so that tests and deployments point elsewhere without code changes."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
