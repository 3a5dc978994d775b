"""The YAML mapping that says which column of a file holds what (data/import_mappings/README.md):
loaded within its limits and checked against the indicator catalogue before any file is read."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import yaml

from etl.imports.cells import number_text
from etl.imports.problems import Rejected, count_text
from etl.tidy import CONFIDENCE

MAX_MAPPING_BYTES = 256_000  # a mapping is a page of YAML
MAX_MAPPING_VALUES = 10_000  # values in a mapping once YAML aliases are expanded
_TOP_KEYS = {
    "indicator", "unit", "source", "columns", "indicator_codes", "breakdown",
    "region_format", "skip_rows", "sheet", "confidence",
}
_SOURCE_KEYS = {"publisher", "title", "url", "published", "license", "table_id"}
_COLUMN_KEYS = {"region", "period", "value", "indicator"}
_BREAKDOWN_KEYS = {"dimension", "codes"}
REGION_FORMATS = ("code", "code name")
_PUBLISHED = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


@dataclass(frozen=True)
class BreakdownColumn:
    column: str  # header in the file
    dimension: str  # dimension name in the breakdown key
    codes: dict[str, str] | None  # cell text -> code ("" = the total); None keeps the cell text


@dataclass(frozen=True)
class Mapping:
    unit: str
    publisher: str
    title: str
    url: str
    published: str
    license: str
    table_id: str
    region_column: str
    period_column: str
    value_column: str
    indicator: str | None  # fixed for the whole file, or None when read per row
    indicator_column: str | None
    indicator_codes: dict[str, str] | None
    breakdown: tuple[BreakdownColumn, ...]
    region_format: str
    skip_rows: int
    sheet: str | None
    confidence: str


def _scalar_text(value: Any) -> str | None:
    """YAML scalars as text: 2022 and 2022-01-15 come back from YAML as int and date.
    Booleans are refused because YAML turns an unquoted `no` or `yes` into one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float, date)):
        return value.isoformat() if isinstance(value, date) else number_text(value)
    return None


def _section(raw: dict, key: str, allowed: set[str], problems: list[str], required: bool = True) -> dict:
    value = raw.get(key)
    if value is None:
        if required:
            problems.append(f'"{key}" is missing')
        return {}
    if not isinstance(value, dict):
        problems.append(f'"{key}" must be a mapping of keys to values')
        return {}
    problems.extend(_unknown_keys(value, allowed, f"{key}."))
    return value


def _unknown_keys(section: dict, allowed: set[str], prefix: str = "") -> list[str]:
    # A misspelt key (skiprows, Region) would otherwise be ignored without a word.
    return [
        f'unknown key "{prefix}{k}" (allowed: {", ".join(sorted(allowed))})'
        for k in section if k not in allowed
    ]


def _text_field(section: dict, key: str, label: str, problems: list[str], required: bool = True) -> str:
    if key not in section or section[key] in (None, ""):
        if required:
            problems.append(f'"{label}" is missing')
        return ""
    text = _scalar_text(section[key])
    if text is None:
        problems.append(f'"{label}" must be text (put it in quotes)')
        return ""
    return text


def _code_table(value: Any, label: str, problems: list[str]) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not value:
        problems.append(f'"{label}" must map cell texts to codes, e.g. {{Menn: "1"}}')
        return None
    table = {}
    for cell, code in value.items():
        cell_text, code_text = _scalar_text(cell), _scalar_text(code)
        if cell_text is None or code_text is None:
            problems.append(f'"{label}": entry {cell!r}: {code!r} must be text (put both in quotes)')
        else:
            table[cell_text] = code_text
    return table


