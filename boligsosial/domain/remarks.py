"""What is said about a single figure besides its value: why a reader should weigh it
differently (derived, secondary source), and its note, in the reader's language.

Rows carry their texts per language (`note_nb`, `note_nn`, `note_en`, and the same for
`derivation`); older rows only the English `note` and `derivation`. `text()` returns the text in the reader's
language where there is one, and otherwise the English text with its language, so a page can
mark it (lang="en") rather than pass it off as Norwegian.
"""
from __future__ import annotations

from typing import Any, Mapping, NamedTuple

from boligsosial.text.i18n import t
from boligsosial.text.numbers import is_missing

Row = Mapping[str, Any]


class Text(NamedTuple):
    text: str
    lang: str  # the language the text is written in


def text(row: Row, name: str, lang: str) -> Text:
    """A row's `name` text (note, derivation) in `lang`, else in English; "" when none."""
    own = (row.get(f"{name}_{lang}") or "").strip()
    if own:
        return Text(own, lang)
    english = (row.get(f"{name}_en") or row.get(name) or "").strip()
    return Text(english, "en") if english else Text("", lang)


def flags(row: Row, lang: str) -> list[str]:
    """Why a reader should weigh this figure differently: it was derived, or rests on a
    secondary source. A figure that is not there has nothing to flag."""
    if is_missing(row.get("value")):
        return []
    found = []
    if row.get("derived"):
        derivation = text(row, "derivation", lang)
        words = derivation.text.rstrip(". ") if derivation.lang == lang else ""
        found.append(t("figure.derived", lang) + (f": {words}" if words else ""))
    if row.get("confidence") == "M":
        found.append(t("figure.confidence_m", lang))
    return found
