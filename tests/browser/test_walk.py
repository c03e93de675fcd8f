"""A patient completes the questionnaire in Chromium, filling each field by its label: in English
and in Spanish, going Back and using Change, and through the error flow."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from intake.extensions import db
from intake.models import Submission
from intake.questionnaire import QUESTIONS, STEPS
from tests.browser.helpers import (
    REFERENCE,
    Wording,
    continue_,
    fill_step,
    patient_in,
    switch_language,
)
from tests.factories import answers


def choose(page: Page, question: str, *options: str) -> None:
    group = page.get_by_role("group", name=question)
    for option in options:
        group.get_by_label(option, exact=True).check()


def fill_date(page: Page, question: str, value: date) -> None:
    group = page.get_by_role("group", name=question)
    group.get_by_label("Day").fill(str(value.day))
    group.get_by_label("Month").fill(str(value.month))
    group.get_by_label("Year").fill(str(value.year))


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


# In Spanish, Back and Change, the error flow ----------------------------------------

WALK_ANSWERS = answers(
    full_name="Lucía Peña-Ibáñez",
    severity="moderate",
    treatments=["antibiotic_tablets", "isotretinoin"],
    isotretinoin_last="over_12_months",
    treatment_response="did_not_help",
)


def answer_row(page: Page, t: Wording, question_id: str):
    """The check-answers row of one question, found by its (translated) label."""
    label = t(QUESTIONS[question_id].label)
    return page.locator(".summary-list__row").filter(
        has=page.get_by_role("term").filter(has_text=re.compile(f"^{re.escape(label)}$"))
    )


def test_a_patient_completes_it_in_spanish_by_the_spanish_labels(page: Page, live_app):
    t = Wording(live_app, "es")  # the app's own Spanish, read from the catalogue now
    page.goto("/")
    switch_language(page, "es")
    page.get_by_role("button", name=t("Start now"), exact=True).click()

    for step in STEPS:
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", level=1)).to_have_text(t(step.title))
        expect(
            page.get_by_text(
                t("Step %(number)s of %(total)s", number=step.number, total=len(STEPS))
            )
        ).to_be_visible()
        fill_step(page, step, WALK_ANSWERS, t)
        continue_(page, t)

    expect(page.get_by_role("heading", level=1)).to_have_text(t("Check your answers"))
    expect(answer_row(page, t, "severity")).to_contain_text(t("Moderate"))
    expect(answer_row(page, t, "isotretinoin_last")).to_contain_text(t("More than 12 months ago"))
    page.get_by_label(
        t(
            "I confirm these answers are correct to the best of my knowledge and agree to share "
            "them with my dermatologist."
        ),
        exact=True,
    ).check()
    page.get_by_role("button", name=t("Submit"), exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(t("Answers sent"))
    reference = page.locator(".reference").inner_text()
    assert REFERENCE.fullmatch(reference)
    with live_app.app_context():
        stored = db.session.scalar(select(Submission).where(Submission.reference == reference))
        assert stored.language == "es"
        assert stored.answers == WALK_ANSWERS
        db.session.remove()


def test_back_and_change_keep_the_answers_and_return_to_check_answers(page: Page, live_app):
    t = Wording(live_app, "en")
    page.goto("/")
    page.get_by_role("button", name="Start now").click()
    fill_step(page, STEPS[0], WALK_ANSWERS, t)
    continue_(page, t)

    # Back: the previous step with its answers, then the start page, which resumes.
    expect(page.get_by_role("heading", level=1)).to_have_text("Your acne")
    page.get_by_role("link", name="Back", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("About you")
    expect(page.get_by_label("Full name")).to_have_value("Lucía Peña-Ibáñez")
    page.get_by_role("link", name="Back", exact=True).click()
    expect(page.get_by_role("button", name="Start now")).to_be_visible()
    expect(page.get_by_text("You have answers saved on this device")).to_be_visible()
    page.get_by_role("button", name="Start now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your acne")

    patient_in(page).answer_all(WALK_ANSWERS)
    page.goto("/check-answers")
    expect(answer_row(page, t, "isotretinoin_last")).to_contain_text("More than 12 months ago")

    # Change, then Back: straight back to check answers, nothing changed.
    page.get_by_role("link", name="Change previous treatments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Previous treatments")
    isotretinoin = page.get_by_label("Isotretinoin (Roaccutane, Accutane)", exact=True)
    expect(isotretinoin).to_be_checked()
    page.get_by_role("link", name="Back", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")

    # Change, undo the trigger: its question goes, and Continue returns to check answers.
    page.get_by_role("link", name="Change previous treatments").click()
    isotretinoin.uncheck()
    expect(page.get_by_role("group", name="When did you last take isotretinoin?")).to_be_hidden()
    continue_(page, t)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    expect(answer_row(page, t, "treatments")).not_to_contain_text("Isotretinoin")
    expect(answer_row(page, t, "isotretinoin_last")).to_have_count(0)

    page.get_by_role("link", name="Change about you").click()
    page.get_by_label("Full name").fill("Lucía Peña")
    continue_(page, t)
    expect(answer_row(page, t, "full_name")).to_contain_text("Lucía Peña")
    page.get_by_label(re.compile("^I confirm these answers")).check()
    page.get_by_role("button", name="Submit").click()
    reference = page.locator(".reference").inner_text()
    with live_app.app_context():
        stored = db.session.scalar(select(Submission).where(Submission.reference == reference))
        assert stored.answers["full_name"] == "Lucía Peña"
        assert stored.answers["treatments"] == ["antibiotic_tablets"]
        assert "isotretinoin_last" not in stored.answers
        db.session.remove()


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_error_flow(page: Page, live_app, language):
    """Summary first and focused, a link per problem that moves focus to its field, an inline
    message tied to the field, "Error: " in the title, and every answer given kept."""
    t = Wording(live_app, language)
    page.goto("/")
    switch_language(page, language)
    page.get_by_role("button", name=t("Start now"), exact=True).click()
    fill_step(page, STEPS[0], WALK_ANSWERS, t)
    continue_(page, t)

    acne = STEPS[1]
    given = {"spot_types": ["red_bumps", "pus_filled"], "duration": "over_5_years"}
    fill_step(page, acne, given, t)
    continue_(page, t)

    expect(page).to_have_title(re.compile(f"^{re.escape(t('Error:'))} "))
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text(t("There is a problem"))
    missing = [q for q in acne.questions if q.required and q.id not in given]
    expect(summary.get_by_role("link")).to_have_text([t(q.required_message) for q in missing])

    locations = QUESTIONS["locations"]
    summary.get_by_role("link", name=t(locations.required_message)).click()
    group = page.get_by_role("group", name=t(locations.label), exact=True)
    expect(group.get_by_label(t(locations.options[0].label), exact=True)).to_be_focused()
    expect(group).to_have_accessible_description(
        re.compile(re.escape(t(locations.required_message)))
    )

    for option in ("red_bumps", "pus_filled"):  # what was given stays
        expect(
            page.get_by_label(t(QUESTIONS["spot_types"].option_label(option)), exact=True)
        ).to_be_checked()
    expect(page.get_by_label(t("More than 5 years"), exact=True)).to_be_checked()

    fill_step(page, acne, WALK_ANSWERS, t)
    continue_(page, t)
    expect(page.get_by_role("heading", level=1)).to_have_text(t(STEPS[2].title))
    expect(page).not_to_have_title(re.compile("^" + re.escape(t("Error:"))))
