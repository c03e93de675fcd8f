"""A question whose condition is on an earlier step (SPEC section 2): "Do you have any of
these?" is asked on step 2 only when step 1's sex is Female, and dropped everywhere when that
answer changes. Over HTTP with the real forms."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from intake.extensions import db
from intake.models import Draft, Submission
from intake.questionnaire import QUESTIONS, STEPS
from tests.factories import answers, answers_with_follow_ups, formdata
from tests.support import Html

ABOUT_YOU, YOUR_ACNE, OILY_SKIN, TREATMENTS, HEALTH, VISIT = STEPS
HORMONAL = QUESTIONS["hormonal_features"]
FEMALE = answers(sex="female", hormonal_features=["unwanted_hair"])


def html(response) -> Html:
    assert response.status_code == 200, (response.status_code, response.location)
    return Html.of(response)


def the_draft(app) -> dict:
    with app.app_context():
        (draft,) = db.session.scalars(select(Draft))
        db.session.remove()
        return draft.answers


def stored(app) -> dict:
    with app.app_context():
        (submission,) = db.session.scalars(select(Submission))
        db.session.remove()
        return submission.answers


def where(response) -> tuple[str, dict]:
    location = urlsplit(response.location)
    return location.path, parse_qs(location.query)


@pytest.mark.parametrize("sex", ["female", "male", "intersex", "not_said"])
def test_the_hormonal_question_is_asked_on_step_2_only_for_female(patient, sex):
    patient.start()
    assert patient.answer_step(ABOUT_YOU.slug, answers(sex=sex)).status_code == 302
    page = html(patient.client.get(f"/questions/{YOUR_ACNE.slug}"))

    asked = sex == "female"
    assert (HORMONAL.label in page.text) is asked
    assert len(page.find("input", name="hormonal_features")) == (4 if asked else 0)
    assert page.shown_values() == (["hormonal_features"] if asked else [])
    # Not a same-step conditional: nothing on this page can reveal or hide it.
    assert page.find("div", cls="conditional") == []
    if asked:
        assert HORMONAL.hint in page.texts("hint")


def test_changing_sex_to_male_later_drops_the_hormonal_answer_everywhere(app, patient):
    patient.answer_all(FEMALE)
    check = html(patient.client.get("/check-answers")).answer_groups()
    assert check["Your acne"][HORMONAL.label] == "Unwanted hair on the face or body"

    response = patient.answer_step(ABOUT_YOU.slug, answers(sex="male"), "?return=check")
    assert where(response) == ("/check-answers", {})

    assert "hormonal_features" not in the_draft(app)
    check = html(patient.client.get("/check-answers"))
    assert HORMONAL.label not in check.text
    assert "Unwanted hair on the face or body" not in check.text
    assert check.answer_groups()["About you"]["Sex assigned at birth"] == "Male"
    step_2 = html(patient.client.get(f"/questions/{YOUR_ACNE.slug}"))
    assert HORMONAL.label not in step_2.text and step_2.shown_values() == []

    patient.complete_after_answers()
    expected = {k: v for k, v in FEMALE.items() if k != "hormonal_features"} | {"sex": "male"}
    assert stored(app) == expected


def test_step_2_as_female_without_the_hormonal_answer_is_an_error_at_the_field(app, patient):
    patient.start()
    patient.answer_step(ABOUT_YOU.slug, FEMALE)
    page = html(patient.client.get(f"/questions/{YOUR_ACNE.slug}"))
    without = {k: v for k, v in FEMALE.items() if k != "hormonal_features"}
    data = formdata(YOUR_ACNE, without) | {"shown": page.shown_values()}

    page = html(patient.post_step(YOUR_ACNE.slug, data))

    assert page.title.startswith("Error: Your acne")
    assert page.error_links() == [
        ("#hormonal_features-0", "Select any of these you have, or None of these")
    ]
    assert "Select any of these you have" in page.by_id("hormonal_features-error")["text"]
    assert page.find("div", cls="notice") == []  # asked from the start: an error, not a reveal
    # Every other answer stays as given.
    for question in YOUR_ACNE.questions:
        if question.id in without:
            value = without[question.id]
            assert page.checked(question.id) == (value if isinstance(value, list) else [value])
    assert not set(the_draft(app)) & {q.id for q in YOUR_ACNE.questions}

    data |= {"hormonal_features": ["none"]}
    response = patient.post_step(YOUR_ACNE.slug, data)
    assert where(response) == (f"/questions/{OILY_SKIN.slug}", {})
    assert the_draft(app)["hormonal_features"] == ["none"]


def test_a_step_2_page_from_before_sex_was_female_asks_the_question_calmly(app, patient):
    """A tab opened on step 2 while the patient was Male, posted after step 1 was changed in
    another tab: the question was not on that page, so it is added, not an error."""
    patient.start()
    patient.answer_step(ABOUT_YOU.slug, answers(sex="male"))
    old_page = patient.csrf_token(f"/questions/{YOUR_ACNE.slug}")
    patient.answer_step(ABOUT_YOU.slug, FEMALE)
    data = formdata(YOUR_ACNE, answers(sex="male"))
    assert "shown" not in data

    response = patient.client.post(
        f"/questions/{YOUR_ACNE.slug}", data={"csrf_token": old_page, **data}
    )

    page = html(response)
    assert page.error_links() == []
    (notice,) = page.texts("notice")
    assert "We have added a question based on your answer" in notice
    assert page.shown_values() == ["hormonal_features"]
    assert page.checked("spot_types") == answers()["spot_types"]
    assert the_draft(app)["spot_types"] == answers()["spot_types"]  # kept meanwhile
    assert "hormonal_features" not in the_draft(app)


def test_changing_sex_to_female_from_check_answers_asks_the_new_question_first(app, patient):
    patient.answer_all(answers(sex="male"))
    response = patient.answer_step(ABOUT_YOU.slug, answers(sex="female"), "?return=check")
    assert where(response) == ("/check-answers", {})

    # Check your answers is not reached with the new question unanswered.
    response = patient.client.get("/check-answers")
    path, query = where(response)
    assert path == f"/questions/{YOUR_ACNE.slug}" and query["return"] == ["check"]
    raw = patient.client.get(response.location)
    page = html(raw)
    assert page.shown_values() == ["hormonal_features"]
    assert page.back_link() == "/check-answers"
    # A question never asked before is added with the notice, not shown as an error.
    body = raw.get_data(as_text=True)
    assert "We have added a question based on your answer." in body
    assert "There is a problem" not in body and 'aria-invalid="true"' not in body
    assert not page.title.startswith("Error")

    response = patient.answer_step(YOUR_ACNE.slug, FEMALE, "?return=check")
    assert where(response) == ("/check-answers", {})
    check = html(patient.client.get("/check-answers")).answer_groups()
    assert check["Your acne"][HORMONAL.label] == "Unwanted hair on the face or body"


@pytest.mark.parametrize("step", [YOUR_ACNE, TREATMENTS, HEALTH], ids=lambda s: s.slug)
def test_a_change_link_to_a_step_with_a_conditional_question_returns_to_check_answers(
    app, patient, step
):
    given = answers_with_follow_ups(hormonal_features=["unwanted_hair"], treatments_now=["none"])
    patient.answer_all(given)
    check = html(patient.client.get("/check-answers"))
    (change,) = [href for href, words in check.links if words == f"Change {step.title.lower()}"]
    assert change == f"/questions/{step.slug}?return=check"

    page = html(patient.client.get(change))
    assert page.back_link() == "/check-answers"
    (form,) = page.find("form", method="post")
    assert parse_qs(urlsplit(form["attrs"]["action"]).query) == {"return": ["check"]}
    conditionals = [q.id for q in step.questions if q.shown_if and q.id in given]
    assert conditionals and sorted(page.shown_values()) == sorted(conditionals)
    for question_id in conditionals:
        value = given[question_id]
        assert page.checked(question_id) == (value if isinstance(value, list) else [value])

    response = patient.answer_step(step.slug, given, "?return=check")
    assert where(response) == ("/check-answers", {})
    assert the_draft(app) == given
