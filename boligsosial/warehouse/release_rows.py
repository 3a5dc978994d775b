"""What changed between published data versions, for /nytt and /nytt.atom."""
from __future__ import annotations

from typing import Any

from boligsosial.warehouse import db
from boligsosial.warehouse.catalogue_rows import table_names

# A warehouse published before the change log existed (etl/changelog.py) has neither table:
# nothing to list.


def data_releases() -> list[dict[str, Any]]:
    """Every data version the served warehouse records, newest first."""
    if "data_release" not in table_names():
        return []
    return db.rows("SELECT * FROM data_release ORDER BY rowid DESC")  # written oldest first at publish


def change_log() -> list[dict[str, Any]]:
    """Every recorded change, in the order the ETL wrote them per version."""
    if "change_log" not in table_names():
        return []
    return db.rows("SELECT * FROM change_log ORDER BY data_version, rowid")
