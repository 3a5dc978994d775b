"""The committed shapes of the maps (data/geo/<structure>-<level>.json, built by `python -m
etl.geo`) and which structure a year's figures are drawn on; loading them is apart from drawing."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

from boligsosial.config import settings

GEO_DIR = settings.ROOT / "data" / "geo"
STRUCTURES = ("2020", "2024")
LEVELS = ("county", "municipality")


@dataclass(frozen=True)
class Region:
    name: str  # as the boundary file names it (the map writes the names it is given)
    d: str  # SVG path in frame units
    box: tuple[int, int, int, int]  # min x, min y, max x, max y
    point: tuple[int, int]  # inside its largest part


@dataclass(frozen=True)
class Geometry:
    structure: str  # "2020" (2020-2023) or "2024"
    level: str  # "county" or "municipality"
    valid_on: str
    view_box: tuple[int, int, int, int]
    attribution: str
    regions: Mapping[str, Region]
    inset_box: tuple[int, int, int, int]  # x, y, width, height in frame units
    inset: Mapping[str, str]  # code -> path, clipped to inset_box, more detailed


@lru_cache(maxsize=None)
def load_geometry(structure: str, level: str) -> Geometry:
    """The shapes of one structure ("2020" or "2024") and level ("county" or "municipality")."""
    if structure not in STRUCTURES or level not in LEVELS:
        raise ValueError(f"No map geometry for structure {structure!r} and level {level!r}: "
                         f"structure is one of {STRUCTURES}, level one of {LEVELS}.")
    with open(GEO_DIR / f"{structure}-{level}.json", encoding="utf-8") as handle:
        data = json.load(handle)
    regions = {code: Region(r["name"], r["d"], tuple(r["box"]), tuple(r["point"])) for code, r in data["regions"].items()}
    return Geometry(data["structure"], data["level"], data["valid_on"], tuple(data["view_box"]), data["attribution"],
                    regions, tuple(data["inset"]["box"]), dict(data["inset"]["regions"]))


def structure_for_year(year: int) -> str | None:
    """The structure a year's regional figures are published on: 2024 onwards the present one,
    2020-2023 the one of 2020; earlier years have no geometry here (None)."""
    if year >= 2024:
        return "2024"
    if year >= 2020:
        return "2020"
    return None
