"""Breakdown keys as the warehouse stores them: '' for a total, else ``dim=code|dim=code`` with
the dimensions sorted (docs/decisions.md). The app builds the keys it asks for here instead of
importing the ETL, which the runtime never does."""
from __future__ import annotations

from typing import Mapping


def key(parts: Mapping[str, str]) -> str:
    """``{"tenure": "renter", "estimate": "ssb_2011"}`` -> ``"estimate=ssb_2011|tenure=renter"``."""
    return "|".join(f"{dim}={parts[dim]}" for dim in sorted(parts) if parts[dim])


def parse(text: str) -> dict[str, str]:
    """The inverse of `key`; '' (a total) is an empty mapping."""
    if not text:
        return {}
    return dict(part.split("=", 1) for part in text.split("|"))


def with_part(fixed: str, dimension: str, code: str) -> str:
    """The key of `fixed` narrowed by one more dimension: with_part("estimate=ssb_2011",
    "tenure", "renter") -> "estimate=ssb_2011|tenure=renter"."""
    return key({**parse(fixed), dimension: code})
