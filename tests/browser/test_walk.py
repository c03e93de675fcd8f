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
    EVERY_CONDITIONAL,
    REFERENCE,
    Wording,
    continue_,
    expect_conditionals,
    fill_step,
    patient_in,
    question_on_page,
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
    """In English, by the words on the page (written out here, not read from the app)."""
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
    choose(page, "Sex assigned at birth", "Female")
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
    choose(page, "Do you pick or squeeze your spots?", "Sometimes")
    # Asked because step 1 said Female: on the page from the start, not revealed by a click.
    choose(page, "Do you have any of these?", "Irregular or often missed periods")
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
    choose(page, "A few hours after washing, does your face look shiny?", "Yes")
    continue_(page)

    antibiotics = page.get_by_role("group", name="How well have antibiotic tablets worked for you?")
    stopped = page.get_by_role("group", name="When did you stop isotretinoin?")
    expect(antibiotics).to_be_hidden()
    expect(stopped).to_be_hidden()
    choose(page, "Which acne treatments are you using now?", "Antibiotic tablets")
    expect(antibiotics).to_be_visible()  # revealed in place
    choose(
        page,
        "Which acne treatments have you used before and stopped?",
        "Isotretinoin (Roaccutane, Accutane)",
    )
    expect(stopped).to_be_visible()
    choose(page, "How well have antibiotic tablets worked for you?", "Did not help")
    choose(page, "How well has isotretinoin worked for you?", "Cleared my acne")
    choose(page, "When did you stop isotretinoin?", "More than 12 months ago")
    choose(page, "Did your acne come back after isotretinoin?", "Not sure yet")
    page.get_by_label("Anything else about your treatments? (optional)").fill(
        "Doxycycline <b>100mg</b> & a cream"
    )
    continue_(page)

    planning = page.get_by_role(
        "group", name="Are you trying for a baby, or planning a pregnancy in the next 6 months?"
    )
    expect(planning).to_be_hidden()
    choose(page, "Are you pregnant or breastfeeding?", "No")
    expect(planning).to_be_visible()
    choose(page, "Are you trying for a baby, or planning a pregnancy in the next 6 months?", "No")
    choose(page, "Do you have any of these conditions?", "None of these")
    choose(page, "Does any of this apply to your face?", "None of these")
    choose(page, "Do you take any of these medicines?", "None of these")
    choose(page, "Are you planning an operation in the next 3 months?", "No")
    choose(page, "Have you ever had botulinum toxin injections, for any reason?", "No")
    choose(page, "Do you have an allergy to cow's milk protein?", "No")
    choose(
        page,
        "Have you ever fainted, or nearly fainted, having an injection or a blood test?",
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
    expect(page.get_by_text("Irregular or often missed periods", exact=True)).to_be_visible()
    page.get_by_role("link", name="Change your acne").click()
    choose(page, "How bad is your acne right now?", "Severe")
    continue_(page)
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    expect(page.get_by_text("Severe", exact=True)).to_be_visible()

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
        assert stored.answers["hormonal_features"] == ["irregular_periods"]
        assert stored.answers["treatments_now"] == ["antibiotic_tablets"]
        assert stored.answers["treatments_before"] == ["isotretinoin"]
        assert stored.answers["response_antibiotic_tablets"] == "did_not_help"
        assert stored.answers["response_isotretinoin"] == "cleared"
        assert stored.answers["isotretinoin_stopped"] == "over_12_months"
        assert stored.answers["isotretinoin_relapse"] == "not_sure_yet"
        assert stored.answers["planning_pregnancy"] == "no"
        assert stored.answers["treatment_notes"] == "Doxycycline <b>100mg</b> & a cream"
        db.session.remove()


# Every conditional question, in English and in Spanish -------------------------------------


def test_every_conditional_question_applies_in_that_walk():
    conditional = {q.id for q in QUESTIONS.values() if q.shown_if is not None}
    assert conditional <= EVERY_CONDITIONAL.keys(), conditional - EVERY_CONDITIONAL.keys()


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_whole_questionnaire_with_every_conditional_question(page: Page, live_app, language):
    """With JavaScript, in the language chosen on the start page: each conditional question is
    hidden until its trigger is answered, then revealed in place (the page is not reloaded);
    the one whose trigger is on step 1 is simply on step 2's page. Check your answers lists
    every answer, in that language; the submission stores exactly those answers."""
    t = Wording(live_app, language)  # the app's own wording, read from the catalogue now
    page.goto("/")
    switch_language(page, language)
    page.get_by_role("button", name=t("Start now"), exact=True).click()

    earlier: dict = {}
    for step in STEPS:
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.get_by_role("heading", level=1)).to_have_text(t(step.title))
        expect(
            page.get_by_text(
                t("Step %(number)s of %(total)s", number=step.number, total=len(STEPS))
            )
        ).to_be_visible()
        expect_conditionals(page, step, earlier, t)  # nothing of this step answered yet
        page.evaluate("window.stillTheSamePage = true")
        fill_step(page, step, EVERY_CONDITIONAL, t)
        expect_conditionals(page, step, EVERY_CONDITIONAL, t)
        assert page.evaluate("window.stillTheSamePage") is True, "the page was reloaded"
        continue_(page, t)
        earlier |= {
            q.id: EVERY_CONDITIONAL[q.id] for q in step.questions if q.id in EVERY_CONDITIONAL
        }

    expect(page.get_by_role("heading", level=1)).to_have_text(t("Check your answers"))
    expect(page.locator(".summary-list__row")).to_have_count(len(EVERY_CONDITIONAL))
    expect(page.locator(".not-provided")).to_have_count(0)
    for question_id, value in EVERY_CONDITIONAL.items():
        expect(answer_row(page, t, question_id)).to_contain_text(
            t.answer(QUESTIONS[question_id], value)
        )

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
        assert stored.language == language
        assert stored.answers == EVERY_CONDITIONAL
        db.session.remove()


