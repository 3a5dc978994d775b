"""The data API's description, data/openapi.yaml: served as /api/v1/openapi.json and set out
for readers on the /data/api page. Read once per process."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from boligsosial.config import settings

OPENAPI_FILE = settings.ROOT / "data" / "openapi.yaml"
PREFIX = "/api/v1"  # where the API's routes live; the description's paths are below it


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    with open(OPENAPI_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)
