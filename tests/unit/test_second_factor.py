"""TOTP codes (RFC 6238) as the sign-in checks them: the RFC's own test values, one time step
either side and no further, typed with spaces, and the secret as authenticator apps read it."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest

from intake.clinic import second_factor

# RFC 6238 appendix B: the SHA-1 seed "12345678901234567890" (in base32 below), and the
# 8-digit codes it lists; a 6-digit code is the same number's last six digits (RFC 4226).
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_CODES = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
]
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = datetime(2026, 12, 3, 10, 0, 15, tzinfo=timezone.utc)  # 15 s into a 30-second step


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


@pytest.mark.parametrize(("seconds", "rfc_code"), RFC_CODES)
def test_the_codes_of_rfc_6238_match_at_their_own_time_step(seconds, rfc_code):
    step = second_factor.matching_step(RFC_SECRET, rfc_code[-6:], at(seconds))
    assert step == seconds // 30


@pytest.mark.parametrize(("seconds", "rfc_code"), RFC_CODES)
def test_an_rfc_code_is_refused_two_steps_later(seconds, rfc_code):
    assert second_factor.matching_step(RFC_SECRET, rfc_code[-6:], at(seconds + 60)) is None


@pytest.mark.parametrize("steps", [-1, 0, 1])
def test_a_code_one_step_either_side_matches_with_its_own_step(steps):
    code = pyotp.TOTP(SECRET).at(NOW, counter_offset=steps)
    current = int(NOW.timestamp()) // 30
    assert second_factor.matching_step(SECRET, code, NOW) == current + steps


@pytest.mark.parametrize("steps", [-3, -2, 2, 3])
def test_a_code_two_or_more_steps_away_does_not_match(steps):
    code = pyotp.TOTP(SECRET).at(NOW, counter_offset=steps)
    assert second_factor.matching_step(SECRET, code, NOW) is None


def test_the_window_moves_at_the_step_boundary():
    step_start = datetime.fromtimestamp((int(NOW.timestamp()) // 30) * 30, timezone.utc)
    previous = pyotp.TOTP(SECRET).at(step_start, counter_offset=-1)
    assert second_factor.matching_step(SECRET, previous, step_start + timedelta(seconds=29))
    assert second_factor.matching_step(SECRET, previous, step_start + timedelta(seconds=30)) is None


@pytest.mark.parametrize("typed", ["{0} {1}", " {0}{1} ", "{0}\u00a0{1}", "{0}  {1}"])
def test_spaces_typed_in_a_code_are_ignored(typed):
    code = pyotp.TOTP(SECRET).at(NOW)
    assert second_factor.matching_step(SECRET, typed.format(code[:3], code[3:]), NOW) is not None


@pytest.mark.parametrize(
    "change",
    [
        lambda code: code[:5],  # too short
        lambda code: code + "0",  # too long
        lambda code: code[:5] + "x",
        lambda code: "".join(chr(0x0660 + int(digit)) for digit in code),  # Arabic-Indic digits
        lambda code: "",
    ],
)
def test_anything_but_six_digits_is_refused(change):
    code = pyotp.TOTP(SECRET).at(NOW)
    assert second_factor.matching_step(SECRET, change(code), NOW) is None


def test_a_code_of_another_secret_does_not_match():
    other = pyotp.TOTP(RFC_SECRET).at(NOW)
    assert other not in {pyotp.TOTP(SECRET).at(NOW, counter_offset=steps) for steps in (-1, 0, 1)}
    assert second_factor.matching_step(SECRET, other, NOW) is None


def test_new_secrets_are_160_bits_of_base32_and_differ():
    secrets = {second_factor.new_secret() for _ in range(20)}
    assert len(secrets) == 20
    for secret in secrets:
        assert len(base64.b32decode(secret)) == 20


def test_the_provisioning_uri_names_the_issuer_the_account_and_the_secret():
    uri = second_factor.provisioning_uri("dr.grey@clinic.test", SECRET)
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == "/Intake:dr.grey@clinic.test"
    assert parse_qs(parts.query) == {"secret": [SECRET], "issuer": ["Intake"]}
    app_reads = pyotp.parse_uri(uri)  # as an authenticator app reads it
    assert app_reads.now() == pyotp.TOTP(SECRET).now()


def test_the_qr_code_is_an_svg_data_uri():
    image = second_factor.qr_code(second_factor.provisioning_uri("a@clinic.test", SECRET))
    assert image.startswith("data:image/svg+xml")
    assert unquote(image).split(",", 1)[1].startswith("<svg")


def test_the_secret_is_shown_in_groups_of_four():
    assert second_factor.grouped(SECRET) == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"
    assert second_factor.grouped("ABCDEF") == "ABCD EF"
