"""Two-factor sign-in in Chromium: the QR code the page shows, read back by a real decoder
(zbarimg), enrols an authenticator; the pages pass axe; the next sign-in asks for the code."""

from __future__ import annotations

import subprocess
from datetime import datetime, timezone
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import axe_violations, overflow, small_targets, staff_account

EMAIL = "dr.totp@clinic.test"
PASSWORD = "a long two-factor password"


@pytest.fixture(scope="module")
def account(live_app) -> str:
    return staff_account(live_app, EMAIL, PASSWORD)


def sign_in_with_password(page: Page) -> None:
    page.goto("/clinic/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def page_problems(page: Page) -> list[str]:
    """axe (WCAG 2.2 A/AA), touch targets and reflow on the tablet's screen and a phone's."""
    report = axe_violations(page)
    problems = [report] if report else []
    page.set_viewport_size({"width": 768, "height": 1024})
    problems += small_targets(page) + overflow(page)
    page.set_viewport_size({"width": 375, "height": 800})
    problems += overflow(page)
    page.set_viewport_size({"width": 1280, "height": 720})
    return problems


def decoded_qr_code(page: Page, tmp_path) -> str:
    """What a phone's camera reads from the QR code as Chromium draws it."""
    image = tmp_path / "qr.png"
    page.get_by_role("img", name="QR code to add Intake to your authenticator app").screenshot(
        path=str(image)
    )
    read = subprocess.run(
        ["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True, timeout=30
    )
    assert read.returncode == 0, read.stderr
    return read.stdout.strip()


def test_enrol_by_scanning_the_qr_code_then_sign_in_with_a_code(page: Page, account, tmp_path):
    sign_in_with_password(page)
    expect(page.get_by_role("heading", name="Submissions")).to_be_visible()
    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    assert page_problems(page) == []

    uri = decoded_qr_code(page, tmp_path)
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == f"/Intake:{EMAIL}"
    secret = parse_qs(parts.query)["secret"][0]
    shown = page.locator(".secret code").inner_text()
    assert shown.replace(" ", "") == secret  # the text and the QR code hold the same secret
    phone = pyotp.parse_uri(uri)  # the authenticator app, set up from the QR code alone

    page.get_by_label("Authentication code").fill("123")
    page.get_by_role("button", name="Turn on").click()
    error = "Enter the 6-digit code from your authenticator app"
    expect(page.get_by_role("link", name=error)).to_be_visible()  # in the error summary
    assert page_problems(page) == []
    page.get_by_label("Authentication code").fill(phone.now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("Two-factor sign-in is on")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in_with_password(page)
    expect(page.get_by_role("heading", name="Enter your authentication code")).to_be_visible()
    assert page_problems(page) == []
    # The code of the next time step (a phone a little fast): the one just used to turn two-
    # factor sign-in on is never accepted again, and 30 s may not have passed yet.
    page.get_by_label("Authentication code").fill(
        phone.at(datetime.now(timezone.utc), counter_offset=1)
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Submissions")).to_be_visible()
