"""Rate limits per client address (SPEC section 7), counted in the database so that they hold
across workers and servers: hits in fixed one-minute windows, one atomic statement a hit.

A row's key is the action, a keyed hash of the client's address (never the address itself)
and the window's number. IPv6 addresses count per /64, the block one subscriber holds.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import math
import secrets
from collections.abc import Callable
from datetime import datetime, timezone

from flask import Flask, current_app, request
from werkzeug.exceptions import TooManyRequests

from intake import clock
from intake.database import upsert, write_connection
from intake.models import RateLimit

# Each action's limit, hits a window, is the setting RATE_LIMIT_<ACTION>.
ACTIONS = ("sign_in", "new_drafts", "identity_checks")
WINDOW_SECONDS = 60
PURGE_ONE_IN = 100  # hits: stale rows go on the way, without a scheduler to run
_PURGE = "intake.ratelimit.purge"


def init_app(app: Flask, purge: Callable[[datetime], object]) -> None:
    """`purge(now)` runs on about one hit in PURGE_ONE_IN: given by the app, as what is stale
    is known to the modules whose views the limiter guards."""
    app.extensions[_PURGE] = purge


def limited(action: str):
    """A view's POSTs count against the action's limit (a GET never counts); over it, 429."""
    _known(action)

    def decorator(view):
        @functools.wraps(view)
        def counted(*args, **kwargs):
            if request.method == "POST":
                enforce(action)
            return view(*args, **kwargs)

        return counted

    return decorator


def enforce(action: str) -> None:
    """Count one hit; over the limit, the request ends with the 429 page and a Retry-After."""
    if not hit(action):
        raise TooManyRequests(retry_after=_seconds_left(clock.now()))


def hit(action: str) -> bool:
    """Count one hit of the action from this request's client address; False over the limit."""
    _known(action)
    now = clock.now()
    window = _window(now)
    key = f"{action}:{client_key()}:{window}"
    with write_connection() as connection:
        hits = connection.execute(_counted(connection, key, _window_end(window))).scalar_one()
    if secrets.randbelow(PURGE_ONE_IN) == 0:
        current_app.extensions[_PURGE](now)
    return hits <= current_app.config[f"RATE_LIMIT_{action.upper()}"]


def client_key() -> str:
    """This request's client address as a keyed hash: the address itself is never stored."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    counted = f"rate limit:{counted_address(request.remote_addr or '')}".encode()
    return hmac.new(secret, counted, hashlib.sha256).hexdigest()[:32]


def counted_address(address: str) -> str:
    """The address whose hits are counted together: an IPv6 address's /64, else the address."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address  # not an IP address (a Unix socket, say): counted as it is
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def _known(action: str) -> None:
    if action not in ACTIONS:
        raise ValueError(f"no rate limit is set for {action!r}")


def _window(moment: datetime) -> int:
    return int(moment.timestamp()) // WINDOW_SECONDS


def _window_end(window: int) -> datetime:
    return datetime.fromtimestamp((window + 1) * WINDOW_SECONDS, timezone.utc)


def _seconds_left(now: datetime) -> int:
    """Whole seconds until this window ends and the count starts again (Retry-After)."""
    return max(1, math.ceil((_window_end(_window(now)) - now).total_seconds()))


def _counted(connection, key: str, expires_at: datetime):
    """INSERT ... ON CONFLICT (key) DO UPDATE ... RETURNING hits: one atomic statement, so
    workers and servers hitting at once each get their own count."""
    return (
        upsert(connection.dialect.name, RateLimit)
        .values(key=key, hits=1, expires_at=expires_at)
        .on_conflict_do_update(index_elements=["key"], set_={"hits": RateLimit.hits + 1})
        .returning(RateLimit.hits)
    )
