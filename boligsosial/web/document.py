"""The HTML document every app page and error page is written into: `<html lang>`, the head
(title, the page's social tags, the stylesheets and icon), the page's server-written body, and
the app's own scripts, deferred. Pages need no JavaScript to show their figures; assets/card.js
only adds behaviour (tabs, copy link), so none of Dash's browser bundles are sent.
"""
from __future__ import annotations

from functools import cache
from html import escape

from boligsosial.web import static_assets

# Parts that only work with JavaScript (a "copy link" button) are hidden when it is off.
NO_SCRIPT_STYLE = "<noscript><style>.needs-js { display: none; }</style></noscript>"


def document(lang: str, title: str, body: str, head: str = "", scripts: bool = True, index: bool = True) -> str:
    """A whole page. `head` is markup for the head (social tags); `index=False` asks search
    engines to leave the page out (error pages)."""
    lines = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        *([] if index else ['<meta name="robots" content="noindex">']),
        f"<title>{escape(title)}</title>",
        *([head] if head else []),
        _styles(),
        NO_SCRIPT_STYLE,
        "</head>",
        "<body>",
        body,
        *([_scripts()] if scripts else []),
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(lines)


# Once per process, as Dash stamps its assets: a page request lists no folder and stats no file.
# A file changed under a running server is still served, only without the year-long lifetime.
@cache
def _styles() -> str:
    icon = f'<link rel="icon" type="image/x-icon" href="{escape(static_assets.favicon_url())}">'
    return "\n".join([icon, *(f'<link rel="stylesheet" href="{escape(static_assets.asset_url(name))}">'
                             for name in static_assets.stylesheets())])


@cache
def _scripts() -> str:
    return "\n".join(f'<script defer src="{escape(static_assets.asset_url(name))}"></script>'
                     for name in static_assets.scripts())
