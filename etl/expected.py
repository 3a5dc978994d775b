"""Expected periods without a figure become rows: no value, a status and the reason.

A national survey that found no count for 2008, or a 2024 survey whose results are not yet
published, is still a period readers expect to see. Written into the warehouse as a row (value
NULL, status ".." or "...", the reason in bokmål, nynorsk and English, no source), it stays visibly missing
in every chart, table, file and API count alike, instead of each output deciding for itself
whether to leave it out. The periods and reasons are data: `series:` in data/indicators.yaml.
"""
from __future__ import annotations

import math

import pandas as pd

from etl.tidy import NO_TEXTS, OBSERVATION_COLUMNS

COUNTRY = "0"
TOTAL = ""


def add_missing(observations: pd.DataFrame, expected: pd.DataFrame) -> pd.DataFrame:
    """`observations` with a row added for every expected (indicator, period) of the national
    total that no source gives a row for. Rows that exist, with or without a value, stand."""
    totals = observations[(observations["region_code"] == COUNTRY) & (observations["breakdown"] == TOTAL)]
    have = set(zip(totals["indicator_id"], totals["period"]))
    missing = [
        {
            "indicator_id": row.indicator_id, "region_code": COUNTRY, "period": row.period, "breakdown": TOTAL,
            "value": math.nan, "status": row.status, "qualifier": "", "source_id": None, "derived": False,
            "derivation": "", "confidence": "", "note": row.note_en,
            **NO_TEXTS, "note_nb": row.note_nb, "note_nn": row.note_nn, "note_en": row.note_en,
        }
        for row in expected.itertuples(index=False)
        if (row.indicator_id, row.period) not in have
    ]
    if not missing:
        return observations
    return pd.concat([observations, pd.DataFrame(missing, columns=OBSERVATION_COLUMNS)], ignore_index=True)
