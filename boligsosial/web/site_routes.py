"""What search engines and feed readers ask the site for:

    /sitemap.xml   every app page and every indicator's public chart page, in bokmål and
                   English, with lastmod = when the served data version was built
    /robots.txt    everything may be crawled except the data API's bulk downloads; names the
                   sitemap
    /nytt.atom     the feed of new figures (RFC 4287): one entry per data version that changed
                   something, linking the public charts affected (boligsosial/ui/whats_new.py)

This blueprint also carries the preview pictures' routes (boligsosial/web/previews.py), so
app.py registers the package with one line. Every absolute URL goes through
boligsosial/web/urls.py.
"""
from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from html import escape

import dash
from flask import Blueprint, Response, request

from boligsosial.config import settings
from boligsosial.text import i18n
from boligsosial.text.i18n import t
from boligsosial.ui import components, whats_new
from boligsosial.warehouse import catalogue_rows, db
from boligsosial.web import api, previews, urls

blueprint = Blueprint("site", __name__, template_folder=str(settings.ROOT / "boligsosial" / "web" / "templates"))
blueprint.register_blueprint(previews.blueprint)

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
# Bulk data: every indicator's rows in four formats and the whole database. They are for
# people and programs that ask for them, not for crawlers (the pages link them on every card).
BULK_ROUTES = (f"{api.PREFIX}/download/", f"{api.PREFIX}/indicators/*/data.")
# Entry and feed ids are URNs made from the data version, so they stay the same whatever
# address the site is reached at (RFC 4287 4.2.6: an id never changes).
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:boligsosial-statistikk:nytt")


@blueprint.app_template_global()
def site_links(lang: str) -> list[tuple[str, str]]:
    """(href, text) of the links every page's footer carries (components.SITE_LINKS), for the
    public chart pages' templates."""
    return [(components.href(path, lang), t(text_id, lang)) for path, text_id in components.SITE_LINKS]


# ------------------------------------------------------------------------------ sitemap and robots


@blueprint.get("/sitemap.xml")
def sitemap():
    root = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for loc, lastmod in sitemap_entries():
        url = ET.SubElement(root, "url")
        ET.SubElement(url, "loc").text = loc
        if lastmod:
            ET.SubElement(url, "lastmod").text = lastmod
    body = ET.tostring(root, encoding="unicode", xml_declaration=True)
    return _cached(Response(body, content_type="application/xml; charset=utf-8"))


def sitemap_entries() -> list[tuple[str, str]]:
    """(absolute URL, lastmod) of every page worth finding: the app's pages and each
    indicator's public chart page with figures, in every language."""
    try:
        built = db.status()["built_at"]
        indicators = [row["id"] for row in catalogue_rows.catalogue() if row.get("row_count")]
    except db.WarehouseUnavailable:
        built, indicators = "", []
    paths = [entry["path"] for entry in dash.page_registry.values()]
    paths += [f"/figur/{indicator}" for indicator in indicators]
    return [(urls.absolute(components.href(path, lang)), built) for path in paths for lang in i18n.LANGUAGES]


@blueprint.get("/robots.txt")
def robots():
    lines = ["# Boligsosial statistikk: pages and charts may be indexed; bulk data is for those who ask for it.",
             "User-agent: *", *[f"Disallow: {route}" for route in BULK_ROUTES], "Allow: /", "",
             f"Sitemap: {urls.absolute('/sitemap.xml')}", ""]
    return _cached(Response("\n".join(lines), content_type="text/plain; charset=utf-8"))


# ------------------------------------------------------------------------------ the feed


@blueprint.get("/nytt.atom")
def feed():
    lang = i18n.language(request.args.get("lang"))
    try:
        found = whats_new.releases(lang)
        status = db.status()
    except db.WarehouseUnavailable:
        response = Response("\n".join(t("error.unavailable.body", code) for code in i18n.LANGUAGES) + "\n", status=503,
                            content_type="text/plain; charset=utf-8")
        response.headers["Cache-Control"] = "no-store"
        return response
    body = atom(found, lang, status["built_at"])
    return _cached(Response(body, content_type=ATOM_TYPE))


def atom(found: list[whats_new.Release], lang: str, built_at: str) -> str:
    """The feed document: the newest versions that changed something, one entry each."""
    changed = [release for release in found if release.changed][: whats_new.FEED_ENTRIES]
    root = ET.Element("feed", {"xmlns": ATOM_NS, XML_LANG: lang})
    _add(root, "id", _urn(f"feed:{lang}"))
    _add(root, "title", t("nytt.feed_title", lang))
    _add(root, "subtitle", t("nytt.feed_subtitle", lang))
    # The feed changes when an entry does; without entries, when the served data was built.
    _add(root, "updated", changed[0].built_at if changed else built_at)
    _link(root, "self", urls.absolute(components.href("/nytt.atom", lang)), ATOM_TYPE.split(";")[0])
    _link(root, "alternate", urls.absolute(components.href("/nytt", lang)), "text/html")
    author = ET.SubElement(root, "author")
    _add(author, "name", t("site.name", lang))
    _add(author, "uri", urls.absolute(components.href("/", lang)))
    for release in changed:
        entry = ET.SubElement(root, "entry")
        _add(entry, "id", _urn(f"version:{release.version}:{lang}"))
        names = list(dict.fromkeys(line.name for line in release.indicators))
        title = (t("nytt.entry_title", lang, names=", ".join(names)) if names
                 else t("nytt.entry_title_sources", lang))
        _add(entry, "title", title)
        _add(entry, "updated", release.built_at)
        _add(entry, "published", release.built_at)
        _link(entry, "alternate", urls.absolute(components.href("/nytt", lang)) + f"#{release.anchor}", "text/html")
        charts = {line.href: line.name for line in release.indicators if line.href.startswith("/")}
        for href, name in charts.items():  # each chart affected once, however many changes it had
            _link(entry, "related", urls.absolute(href), "text/html", title=name)
        _add(entry, "summary", " ".join(f"{name}: {'; '.join(texts)}."
                                        for name, _, texts in whats_new.grouped(release.indicators + release.sources)))
        content = _add(entry, "content", _entry_html(release, lang))
        content.set("type", "html")
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _entry_html(release: whats_new.Release, lang: str) -> str:
    """The entry's content as HTML (escaped once more by ElementTree, as type="html" wants)."""
    parts = [f"<p>{escape(t('nytt.version_line', lang, version=release.version, when=release.when))}</p>"]
    for heading, lines in (("nytt.indicators_heading", release.indicators), ("nytt.sources_heading", release.sources)):
        if not lines:
            continue
        items = "".join(
            f'<li><a href="{escape(urls.absolute(href) if href.startswith("/") else href)}">'
            f"{escape(name)}</a>: {escape('; '.join(texts))}</li>" for name, href, texts in whats_new.grouped(lines))
        parts.append(f"<h2>{escape(t(heading, lang))}</h2><ul>{items}</ul>")
    return "".join(parts)


def _add(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element


def _link(parent: ET.Element, rel: str, href: str, kind: str, title: str | None = None) -> None:
    attributes = {"rel": rel, "href": href, "type": kind}
    if title:
        attributes["title"] = title
    ET.SubElement(parent, "link", attributes)


def _urn(name: str) -> str:
    return uuid.uuid5(ID_NAMESPACE, name).urn


def _cached(response: Response) -> Response:
    """Like the API: depends only on the data version (and the address), so a short public
    max-age, an ETag and 304s."""
    response.headers["Cache-Control"] = f"public, max-age={api.MAX_AGE}"
    response.add_etag(weak=True)
    return response.make_conditional(request)
