"""State changes come only from this site's own pages: a POST that the browser marks as sent
from another site (Fetch Metadata), or whose Origin is another site's, is refused with 403
before any view runs, whatever form token it carries. Flask-WTF checks the token first, so
its refusals ask `is_cross_site()` too (intake.app), and both answer alike."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import Forbidden


class CrossSiteRequest(Forbidden):
    """A POST from another site: nothing is done, and the session is left as it was."""


def init_app(app: Flask) -> None:
    app.before_request(_refuse_cross_site_posts)


def is_cross_site() -> bool:
    """The browser says another site sent this request, or its Origin is not this site."""
    fetched_from = request.headers.get("Sec-Fetch-Site")
    if fetched_from == "cross-site":
        return True
    origin = request.headers.get("Origin")
    if origin == "null" and fetched_from == "same-origin":
        return False  # our own page sent with Referrer-Policy: no-referrer (invitation links)
    return origin is not None and origin.lower() != f"{request.scheme}://{request.host}".lower()


def _refuse_cross_site_posts() -> None:
    if request.method == "POST" and is_cross_site():
        raise CrossSiteRequest()
