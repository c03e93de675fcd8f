"""A clinician signs in, finds a submission, reads it, downloads its PDF and signs out, in Chromium."""

from __future__ import annotations

import io

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from intake.clinic import services as staff
from intake.extensions import db
from tests.factories import answers
from tests.support import Patient

PASSWORD = "a long clinic password"


def test_clinician_signs_in_reads_downloads_and_signs_out(page: Page, live_app):
    with live_app.app_context():
        staff.create_user("dr.browser@clinic.test", PASSWORD, "clinician")
        db.session.remove()
    reference = Patient(live_app.test_client()).complete(
        answers(full_name="Browser Patient", pregnancy="yes")
    )

    page.goto(f"/clinic/submissions/{reference}")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email").fill("dr.browser@clinic.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Sent on to the page asked for; then back to the list and find it by searching.
    expect(page.get_by_role("heading", name="Browser Patient")).to_be_visible()
    page.get_by_role("link", name="All submissions").click()
    page.get_by_label("Name or reference").fill("browser pat")
    page.get_by_role("button", name="Search").click()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Browser Patient")
    expect(row).to_contain_text("1 contraindication")
    row.get_by_role("link", name=reference).click()

    expect(page.get_by_text("Contraindication", exact=True)).to_be_visible()
    expect(
        page.get_by_text(
            "Pregnant, breastfeeding or planning pregnancy: botulinum toxin is not recommended."
        )
    ).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"{reference}.pdf"
    text = PdfReader(io.BytesIO(download.path().read_bytes())).pages[0].extract_text()
    assert "Browser Patient" in text

    page.get_by_role("button", name="Mark as reviewed").click()
    expect(page.get_by_text("Reviewed by dr.browser@clinic.test")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(f"/clinic/submissions/{reference}")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
