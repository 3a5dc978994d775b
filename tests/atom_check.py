"""What RFC 4287 requires of an Atom feed document, checked on the parsed XML: the feed's and
every entry's id, title and updated (exactly one each), an author for the feed (its entries
name none), a self link, timestamps as RFC 3339 date-times with a time zone, ids that are
absolute IRIs and unique, and an entry body (content or a link to one)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.parse import urlsplit

ATOM = "{http://www.w3.org/2005/Atom}"


def _one(parent: ET.Element, tag: str) -> ET.Element:
    found = parent.findall(ATOM + tag)
    assert len(found) == 1, f"{parent.tag} must have exactly one atom:{tag}, has {len(found)}"
    return found[0]


def _date_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)  # RFC 3339 date-time: date, "T", time
    assert "T" in text and moment.tzinfo is not None, f"not an RFC 3339 date-time with a time zone: {text}"
    return moment


def _iri(text: str) -> None:
    assert urlsplit(text).scheme, f"not an absolute IRI: {text}"


def check_feed(document: bytes | str) -> ET.Element:
    """Parse an Atom feed and assert RFC 4287's requirements; return the root element."""
    root = ET.fromstring(document)
    assert root.tag == ATOM + "feed"
    _iri(_one(root, "id").text)
    assert (_one(root, "title").text or "").strip()
    _date_time(_one(root, "updated").text)
    links = root.findall(ATOM + "link")
    assert all(link.get("href") for link in links)
    self_links = [link for link in links if link.get("rel") == "self"]
    assert len(self_links) == 1, "a feed should have one rel=self link (RFC 4287 4.1.1)"
    _iri(self_links[0].get("href"))
    alternates = [(link.get("type"), link.get("hreflang")) for link in links if link.get("rel", "alternate") == "alternate"]
    assert len(alternates) == len(set(alternates)), "at most one alternate link per type and language"
    entries = root.findall(ATOM + "entry")
    if any(not entry.findall(ATOM + "author") for entry in entries) or not entries:
        authors = root.findall(ATOM + "author")
        assert authors, "the feed needs an author when an entry has none"
        for author in authors:
            assert (_one(author, "name").text or "").strip()
    ids = []
    for entry in entries:
        ids.append(_one(entry, "id").text)
        _iri(ids[-1])
        assert (_one(entry, "title").text or "").strip()
        _date_time(_one(entry, "updated").text)
        for published in entry.findall(ATOM + "published"):
            _date_time(published.text)
        content = entry.findall(ATOM + "content")
        assert len(content) <= 1
        entry_links = entry.findall(ATOM + "link")
        assert content or any(link.get("rel", "alternate") == "alternate" for link in entry_links), \
            "an entry without content needs an alternate link"
        if content and content[0].get("src") is None and content[0].get("type") not in (None, "text", "html", "xhtml"):
            assert entry.findall(ATOM + "summary"), "non-text content needs a summary"
        for link in entry_links:
            assert link.get("href")
    assert len(ids) == len(set(ids)), "entry ids must be unique"
    return root
