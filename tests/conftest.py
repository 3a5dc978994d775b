"""Every test writes its warehouse, snapshots and run log under its own tmp_path, never into
data/. The bundled data in data/ is read as it is (that is what `make run` builds from)."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def isolated_outputs(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(out / "warehouse.duckdb"))
    monkeypatch.setenv("BOLIG_SNAPSHOTS", str(out / "snapshots"))
    monkeypatch.setenv("BOLIG_RUN_LOG", str(out / "etl_runs.jsonl"))
    # Never reach the real SSB or KLASS from a test: anything not pointed at a fake server fails fast.
    monkeypatch.setenv("BOLIG_SSB_BASE", "http://127.0.0.1:9/unreachable-ssb")
    monkeypatch.setenv("BOLIG_KLASS_BASE", "http://127.0.0.1:9/unreachable-klass")
    return out
