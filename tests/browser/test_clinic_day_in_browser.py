"""Front desk on the Clinic day in Chromium without JavaScript: an appointment refused with its
field's error (what was typed kept), then added; a CSV imported; axe finds nothing on the page
with its error shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from intake import clock
from tests.browser.helpers import axe_violations, staff_account

FRONTDESK = "desk.browser@clinic.test"
PASSWORD = "a long front desk password"


@pytest.fixture(scope="module")
def account(live_app) -> str:
    return staff_account(live_app, FRONTDESK, PASSWORD, role="frontdesk")


def signed_in(page: Page) -> Page:
    page.goto("/clinic/login")
    page.get_by_label("Email").fill(FRONTDESK)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Clinic day").click()
    expect(page.get_by_role("heading", name="Add an appointment")).to_be_visible()
    return page


def fill_appointment(page: Page, year_of_birth: str) -> str:
    """The form filled as front desk would; the appointment's day (tomorrow, clinic time)."""
    day = (clock.today("Europe/London") + timedelta(days=1)).isoformat()
    page.get_by_label("Patient's full name").fill("Browser Day Patient")
    birth = page.get_by_role("group", name="Date of birth")
    birth.get_by_label("Day").fill("17")
    birth.get_by_label("Month").fill("5")
    birth.get_by_label("Year").fill(year_of_birth)
    page.get_by_label("Appointment date").fill(day)
    page.get_by_label("Appointment time").fill("09:30")
    page.get_by_label("Español").check()
    return day


@pytest.fixture
def without_script(browser, base_url, account):
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    yield signed_in(context.new_page())
    context.close()


def test_front_desk_adds_and_imports_without_javascript(without_script: Page, tmp_path):
    page = without_script
    fill_appointment(page, "2090")
    page.get_by_role("button", name="Add appointment").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator("#date_of_birth-error")).to_contain_text(
        "Date of birth must be in the past"
    )
    expect(page.get_by_label("Patient's full name")).to_have_value("Browser Day Patient")
    expect(page.get_by_label("Español")).to_be_checked()

    page.get_by_role("group", name="Date of birth").get_by_label("Year").fill("1990")
    page.get_by_role("button", name="Add appointment").click()
    expect(page.get_by_text("Appointment added.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Browser Day Patient")
    expect(row).to_contain_text("09:30")
    expect(row).to_contain_text("Not invited")

    day = (clock.today("Europe/London") + timedelta(days=1)).isoformat()
    csv = tmp_path / "day.csv"
    csv.write_text(
        "name,date_of_birth,appointment_date,appointment_time,email,language\n"
        f"Browser Csv Patient,1980-01-02,{day},11:00,,en\n"
        f"Browser Bad Row,1980-01-02,{day},25:00,,en\n"
    )
    page.get_by_label("Appointments file (CSV)").set_input_files(csv)
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("1 added, 0 already on the list, 1 with errors")).to_be_visible()
    expect(page.get_by_text("Line 3: appointment_time:")).to_be_visible()


def test_the_clinic_day_with_an_error_passes_axe(page: Page, account):
    signed_in(page)
    fill_appointment(page, "2090")
    page.get_by_role("button", name="Add appointment").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert page.title().startswith("Error:")
    assert axe_violations(page) is None, axe_violations(page)


def test_the_desk_code_and_cancel_pages_pass_axe(page: Page, account):
    signed_in(page)
    fill_appointment(page, "1990")
    page.get_by_label("Patient's full name").fill("Browser Axe Patient")
    page.get_by_role("button", name="Add appointment").click()
    row = page.get_by_role("row").filter(has_text="Browser Axe Patient")
    row.get_by_role("button", name="Desk code").click()
    expect(page.get_by_text("Valid for 15 minutes, once.")).to_be_visible()
    assert axe_violations(page) is None, axe_violations(page)
    page.get_by_role("row").filter(has_text="Browser Axe Patient").get_by_role(
        "button", name="Cancel"
    ).click()
    expect(page.get_by_role("heading", name="Cancel the appointment of")).to_be_visible()
    assert axe_violations(page) is None, axe_violations(page)
    page.get_by_role("button", name="Cancel appointment").click()
    expect(page.get_by_text("Appointment cancelled.")).to_be_visible()
