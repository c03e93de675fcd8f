"""What every response carries: security headers, no caching of pages, a request id and
a structured log line with no patient data (route pattern, status, duration, reference)."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from urllib.parse import urlsplit

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.urls import iri_to_uri

from intake.printable import has_invisible
from intake.services import is_reference

log = logging.getLogger("intake.requests")

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def init_app(app: Flask) -> None:
    if app.config.get("PROXY_FIX"):
        # Behind one TLS-terminating proxy: trust its X-Forwarded-For/-Proto/-Host.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    app.before_request(_start)
    app.after_request(_headers)
    app.after_request(_log)
    app.after_request(_refuse_files)  # runs first (Flask runs them last in, first out)
    _log_to_stderr_unless_configured(app)


def _log_to_stderr_unless_configured(app: Flask) -> None:
    """In production the app's own lines (requests, render failures) go to stderr, one a line."""
    ours = logging.getLogger("intake")
    if app.testing or ours.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    ours.addHandler(handler)
    ours.setLevel(logging.INFO)


def local_path(target: str | None) -> str | None:
    """A path on this site, or None: a `next` parameter can never send anyone elsewhere, nor
    put a line break (a header of its own) or a character a header cannot carry in Location."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if has_invisible(target):  # CR/LF would end the Location header early
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else iri_to_uri(target)


def _start() -> None:
    g.started = time.perf_counter()
    offered = request.headers.get("X-Request-Id", "")
    g.request_id = offered if _REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex


TAKES_FILES = frozenset({"appointments.import_appointments"})  # forms.base: takes_files


def _refuse_files(response):
    """No page but TAKES_FILES takes a file: a form answering a request that sent one (text as
    a file part, refused by forms.base) is shown again with 400, not 200."""
    if request.endpoint in TAKES_FILES:
        return response
    if response.status_code == 200 and request.mimetype == "multipart/form-data" and request.files:
        response.status_code = 400
    return response


def _headers(response):
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    # same-origin, not no-referrer: Flask-WTF checks the referrer of POSTs over HTTPS.
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if request.endpoint != "static":
        # Health data must stay out of a shared tablet's cache and history.
        headers["Cache-Control"] = "no-store"
    headers["X-Request-Id"] = g.get("request_id", "")
    return response


def _log(response):
    """One line per request: the route's pattern (never the path or query), never a form value."""
    if not log.isEnabledFor(logging.INFO):
        return response
    rule = request.url_rule.rule if request.url_rule else "(no route)"
    reference = (request.view_args or {}).get("reference")
    started = g.get("started")
    log.info(
        json.dumps(
            {
                "request_id": g.get("request_id"),
                "method": request.method,
                "route": rule,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1)
                if started
                else None,
                "reference": reference if is_reference(reference) else None,
            }
        )
    )
    return response
