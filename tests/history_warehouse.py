"""Warehouses with a publishing history, for the change log and what reads it (/nytt,
/nytt.atom): the bundled data published by the real ETL, then published again with changes
made in memory. The changes are TEST changes to real figures: these warehouses live under
tmp and are never served to anyone."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl import build, publish, runlog


def collect(snapshots: Path) -> dict[str, pd.DataFrame]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BOLIG_SNAPSHOTS", str(snapshots))
        tables, _ = build.collect()
    return tables


def national(frame: pd.DataFrame, indicator: str, period: str) -> pd.Series:
    """The rows of an indicator's national total for one period."""
    return (frame.indicator_id == indicator) & (frame.region_code == "0") & (frame.period == period) & (frame.breakdown == "")


def with_new_homeless_figures(tables: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], str]:
    """The tables with homeless 2020 changed (TEST value), the expected 2024 survey filled in
    (TEST value) and its source given a new publication date; returns them and that source's id."""
    observations = tables["observation"].copy()
    changed = national(observations, "homeless", "2020")
    observations.loc[changed, "value"] = 3326.0
    source_id = observations.loc[changed, "source_id"].iloc[0]
    observations.loc[national(observations, "homeless", "2024"), ["value", "status", "source_id", "confidence"]] = \
        [3000.0, "", source_id, "H"]
    sources = tables["source"].copy()
    sources.loc[sources.source_id == source_id, "published"] = "2025-01-01"
    return {**tables, "observation": observations, "source": sources}, source_id


def publish_to(tables: dict[str, pd.DataFrame], target: Path, command: str = "build") -> publish.Published:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BOLIG_RUN_LOG", str(target.with_name("etl_runs.jsonl")))
        return publish.publish(tables, runlog.Run(command), target)
