"""Conditional questions and option hints in Chromium (SPEC 1.5 and 2, questionnaire 2026.2).

- A treatment's "How well" question follows the treatment in either treatment question,
  revealed and hidden in place by the page's script; an answer hidden that way is not kept.
- The hormonal question on step 2 follows step 1's sex: put on the page by the server (it
  is not a same-page toggle), and gone, answer and all, when the sex changes.
- The severity options (and the skin-infection condition) carry a hint under their label,
  tied to the input.
"""

from __future__ import annotations

import re

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
    draft_answers,
    expect_conditionals,
    fill_step,
    patient_in,
    question_on_page,
    switch_language,
)
from tests.factories import answers

STEP = {step.slug: step for step in STEPS}


def answer_row(page: Page, t: Wording, question_id: str):
    """The check-answers row of one question, found by its (translated) label."""
    label = t(QUESTIONS[question_id].label)
    return page.locator(".summary-list__row").filter(
        has=page.get_by_role("term").filter(has_text=re.compile(f"^{re.escape(label)}$"))
    )


def submit(page: Page, t: Wording, live_app) -> dict:
    """Confirm and submit from Check your answers; the answers stored for the reference shown."""
    page.get_by_label(
        t(
            "I confirm these answers are correct to the best of my knowledge and agree to share "
            "them with my dermatologist."
        ),
        exact=True,
    ).check()
    page.get_by_role("button", name=t("Submit"), exact=True).click()
    reference = page.locator(".reference")
    expect(reference).to_have_text(REFERENCE)
    with live_app.app_context():
        stored = db.session.scalar(
            select(Submission).where(Submission.reference == reference.inner_text())
        )
        db.session.remove()
    return stored.answers


# A treatment's "How well" question -------------------------------------------------------


def test_how_well_follows_the_treatment_ticked_in_either_question(page: Page, live_app):
    t = Wording(live_app, "en")
    patient = answers()  # male: no hormonal question; pharmacy now, nothing before
    page.goto("/")
    patient_in(page).start()
    for slug in ("about-you", "your-acne", "oily-skin"):
        patient_in(page).answer_step(slug, patient)
    page.goto("/questions/your-treatments")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your treatments")
    expect_conditionals(page, STEP["your-treatments"], {}, t)  # all hidden: nothing ticked
    page.evaluate("window.stillTheSamePage = true")

    now = question_on_page(page, QUESTIONS["treatments_now"], t)
    before = question_on_page(page, QUESTIONS["treatments_before"], t)
    how_well = question_on_page(page, QUESTIONS["response_antibiotic_tablets"], t)
    antibiotics = "Antibiotic tablets"

    # Ticked now: its question appears in place, right after the two treatment questions.
    expect(how_well).to_be_hidden()
    now.get_by_label(antibiotics, exact=True).check()
    expect(how_well).to_be_visible()
    assert how_well.evaluate(
        "(group, before) => !!(before.compareDocumentPosition(group) & Node.DOCUMENT_POSITION_FOLLOWING)",
        before.element_handle(),
    )
    how_well.get_by_label("Did not help", exact=True).check()

    # Ticked before as well, then unticked now: still asked (it was used before), answer kept.
    before.get_by_label(antibiotics, exact=True).check()
    now.get_by_label(antibiotics, exact=True).uncheck()
    expect(how_well).to_be_visible()
    expect(how_well.get_by_label("Did not help", exact=True)).to_be_checked()

    # Isotretinoin now only: its "How well", not the questions about stopping it.
    now.get_by_label("Isotretinoin (Roaccutane, Accutane)", exact=True).check()
    expect(question_on_page(page, QUESTIONS["response_isotretinoin"], t)).to_be_visible()
    for question_id in ("isotretinoin_stopped", "isotretinoin_relapse"):
        expect(question_on_page(page, QUESTIONS[question_id], t)).to_be_hidden()
    now.get_by_label("Isotretinoin (Roaccutane, Accutane)", exact=True).uncheck()
    expect(question_on_page(page, QUESTIONS["response_isotretinoin"], t)).to_be_hidden()

    # Unticked in both: hidden. Its radio stays checked in the hidden block (the browser
    # sends it), so what drops the answer is the server reading the treatment questions.
    before.get_by_label(antibiotics, exact=True).uncheck()
    expect(how_well).to_be_hidden()
    expect(page.locator('input[name="response_antibiotic_tablets"]:checked')).to_have_count(1)
    expect(
        page.locator('input[name="shown"][value="response_antibiotic_tablets"]')
    ).to_be_disabled()

    # Ticked, then "None" ticked in the same question: the script unticks the treatment
    # (None stands alone), and its question goes with it.
    now.get_by_label(antibiotics, exact=True).check()
    expect(how_well).to_be_visible()
    now.get_by_label("None", exact=True).check()
    expect(now.get_by_label(antibiotics, exact=True)).not_to_be_checked()
    expect(how_well).to_be_hidden()

    now.get_by_label("Washes or creams from a pharmacy", exact=True).check()
    expect(now.get_by_label("None", exact=True)).not_to_be_checked()
    before.get_by_label("None", exact=True).check()
    fill_step(page, STEP["your-treatments"], {"response_pharmacy": "helped_somewhat"}, t)
    assert page.evaluate("window.stillTheSamePage") is True, "the page was reloaded"
    continue_(page, t)

    expect(page.get_by_role("heading", level=1)).to_have_text("Health and safety")
    kept = draft_answers(live_app, page)
    assert kept["treatments_now"] == ["pharmacy"] and kept["treatments_before"] == ["none"]
    assert kept["response_pharmacy"] == "helped_somewhat"
    assert "response_antibiotic_tablets" not in kept

    for slug in ("health-and-safety", "your-visit"):
        patient_in(page).answer_step(slug, patient)
    page.goto("/check-answers")
    expect(answer_row(page, t, "response_pharmacy")).to_contain_text("Helped somewhat")
    expect(answer_row(page, t, "response_antibiotic_tablets")).to_have_count(0)
    expect(page.get_by_text("Did not help")).to_have_count(0)

    # Ticked again later: asked again, with no answer chosen (the dropped one stays dropped).
    page.get_by_role("link", name="Change your treatments").click()
    now.get_by_label(antibiotics, exact=True).check()
    expect(how_well).to_be_visible()
    expect(how_well.locator("input:checked")).to_have_count(0)
    now.get_by_label(antibiotics, exact=True).uncheck()
    continue_(page, t)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")

    stored = submit(page, t, live_app)
    assert "response_antibiotic_tablets" not in stored
    assert stored["response_pharmacy"] == "helped_somewhat"