# Back and Change, the error flow ---------------------------------------------------------

WALK_ANSWERS = answers(
    full_name="Lucía Peña-Ibáñez",
    sex="female",
    hormonal_features=["none"],
    severity="moderate",
    treatments_now=["antibiotic_tablets"],
    treatments_before=["isotretinoin"],
    response_antibiotic_tablets="did_not_help",
    response_isotretinoin="helped_somewhat",
    isotretinoin_stopped="over_12_months",
    isotretinoin_relapse="no",
)


def answer_row(page: Page, t: Wording, question_id: str):
    """The check-answers row of one question, found by its (translated) label."""
    label = t(QUESTIONS[question_id].label)
    return page.locator(".summary-list__row").filter(
        has=page.get_by_role("term").filter(has_text=re.compile(f"^{re.escape(label)}$"))
    )


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
    expect(answer_row(page, t, "isotretinoin_stopped")).to_contain_text("More than 12 months ago")

    # Change, then Back: straight back to check answers, nothing changed.
    page.get_by_role("link", name="Change your treatments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your treatments")
    before = page.get_by_role("group", name=t(QUESTIONS["treatments_before"].label), exact=True)
    isotretinoin = before.get_by_label("Isotretinoin (Roaccutane, Accutane)", exact=True)
    expect(isotretinoin).to_be_checked()
    page.get_by_role("link", name="Back", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")

    # Change, undo the trigger: its questions go, and Continue returns to check answers.
    page.get_by_role("link", name="Change your treatments").click()
    isotretinoin.uncheck()
    before.get_by_label("None", exact=True).check()
    for question_id in ("response_isotretinoin", "isotretinoin_stopped", "isotretinoin_relapse"):
        expect(question_on_page(page, QUESTIONS[question_id], t)).to_be_hidden()
    continue_(page, t)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    expect(answer_row(page, t, "treatments_before").locator("dd")).to_have_text("None")
    for question_id in ("response_isotretinoin", "isotretinoin_stopped", "isotretinoin_relapse"):
        expect(answer_row(page, t, question_id)).to_have_count(0)
    expect(answer_row(page, t, "response_antibiotic_tablets")).to_contain_text("Did not help")

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
        assert stored.answers["treatments_before"] == ["none"]
        assert stored.answers["response_antibiotic_tablets"] == "did_not_help"
        for question_id in (
            "response_isotretinoin",
            "isotretinoin_stopped",
            "isotretinoin_relapse",
        ):
            assert question_id not in stored.answers
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
    # Every required question on the page, the one asked because step 1 said Female included.
    asked = acne.visible_questions(WALK_ANSWERS)
    assert QUESTIONS["hormonal_features"] in asked
    missing = [q for q in asked if q.required and q.id not in given]
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
