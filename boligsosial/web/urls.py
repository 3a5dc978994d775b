"""Absolute addresses of the site's own pages, for what is read outside the site: social
preview tags, the sitemap, robots.txt and the Atom feed.

Every absolute URL this package writes goes through `absolute`, which takes the site's root
from settings.site_url (BOLIG_PUBLIC_URL, or the request's host when that host is trusted), as
the API and the public chart pages do.
"""
from __future__ import annotations

from boligsosial.config import settings


def site_root() -> str:
    """The site's address without a trailing slash: "https://example.org"."""
    return settings.site_url().rstrip("/")


def absolute(path: str) -> str:
    """`path` (site-relative, starting with "/", with any query) as an absolute URL."""
    return site_root() + (path if path.startswith("/") else "/" + path)