# The hormonal question: asked on step 2 by step 1's answer ---------------------------------


def test_the_hormonal_question_follows_sex_on_step_1(page: Page, live_app):
    t = Wording(live_app, "en")
    about_you, acne = STEP["about-you"], STEP["your-acne"]
    male = answers(sex="male")
    female = answers(sex="female", hormonal_features=["unwanted_hair", "thinning_hair"])
    hormonal = question_on_page(page, QUESTIONS["hormonal_features"], t)

    page.goto("/")
    page.get_by_role("button", name="Start now").click()
    fill_step(page, about_you, male, t)
    continue_(page, t)

    # Male: not on the page at all (not even hidden).
    expect(page.get_by_role("heading", level=1)).to_have_text("Your acne")
    expect_conditionals(page, acne, male, t)
    expect(page.locator('[name="hormonal_features"]')).to_have_count(0)
    fill_step(page, acne, male, t)

    # Back to step 1, Female: step 2 now asks it, on the page as it loads, not as a toggle.
    page.get_by_role("link", name="Back", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("About you")
    page.get_by_role("group", name="Sex assigned at birth").get_by_label(
        "Female", exact=True
    ).check()
    continue_(page, t)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your acne")
    expect_conditionals(page, acne, female, t)
    expect(hormonal.locator("xpath=ancestor::*[contains(@class, 'conditional')]")).to_have_count(0)
    expect(page.locator('input[name="shown"][value="hormonal_features"]')).to_have_count(1)
    expect(page.locator('input[name="shown"][value="hormonal_features"]')).to_be_enabled()
    fill_step(page, acne, female, t)
    continue_(page, t)
    expect(page.get_by_role("heading", level=1)).to_have_text("Oily skin")
    assert draft_answers(live_app, page)["hormonal_features"] == ["unwanted_hair", "thinning_hair"]

    # Back twice to step 1, Male again: step 2 no longer asks it, and its answer is gone.
    page.get_by_role("link", name="Back", exact=True).click()
    page.get_by_role("link", name="Back", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("About you")
    page.get_by_role("group", name="Sex assigned at birth").get_by_label("Male", exact=True).check()
    continue_(page, t)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your acne")
    expect_conditionals(page, acne, male, t)
    expect(page.locator('[name="hormonal_features"]')).to_have_count(0)
    expect(  # the step's other answers stay
        page.get_by_role("group", name=t(QUESTIONS["severity"].label)).get_by_label(
            t(QUESTIONS["severity"].option_label(male["severity"])), exact=True
        )
    ).to_be_checked()
    assert "hormonal_features" not in draft_answers(live_app, page)
    continue_(page, t)
    expect(page.get_by_role("heading", level=1)).to_have_text("Oily skin")

    for step in STEPS[2:]:
        patient_in(page).answer_step(step.slug, male)
    page.goto("/check-answers")
    expect(answer_row(page, t, "sex")).to_contain_text("Male")
    expect(answer_row(page, t, "hormonal_features")).to_have_count(0)
    expect(page.get_by_text("Thinning hair on the top of the head")).to_have_count(0)

    stored = submit(page, t, live_app)
    assert stored["sex"] == "male"
    assert "hormonal_features" not in stored


# Option hints ------------------------------------------------------------------------------


def text_box(element) -> dict:
    """Where an element's text is drawn (not its box, which has padding)."""
    return element.evaluate(
        """(e) => { const range = document.createRange(); range.selectNodeContents(e);
                    const b = range.getBoundingClientRect();
                    return {top: b.top, bottom: b.bottom, left: b.left}; }"""
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_option_hints_are_shown_under_their_option_and_tied_to_it(page: Page, live_app, language):
    t = Wording(live_app, language)
    page.goto("/")
    switch_language(page, language)
    patient = patient_in(page)
    patient.start()
    patient.answer_step("about-you", answers())

    def check_hints(question_id: str, with_hint: set[str]) -> None:
        question = QUESTIONS[question_id]
        group = question_on_page(page, question, t)
        for option in question.options:
            choice = group.get_by_label(t(option.label), exact=True)
            assert bool(option.hint) == (option.id in with_hint), option.id
            if not option.hint:
                expect(choice).not_to_have_attribute("aria-describedby", re.compile("."))
                continue
            hint = group.get_by_text(t(option.hint), exact=True)
            expect(hint).to_be_visible()
            expect(choice).to_have_attribute("aria-describedby", hint.get_attribute("id"))
            expect(choice).to_have_accessible_description(t(option.hint))
            # Its words under the words of the option's own label.
            label = group.locator(f'label[for="{choice.get_attribute("id")}"]')
            label_text, hint_text = text_box(label), text_box(hint)
            assert hint_text["top"] >= label_text["bottom"] - 1, (label_text, hint_text)
            assert hint_text["top"] - label_text["bottom"] < 20, (label_text, hint_text)
            # Lined up with them (see test_each_options_label_sits_beside_its_input for the
            # long labels that wrap under their input instead).
            if label_text["left"] > choice.bounding_box()["x"] + 44:
                assert abs(hint_text["left"] - label_text["left"]) <= 1, (label_text, hint_text)

    page.goto("/questions/your-acne")
    check_hints("severity", {o.id for o in QUESTIONS["severity"].options})
    expect(page.locator(".choice__hint")).to_have_count(len(QUESTIONS["severity"].options))
    # The question's own description is not mixed with the options'.
    expect(question_on_page(page, QUESTIONS["severity"], t)).to_have_accessible_description("")

    page.goto("/questions/health-and-safety")
    check_hints("conditions", {"skin_infection"})


# Layout of the options ---------------------------------------------------------------------

_LABELS_UNDER_THEIR_INPUT = """() => [...document.querySelectorAll('.choice')].filter((choice) => {
  const input = choice.querySelector('input').getBoundingClientRect();
  const label = choice.querySelector('label').getBoundingClientRect();
  return input.width > 0 && label.top >= input.bottom - 1;
}).map((choice) => choice.querySelector('label').textContent.trim())"""


@pytest.mark.parametrize("language", ["en", "es"])
def test_each_options_label_sits_beside_its_input(page: Page, live_app, language):
    """Every step with all its conditional questions shown, on a desktop, the front-desk
    tablet and a phone: each option's label starts beside its check box or radio button (a
    long one wraps within its own column), never on a line of its own under it."""
    t = Wording(live_app, language)
    page.goto("/")
    switch_language(page, language)
    patient_in(page).answer_all(EVERY_CONDITIONAL)
    apart = {}
    for width in (1280, 768, 375):
        page.set_viewport_size({"width": width, "height": 900})
        for step in STEPS:
            page.goto(f"/questions/{step.slug}")
            expect(page.get_by_role("heading", level=1)).to_have_text(t(step.title))
            expect_conditionals(page, step, EVERY_CONDITIONAL, t)
            found = page.evaluate(_LABELS_UNDER_THEIR_INPUT)
            if found:
                apart[f"{width}px {step.slug}"] = found
    assert not apart, "labels under their input instead of beside it:\n" + "\n".join(
        f"{where}: {labels}" for where, labels in apart.items()
    )
