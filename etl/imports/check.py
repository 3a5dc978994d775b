"""The whole check of one file against its mapping (read_file): the mapping, the file's size, its
table and its rows, as one bundle or one rejection naming the file. Nothing is stored here."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from etl.errors import ImportRejected
from etl.imports.mapping import MAX_MAPPING_BYTES, mapping_yaml, parse_mapping
from etl.imports.problems import Limit, Rejected, count_text
from etl.imports.readers import read_table
from etl.imports.rows import as_bundle, observations
from etl.tidy import Bundle

# Larger files are almost certainly not a single table meant for this dashboard, and reading
# them whole into memory (which the CSV and XLSX readers do) would hurt the machine running it.
MAX_FILE_BYTES = 50_000_000


def check_file(name: str, content: bytes, raw_mapping: Any, indicators: dict[str, str],
           known_regions: set[str], fetched_at: str) -> Bundle:
    """The whole check of one file: raises Rejected with every problem found."""
    mapping = parse_mapping(raw_mapping, indicators)
    _check_size(len(content))
    table = read_table(Path(name).suffix.lower(), content, mapping)
    rows, categories = observations(table, mapping, indicators, known_regions)
    return as_bundle(rows, categories, mapping, hashlib.sha256(content).hexdigest(), fetched_at)


def rejection(name: str, rejected: Rejected) -> ImportRejected:
    return ImportRejected(f'"{name}" was rejected; nothing was imported ({count_text(rejected.total())} problem(s))',
                          rejected.listed())


def _check_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise Limit([f"the file is {size / 1e6:.1f} MB; the import limit is {MAX_FILE_BYTES / 1e6:.0f} MB"])


def read_input(path: Path, mapping: bool = False) -> bytes:
    """The file's bytes, checking the size before reading so a huge file is never loaded."""
    if not path.is_file():
        raise Rejected([f"{path} does not exist or is not a file"])
    size = path.stat().st_size
    if mapping and size > MAX_MAPPING_BYTES:
        raise Limit([f'mapping "{path.name}" is {size / 1e3:.0f} kB; the limit for a mapping is '
                      f"{MAX_MAPPING_BYTES / 1e3:.0f} kB"])
    _check_size(size)
    return path.read_bytes()


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def read_file(path: str | Path, mapping: str | Path | dict, *, indicators: dict[str, str],
              known_regions: set[str], fetched_at: str | None = None) -> Bundle:
    """Parse and check one file against its mapping (a YAML path or an already loaded dict).

    ``indicators`` maps indicator id -> unit; ``known_regions`` holds the registry's codes.
    Raises ImportRejected listing every problem, each with the line (CSV) or row (XLSX) number
    a person sees in the file. ``fetched_at`` goes into the source row (default: now)."""
    path = Path(path)
    try:
        raw_mapping = mapping if isinstance(mapping, dict) else mapping_yaml(read_input(Path(mapping), True), Path(mapping).name)
        content = read_input(path)
        return check_file(path.name, content, raw_mapping, indicators, known_regions, fetched_at or now())
    except Rejected as exc:
        raise rejection(path.name, exc) from None
