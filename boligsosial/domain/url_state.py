"""The URL is the view's state.

Every choice a reader can make on a page (a card's tab, count or rate, which year) is a query
parameter, so a reload or a shared link shows exactly the same view. A page declares the
parameters it understands as `Choice`s; `read` checks the query against them. A value that is
not one of a choice's values (a typo, an old link, an attack) is replaced by the default and
named in `View.rejected`, which the page shows as a polite notice: it never becomes an error.
Parameters no page declares (utm_source and the like) are ignored without comment.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping
from urllib.parse import urlencode

import dash

from boligsosial.text import i18n


@dataclass(frozen=True)
class Choice:
    """A query parameter and the values it may take; the first value is the default."""

    name: str
    values: tuple[str, ...]

    @property
    def default(self) -> str:
        return self.values[0]


@dataclass
class View:
    """The validated state of one page view."""

    lang: str
    choices: dict[str, Choice]
    values: dict[str, str] = field(default_factory=dict)  # only parameters that differ from their default
    rejected: list[str] = field(default_factory=list)  # parameter names whose value was not understood

    def get(self, name: str) -> str:
        return self.values.get(name, self.choices[name].default)

    def params(self, lang: str | None = None, **changes: str) -> dict[str, str]:
        """The query parameters of this view (or of the view with `changes`), defaults left
        out, in the order the page declared its choices, so equal views have equal URLs."""
        values = {**self.values}
        for name, value in changes.items():
            if value == self.choices[name].default:
                values.pop(name, None)
            else:
                values[name] = value
        lang = lang or self.lang
        ordered = {name: values[name] for name in self.choices if name in values}
        return ({"lang": lang} if lang != i18n.DEFAULT else {}) | ordered

    def url(self, path: str, lang: str | None = None, fragment: str = "", **changes: str) -> str:
        """A relative link to this view, or to the view with `changes`, under the app's prefix."""
        query = urlencode(self.params(lang, **changes))
        return dash.get_relative_path(path) + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")


def first(value: Any) -> Any:
    """Dash's router hands a repeated parameter over as a list; the server's first render takes
    the first value, and so does every page."""
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value


def read(query: Mapping[str, Any], choices: Iterable[Choice], lang: Any = None) -> View:
    """Check the query parameters of a request against a page's choices."""
    declared = {choice.name: choice for choice in choices}
    raw_lang = first(lang)
    view = View(lang=i18n.language(raw_lang if isinstance(raw_lang, str) else None), choices=declared)
    if raw_lang is not None and (not isinstance(raw_lang, str) or raw_lang.strip().lower() not in i18n.LANGUAGES):
        view.rejected.append("lang")
    for name, choice in declared.items():
        if name not in query:
            continue
        value = first(query[name])
        if isinstance(value, str) and value in choice.values:
            if value != choice.default:
                view.values[name] = value
        else:
            view.rejected.append(name)
    return view
