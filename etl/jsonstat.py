"""Read JSON-stat 2.0 datasets: what SSB's PxWebApi v2 returns for /metadata and /data.

A dataset is a cube: `id` names the dimensions in order, `size` gives their category counts and
`value` is the flat cell array in row-major order (the last dimension varies fastest). We turn it
into long rows, one per cell, with a code and a label column per dimension, `value` (float, NaN
when missing) and `status` ("" or one of SSB's table symbols).

The reader is strict on purpose: sizes that do not add up, a value array of the wrong length or a
status symbol we do not know raise UpstreamChanged. A response we cannot read exactly is never
half-read into the warehouse.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from etl.errors import UpstreamChanged
from etl.tidy import STATUS_SYMBOLS


@dataclass(frozen=True)
class Dimension:
    id: str
    label: str
    codes: tuple[str, ...]  # in cube order (category.index)
    labels: dict[str, str]  # code -> label; a code without a label is labelled by itself
    role: str = ""  # "time", "geo", "metric" or "" for a breakdown
    elimination: bool | None = None  # may the dimension be left out of a query (metadata only)
    units: dict[str, dict] = field(default_factory=dict)  # metric dimension: code -> {base, decimals}
    extension: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.codes)

    def label_of(self, code: str) -> str:
        return self.labels.get(code, code)

    def decimals(self, code: str) -> int | None:
        unit = self.units.get(code) or {}
        return unit.get("decimals")


@dataclass(eq=False)
class Dataset:
    label: str
    source: str
    updated: str  # ISO timestamp of the table's last update ("" when absent)
    dimensions: tuple[Dimension, ...]
    values: np.ndarray  # float64, NaN where missing; empty for a metadata response
    statuses: list[str]  # "" or a symbol, one per cell; empty for a metadata response
    extension: dict = field(default_factory=dict)
    note: list = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [d.id for d in self.dimensions]

    @property
    def size(self) -> list[int]:
        return [d.size for d in self.dimensions]

    @property
    def cells(self) -> int:
        return math.prod(self.size)

    @property
    def table_id(self) -> str:
        return str((self.extension.get("px") or {}).get("tableid", ""))

    def dimension(self, dim_id: str) -> Dimension:
        for dim in self.dimensions:
            if dim.id == dim_id:
                return dim
        raise KeyError(dim_id)

    def has(self, dim_id: str) -> bool:
        return dim_id in self.ids

    def with_role(self, role: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.role == role), None)

    def to_frame(self) -> pd.DataFrame:
        """One row per cell in row-major order: <dim>, <dim>_label ..., value, status."""
        total = self.cells
        columns: dict[str, Any] = {}
        stride = total
        positions = np.arange(total)
        for dim in self.dimensions:
            stride //= dim.size
            # Row-major: the category position of dimension k at flat index i.
            which = (positions // stride) % dim.size
            codes = np.array(dim.codes, dtype=object)
            labels = np.array([dim.label_of(c) for c in dim.codes], dtype=object)
            columns[dim.id] = codes[which] if total else codes[:0]
            columns[f"{dim.id}_label"] = labels[which] if total else labels[:0]
        columns["value"] = self.values.astype("float64")
        columns["status"] = np.array(self.statuses, dtype=object)
        return pd.DataFrame(columns)


def parse(document: Any, context: str = "JSON-stat dataset") -> Dataset:
    """A data response: every cell must be accounted for."""
    return _parse(document, context, metadata=False)


def parse_metadata(document: Any, context: str = "JSON-stat metadata") -> Dataset:
    """A /metadata response: the same structure, but `value` is empty (no cells are sent)."""
    return _parse(document, context, metadata=True)


def decode(document: Any, context: str = "JSON-stat dataset") -> pd.DataFrame:
    return parse(document, context).to_frame()


# --- internals ------------------------------------------------------------------------------


def _load(document: Any, context: str) -> dict:
    if isinstance(document, (bytes, bytearray)):
        document = document.decode("utf-8")
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError as exc:
            raise UpstreamChanged(f"{context}: not valid JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise UpstreamChanged(f"{context}: expected a JSON object, got {type(document).__name__}")
    return document


def _parse(document: Any, context: str, *, metadata: bool) -> Dataset:
    doc = _load(document, context)
    if doc.get("class", "dataset") != "dataset" or str(doc.get("version", "2.0")) != "2.0":
        raise UpstreamChanged(f"{context}: not a JSON-stat 2.0 dataset (class={doc.get('class')!r}, version={doc.get('version')!r})")
    ids, sizes = doc.get("id"), doc.get("size")
    if not isinstance(ids, list) or not isinstance(sizes, list) or len(ids) != len(sizes):
        raise UpstreamChanged(f"{context}: 'id' and 'size' must be lists of the same length")
    if not all(isinstance(n, int) and n >= 0 for n in sizes):
        raise UpstreamChanged(f"{context}: 'size' must hold non-negative integers, got {sizes}")
    roles = _roles(doc.get("role") or {}, ids, context)
    raw_dims = doc.get("dimension") or {}
    dims = tuple(_dimension(dim_id, raw_dims.get(dim_id), size, roles.get(dim_id, ""), context) for dim_id, size in zip(ids, sizes))
    total = math.prod(sizes)
    if metadata and not doc.get("value"):
        values, statuses = np.empty(0), []
    else:
        values = _values(doc.get("value"), total, context)
        statuses = _statuses(doc.get("status"), total, context)
        # A cell with a status has no number: a suppressed figure must never become 0.
        values[[i for i, s in enumerate(statuses) if s]] = np.nan
    return Dataset(
        label=str(doc.get("label", "")),
        source=str(doc.get("source", "")),
        updated=str(doc.get("updated") or ""),
        dimensions=dims,
        values=values,
        statuses=statuses,
        extension=doc.get("extension") or {},
        note=doc.get("note") or [],
    )


def _roles(role: dict, ids: list, context: str) -> dict[str, str]:
    out = {}
    for name, members in role.items():
        for dim_id in members or []:
            if dim_id not in ids:
                raise UpstreamChanged(f"{context}: role {name!r} names unknown dimension {dim_id!r}")
            out[dim_id] = name
    return out


def _dimension(dim_id: str, raw: Any, size: int, role: str, context: str) -> Dimension:
    if not isinstance(raw, dict):
        raise UpstreamChanged(f"{context}: dimension {dim_id!r} is listed in 'id' but not described")
    category = raw.get("category") or {}
    labels = {str(k): str(v) for k, v in (category.get("label") or {}).items()}
    codes = _codes(category.get("index"), labels, dim_id, context)
    if len(codes) != size:
        raise UpstreamChanged(f"{context}: dimension {dim_id!r} has {len(codes)} categories but size says {size}")
    extension = raw.get("extension") or {}
    return Dimension(
        id=dim_id,
        label=str(raw.get("label", dim_id)),
        codes=codes,
        labels=labels,
        role=role,
        elimination=extension.get("elimination"),
        units=category.get("unit") or {},
        extension=extension,
    )


def _codes(index: Any, labels: dict[str, str], dim_id: str, context: str) -> tuple[str, ...]:
    """category.index is an array of codes or an object code -> position; the spec lets a
    single-category dimension leave it out and give only the label."""
    if index is None:
        if len(labels) == 1:
            return tuple(labels)
        raise UpstreamChanged(f"{context}: dimension {dim_id!r} has no category index")
    if isinstance(index, list):
        codes = tuple(str(c) for c in index)
    elif isinstance(index, dict):
        positions = sorted(index.values())
        if positions != list(range(len(index))):
            raise UpstreamChanged(f"{context}: dimension {dim_id!r} has category positions that are not 0..n-1")
        codes = tuple(str(code) for code, _ in sorted(index.items(), key=lambda item: item[1]))
    else:
        raise UpstreamChanged(f"{context}: dimension {dim_id!r} has a category index of type {type(index).__name__}")
    if len(set(codes)) != len(codes):
        raise UpstreamChanged(f"{context}: dimension {dim_id!r} repeats a category code")
    return codes


def _number(item: Any, where: str, context: str) -> float:
    if item is None:
        return math.nan
    if isinstance(item, bool) or not isinstance(item, (int, float)):
        raise UpstreamChanged(f"{context}: value at {where} is {item!r}, not a number or null")
    return float(item)


def _flat_index(key: Any, total: int, what: str, context: str) -> int:
    try:
        position = int(key)
    except (TypeError, ValueError):
        raise UpstreamChanged(f"{context}: {what} key {key!r} is not a cell index") from None
    if not 0 <= position < total:
        raise UpstreamChanged(f"{context}: {what} key {key!r} is outside the {total} cells")
    return position


def _values(raw: Any, total: int, context: str) -> np.ndarray:
    # The spec allows an array with every cell, or an object keyed by cell index (sparse cubes).
    if isinstance(raw, list):
        if len(raw) != total:
            raise UpstreamChanged(f"{context}: {len(raw)} values for {total} cells (the product of 'size')")
        return np.array([_number(v, str(i), context) for i, v in enumerate(raw)], dtype="float64")
    if isinstance(raw, dict):
        values = np.full(total, np.nan)
        for key, item in raw.items():
            values[_flat_index(key, total, "value", context)] = _number(item, str(key), context)
        return values
    raise UpstreamChanged(f"{context}: 'value' is missing or of type {type(raw).__name__}")


def _statuses(raw: Any, total: int, context: str) -> list[str]:
    # Three forms are allowed: one string for every cell, an array, or an object keyed by index.
    if raw is None:
        return [""] * total
    if isinstance(raw, str):
        statuses = [raw] * total
    elif isinstance(raw, list):
        if len(raw) != total:
            raise UpstreamChanged(f"{context}: {len(raw)} status entries for {total} cells")
        statuses = ["" if s is None else s for s in raw]
    elif isinstance(raw, dict):
        statuses = [""] * total
        for key, symbol in raw.items():
            statuses[_flat_index(key, total, "status", context)] = "" if symbol is None else symbol
    else:
        raise UpstreamChanged(f"{context}: 'status' of type {type(raw).__name__}")
    for position, symbol in enumerate(statuses):
        if not isinstance(symbol, str) or (symbol and symbol not in STATUS_SYMBOLS):
            raise UpstreamChanged(
                f"{context}: unknown status symbol {symbol!r} at cell {position}; known: {' '.join(STATUS_SYMBOLS)}"
            )
    return statuses
