"""What the app knows about ETL runs: read from the run log the ETL appends to
(data/etl_runs.jsonl, see etl/runlog.py), never from etl/ itself, because the app must run
without the pipeline's code and dependencies.

The log, not the warehouse, is read because a failed refresh never reaches a published
warehouse: the log is the only place that says "the latest refresh failed, and why".
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from boligsosial.config import settings

# The log grows by two lines per run forever; the status page needs only recent runs, so only
# the end of the file is read (a run's two lines are written seconds to minutes apart, so a
# window this size holds hundreds of runs).
TAIL_BYTES = 256 * 1024

UNFINISHED = "unfinished"  # a start line without an end line: still running, or killed


@dataclass(frozen=True)
class Summary:
    latest: dict | None  # the most recently started run, whatever its outcome
    last_ok: dict | None  # the most recent run that published a warehouse

    @property
    def latest_failed(self) -> bool:
        return self.latest is not None and self.latest.get("status") == "failed"


def read_runs(path: Path | None = None, whole: bool = False, unfinished: str = UNFINISHED) -> list[dict]:
    """Runs, oldest first, one dict per run with its start and end lines merged; the ETL's own
    reader (etl/runlog.py) uses this too, on the whole file (whole=True).

    Otherwise only the last TAIL_BYTES of the log are read. Lines that are not whole JSON objects (a
    line cut short by a crash) are skipped: the run they belonged to shows as `unfinished`."""
    path = path or settings.run_log_path()
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, 2)
            start = 0 if whole else max(0, size - TAIL_BYTES)
            handle.seek(start)
            lines = handle.read().decode("utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return []
    if start:
        lines = lines[1:]  # the window began inside a line
    runs: dict[str, dict] = {}
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("run_id"), str) and isinstance(record.get("started"), str):
            runs.setdefault(record["run_id"], {}).update(record)
    for record in runs.values():
        if record.get("status") == "running":
            record["status"] = unfinished
    return sorted(runs.values(), key=lambda run: run["started"])


def summarise(runs: list[dict]) -> Summary:
    ok = [run for run in runs if run.get("status") == "ok"]
    return Summary(latest=runs[-1] if runs else None, last_ok=ok[-1] if ok else None)
