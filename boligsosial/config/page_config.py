"""What each page shows is data: data/headlines.yaml for Oversikt and data/pages/<page>.yaml
for the others (which cards, which series, the page's own texts), each checked against its
schema (boligsosial/config/models.py) when read. Read once per process and file version."""
from __future__ import annotations

from typing import Any

from boligsosial.config import files, settings

# Part of the app, like the interface texts: read from the repository, not BOLIG_DATA_DIR.
DATA = settings.ROOT / "data"


def load(relative_path: str) -> dict[str, Any]:
    """A page configuration file under data/, e.g. load("pages/bostedslose.yaml"); ConfigError
    (naming file, line and key) when it does not follow its schema."""
    path = DATA / relative_path
    return files.load_cached(path, files.schema_for(path, DATA))
