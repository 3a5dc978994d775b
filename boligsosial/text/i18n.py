"""Interface language: bokmål first, nynorsk and English beside it.

Interface texts live in data/i18n.yaml (and one file per page area in data/i18n/) keyed by id, so wording is changed without touching
code and every text is known to exist in every language (the schema checks that). Texts that belong
to data (indicator titles, source titles) come from the warehouse or from data files as
{nb: ..., nn: ..., en: ...} mappings, picked with `pick_text`; a data text with no nynorsk
(SSB's own category labels, an imported file's labels) is shown in bokmål.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping

from boligsosial.config import files, settings
from boligsosial.config.models import Texts

LANGUAGES = ("nb", "nn", "en")
DEFAULT = "nb"


def language(requested: str | None) -> str:
    """The language to use for a request's ?lang= value; anything unknown falls back to bokmål."""
    code = (requested or "").strip().lower()
    return code if code in LANGUAGES else DEFAULT


# Part of the app, not of the data: read from the repository even when BOLIG_DATA_DIR points
# the ETL at other facts.
TEXTS_FILE = settings.ROOT / "data" / "i18n.yaml"
TEXTS_DIR = settings.ROOT / "data" / "i18n"


def text_files() -> list:
    return [TEXTS_FILE, *sorted(TEXTS_DIR.glob("*.yaml"))]


@lru_cache(maxsize=1)
def texts() -> dict[str, dict[str, Any]]:
    """All interface texts; a key defined in two files is a bug, so it raises."""
    merged: dict[str, dict[str, Any]] = {}
    for path in text_files():
        part = files.load(path, Texts) or {}  # every key in both languages, or ConfigError
        clash = merged.keys() & part.keys()
        if clash:
            raise ValueError(f"{path.name} defines text ids already defined elsewhere: {sorted(clash)}")
        merged.update(part)
    return merged


def t(key: str, lang: str, **values: Any) -> str:
    """The interface text `key` in `lang`, with {placeholders} filled from `values`.

    An unknown key raises KeyError: a missing translation is a bug to catch in tests, not
    something to paper over on a live page."""
    text = texts()[key][lang]
    return text.format(**values) if values else text


def t_list(key: str, lang: str) -> list[str]:
    """A list-valued text, such as month names."""
    return list(texts()[key][lang])


def written_as_bokmal(lang: str) -> str:
    """The language whose number and date conventions `lang` follows: nynorsk writes numbers,
    dates and CSV files as bokmål does."""
    return "nb" if lang == "nn" else lang


def language_switch(lang: str, url_for) -> list[dict[str, Any]]:
    """The language switch: each language named in itself, with its address (`url_for(code)`,
    which keeps the view) and whether it is the one shown."""
    return [{"code": code, "name": t("site.language_name", code), "href": url_for(code), "current": code == lang}
            for code in LANGUAGES]


def pick_text(mapping: Mapping[str, str] | str | None, lang: str) -> str:
    """One language out of a {nb: ..., nn: ..., en: ...} mapping from a data file; bokmål when
    the language asked for is missing, so a text kept as published still shows something true."""
    if mapping is None:
        return ""
    if isinstance(mapping, str):
        return mapping
    return mapping.get(lang) or mapping.get(DEFAULT) or ""
