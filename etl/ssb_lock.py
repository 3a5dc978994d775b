"""data/ssb_lock.yaml: what `refresh` resolved for each entry of data/ssb_tables.yaml.

The table list says how to recognise a series (a table id or a search, a ContentsCode by its
label and unit); the lock says what that was found to be at SSB on a given day: the table, each
series' code, label and unit, the table's `updated` stamp, the other dimensions and the codes we
rely on. A person reviews the lock's diff like any other change and commits it. A later refresh
works from the lock and stops (UpstreamChanged, exit 4) naming every difference when SSB has
changed something the lock records, instead of quietly fetching something else.

The file is YAML so that a review diff reads well; it is rewritten whole (the header below is
the only comment kept). BOLIG_SSB_LOCK points elsewhere (the tests do, so they never write data/).
"""
from __future__ import annotations

import os
from pathlib import Path

import yaml

from boligsosial.config import settings
from etl.errors import EtlError

# libyaml's safe loader where it is installed (the lists are read by every build), else PyYAML's.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

FILE_NAME = "ssb_lock.yaml"

HEADER = """\
# What `python -m etl refresh` resolved for each entry of data/ssb_tables.yaml at SSB, and when.
# Written by refresh (never by hand, except `reviewed`); read by refresh, build and check-upstream.
#
# Per entry (the key is the entry's key in data/ssb_tables.yaml):
#   table, title, updated   the StatBank table, its title and its `updated` stamp when confirmed
#   found_by                how the table was found (its id, or a search and what it turned up)
#   confirmed               the day refresh resolved it against SSB's live metadata
#   reviewed                false until a person has checked that each series' label and unit
#                           mean what its indicator means; set it to true in the same commit
#   dimensions              the table's dimensions; a dimension added or removed is a difference
#   codes                   codes of other dimensions the entry relies on, with SSB's labels
#   series                  indicator -> ContentsCode, its label and unit base (and when confirmed)
# A refresh that finds any of this changed at SSB stops with exit 4 and names the difference; the
# served database is left as it is. To accept a change, delete the entry (or the series) here and
# run `python -m etl refresh` again: it is resolved anew and shows up in the diff.
"""


def lock_path() -> Path:
    configured = os.environ.get("BOLIG_SSB_LOCK")
    return Path(configured) if configured else settings.data_dir() / FILE_NAME


def read(path: Path | None = None) -> dict[str, dict]:
    """The lock's entries by key; an absent file is an empty lock."""
    path = path or lock_path()
    if not path.exists():
        return {}
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise EtlError(f"cannot read the SSB lock file {path}: {exc}") from exc
    entries = document.get("entries") or {}
    if not isinstance(entries, dict) or not all(isinstance(v, dict) for v in entries.values()):
        raise EtlError(f"{path}: `entries` must map each entry key to what was resolved for it")
    for key, entry in entries.items():
        if not isinstance(entry.get("table"), str) or not isinstance(entry.get("series") or {}, dict):
            raise EtlError(f"{path}: entry {key!r} needs `table` (a table id) and `series`")
    return {str(k): v for k, v in entries.items()}


def write(entries: dict[str, dict], path: Path | None = None) -> Path:
    """Replace the lock with `entries` (keys in the order given), atomically."""
    path = path or lock_path()
    body = yaml.safe_dump({"entries": entries}, allow_unicode=True, sort_keys=False, width=110, default_flow_style=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(HEADER + "\n" + body, encoding="utf-8")
    os.replace(temporary, path)
    return path
