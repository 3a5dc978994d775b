"""Accepted imports stored as snapshots (namespace "import") with their mappings, and re-read
offline by every build (load_bundle); two imports may never give the same figure."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from etl import snapshot
from etl.errors import ImportRejected
from etl.imports.check import check_file, now, read_input, rejection
from etl.imports.mapping import mapping_yaml
from etl.imports.problems import Rejected
from etl.imports.rows import BUNDLE_NAME
from etl.tidy import Bundle

NAMESPACE = "import"
MAPPING_SUFFIX = ".mapping.yaml"


@dataclass(frozen=True)
class ImportResult:
    imported: bool  # False when the identical file was already imported with the same mapping
    message: str
    snapshot: snapshot.Snapshot  # the stored file
    mapping_snapshot: snapshot.Snapshot
    bundle: Bundle


@dataclass(frozen=True)
class _Stored:
    data: snapshot.Snapshot
    mapping: snapshot.Snapshot


def _stored_imports(root: Path | None) -> list[_Stored]:
    """Every stored file with its mapping. A file snapshot names its mapping in ``extra``;
    a mapping snapshot without a file (a crash between the two writes) is ignored."""
    stored, problems = [], []
    for snap in snapshot.list_snapshots(NAMESPACE, root):
        mapping_name = snap.extra.get("mapping")
        if not mapping_name:
            continue
        mapping_snap = snapshot.load(NAMESPACE, mapping_name, root)
        if mapping_snap is None:
            problems.append(f"stored import {snap.name}: its mapping {mapping_name} is missing")
            continue
        problems.extend(
            f"stored import {s.name} is corrupted: its checksum no longer matches ({s.path(root)}); "
            "restore it, or delete it with its .meta.json and import the file again"
            for s in (snap, mapping_snap) if not snapshot.verify(s, root)
        )
        stored.append(_Stored(snap, mapping_snap))
    if problems:
        raise ImportRejected("stored imports cannot be read", problems)
    return stored


def _stored_mapping(item: _Stored, root: Path | None) -> Any:
    try:
        return mapping_yaml(item.mapping.read_bytes(root), item.mapping.name)
    except Rejected as exc:
        raise ImportRejected(f"stored import {item.data.name} has an unreadable mapping", exc.listed()) from None


def _reparse(item: _Stored, indicators: dict[str, str], known_regions: set[str], root: Path | None) -> Bundle:
    raw_mapping = _stored_mapping(item, root)
    try:
        return check_file(item.data.name, item.data.read_bytes(root), raw_mapping, indicators, known_regions,
                      item.data.fetched_at)
    except Rejected as exc:
        message = f"stored import {item.data.name} no longer passes the import checks"
        raise ImportRejected(message, exc.listed()) from None


def _check_overlaps(named: list[tuple[str, Bundle]]) -> None:
    """Two imports must not both give the same figure: which one a build used would be an accident.
    Reported per pair of files with an example, since a whole re-issued file overlaps everywhere."""
    key = ["indicator_id", "region_code", "period", "breakdown"]
    owner: dict[tuple, str] = {}
    clashes: dict[tuple[str, str], list[tuple]] = {}
    for name, bundle in named:
        for k in bundle.observations[key].itertuples(index=False, name=None):
            if k in owner:
                clashes.setdefault((owner[k], name), []).append(k)
            else:
                owner[k] = name
    if clashes:
        raise ImportRejected("imports overlap: the same figure would come from two files", [
            f"{a} and {b} share {len(keys)} figure(s), e.g. {' / '.join(part for part in keys[0] if part)}; "
            f"delete the outdated one (and its .mapping.yaml and .meta.json files) from the import snapshots"
            for (a, b), keys in clashes.items()
        ])


def _combine(bundles: list[Bundle]) -> Bundle:
    if not bundles:
        return Bundle.empty(BUNDLE_NAME)
    categories = pd.concat([b.categories for b in bundles], ignore_index=True)
    return Bundle(
        BUNDLE_NAME,
        pd.concat([b.observations for b in bundles], ignore_index=True),
        pd.concat([b.sources for b in bundles], ignore_index=True),
        categories.drop_duplicates(["dimension", "code"], ignore_index=True),
    )


def load_bundle(*, indicators: dict[str, str], known_regions: set[str], root: Path | None = None) -> Bundle:
    """Every stored import, re-read offline with its stored mapping, as one bundle "import"."""
    stored = _stored_imports(root)
    named = [(item.data.name, _reparse(item, indicators, known_regions, root)) for item in stored]
    _check_overlaps(named)
    return _combine([bundle for _, bundle in named])


def _snapshot_names(path: Path, checksum: str) -> tuple[str, str]:
    # The checksum in the name keeps two files called "bostotte.csv" apart; odd characters in
    # the stem are replaced so the name is safe on every file system.
    stem = re.sub(r"[^\w.-]+", "_", path.stem).strip("._") or "import"
    base = f"{stem}-{checksum[:8]}"
    return base + path.suffix.lower(), base + MAPPING_SUFFIX


def import_file(path: str | Path, mapping_path: str | Path, *, indicators: dict[str, str],
                known_regions: set[str], root: Path | None = None) -> ImportResult:
    """Check a file and, only if it passes, store it and its mapping as snapshots.

    Importing the identical file again with the same mapping changes nothing and says so."""
    path, mapping_path = Path(path), Path(mapping_path)
    try:
        mapping_bytes = read_input(mapping_path, True)
        raw_mapping = mapping_yaml(mapping_bytes, mapping_path.name)
        content = read_input(path)
        bundle = check_file(path.name, content, raw_mapping, indicators, known_regions, now())
    except Rejected as exc:
        raise rejection(path.name, exc) from None
    checksum = hashlib.sha256(content).hexdigest()

    stored = _stored_imports(root)
    for item in stored:
        if item.data.sha256 != checksum:
            continue
        if _stored_mapping(item, root) != raw_mapping:
            raise ImportRejected(
                f'"{path.name}" was already imported with a different mapping (snapshot {item.data.name}); '
                f"to import it again, delete {item.data.path(root)} and {item.mapping.path(root)} "
                "with their .meta.json files"
            )
        return ImportResult(False, f'"{path.name}" is already imported as {item.data.name}; nothing changed',
                            item.data, item.mapping, _reparse(item, indicators, known_regions, root))

    data_name, mapping_name = _snapshot_names(path, checksum)
    if snapshot.load(NAMESPACE, data_name, root) is not None:
        raise ImportRejected(f"a different stored import is already called {data_name}; rename the file and try again")
    existing = [(item.data.name, _reparse(item, indicators, known_regions, root)) for item in stored]
    _check_overlaps(existing + [(path.name, bundle)])

    # The mapping goes first: a crash before the file is written leaves only an unused mapping.
    mapping_snap = snapshot.store(NAMESPACE, mapping_name, mapping_bytes, url=str(mapping_path.resolve()),
                                  extra={"mapping_for": data_name}, root=root)
    data_snap = snapshot.store(NAMESPACE, data_name, content, url=str(path.resolve()),
                               extra={"mapping": mapping_name, "original_name": path.name}, root=root)
    bundle.sources["fetched_at"] = data_snap.fetched_at
    return ImportResult(True, f'"{path.name}" imported as {data_name}: {len(bundle.observations)} figure(s)',
                        data_snap, mapping_snap, bundle)
