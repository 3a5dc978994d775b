"""Absolute addresses of the site's own pages, for what is read outside the site: social
preview tags, the sitemap, robots.txt and the Atom feed.

Every absolute URL this package writes goes through `absolute`, which takes the site's root
from the request for now. To serve a configured public address instead (behind a proxy that
rewrites the host, or for a canonical domain), change `site_root` alone.
"""
from __future__ import annotations

from flask import request


def site_root() -> str:
    """The site's address without a trailing slash: "https://example.org" (or with the
    prefix the app is mounted under)."""
    return request.url_root.rstrip("/")


def absolute(path: str) -> str:
    """`path` (site-relative, starting with "/", with any query) as an absolute URL."""
    return site_root() + (path if path.startswith("/") else "/" + path)
