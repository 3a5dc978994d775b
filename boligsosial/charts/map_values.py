"""The figures a map shows, per region: how each is written (value, missing, suppressed), which
class it falls in, and the rows of the table beside the map, which say what the map says."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from boligsosial.charts.classes import Classes, classify
from boligsosial.charts.map_geometry import Geometry
from boligsosial.charts.style import FLAG_MARK
from boligsosial.text.i18n import t
from boligsosial.text.numbers import format_number, missing_text, qualifier_text

SUPPRESSED = ":"  # SSB's symbol for a figure withheld to protect privacy


@dataclass(frozen=True)
class MapValue:
    """One region's figure. `value` None means not there: `status` says why (SSB's symbols,
    ":" = suppressed), and it is drawn hatched, never as a number."""

    value: float | None = None
    status: str = ""
    qualifier: str = ""  # "approx", "gt", "lt" (boligsosial.text.numbers)
    flagged: bool = False  # derived or from a secondary source: marked * and explained in the legend
    label: str = ""  # the value as written elsewhere on the page, if the caller has it ("ca. 12")


@dataclass(frozen=True)
class TableRow:
    code: str
    place: str
    value: float | None  # for sorting; None when missing or suppressed
    value_text: str  # as in the shape's title, without the unit: "ca. 12,3*", "Tall mangler"
    class_text: str  # the legend entry: "10,0–14,9", "Tall mangler", "Skjult av personvernhensyn"
    class_index: int | None  # 0 = lightest; None for missing and suppressed
    href: str


def legend_texts(lang: str, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The legend's fixed entries (missing, suppressed, flagged, small, inset), from
    data/i18n/maps.yaml unless the caller gives its own."""
    keys = ("missing", "suppressed", "flagged", "small")
    texts = {key: t(f"map.legend.{key}", lang) for key in keys}
    texts["inset"] = t("map.inset", lang)
    return {**texts, **(overrides or {})}


def value_kind(item: MapValue | None) -> str:
    if item is None or item.value is None:
        return "suppressed" if item is not None and item.status.strip() == SUPPRESSED else "missing"
    return "value"


def value_text(item: MapValue | None, decimals: int, lang: str, texts: Mapping[str, str]) -> str:
    """A region's figure as written in its title and table row (no unit)."""
    kind = value_kind(item)
    if kind == "suppressed":
        return texts["suppressed"]
    if kind == "missing":
        return item.label if item is not None and item.label else (
            missing_text(item.status, lang) if item is not None and item.status else texts["missing"])
    written = item.label or " ".join(
        part for part in (qualifier_text(item.qualifier, lang), format_number(item.value, decimals, lang)) if part)
    return written + (FLAG_MARK if item.flagged and not written.endswith(FLAG_MARK) else "")


def with_unit(text: str, item: MapValue | None, unit: str, lang: str) -> str:
    return t("map.value_unit", lang, value=text, unit=unit) if unit and value_kind(item) == "value" else text


def check_codes(geometry: Geometry, values: Mapping[str, MapValue]) -> None:
    unknown = sorted(set(values) - set(geometry.regions))
    if unknown:
        raise ValueError(f"Values for codes that are not on the {geometry.level} map of structure {geometry.structure}: "
                         f"{', '.join(unknown[:10])}{' …' if len(unknown) > 10 else ''}. Harmonise them to that structure first.")


def check_classes(values: Mapping[str, MapValue], classes: Classes) -> None:
    outside = [code for code, item in values.items() if value_kind(item) == "value" and classes.index(item.value) is None]
    if outside:
        raise ValueError(f"Values of {', '.join(outside[:10])} lie outside the classes given; classify all values drawn.")


def map_classes(values: Mapping[str, MapValue], decimals: int) -> Classes:
    """The classes a map of these values gets by default (pass them to choropleth and
    table_rows, or classes of several maps' values together to compare maps)."""
    return classify([v.value for v in values.values() if v.value is not None], decimals)


def table_rows(geometry: Geometry, values: Mapping[str, MapValue], *, href: Callable[[str], str],
               names: Mapping[str, str] | None = None, lang: str = "nb", decimals: int = 0, classes: Classes | None = None,
               texts: Mapping[str, str] | None = None) -> list[TableRow]:
    """One row per region on the map, in code order, saying what the map says: the region's
    value and its class as the legend writes it. A region without a value gets a row too."""
    check_codes(geometry, values)
    classes = classes if classes is not None else map_classes(values, decimals)
    check_classes(values, classes)
    texts = legend_texts(lang, texts)
    class_texts = classes.texts(lang)
    rows = []
    for code, region in geometry.regions.items():
        item = values.get(code)
        kind = value_kind(item)
        number = classes.index(item.value) if kind == "value" else None
        rows.append(TableRow(code, (names or {}).get(code) or region.name, item.value if kind == "value" else None,
                             value_text(item, decimals, lang, texts),
                             class_texts[number] if number is not None else texts[kind],
                             number, href(code)))
    return rows
