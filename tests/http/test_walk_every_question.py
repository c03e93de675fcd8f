"""The whole form over HTTP with every conditional question answered, in English and in
Spanish, the way a browser without JavaScript walks it: the questions a choice adds are
revealed after Continue and answered then. Check your answers lists every answer in the
patient's language; the submission holds exactly the answers that apply, as 2026.2.

Spanish wording is read from the compiled catalogue (intake/translations), not written out
here: these tests keep passing as translations are added or corrected, and fail when a page
shows English where the catalogue has Spanish.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.support import NullTranslations, Translations
from sqlalchemy import select

from intake import languages
from intake.extensions import db
from intake.models import Draft, Submission
from intake.questionnaire import QUESTIONS, STEPS, Kind, answer_text
from tests.factories import answers, formdata
from tests.support import Html, Patient

TRANSLATIONS = Path(__file__).resolve().parents[2] / "intake" / "translations"
CATALOGUES = {
    "en": NullTranslations(),
    "es": Translations.load(str(TRANSLATIONS), ["es"], domain="messages"),
}

# Every question that has a condition, answered so that it applies.
EVERY_CONDITIONAL = answers(
    sex="female",
    hormonal_features=["irregular_periods", "thinning_hair"],
    treatments_now=["pharmacy", "prescription_topical", "hormonal", "procedures"],
    treatments_before=["antibiotic_tablets", "isotretinoin", "botox"],
    response_pharmacy="helped_somewhat",
    response_prescription_topical="too_soon",
    response_hormonal="cleared",
    response_procedures="did_not_help",
    response_antibiotic_tablets="did_not_help",
    response_isotretinoin="cleared",
    response_botox="side_effects",
    isotretinoin_stopped="6_to_12_months",
    isotretinoin_relapse="yes",
    pregnant_breastfeeding="no",
    planning_pregnancy="yes",
    conditions=["other_nerve_muscle", "bleeding_disorder"],
    nerve_muscle_disease="<b>x</b> Charcot-Marie-Tooth",
    toxin_ever="yes",
    toxin_last="4_to_12_months",
    after_toxin=["drooping", "allergic_reaction"],
)
# Steps whose conditional questions appear only once a choice on the page is made.
REVEALING_STEPS = {"your-treatments", "health-and-safety"}


def test_the_answer_set_answers_every_question():
    assert set(EVERY_CONDITIONAL) == set(QUESTIONS)
    assert {q.id for q in QUESTIONS.values() if q.shown_if} <= set(EVERY_CONDITIONAL)
    assert set(REVEALING_STEPS) == {
        step.slug for step in STEPS if any(q.shown_if for q in step.questions)
    } - {"your-acne"}  # step 2's conditional depends on step 1: asked from the start


def answer_without_javascript(patient: Patient, step, given: dict) -> bool:
    """Answer a step as a patient sees it: what the page shows, Continue, then whatever
    Continue added. Returns whether questions were added."""
    url = f"/questions/{step.slug}"
    page = Html.of(patient.client.get(url))
    assert page.status == 200, url
    on_page = {q.id for q in step.questions if not q.shown_if} | set(page.shown_values())
    for revealed in (False, True):
        visible = {k: v for k, v in given.items() if k in on_page}
        data = formdata(step, visible) | {"shown": page.shown_values()}
        csrf = page.find("input", name="csrf_token")[0]["attrs"]["value"]
        response = patient.client.post(url, data={"csrf_token": csrf, **data})
        if response.status_code == 302:
            return revealed
        page = Html.of(response)
        assert not revealed and page.find("div", cls="error-summary") == [], page.error_links()
        assert len(page.find("div", cls="notice")) == 1  # "We have added questions ..."
        on_page |= set(page.shown_values())
    raise AssertionError(f"{step.slug}: still not answered")


def in_words(question, value, language: str) -> str:
    """An answer as the patient's check page should write it, from the catalogue."""
    if question.kind is Kind.DATE:
        written = languages.find(language).date_format
        return format_date(date.fromisoformat(value), written, locale=language)
    return " ".join(answer_text(question, value, CATALOGUES[language].gettext).split())


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_question_answered_in_either_language_is_listed_and_stored(app, client, language):
    words = CATALOGUES[language].gettext
    patient = Patient(client)
    client.get(f"/language/{language}")
    patient.start()

    revealed = {
        step.slug for step in STEPS if answer_without_javascript(patient, step, EVERY_CONDITIONAL)
    }
    assert revealed == REVEALING_STEPS

    response = client.get("/check-answers")
    assert response.status_code == 200, response.location
    page = Html.of(response)
    assert page.lang == language
    assert [group for group in page.answer_groups()] == [words(step.title) for step in STEPS]
    shown = page.answers_on_check_page()
    expected = {
        words(QUESTIONS[q].label): in_words(QUESTIONS[q], v, language)
        for q, v in EVERY_CONDITIONAL.items()
    }
    assert len(expected) == len(EVERY_CONDITIONAL)  # no two questions read the same
    assert shown == expected
    assert list(shown) == list(expected)  # in questionnaire order
    if language == "es":
        assert shown[words("Date of birth")] == "27 de marzo de 1990"
        assert shown[words("Sex assigned at birth")] == words("Female") != "Female"
    # Patient text is data: the disease named is shown as typed, never as markup.
    assert "<b>x</b>" not in page.markup
    assert "&lt;b&gt;x&lt;/b&gt; Charcot-Marie-Tooth" in page.markup

    reference = submit(patient, language)
    with app.app_context():
        (submission,) = db.session.scalars(select(Submission))
        assert submission.reference == reference
        assert submission.answers == EVERY_CONDITIONAL
        assert list(submission.answers) == list(EVERY_CONDITIONAL)
        assert submission.questionnaire_version == "2026.2"
        assert submission.language == language
        assert db.session.scalars(select(Draft)).all() == []
        db.session.remove()


def submit(patient: Patient, language: str) -> str:
    """Confirm and submit on the check page; the reference from the confirmation."""
    response = patient.submit()
    assert response.status_code == 302 and response.location.endswith("/confirmation")
    confirmation = Html.of(patient.client.get("/confirmation"))
    assert confirmation.lang == language
    (reference,) = confirmation.find("strong", cls="reference")
    return reference["text"].strip()
