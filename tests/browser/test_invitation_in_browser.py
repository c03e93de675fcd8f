"""The invited patient's pages in Chromium: axe-core (WCAG 2.2 A/AA) and 44-pixel targets on
the link's start page, the date of birth page (empty and with its error) and a tablet's start
page with its desk code form (with its error), in English and Spanish; and the link's way in
works without JavaScript."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from flask import make_response
from playwright.sync_api import Page, expect

from intake import clock, tablet
from intake.appointments import services
from intake.extensions import db
from tests.browser.helpers import axe_violations, small_targets

LANGUAGES = ["en", "es"]
START = {"en": "Start now", "es": "Empezar ahora"}
CONTINUE = {"en": "Continue", "es": "Continuar"}
WITH_A_CODE = {"en": "Start with a code", "es": "Empezar con un código"}
YEAR = {"en": "Year", "es": "Año"}


def invitation_link(live_app, language: str, name: str) -> str:
    with live_app.app_context():
        appointment_id = services.add(
            services.NewAppointment(
                patient_name=name,
                date_of_birth=clock.today("UTC").replace(year=1990, month=3, day=27),
                appointment_date=clock.today("UTC") + timedelta(days=5),
                appointment_time=time(10, 0),
                email=None,
                language=language,
            ),
            None,
        )
        token = services.issue_invitation(appointment_id, None, live_app.config["TIMEZONE"])
        db.session.remove()
    return f"/i/{token}"


def assert_accessible(page: Page) -> None:
    assert axe_violations(page) is None, axe_violations(page)
    assert small_targets(page) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_link_and_date_of_birth_pages_pass_axe(live_app, page: Page, language):
    page.goto(invitation_link(live_app, language, f"Axe Invitee {language}"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert_accessible(page)

    page.get_by_role("button", name=START[language]).click()
    expect(page.get_by_role("group")).to_be_visible()
    assert_accessible(page)

    page.get_by_label(YEAR[language]).fill("1991")
    page.get_by_label(YEAR[language]).press("Enter")  # incomplete date: the field's error
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_tablets_desk_code_form_passes_axe(live_app, browser, base_url, language):
    with live_app.test_request_context():
        response = make_response()
        tablet.turn_on(response)
    value = response.headers["Set-Cookie"].split(";", 1)[0].split("=", 1)[1]
    context = browser.new_context(base_url=base_url, viewport={"width": 768, "height": 1024})
    context.add_cookies([{"name": tablet.COOKIE, "value": value, "url": base_url}])
    page = context.new_page()
    page.goto(f"/language/{language}")
    assert_accessible(page)
    page.locator("#desk_code").fill("k7m2qx")
    page.get_by_role("button", name=WITH_A_CODE[language]).click()
    expect(page.locator("#desk_code-error")).to_be_visible()
    assert_accessible(page)
    context.close()


def test_the_link_works_without_javascript(live_app, browser, base_url):
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    page.goto(invitation_link(live_app, "en", "No Script Invitee"))
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("Day").fill("27")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("1990")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"{base_url}/questions/about-you")
    expect(page.get_by_label("Full name")).to_have_value("No Script Invitee")
    context.close()
