"""Pages as the HTML the server sends: Dash's html.* elements written as tags, so the figures
are readable without JavaScript (boligsosial/web/page_route.py puts the result in the
document). `element()` writes one tag the same way for code that builds long, repetitive markup
(a ranking of every municipality) without a Dash component per cell."""
from __future__ import annotations

import re
from html import escape
from typing import Any

from markupsafe import Markup

# What pages use is covered: Dash's html.* elements, markup the server drew itself (charts' SVG,
# element(), as markupsafe.Markup), dcc.Link as a plain link, dcc.Input as an <input>; any other
# component is a mistake, and raises.

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# React prop names that differ from the HTML attribute names.
_ATTRIBUTE = {"className": "class", "htmlFor": "for", "tabIndex": "tabindex", "colSpan": "colspan",
              "rowSpan": "rowspan", "hrefLang": "hreflang", "accessKey": "accesskey", "maxLength": "maxlength",
              "minLength": "minlength", "autoComplete": "autocomplete", "inputMode": "inputmode",
              "readOnly": "readonly", "spellCheck": "spellcheck", "autoFocus": "autofocus"}
# dcc.Input props that are attributes of a plain <input> (the rest, such as debounce, are Dash's).
_INPUT_ATTRIBUTES = {"id", "name", "type", "value", "placeholder", "maxLength", "minLength", "autoComplete",
                     "inputMode", "required", "disabled", "readOnly", "min", "max", "step", "pattern", "list",
                     "spellCheck", "size", "autoFocus", "className", "style"}
# Dash-only props that are not attributes at all.
_NOT_ATTRIBUTES = {"children", "n_clicks", "n_clicks_timestamp", "disable_n_clicks", "loading_state", "key", "setProps"}
# Attributes that hold an address: written only when it is on the web or this site (safe_link).
_LINK_ATTRIBUTES = {"href", "src", "action", "formAction", "data", "poster", "cite"}
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
WEB_SCHEMES = frozenset({"http", "https", "mailto"})


def static_html(node: Any) -> str:
    """HTML for a Dash component tree (or a string, number, list, or None)."""
    if node is None or isinstance(node, bool):
        return ""
    if isinstance(node, Markup):  # markup the server wrote itself (a chart's SVG), already escaped
        return str(node)
    if isinstance(node, (str, int, float)):
        return escape(str(node), quote=False)
    if isinstance(node, (list, tuple)):
        return "".join(static_html(child) for child in node)
    spec = node.to_plotly_json()  # set props only, including aria-* and data-* ones
    props = {name: value for name, value in spec["props"].items() if value is not None}
    namespace, kind = spec["namespace"], spec["type"]
    if namespace == "dash_html_components":
        tag = kind.removesuffix("El").lower()  # html.ObjectEl -> <object>, html.Label -> <label>
    elif kind == "Link":
        tag = "a"
    elif kind == "Input":  # as the plain <input> a form submits without JavaScript
        tag, props = "input", {k: v for k, v in props.items() if k in _INPUT_ATTRIBUTES}
    else:  # a component that needs Dash's renderer in the browser, which the site never sends
        raise TypeError(f"{namespace}.{kind} cannot be written as HTML; pages use html.*, dcc.Link and dcc.Input")
    return element(tag, props.get("children"), **{name: value for name, value in props.items() if name not in _NOT_ATTRIBUTES})


def element(tag: str, children: Any = None, **attributes: Any) -> Markup:
    """One HTML element, its attributes named as on Dash's html.* (className, tabIndex, aria-*),
    its children anything static_html writes. The same tag a Dash component gives, without the
    component: a component costs about 50 µs to build and write, which a ranking of every
    municipality (3 500 of them) turns into a third of the page's time."""
    written = "".join(_attribute(name, value) for name, value in attributes.items() if value is not None)
    if tag in _VOID:
        return Markup(f"<{tag}{written}>")
    return Markup(f"<{tag}{written}>{static_html(children)}</{tag}>")


def safe_link(url: str) -> bool:
    """Whether `url` may be a link target: an address on this site (no scheme) or on the web.
    Browsers ignore tabs, newlines and leading control characters in a scheme, so they are
    ignored here too ("java<tab>script:" is javascript:)."""
    cleaned = re.sub(r"[\x00-\x20\x7f]+", "", str(url))
    match = _SCHEME.match(cleaned)
    return match is None or match.group(1).lower() in WEB_SCHEMES


def _attribute(name: str, value: Any) -> str:
    if value is False or (name in _LINK_ATTRIBUTES and not safe_link(value)):
        return ""  # a link to javascript: or data: (say, an imported source URL) is written as none
    name = _ATTRIBUTE.get(name, name)
    if value is True:
        return f" {name}"
    if isinstance(value, dict) and name == "style":
        value = ";".join(f"{_kebab(key)}:{_css_value(v)}" for key, v in value.items())
    return f' {name}="{escape(str(value), quote=True)}"'


def _kebab(name: str) -> str:
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in name)


def _css_value(value: Any) -> str:
    # React adds px to bare numbers in style props; the same here so both renderings match.
    return f"{value}px" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