def _breakdown(raw: Any, problems: list[str]) -> tuple[BreakdownColumn, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        problems.append('"breakdown" must map file columns to dimension names, e.g. {Kjønn: sex}')
        return ()
    columns = []
    for column, spec in raw.items():
        label = f"breakdown.{column}"
        if isinstance(spec, dict):
            problems.extend(_unknown_keys(spec, _BREAKDOWN_KEYS, f"{label}."))
            dimension = _text_field(spec, "dimension", f"{label}.dimension", problems)
            codes = _code_table(spec.get("codes"), f"{label}.codes", problems)
        else:
            dimension, codes = _scalar_text(spec) or "", None
        if not dimension or not is_key_safe(dimension):
            problems.append(f'"{label}" needs a dimension name without "=" or "|"')
        columns.append(BreakdownColumn(str(column), dimension, codes))
    dimensions = [c.dimension for c in columns]
    problems.extend(
        f'dimension "{d}" is named by more than one breakdown column'
        for d in sorted({d for d in dimensions if dimensions.count(d) > 1})
    )
    return tuple(columns)


def is_key_safe(code: str) -> bool:
    # "=" and "|" separate parts of the breakdown key "dim=code|dim2=code2".
    return "=" not in code and "|" not in code


def indicator_problems(indicator: str, unit: str, indicators: dict[str, str]) -> list[str]:
    """Why this indicator cannot take figures in this unit ([] when it can; unit "" is not compared)."""
    if indicator not in indicators:
        return [f'indicator "{indicator}" is not in the indicator catalogue (known: {", ".join(sorted(indicators))})']
    if unit and indicators[indicator] != unit:
        return [f'unit "{unit}" does not match indicator "{indicator}", whose unit is "{indicators[indicator]}"']
    return []


def parse_mapping(raw: Any, indicators: dict[str, str]) -> Mapping:
    """Check a mapping (as loaded from YAML) against the indicator catalogue.

    Raises ImportRejected listing every problem, so a person fixes the mapping in one go."""
    if not isinstance(raw, dict):
        raise Rejected(["the mapping must be a YAML mapping of keys to values (see data/import_mappings/README.md)"])
    problems = _unknown_keys(raw, _TOP_KEYS)
    source = _section(raw, "source", _SOURCE_KEYS, problems)
    columns = _section(raw, "columns", _COLUMN_KEYS, problems)
    unit = _text_field(raw, "unit", "unit", problems)

    indicator = _text_field(raw, "indicator", "indicator", problems, required=False) or None
    indicator_column = _text_field(columns, "indicator", "columns.indicator", problems, required=False) or None
    indicator_codes = _code_table(raw.get("indicator_codes"), "indicator_codes", problems)
    if (indicator is None) == (indicator_column is None):
        problems.append('give either "indicator" (one for the whole file) or "columns.indicator" '
                        "(read per row), not both or neither")
    if indicator_codes is not None and indicator_column is None:
        problems.append('"indicator_codes" needs "columns.indicator"')
    # Checked here rather than per row so that a wrong unit is reported once, not on every line.
    named = [indicator] if indicator else sorted(set((indicator_codes or {}).values()))
    for ind in named:
        problems.extend(indicator_problems(ind, unit, indicators))

    published = _text_field(source, "published", "source.published", problems, required=False)
    if published and not _PUBLISHED.fullmatch(published):
        problems.append(f'"source.published" is "{published}"; write YYYY, YYYY-MM or YYYY-MM-DD')

    region_format = _text_field(raw, "region_format", "region_format", problems, required=False) or "code"
    if region_format not in REGION_FORMATS:
        problems.append(f'"region_format" is "{region_format}"; use "code" or "code name"')
    skip_rows = raw.get("skip_rows", 0)
    if isinstance(skip_rows, bool) or not isinstance(skip_rows, int) or skip_rows < 0:
        problems.append(f'"skip_rows" is {skip_rows!r}; give the number of lines above the header (0 or more)')
    confidence = _text_field(raw, "confidence", "confidence", problems, required=False) or "H"
    if confidence not in CONFIDENCE:
        problems.append(f'"confidence" is "{confidence}"; use H or M')

    mapping = Mapping(
        unit=unit,
        publisher=_text_field(source, "publisher", "source.publisher", problems),
        title=_text_field(source, "title", "source.title", problems),
        url=_source_url(source, problems),
        published=published,
        license=_text_field(source, "license", "source.license", problems, required=False),
        table_id=_text_field(source, "table_id", "source.table_id", problems, required=False),
        region_column=_text_field(columns, "region", "columns.region", problems),
        period_column=_text_field(columns, "period", "columns.period", problems),
        value_column=_text_field(columns, "value", "columns.value", problems),
        indicator=indicator,
        indicator_column=indicator_column,
        indicator_codes=indicator_codes,
        breakdown=_breakdown(raw.get("breakdown"), problems),
        region_format=region_format,
        skip_rows=skip_rows if isinstance(skip_rows, int) else 0,
        sheet=_text_field(raw, "sheet", "sheet", problems, required=False) or None,
        confidence=confidence,
    )
    if problems:
        raise Rejected([f"mapping: {p}" for p in problems])
    return mapping


def _source_url(source: dict, problems: list[str]) -> str:
    url = _text_field(source, "url", "source.url", problems)
    if url and not _web_address(url):
        problems.append(f'"source.url" is "{url[:200]}"; give the http:// or https:// address where the source is published')
    return url


def _web_address(url: str) -> bool:
    """An absolute http(s) address with a host: the only kind a source link may be (another
    scheme, such as javascript:, would run in the reader's browser when the link is followed)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and not re.search(r"[\x00-\x20\x7f]", url)


def mapping_yaml(content: bytes, name: str) -> Any:
    """The mapping's YAML, refused before it is built when it would expand (through aliases) to
    more than MAX_MAPPING_VALUES values, or when an alias refers to itself."""
    if len(content) > MAX_MAPPING_BYTES:
        raise Rejected([f'mapping "{name}" is {len(content) / 1e3:.0f} kB; the limit for a mapping is '
                         f"{MAX_MAPPING_BYTES / 1e3:.0f} kB"])
    try:
        loader = yaml.SafeLoader(content.decode("utf-8-sig"))
        try:
            node = loader.get_single_node()  # the document's nodes: an alias is a second reference, not a copy
            if node is None:
                return None
            values = _expanded_size(node)
            if values > MAX_MAPPING_VALUES:
                raise Rejected([f'mapping "{name}" expands to {count_text(values)} values through its YAML aliases '
                                 f"(& and *); the limit is {count_text(MAX_MAPPING_VALUES)}"])
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise Rejected([f'mapping "{name}" is not valid UTF-8 YAML: {exc}']) from None


def _expanded_size(root: yaml.Node) -> int:
    """How many values the YAML node graph holds with every alias written out (each node's
    size counted once, so a billion-value bomb costs no more to measure than its few nodes)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = 1
            continue
        children = [part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode) else node.value
        if children_done:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
            continue
        if id(node) in open_nodes:
            raise Rejected(["the mapping refers to itself (a YAML alias inside its own anchor)"])
        open_nodes.add(id(node))
        stack.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                raise Rejected(["the mapping refers to itself (a YAML alias inside its own anchor)"])
            stack.append((child, False))
    return sizes[id(root)]
