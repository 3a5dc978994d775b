"""Reading server-rendered HTML in tests the way a reader gets it: the visible text (no
scripts or styles) and the elements with their attributes, in document order."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_SKIP = ("script", "style", "title")
# Elements a browser sets apart from their neighbours: a space between them in `text`.
_BLOCKS = {"p", "div", "li", "td", "th", "tr", "dt", "dd", "caption", "section", "article", "h1", "h2", "h3", "h4",
           "h5", "h6", "br", "ul", "ol", "table", "header", "footer", "main", "nav", "details", "summary", "button",
           "text", "desc", "g"}  # SVG: each label, the text alternative and each group apart


class HtmlDoc(HTMLParser):
    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self._text: list[str] = []
        self._skip = 0
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: (v if v is not None else "") for k, v in attrs}))
        if tag in _BLOCKS:
            self._text.append(" ")
        if tag in _SKIP:
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in _BLOCKS:
            self._text.append(" ")
        if tag in _SKIP:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self._text.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"[ \t\r\n]+", " ", "".join(self._text))

    def all(self, tag: str, **attrs: str) -> list[dict]:
        """Elements of one tag whose attributes include `attrs` (use class_ for class)."""
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in wanted.items())]


def chart_alts(markup: str) -> list[str]:
    """The text alternative of each chart card's chart (the wide drawing's <desc>), in order."""
    return [html.unescape(text) for text in re.findall(r'<desc id="card-[^"]*?(?<!-narrow)-chart-desc">(.*?)</desc>', markup, re.S)]


def svg_text(markup: str, index: int = 0) -> str:
    """The text drawn in the index-th chart (labels, key), without its <title> and <desc>."""
    svg = re.findall(r"<svg .*?</svg>", markup, re.S)[index]
    svg = re.sub(r"<(title|desc)[^>]*>.*?</\1>", "", svg, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", svg)))
