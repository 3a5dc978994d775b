"""Snapshots: every upstream response or imported file, stored exactly as it came.

A snapshot is a file under ``<snapshot_dir>/<namespace>/<name>`` with a sidecar
``<name>.meta.json`` holding where it came from, when, and its sha256. A rebuild reads only
snapshots, so it needs no network and gives the same warehouse every time.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from boligsosial.config import settings

META_SUFFIX = ".meta.json"


@dataclass(frozen=True)
class Snapshot:
    namespace: str  # e.g. "ssb", "klass", "import"
    name: str  # file name inside the namespace, e.g. "12008.json"
    url: str  # where it came from (a file path for imports)
    fetched_at: str  # ISO 8601, UTC
    sha256: str
    bytes: int
    method: str = "GET"
    request_body: str | None = None  # POST body, when the request needed one
    extra: dict = field(default_factory=dict)  # e.g. the table's "updated" stamp

    def path(self, root: Path | None = None) -> Path:
        return (root or settings.snapshot_dir()) / self.namespace / self.name

    def read_bytes(self, root: Path | None = None) -> bytes:
        return self.path(root).read_bytes()


def _atomic_write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def store(
    namespace: str,
    name: str,
    content: bytes,
    *,
    url: str,
    method: str = "GET",
    request_body: str | None = None,
    extra: dict | None = None,
    root: Path | None = None,
) -> Snapshot:
    """Write content and its metadata; both writes are atomic so a crash leaves no half file."""
    snap = Snapshot(
        namespace=namespace,
        name=name,
        url=url,
        fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        sha256=hashlib.sha256(content).hexdigest(),
        bytes=len(content),
        method=method,
        request_body=request_body,
        extra=dict(extra or {}),
    )
    target = snap.path(root)
    _atomic_write(target, content)
    _atomic_write(target.with_name(target.name + META_SUFFIX), json.dumps(asdict(snap), indent=2, ensure_ascii=False).encode("utf-8"))
    return snap


def load(namespace: str, name: str, root: Path | None = None) -> Snapshot | None:
    meta = (root or settings.snapshot_dir()) / namespace / (name + META_SUFFIX)
    if not meta.exists():
        return None
    return Snapshot(**json.loads(meta.read_text(encoding="utf-8")))


def list_snapshots(namespace: str, root: Path | None = None) -> list[Snapshot]:
    folder = (root or settings.snapshot_dir()) / namespace
    if not folder.is_dir():
        return []
    metas = sorted(folder.glob("*" + META_SUFFIX))
    return [Snapshot(**json.loads(m.read_text(encoding="utf-8"))) for m in metas]


def verify(snap: Snapshot, root: Path | None = None) -> bool:
    """True when the stored file still has the checksum it was stored with."""
    path = snap.path(root)
    return path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == snap.sha256


def delete(snap: Snapshot, root: Path | None = None) -> None:
    """Remove a snapshot and its metadata (used to take back an import the warehouse rejected)."""
    target = snap.path(root)
    target.with_name(target.name + META_SUFFIX).unlink(missing_ok=True)
    target.unlink(missing_ok=True)
