"""Open Graph and Twitter card tags: what a shared link to the site shows (title, description,
picture), for app pages and the public chart pages alike, written by one template
(boligsosial/web/templates/social_meta.html).

App pages take their fields from Dash's page registry (dash.register_page): the title from
`title_id` (an interface text, in the reader's language) or `title`, the description from
`description_id` or Dash's `description`, the picture from Dash's `image_url` when a page
gives one, else the preview of the page's first chart (the public page its first chart card's
share box links to), else the site's own picture. app.py turns Dash's own page tags off
(include_pages_meta=False): they are in bokmål only, and their picture cannot follow the view.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Mapping

from flask import render_template, request

from boligsosial.text import i18n
from boligsosial.text.i18n import t
from boligsosial.web import urls

PUBLIC_LINK = "public-link"  # the class of a chart card's link to its public page (boligsosial/ui/card.py)
PREVIEW_SIZE = (1200, 630)


@dataclass(frozen=True)
class Social:
    title: str
    description: str
    url: str
    image: str  # absolute; "" when no preview can be drawn
    image_alt: str
    site_name: str
    locale: str
    size: tuple[int, int] = PREVIEW_SIZE


def preview_path(public_path: str) -> str:
    """The preview picture of a public chart page: "/figur/homeless?region=0" ->
    "/figur/homeless/preview.png?region=0" (served by boligsosial/web/previews.py)."""
    path, _, query = public_path.partition("?")
    return f"{path.rstrip('/')}/preview.png" + (f"?{query}" if query else "")


def site_preview_path(lang: str) -> str:
    return "/preview.png" + ("" if lang == i18n.DEFAULT else f"?lang={lang}")


def render(social: Social) -> str:
    return render_template("social_meta.html", social=social)


# ------------------------------------------------------------------------------ app pages


# A link as ui/html_writer writes it: attribute values quoted with ", in which " and > are escaped.
_LINK = re.compile(r"<a\s([^>]*)>")
_ATTRIBUTE = re.compile(r'([a-zA-Z][a-zA-Z0-9-]*)="([^"]*)"')


def first_public_chart(body: str) -> str:
    """The public page (site-relative URL) of a page's first chart card, "" when it has none:
    the link in the card's share box, so the picture shows what the card shows. Read from the
    page's HTML (body), which is written anyway, rather than by walking thousands of components."""
    for link in _LINK.finditer(body):
        attributes = dict(_ATTRIBUTE.findall(link.group(1)))
        if PUBLIC_LINK in attributes.get("class", "").split() and attributes.get("href"):
            return html.unescape(attributes["href"])
    return ""


def page_tags(page: Mapping[str, Any], lang: str, first_chart: str, pictures: bool) -> str:
    """The tags of an app page in `lang`; `first_chart` from first_public_chart, `pictures`
    whether preview pictures can be drawn here (cairosvg)."""
    title = t(page["title_id"], lang) if page.get("title_id") else str(page.get("title") or "")
    description = t(page["description_id"], lang) if page.get("description_id") else str(page.get("description") or "")
    if page.get("image_url"):
        image, alt = str(page["image_url"]), title
    elif first_chart:
        image, alt = preview_path(first_chart), t("social.chart_image_alt", lang, page=title)
    else:
        image, alt = site_preview_path(lang), t("site.name", lang)
    query = request.query_string.decode("utf-8", "replace")
    return render(Social(
        title=title, description=description, url=urls.absolute(request.path + (f"?{query}" if query else "")),
        image=urls.absolute(image) if pictures and image.startswith("/") else (image if pictures else ""),
        image_alt=alt, site_name=t("site.name", lang), locale=t("social.locale", lang),
    ))


# ------------------------------------------------------------------------------ public chart pages


def chart_tags(shown: Any, canonical: str, pictures: bool) -> Social:
    """The tags of a public chart page or embed (`shown`: public_chart.PublicChart): its title, its
    summary in words, and its chart as the picture."""
    lang = shown.lang
    said = [shown.subtitle] if shown.subtitle else []
    said += shown.summary or ([shown.note] if shown.note else [])
    description = " ".join(part if part.endswith(".") else part + "." for part in said if part)
    indicator_id = shown.indicator["id"]
    if shown.kind:
        image = preview_path(f"/figur/{indicator_id}?{shown.selection.query_string()}")
        alt = f"{shown.title}. {shown.subtitle}".strip(" .") + "."
    else:  # nothing to draw: the site's picture, not a picture that says so
        image, alt = site_preview_path(lang), t("site.name", lang)
    return Social(
        title=shown.title, description=description, url=canonical,
        image=urls.absolute(image) if pictures else "", image_alt=alt,
        site_name=t("site.name", lang), locale=t("social.locale", lang),
    )
