"""What each page shows is data: data/headlines.yaml for Oversikt and data/pages/<page>.yaml
for the others (which cards, which series and periods, the page's own texts). Read once per
process."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from boligsosial import settings

# Part of the app, like the interface texts: read from the repository, not BOLIG_DATA_DIR.
DATA = settings.ROOT / "data"


@lru_cache(maxsize=None)
def load(relative_path: str) -> dict[str, Any]:
    """A page configuration file under data/, e.g. load("pages/bostedslose.yaml")."""
    with open(DATA / relative_path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)
