"""Front-desk tablet mode: a signed device cookie, set by staff, cleared when staff sign in again."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "intake_tablet"
MAX_AGE = 90 * 24 * 3600  # a shared tablet stays one until staff sign in on it


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="intake-tablet-mode")


def is_tablet() -> bool:
    """True on a device that front desk turned into a tablet (a genuine, signed cookie)."""
    value = request.cookies.get(COOKIE)
    if not value:
        return False
    try:
        return _serializer().loads(value) == {"tablet": True}
    except BadSignature:
        return False


def turn_on(response) -> None:
    response.set_cookie(
        COOKIE,
        _serializer().dumps({"tablet": True}),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )


def turn_off(response) -> None:
    response.delete_cookie(COOKIE, httponly=True, samesite="Lax")


def timers() -> dict:
    """The tablet's timers, for the page's script and the server's own checks."""
    config = current_app.config
    return {
        "reset": config["TABLET_RESET_SECONDS"],
        "warning": config["TABLET_IDLE_WARNING_SECONDS"],
        "idle": config["TABLET_IDLE_SECONDS"],
    }


def idle_limit() -> timedelta:
    """How long a draft begun on a tablet may sit untouched before it is discarded."""
    return timedelta(seconds=timers()["idle"])
