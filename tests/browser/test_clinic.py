"""A clinician signs in, finds a submission, reads it, downloads its PDF and signs out, in Chromium."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.helpers import staff_account
from tests.factories import answers
from tests.support import Patient

PASSWORD = "a long clinic password"


EMAIL = "dr.browser@clinic.test"


@pytest.fixture(scope="module")
def reference(live_app) -> str:
    """A clinician account, and a submission with one Defer flag (pregnant)."""
    staff_account(live_app, EMAIL, PASSWORD)
    return Patient(live_app.test_client()).complete(
        answers(
            full_name="Browser Patient",
            sex="female",
            hormonal_features=["none"],
            pregnant_breastfeeding="yes",
        )
    )


def sign_in_to(page: Page, reference: str) -> None:
    """Ask for the submission's page: sign in first, then sent on to it."""
    page.goto(f"/clinic/submissions/{reference}")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Browser Patient")).to_be_visible()


def test_clinician_signs_in_finds_reads_and_signs_out(page: Page, reference):
    sign_in_to(page, reference)

    # Back to the list and find it by searching.
    page.get_by_role("link", name="All submissions").click()
    page.get_by_label("Name or reference").fill("browser pat")
    page.get_by_role("button", name="Search").click()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Browser Patient")
    expect(row).to_contain_text("1 defer")
    row.get_by_role("link", name=reference).click()

    expect(page.get_by_text("Defer", exact=True)).to_be_visible()
    expect(
        page.get_by_text("Pregnant or breastfeeding: defer elective off-label treatment.")
    ).to_be_visible()

    page.get_by_role("button", name="Mark as reviewed").click()
    expect(page.get_by_text(f"Reviewed by {EMAIL}")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(f"/clinic/submissions/{reference}")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_clinician_downloads_the_pdf(page: Page, reference):
    sign_in_to(page, reference)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"{reference}.pdf"
    text = PdfReader(io.BytesIO(download.path().read_bytes())).pages[0].extract_text()
    assert "Browser Patient" in text
