"""A draft begun on questionnaire 2026.1 continues on 2026.2 (SPEC section 2, "Versions"):
answers to unchanged questions are kept, the patient is taken to the first step holding a new
or changed question, with a notice, and nothing reaches Check your answers unanswered.

The 2026.1 draft is written as the 2026.1 code wrote it: a Draft row of that version holding
2026.1 answers, its token in the browser's session."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.support import Translations
from sqlalchemy import select

from intake import clock, questionnaire
from intake.database import write_transaction
from intake.extensions import db
from intake.models import Draft, Submission
from intake.questionnaire import STEPS
from intake.tokens import new_token, token_hash
from intake.wizard import drafts
from tests.factories import answers, answers_2026_1, formdata
from tests.support import Html

ABOUT_YOU, YOUR_ACNE, OILY_SKIN, TREATMENTS, HEALTH, VISIT = STEPS
OLD = questionnaire.find("2026.1")
CHANGED_NOTICE = (
    "We have updated some questions since you started. Your other answers are kept: please "
    "answer the new questions from here."
)
# Questions whose meaning did not change between the versions: their answers are kept.
UNCHANGED = (
    "full_name", "date_of_birth", "appointment_date", "phone", "spot_types", "locations",
    "duration", "marks", "flares", "impact", "face_feel", "blotting", "pores",
    "treatment_notes", "goals", "questions_for_dermatologist",
)  # fmt: skip


def begin_2026_1_draft(app, client, given: dict | None = None) -> str:
    """A live draft of 2026.1 answers for this browser, as the 2026.1 code left it."""
    token = new_token()
    now = clock.now()
    with app.app_context():
        with write_transaction() as session:
            session.add(
                Draft(
                    token_hash=token_hash(token),
                    questionnaire_version="2026.1",
                    answers=answers_2026_1() if given is None else given,
                    created_at=now - timedelta(hours=1),
                    updated_at=now - timedelta(hours=1),
                    expires_at=now + timedelta(hours=23),
                )
            )
        db.session.remove()
    with client.session_transaction() as session:
        session[drafts.SESSION_KEY] = token
    return token


def the_draft(app) -> Draft:
    with app.app_context():
        (draft,) = db.session.scalars(select(Draft))
        db.session.expunge(draft)
        db.session.remove()
        return draft


def html(response) -> Html:
    assert response.status_code == 200, (response.status_code, response.location)
    return Html.of(response)


def where(response) -> tuple[str, dict]:
    location = urlsplit(response.location)
    return location.path, parse_qs(location.query)


def test_the_versions_differ_as_these_tests_expect():
    """Guards the tests below: step 1 holds a new question, and the answers named unchanged
    mean the same in both versions while the rest do not."""
    kept, first_changed = questionnaire.CURRENT.carry_over(OLD, answers_2026_1())
    assert first_changed is ABOUT_YOU and "sex" not in OLD.questions
    assert list(kept) == list(UNCHANGED)
    assert {"severity", "conditions", "medicines"} <= set(OLD.questions) - set(kept)
    assert {q: answers()[q] for q in UNCHANGED} == {q: answers_2026_1()[q] for q in UNCHANGED}


ENTRIES = {
    "start-now": lambda patient: patient.start(),
    "a-step": lambda patient: patient.client.get(f"/questions/{VISIT.slug}"),
    "check-answers": lambda patient: patient.client.get("/check-answers"),
    "continue-on-a-step": lambda patient: continue_on_a_page_opened_before(patient, VISIT),
}


NEW_GOALS = ["less_oily", "learn_botox"]


def continue_on_a_page_opened_before(patient, step):
    """Continue on a step page the 2026.1 code had shown: its answers are kept too."""
    data = {"csrf_token": patient.csrf_token("/"), **formdata(step, answers(goals=NEW_GOALS))}
    return patient.client.post(f"/questions/{step.slug}", data=data)


@pytest.mark.parametrize("entry", ENTRIES)
def test_a_2026_1_draft_goes_to_the_first_step_with_a_new_question_with_a_notice(
    app, client, patient, entry
):
    begin_2026_1_draft(app, client)

    response = ENTRIES[entry](patient)

    assert response.status_code == 302
    assert where(response) == (f"/questions/{ABOUT_YOU.slug}", {"changed": ["1"]})
    draft = the_draft(app)
    assert draft.questionnaire_version == "2026.2"
    expected = {q: answers_2026_1()[q] for q in UNCHANGED}
    if entry == "continue-on-a-step":
        expected["goals"] = NEW_GOALS
    assert draft.answers == expected

    page = html(client.get(response.location))
    (notice,) = page.texts("notice")
    assert notice == CHANGED_NOTICE
    assert page.value("full_name") == "Ada Lovelace"
    assert page.value("phone") == answers_2026_1()["phone"]
    assert [page.value(f"date_of_birth-{part}") for part in ("day", "month", "year")] == [
        "27",
        "3",
        "1990",
    ]
    assert page.checked("sex") == []  # new: to be answered
    # The notice is said once: the step without ?changed does not repeat it.
    assert html(client.get(f"/questions/{ABOUT_YOU.slug}")).texts("notice") == []


def test_the_notice_is_in_the_patients_language(app, client, patient):
    client.get("/language/es")
    begin_2026_1_draft(app, client)
    response = patient.start()
    page = html(client.get(response.location))
    assert page.lang == "es"
    spanish = Translations.load(
        str(Path(__file__).resolve().parents[2] / "intake" / "translations"), ["es"]
    )
    assert page.texts("heading-l") == [spanish.gettext(ABOUT_YOU.title)] != [ABOUT_YOU.title]
    # The catalogue's Spanish once the notice is translated; English until then.
    assert page.texts("notice") == [spanish.gettext(CHANGED_NOTICE)]


def test_a_carried_over_draft_keeps_what_did_not_change_and_asks_the_rest(app, client, patient):
    begin_2026_1_draft(app, client)
    patient.start()

    # Nothing reaches Check your answers while a required answer is missing.
    response = client.get("/check-answers")
    assert where(response)[0] == f"/questions/{ABOUT_YOU.slug}"

    response = patient.answer_step(ABOUT_YOU.slug, answers())
    assert where(response) == (f"/questions/{YOUR_ACNE.slug}", {})

    # Step 2: unchanged answers are shown ticked; the changed severity and the new picking
    # question are empty and must be answered.
    page = html(client.get(f"/questions/{YOUR_ACNE.slug}"))
    for question_id in ("spot_types", "locations", "duration", "marks", "flares", "impact"):
        value = answers_2026_1()[question_id]
        assert page.checked(question_id) == (value if isinstance(value, list) else [value])
    assert page.checked("severity") == [] and page.checked("picking") == []
    as_shown = {q.id: answers()[q.id] for q in YOUR_ACNE.questions if q.id in UNCHANGED}
    page = html(patient.post_step(YOUR_ACNE.slug, formdata(YOUR_ACNE, as_shown)))
    assert [href for href, _ in page.error_links()] == ["#severity-0", "#picking-0"]
    assert where(patient.answer_step(YOUR_ACNE.slug, answers()))[0] == (
        f"/questions/{OILY_SKIN.slug}"
    )
    assert where(client.get("/check-answers"))[0] == f"/questions/{OILY_SKIN.slug}"

    # The changed health questions start empty: the 2026.1 pregnancy answer is gone.
    health = html(client.get(f"/questions/{HEALTH.slug}"))
    assert health.checked("pregnant_breastfeeding") == []
    assert health.checked("conditions") == [] and health.checked("medicines") == []
    treatments = html(client.get(f"/questions/{TREATMENTS.slug}"))
    assert treatments.value("treatment_notes") == answers_2026_1()["treatment_notes"]
    assert treatments.checked("treatments_now") == []

    for step in STEPS[2:]:
        response = patient.answer_step(step.slug, answers())
        assert response.status_code == 302, step.slug
    check = html(client.get("/check-answers"))
    shown = check.answers_on_check_page()
    assert shown["Full name"] == "Ada Lovelace"
    assert shown["Which types of spots do you have?"] == "Blackheads or whiteheads"
    assert shown["What would you most like from your visit?"] == "Fewer breakouts"
    for older in OLD.questions.values():
        if older.id not in questionnaire.QUESTIONS:
            assert older.label not in check.text, older.id

    patient.complete_after_answers()
    with app.app_context():
        (submission,) = db.session.scalars(select(Submission))
        assert submission.questionnaire_version == "2026.2"
        assert submission.answers == answers()
        db.session.remove()


def test_a_carried_over_draft_cannot_be_submitted_from_an_old_check_page(app, client, patient):
    """A check page shown by the 2026.1 code, submitted after the change: nothing is stored."""
    begin_2026_1_draft(app, client)
    csrf = patient.csrf_token("/")  # a token of this browser's session, as the old page held
    old_check = drafts.fingerprint(answers_2026_1())
    response = client.post(
        "/check-answers", data={"csrf_token": csrf, "checked": old_check, "confirmed": "y"}
    )
    assert where(response) == (f"/questions/{ABOUT_YOU.slug}", {"changed": ["1"]})
    with app.app_context():
        assert db.session.scalars(select(Submission)).all() == []
        db.session.remove()
