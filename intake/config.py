"""Settings from the environment (SPEC section 9), with safe defaults for a fresh checkout."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from intake import files

DEFAULTS: dict[str, str | int] = {
    "TIMEZONE": "Europe/London",
    "TABLET_RESET_SECONDS": 30,
    "TABLET_IDLE_WARNING_SECONDS": 120,
    "TABLET_IDLE_SECONDS": 180,
    "DRAFT_LIFETIME_HOURS": 24,
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # Requests a minute from one client address (SPEC section 7).
    "RATE_LIMIT_SIGN_IN": 10,
    "RATE_LIMIT_NEW_DRAFTS": 30,
    "RATE_LIMIT_IDENTITY_CHECKS": 10,  # date-of-birth checks and desk codes
    "CLINIC_NAME": "the clinic",  # as the invitation email names the clinic to patients
    # Retention (SPEC section 12): tick deletes a submission this many days after it was
    # marked as filed in the patient record, or after it was submitted if never filed.
    "RETAIN_FILED_DAYS": 30,
    "RETAIN_UNFILED_DAYS": 365,
}


def from_environment(instance_path: str) -> dict:
    """The configuration for one app, read once at start."""
    settings: dict[str, object] = {
        "DATABASE_URL": os.environ.get("INTAKE_DATABASE_URL")
        or f"sqlite:///{Path(instance_path) / 'intake.sqlite3'}",
        "SECRET_KEY": os.environ.get("INTAKE_SECRET_KEY") or _instance_secret_key(instance_path),
        # The key ring of encryption at rest (intake.keys); unset, one generated once into the
        # instance folder, which the README says to move into the environment. Set but empty
        # (a variable that did not expand) is refused, not taken for unset.
        "DATA_KEYS": os.environ.get("INTAKE_DATA_KEYS"),
        "SESSION_COOKIE_SECURE": os.environ.get("INTAKE_SECURE_COOKIES") == "1",
        "PROXY_FIX": os.environ.get("INTAKE_PROXY_FIX") == "1",
        # Every account enrols a TOTP authenticator at its next sign-in (SPEC section 7).
        "REQUIRE_2FA": os.environ.get("INTAKE_REQUIRE_2FA") == "1",
        # The host names this service answers to; unset, any (development).
        "TRUSTED_HOSTS": _host_names(os.environ.get("INTAKE_TRUSTED_HOSTS")),
        # The FHIR canonical base (SPEC section 10); no default here: in production, FHIR
        # endpoints refuse until it is set, and only development uses a placeholder.
        "FHIR_BASE": os.environ.get("INTAKE_FHIR_BASE") or None,
        # Where patients reach this service: the start of every invitation link (email, QR
        # letter). Never taken from a request's Host header.
        "PUBLIC_URL": os.environ.get("INTAKE_PUBLIC_URL") or None,
        # The invitation email and reminders (SPEC section 11): the SMTP server
        # (smtp://, smtp+starttls://, smtps://; intake.appointments.mail), an optional CA
        # bundle to trust for its certificate, and the sender (no default: a made-up sender
        # is refused by most servers; a send without it says to set it).
        "SMTP_URL": os.environ.get("INTAKE_SMTP_URL") or None,
        "SMTP_CA_FILE": os.environ.get("INTAKE_SMTP_CA_FILE") or None,
        "MAIL_FROM": os.environ.get("INTAKE_MAIL_FROM") or None,
    }
    for name, default in DEFAULTS.items():
        raw = os.environ.get(f"INTAKE_{name}")
        if raw is not None:
            settings[name] = type(default)(raw)
    return settings


def finish(config: dict) -> None:
    """Fill in defaults and derive the settings of Flask and its extensions from ours."""
    for name, default in DEFAULTS.items():
        if config.get(name) is None:  # Flask itself pre-sets some (MAX_CONTENT_LENGTH = None)
            config[name] = default
    ZoneInfo(config["TIMEZONE"])  # fail at start, not at the first submission
    _check_retention(config)
    config["FHIR_BASE"] = _fhir_base(config.get("FHIR_BASE"))
    development = bool(config.get("TESTING") or config.get("DEBUG"))
    config["PUBLIC_URL"] = _public_url(config.get("PUBLIC_URL"), development)
    config["SQLALCHEMY_DATABASE_URI"] = config["DATABASE_URL"]
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if config["DATABASE_URL"].startswith("postgresql"):
        config["SQLALCHEMY_ENGINE_OPTIONS"].setdefault("pool_pre_ping", True)
    config.setdefault("REQUIRE_2FA", False)
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session cookie


def _check_retention(config: dict) -> None:
    """A retention period is a whole number of days, at least one: fail at start, not at a
    tick that would delete everything."""
    for name in ("RETAIN_FILED_DAYS", "RETAIN_UNFILED_DAYS"):
        if not isinstance(config[name], int) or config[name] < 1:
            raise ValueError(f"INTAKE_{name} must be a whole number of days, 1 or more")


def _host_names(value: str | None) -> list[str] | None:
    """Comma-separated host names (a leading dot also allows their subdomains), or None."""
    names = [name.strip() for name in (value or "").split(",") if name.strip()]
    return names or None


DEVELOPMENT_PUBLIC_URL = "http://127.0.0.1:5000"


def _public_url(value: str | None, development: bool) -> str | None:
    """The service's public address without its trailing slash; in tests and development, the
    local server's when not set (links made without it in production fail, naming the setting)."""
    if not value:
        return DEVELOPMENT_PUBLIC_URL if development else None
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"INTAKE_PUBLIC_URL must be an absolute http(s) URL, not {value!r}")
    return value.rstrip("/")


def _fhir_base(value: str | None) -> str | None:
    """An absolute http(s) URL without its trailing slash, or None when not set; a malformed
    one fails at start, not at the first FHIR export."""
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"INTAKE_FHIR_BASE must be an absolute http(s) URL, not {value!r}")
    return value.rstrip("/")


def _instance_secret_key(instance_path: str) -> str:
    """A key generated once and kept in the instance folder, shared by every worker."""
    path = files.private_folder(instance_path) / "secret_key"
    if not path.exists():
        draft = path.with_name(f"secret_key.{secrets.token_hex(8)}")
        with os.fdopen(files.open_private(draft, os.O_WRONLY | os.O_EXCL), "w") as out:
            out.write(secrets.token_hex(32) + "\n")
        try:
            os.link(draft, path)  # atomic: the first worker wins, the others read its key
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    files.tighten(path)
    return path.read_text().strip()
