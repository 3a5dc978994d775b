"""Who runs the site and how to reach them (data/pages/nettsted.yaml), as the section the
accessibility statement and the privacy page end with. While it is not filled in, the section
says so instead of showing an address nobody reads."""
from __future__ import annotations

from dash import html

from boligsosial.config import page_config
from boligsosial.text.i18n import pick_text, t

CONFIG = "pages/nettsted.yaml"


def section(lang: str) -> html.Section:
    site = page_config.load(CONFIG)
    owner, email = pick_text(site.get("owner"), lang), (site.get("email") or "").strip()
    body: list = [html.H2(t("site.contact_heading", lang), id="contact-heading")]
    if owner:
        body.append(html.P(t("site.owner", lang, owner=owner)))
    if email:
        body.append(html.P([t("site.contact_email", lang), html.A(email, href=f"mailto:{email}")]))
    if not owner or not email:
        body.append(html.P(t("site.contact_missing", lang), className="notice notice-info"))
    return html.Section(body, className="card prose", id="contact", **{"aria-labelledby": "contact-heading"})
