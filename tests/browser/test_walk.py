"""A patient completes the questionnaire in Chromium, filling each field by its label."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from intake.extensions import db
from intake.models import Submission

REFERENCE = re.compile(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")


def choose(page: Page, question: str, *options: str) -> None:
    group = page.get_by_role("group", name=question)
    for option in options:
        group.get_by_label(option, exact=True).check()


def fill_date(page: Page, question: str, value: date) -> None:
    group = page.get_by_role("group", name=question)
    group.get_by_label("Day").fill(str(value.day))
    group.get_by_label("Month").fill(str(value.month))
    group.get_by_label("Year").fill(str(value.year))


def continue_(page: Page) -> None:
    page.get_by_role("button", name="Continue").click()


def test_patient_completes_the_questionnaire_by_label(page: Page, live_app):
    page.goto("/")
    page.get_by_role("button", name="Start now").click()

    expect(page.get_by_text("Step 1 of 6")).to_be_visible()
    continue_(page)  # nothing filled: the error summary takes focus
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Enter your full name").click()
    expect(page.get_by_label("Full name")).to_be_focused()

    page.get_by_label("Full name").fill("Ζωή Ngụy-Ivanova")
    fill_date(page, "Date of birth", date(1994, 7, 9))
    fill_date(page, "Appointment date (optional)", date.today() + timedelta(days=10))
    page.get_by_label("Phone number (optional)").fill("+44 (0)161 496 0000")
    continue_(page)

    expect(page.get_by_text("Step 2 of 6")).to_be_visible()
    choose(page, "Which types of spots do you have?", "Red bumps", "Pus-filled spots")
    choose(page, "Where do you get acne?", "Cheeks", "Chin and jawline")
    choose(page, "How long have you had acne?", "More than 5 years")
    choose(page, "How bad is your acne right now?", "Moderate")
    choose(page, "Does your acne leave marks or scars?", "Dark or red marks only")
    choose(page, "How much does acne affect your daily life?", "A lot")
    continue_(page)

    choose(
        page,
        "Two hours after washing, with no products on, how does your face feel?",
        "Oily all over",
    )
    choose(
        page,
        "How often do you blot or wash your face because of oil during the day?",
        "2 or 3 times",
    )
    choose(page, "Do your pores look enlarged?", "On my nose and cheeks")
    choose(page, "Does make-up or sunscreen look shiny or slide off within a few hours?", "Yes")
    continue_(page)

    isotretinoin = page.get_by_role("group", name="When did you last take isotretinoin?")
    expect(isotretinoin).to_be_hidden()
    choose(
        page,
        "Which acne treatments have you tried?",
        "Antibiotic tablets",
        "Isotretinoin (Roaccutane, Accutane)",
    )
    expect(isotretinoin).to_be_visible()  # revealed in place, right after its trigger
    choose(page, "When did you last take isotretinoin?", "More than 12 months ago")
    choose(page, "Overall, how well did these treatments work?", "Did not help")
    page.get_by_label("Anything else about your treatments? (optional)").fill(
        "Doxycycline <b>100mg</b> & a cream"
    )
    continue_(page)

    choose(
        page, "Are you pregnant, breastfeeding, or planning a pregnancy in the next 6 months?", "No"
    )
    choose(page, "Do you have any of these conditions?", "None of these")
    choose(page, "Do you take any of these medicines?", "None of these")
    choose(
        page,
        "Have you had botulinum toxin injections (Botox, Dysport, Xeomin) for any reason in the last 3 months?",
        "No",
    )
    choose(
        page,
        "Have you ever had an allergic reaction to botulinum toxin, or do you have a cow's milk protein allergy?",
        "No",
    )
    choose(
        page,
        "After any injection, have you ever had drooping eyelids or eyebrows, or muscle weakness?",
        "No",
    )
    continue_(page)

    choose(
        page,
        "What would you most like from your visit?",
        "Less oily skin",
        "To learn about Botox for acne",
    )
    continue_(page)

    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    expect(page.get_by_text("Doxycycline <b>100mg</b> & a cream")).to_be_visible()
    page.get_by_role("link", name="Change your acne").click()
    choose(page, "How bad is your acne right now?", "Severe")
    continue_(page)
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    expect(page.get_by_text("Severe")).to_be_visible()

    page.get_by_label(
        "I confirm these answers are correct to the best of my knowledge and agree to share "
        "them with my dermatologist."
    ).check()
    page.get_by_role("button", name="Submit").click()

    expect(page.get_by_text(REFERENCE)).to_be_visible()
    reference = REFERENCE.search(page.content()).group(0)
    with live_app.app_context():
        stored = db.session.scalar(select(Submission).where(Submission.reference == reference))
        assert stored.answers["full_name"] == "Ζωή Ngụy-Ivanova"
        assert stored.answers["severity"] == "severe"
        assert stored.answers["isotretinoin_last"] == "over_12_months"
        assert stored.answers["treatment_notes"] == "Doxycycline <b>100mg</b> & a cream"
        db.session.remove()
