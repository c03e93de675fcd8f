"""Two-factor sign-in codes (TOTP, RFC 6238) with pyotp, and their QR code with segno: no
Flask, no database, so the rules of a code can be tested with the clock anywhere."""

from __future__ import annotations

import hmac
import re
from datetime import datetime

import pyotp
import segno

ISSUER = "Intake"
DIGITS = 6
STEPS_EITHER_SIDE = 1  # a phone's clock a little fast or slow, or a code typed at a step's end
_TYPED_CODE = re.compile(rf"[0-9]{{{DIGITS}}}")


def new_secret() -> str:
    """A fresh random secret (160 bits, base32) for one authenticator."""
    return pyotp.random_base32()


def provisioning_uri(email: str, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_code(uri: str) -> str:
    """The QR code of an address as a data: URI of an SVG image (the CSP allows data: images)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4)


def grouped(secret: str) -> str:
    """The secret in groups of four, as people read and type it."""
    return " ".join(secret[start : start + 4] for start in range(0, len(secret), 4))


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code was typed (within one step either side of now), or None.

    The step, not a yes or no, so the caller can refuse a code whose step was used already.
    """
    typed = "".join(code.split())
    if not _TYPED_CODE.fullmatch(typed):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS)
    current = totp.timecode(now)
    for step in range(current - STEPS_EITHER_SIDE, current + STEPS_EITHER_SIDE + 1):
        if hmac.compare_digest(totp.generate_otp(step), typed):
            return step
    return None
