"""The patient's journey over HTTP: SPEC section 1, through the real forms and CSRF tokens."""

from __future__ import annotations

import base64
import json
import re
import threading
import zlib
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import render_template_string, session
from sqlalchemy import select

from forms.questionnaire import StoredAnswers, form_for
from intake import fragments, services
from intake.extensions import db
from intake.models import Draft, Submission
from intake.questionnaire import QUESTIONS, STEPS, Kind, answer_text
from intake.tokens import token_hash
from intake.wizard import drafts
from intake.wizard.views import _render_step
from tests.factories import EVERY_OPTIONAL_EMPTY, answers, formdata
from tests.support import Html, Patient, make_app

REFERENCE = re.compile(r"^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")
ABOUT_YOU, YOUR_ACNE, OILY_SKIN, TREATMENTS, HEALTH, VISIT = STEPS
OPTIONAL_TEXTS = (
    "treatment_notes",
    "other_medicines",
    "allergies",
    "questions_for_dermatologist",
)


# --- Reading pages ----------------------------------------------------------------------


def html(response) -> Html:
    assert response.status_code == 200, (response.status_code, response.location)
    return Html(response.get_data(as_text=True))


def step_url(step, query: str = "") -> str:
    return f"/questions/{step.slug}{query}"


def path_of(response) -> str:
    return urlsplit(response.location).path


# --- The database -----------------------------------------------------------------------


def submissions(app) -> list[tuple[str, dict]]:
    with app.app_context():
        return [(s.reference, s.answers) for s in db.session.scalars(select(Submission))]


def stored_drafts(app) -> list[dict]:
    with app.app_context():
        return [d.answers for d in db.session.scalars(select(Draft))]


def the_draft(app) -> dict:
    (draft,) = stored_drafts(app)
    return draft


def reference_on_confirmation(client) -> str:
    page = html(client.get("/confirmation"))
    (strong,) = page.find("strong", cls="reference")
    return strong["text"].strip()


# --- Answer sets ------------------------------------------------------------------------


def _max_text(limit: int, crlf: bool) -> str:
    """Exactly `limit` characters once line breaks count as one: unicode, markup, line breaks."""
    line_break = "\r\n" if crlf else "\n"
    unit = f'Ζωή «é» 😀 <script>alert("x")</script> & <b>bold</b>{line_break}'
    units, text = 0, ""
    while len(text.replace("\r\n", "\n")) + len(unit.replace("\r\n", "\n")) <= limit:
        text += unit
        units += 1
    text += "x" * (limit - len(text.replace("\r\n", "\n")))
    return text


LONGEST_NAME = ("Zoë Ngụy-Иванова <i>O'Brien</i> & Ζωή 😀 " + "é" * 100)[:100]


def _longest(crlf: bool) -> dict:
    return answers(
        full_name=LONGEST_NAME,
        phone="+44 (0)20 7946 0000 ",
        treatment_notes=_max_text(1000, crlf),
        other_medicines=_max_text(1000, crlf),
        allergies=_max_text(1000, crlf),
        questions_for_dermatologist=_max_text(2000, crlf),
    )


def _expected_longest() -> dict:
    expected = _longest(crlf=False)
    expected["phone"] = expected["phone"].strip()
    return expected


ISOTRETINOIN_NOW_AND_OTHERS = answers(
    treatments_now=["pharmacy", "isotretinoin"],
    treatments_before=["botox"],
    response_pharmacy="helped_somewhat",
    response_isotretinoin="too_soon",
    response_botox="did_not_help",
)
ISOTRETINOIN_STOPPED = answers(
    treatments_now=["none"],
    treatments_before=["antibiotic_tablets", "isotretinoin"],
    response_antibiotic_tablets="did_not_help",
    response_isotretinoin="cleared",
    isotretinoin_stopped="over_12_months",
    isotretinoin_relapse="yes",
)
TREATMENTS_NONE = answers(treatments_now=["none"], treatments_before=["none"])

WALKS = {
    "default": (answers(), answers()),
    "isotretinoin-now-and-others": (ISOTRETINOIN_NOW_AND_OTHERS, ISOTRETINOIN_NOW_AND_OTHERS),
    "isotretinoin-stopped": (ISOTRETINOIN_STOPPED, ISOTRETINOIN_STOPPED),
    "treatments-none": (TREATMENTS_NONE, TREATMENTS_NONE),
    "every-optional-empty": (answers(**EVERY_OPTIONAL_EMPTY), answers(**EVERY_OPTIONAL_EMPTY)),
    "longest-texts-unicode-markup": (_longest(crlf=True), _expected_longest()),
}


def test_the_answer_sets_are_what_they_say():
    # Guards the walks below against a factory that quietly stops giving these shapes.
    now_and_others = WALKS["isotretinoin-now-and-others"][1]
    assert {"response_pharmacy", "response_isotretinoin", "response_botox"} <= set(now_and_others)
    assert "isotretinoin_stopped" not in now_and_others  # taken now, not stopped
    assert {"isotretinoin_stopped", "isotretinoin_relapse"} <= set(WALKS["isotretinoin-stopped"][1])
    assert not [q for q in WALKS["treatments-none"][1] if q.startswith("response_")]
    assert not set(EVERY_OPTIONAL_EMPTY) & set(WALKS["every-optional-empty"][1])
    longest = WALKS["longest-texts-unicode-markup"][1]
    assert len(longest["full_name"]) == 100
    assert [len(longest[q]) for q in OPTIONAL_TEXTS] == [1000, 1000, 1000, 2000]
    assert "\r" in WALKS["longest-texts-unicode-markup"][0]["treatment_notes"]


@pytest.mark.parametrize(("posted", "expected"), WALKS.values(), ids=WALKS.keys())
def test_a_whole_walk_stores_exactly_the_answers_given(app, patient, posted, expected):
    reference = patient.complete(posted)

    assert REFERENCE.match(reference)
    assert submissions(app) == [(reference, expected)]
    assert stored_drafts(app) == []


def test_a_stored_submission_records_the_questionnaire_and_its_version(app, patient):
    reference = patient.complete(answers())
    with app.app_context():
        (submission,) = db.session.scalars(select(Submission))
        assert submission.reference == reference
        assert submission.questionnaire_id == "acne-botox-preconsult"
        assert submission.questionnaire_version == "2026.2"
        assert submission.language == "en"


def test_references_differ_between_patients(app):
    references = {Patient(app.test_client()).complete(answers()) for _ in range(3)}
    assert len(references) == 3
    assert all(REFERENCE.match(r) for r in references)
    assert sorted(r for r, _ in submissions(app)) == sorted(references)


def test_the_reference_alphabet_has_no_0_1_I_or_O():
    drawn = "".join(services.new_reference().replace("-", "") for _ in range(500))
    assert not set(drawn) & set("01IO")
    assert set(drawn) <= set("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
    assert len(set(drawn)) > 25  # the whole alphabet is in use, not a fixed string


def test_markup_typed_by_the_patient_is_shown_as_text(patient):
    posted = _longest(crlf=True)
    patient.answer_all(posted)
    markup = patient.client.get("/check-answers").get_data(as_text=True)
    assert "<script>alert" not in markup
    assert "&lt;script&gt;alert" in markup
    assert "<i>O" not in markup
    page = Html(markup)
    shown = page.answers_on_check_page()
    assert shown["Full name"] == " ".join(LONGEST_NAME.split())
    step_page = patient.client.get(step_url(VISIT)).get_data(as_text=True)
    assert "<script>alert" not in step_page
    assert (
        Html(step_page).value("questions_for_dermatologist")
        == _expected_longest()["questions_for_dermatologist"]
    )


# --- Step pages -------------------------------------------------------------------------


def test_every_step_says_which_step_of_6_it_is(patient):
    patient.start()
    for step in STEPS:
        page = html(patient.client.get(step_url(step)))
        (progress,) = page.find("p", id="progress")
        assert progress["text"].strip() == f"Step {step.number} of 6"
        assert page.title.startswith(f"{step.title} (step {step.number} of 6)")
        (heading,) = page.find("h1")
        assert heading["text"].strip() == step.title


@pytest.mark.parametrize("step", STEPS, ids=[s.slug for s in STEPS])
def test_every_label_of_the_spec_is_on_its_step(patient, step):
    """SPEC wording: each question and option label of the step, character for character.
    Step 1 answered as Female, so that the question asked only then is on step 2 too."""
    patient.start()
    patient.answer_step(ABOUT_YOU.slug, answers(sex="female"))
    page = html(patient.client.get(step_url(step)))
    labels = {" ".join(e["text"].split()) for e in page.find("label") + page.find("legend")}
    hints = set(page.texts("hint"))
    for question in step.questions:
        assert any(label.startswith(question.label) for label in labels), question.label
        assert not question.hint or question.hint in hints, question.id
        for option in question.options:
            assert option.label in labels, (question.id, option.label)
            assert not option.hint or option.hint in hints, (question.id, option.id)
    assert [b["text"].strip() for b in page.find("button")] == ["Continue"]


def test_back_links_go_to_the_previous_step_and_from_the_first_to_the_start(patient):
    patient.start()
    backs = [html(patient.client.get(step_url(step))).back_link() for step in STEPS]
    assert backs == ["/"] + [step_url(step) for step in STEPS[:-1]]


@pytest.mark.parametrize("step", STEPS, ids=[s.slug for s in STEPS])
def test_back_from_a_change_returns_to_check_answers(patient, step):
    patient.answer_all(answers())
    page = html(patient.client.get(step_url(step, "?return=check")))
    assert page.back_link() == "/check-answers"
    (form,) = page.find("form", method="post")
    assert parse_qs(urlsplit(form["attrs"]["action"]).query) == {"return": ["check"]}


def test_check_answers_back_link_goes_to_the_last_step(patient):
    patient.answer_all(answers())
    assert html(patient.client.get("/check-answers")).back_link() == step_url(VISIT)


def test_continue_goes_to_the_next_step_and_the_last_to_check_answers(patient):
    patient.start()
    full = answers()
    locations = [patient.answer_step(step.slug, full).location for step in STEPS]
    assert [urlsplit(loc).path for loc in locations] == [step_url(s) for s in STEPS[1:]] + [
        "/check-answers"
    ]


def test_an_unknown_step_is_not_found(patient):
    patient.start()
    assert patient.client.get("/questions/no-such-step").status_code == 404
    token = patient.csrf_token(step_url(ABOUT_YOU))
    assert (
        patient.client.post("/questions/no-such-step", data={"csrf_token": token}).status_code
        == 404
    )


def test_a_step_without_a_draft_sends_the_patient_to_the_start(client):
    response = client.get(step_url(YOUR_ACNE))
    assert response.status_code == 302 and path_of(response) == "/"
    response = client.get("/check-answers")
    assert response.status_code == 302 and path_of(response) == "/"
    response = client.get("/confirmation")
    assert response.status_code == 302 and path_of(response) == "/"


# --- Errors -----------------------------------------------------------------------------


def test_an_empty_first_step_shows_the_error_summary(app, patient):
    patient.start()
    empty = {"full_name": "", "phone": ""}
    for question_id in ("date_of_birth", "appointment_date"):
        empty |= {f"{question_id}-{part}": "" for part in ("day", "month", "year")}
    response = patient.post_step(ABOUT_YOU.slug, empty)

    page = html(response)
    assert page.title.startswith("Error: About you")
    (summary,) = page.find("div", cls="error-summary")
    assert "There is a problem" in summary["text"]
    assert summary["attrs"]["role"] == "alert"
    assert "data-autofocus" in summary["attrs"]
    assert page.error_links() == [
        ("#full_name", "Enter your full name"),
        ("#date_of_birth-day", "Enter your date of birth"),
        ("#sex-0", "Select your sex assigned at birth, or Prefer not to say"),
    ]
    for target in ("full_name", "date_of_birth-day", "sex-0"):
        page.by_id(target)  # each link leads to a field on the page

    assert "Enter your full name" in page.by_id("full_name-error")["text"]
    assert "Enter your date of birth" in page.by_id("date_of_birth-error")["text"]
    name_input = page.by_id("full_name")
    assert "full_name-error" in name_input["attrs"]["aria-describedby"].split()
    assert name_input["attrs"].get("aria-invalid") == "true"
    (date_group,) = [f for f in page.find("fieldset") if "Date of birth" in f["text"]]
    assert "date_of_birth-error" in date_group["attrs"]["aria-describedby"].split()
    # Optional questions left empty are not errors.
    assert page.find(id="phone-error") == [] and page.find(id="appointment_date-error") == []
    assert the_draft(app) == {}


def test_answers_typed_stay_after_a_failed_submit(app, patient):
    patient.start()
    response = patient.post_step(
        ABOUT_YOU.slug,
        {
            "full_name": "",
            "date_of_birth-day": "27",
            "date_of_birth-month": "",
            "date_of_birth-year": "1990",
            "sex": "intersex",
            "appointment_date-day": "",
            "appointment_date-month": "",
            "appointment_date-year": "",
            "phone": "+44 20 7946 0000",
        },
    )
    page = html(response)
    assert page.value("phone") == "+44 20 7946 0000"
    assert page.checked("sex") == ["intersex"]
    assert page.value("date_of_birth-day") == "27"
    assert page.value("date_of_birth-month") == ""
    assert page.value("date_of_birth-year") == "1990"
    assert page.error_links() == [
        ("#full_name", "Enter your full name"),
        ("#date_of_birth-month", "Date of birth must include a month"),
    ]
    assert the_draft(app) == {}


def test_an_invalid_typed_value_is_kept_and_its_error_linked(patient):
    patient.start()
    data = formdata(ABOUT_YOU, answers(phone="call 0123"))
    data |= {"date_of_birth-day": "31", "date_of_birth-month": "2"}
    page = html(patient.post_step(ABOUT_YOU.slug, data))
    assert page.value("phone") == "call 0123"
    assert page.value("full_name") == "Ada Lovelace"
    assert page.error_links() == [
        ("#date_of_birth-day", "Date of birth must be a real date"),
        ("#phone", "Phone number can only contain digits, spaces, +, - and brackets"),
    ]
    phone = page.by_id("phone")
    assert phone["attrs"]["aria-describedby"].split() == ["phone-hint", "phone-error"]


def test_a_choice_error_links_to_the_first_option(app, patient):
    patient.start()
    patient.answer_step(ABOUT_YOU.slug, answers())
    page = html(patient.post_step(YOUR_ACNE.slug, formdata(YOUR_ACNE, answers(duration=None))))
    assert page.error_links() == [("#duration-0", "Select how long you have had acne")]
    assert page.by_id("duration-0")["attrs"]["value"] == "under_6_months"
    # The rest of what was ticked stays ticked.
    assert page.checked("locations") == answers()["locations"]
    assert "duration" not in the_draft(app)


def test_none_with_another_choice_is_refused_with_a_message(app, patient):
    patient.start()
    data = formdata(HEALTH, answers(conditions=["bleeding_disorder", "none"]))
    page = html(patient.post_step(HEALTH.slug, data))
    ((href, message),) = page.error_links()
    assert href == "#conditions-0"
    assert '"None of these" cannot be combined with another choice' in message
    assert "conditions" not in the_draft(app)


# --- Conditional questions without JavaScript -------------------------------------------

ISOTRETINOIN_FOLLOW_UPS = ["isotretinoin_relapse", "isotretinoin_stopped", "response_isotretinoin"]


def _reach_treatments(patient, given: dict):
    patient.start()
    for step in STEPS[:3]:
        assert patient.answer_step(step.slug, given).status_code == 302


def _post_again(patient, page: Html, data: dict, query: str = ""):
    """Continue on a page the server sent, with the CSRF token and `shown` that page holds."""
    csrf = page.find("input", name="csrf_token")[0]["attrs"]["value"]
    return patient.client.post(
        step_url(TREATMENTS, query),
        data={"csrf_token": csrf, "shown": page.shown_values(), **data},
    )


def test_without_javascript_a_triggered_question_is_revealed_without_an_error(app, patient):
    _reach_treatments(patient, answers())
    typed = {
        "treatments_now": ["none"],
        "treatments_before": ["isotretinoin"],
        "treatment_notes": "Roaccutane 20 mg for 6 months.",
    }
    page = html(patient.post_step(TREATMENTS.slug, typed))

    assert page.find("div", cls="error-summary") == []
    assert "There is a problem" not in page.text
    assert not page.title.startswith("Error:")
    assert page.find("p", id="progress")[0]["text"].strip() == "Step 4 of 6"
    (notice,) = page.find("div", cls="notice")
    assert "We have added questions based on your answer" in notice["text"]
    shown_blocks = [b for b in page.find("div", cls="conditional") if "hidden" not in b["attrs"]]
    assert [page.inside(b, "legend")[0]["text"].strip() for b in shown_blocks] == [
        "How well has isotretinoin worked for you?",
        "When did you stop isotretinoin?",
        "Did your acne come back after isotretinoin?",
    ]
    assert sorted(page.shown_values()) == ISOTRETINOIN_FOLLOW_UPS
    for question_id in ISOTRETINOIN_FOLLOW_UPS:
        assert page.find(id=f"{question_id}-error") == []
    # Nothing typed is lost: on the page, and the triggers and the note in the draft.
    assert page.checked("treatments_now") == ["none"]
    assert page.checked("treatments_before") == ["isotretinoin"]
    assert page.value("treatment_notes") == typed["treatment_notes"]
    draft = the_draft(app)
    assert {k: draft[k] for k in typed} == typed
    assert not set(ISOTRETINOIN_FOLLOW_UPS) & set(draft)

    follow_ups = {
        "response_isotretinoin": "helped_somewhat",
        "isotretinoin_stopped": "last_6_months",
        "isotretinoin_relapse": "not_sure_yet",
    }
    response = _post_again(patient, page, typed | follow_ups)
    assert response.status_code == 302 and path_of(response) == step_url(HEALTH)
    draft = the_draft(app)
    assert {k: draft[k] for k in typed | follow_ups} == typed | follow_ups


def test_without_javascript_a_revealed_question_left_unanswered_is_then_an_error(patient):
    _reach_treatments(patient, answers())
    chosen = {"treatments_now": ["pharmacy"], "treatments_before": ["none"]}
    page = html(patient.post_step(TREATMENTS.slug, chosen))
    assert page.find("div", cls="error-summary") == []
    assert page.shown_values() == ["response_pharmacy"]
    page = html(_post_again(patient, page, chosen))
    assert page.error_links() == [
        ("#response_pharmacy-0", "Select how well this treatment worked for you")
    ]
    assert page.title.startswith("Error: ")
    assert page.checked("treatments_now") == ["pharmacy"]


def test_a_revealed_question_is_not_saved_unvalidated(app, patient):
    """The reveal clears the new questions' errors to ask them calmly; it must not also save
    whatever was posted for them unchecked (the draft holds option ids only)."""
    _reach_treatments(patient, answers())
    page = html(
        patient.post_step(
            TREATMENTS.slug,
            {
                "treatments_now": ["none"],
                "treatments_before": ["isotretinoin"],
                "isotretinoin_stopped": "not-an-option",
                "response_isotretinoin": "<b>whatever</b>",
            },
        )
    )
    assert page.find("p", id="progress")[0]["text"].strip() == "Step 4 of 6"  # asked again here
    draft = the_draft(app)
    for question_id in ("treatments_before", *ISOTRETINOIN_FOLLOW_UPS):
        if question_id in draft:
            value = draft[question_id]
            chosen = value if isinstance(value, list) else [value]
            known = {option.id for option in QUESTIONS[question_id].options}
            assert set(chosen) <= known, (question_id, value)


def test_an_old_tab_posting_a_step_after_submitting_stores_nothing(app, patient):
    patient.answer_all(answers())
    old_tab_token = patient.csrf_token(step_url(YOUR_ACNE))
    reference = patient.complete(answers())
    response = patient.client.post(
        step_url(YOUR_ACNE),
        data={"csrf_token": old_tab_token, **formdata(YOUR_ACNE, answers(severity="severe"))},
    )
    assert response.status_code == 302 and path_of(response) == "/confirmation"
    assert stored_drafts(app) == []
    assert [(r, a["severity"]) for r, a in submissions(app)] == [(reference, answers()["severity"])]


def test_a_step_posted_after_the_draft_expired_starts_a_draft_with_that_step(
    app, patient, frozen_clock
):
    patient.start()
    for step in STEPS[:2]:
        patient.answer_step(step.slug, answers())
    open_page_token = patient.csrf_token(step_url(OILY_SKIN))
    frozen_clock.advance(hours=25)  # the page of step 3 was left open overnight
    response = patient.client.post(
        step_url(OILY_SKIN), data={"csrf_token": open_page_token, **formdata(OILY_SKIN, answers())}
    )
    assert response.status_code == 302 and path_of(response) == step_url(TREATMENTS)
    assert stored_drafts(app) == [{q.id: answers()[q.id] for q in OILY_SKIN.questions}]
    # What was lost is asked again, not silently skipped.
    assert path_of(patient.client.get("/check-answers")) == step_url(ABOUT_YOU)


@pytest.mark.parametrize("given", [answers(), ISOTRETINOIN_STOPPED], ids=["pharmacy", "stopped"])
def test_a_question_already_on_the_page_is_not_revealed_again(patient, given):
    # With JavaScript the blocks are shown in place and `shown` posted: no detour.
    _reach_treatments(patient, given)
    response = patient.answer_step(TREATMENTS.slug, given)
    assert response.status_code == 302 and path_of(response) == step_url(HEALTH)


def test_a_reveal_during_a_change_still_returns_to_check_answers(app, patient):
    patient.answer_all(answers())
    chosen = {"treatments_now": ["pharmacy"], "treatments_before": ["isotretinoin"]}
    page = html(patient.post_step(TREATMENTS.slug, chosen, "?return=check"))
    assert "We have added" in page.text
    assert page.back_link() == "/check-answers"
    follow_ups = {
        "response_pharmacy": "helped_somewhat",
        "response_isotretinoin": "cleared",
        "isotretinoin_stopped": "6_to_12_months",
        "isotretinoin_relapse": "no",
    }
    response = _post_again(patient, page, chosen | follow_ups, "?return=check")
    assert path_of(response) == "/check-answers"
    assert the_draft(app)["isotretinoin_stopped"] == "6_to_12_months"


def test_a_treatments_question_is_asked_for_a_treatment_chosen_in_either_question(app, patient):
    """The per-treatment question follows the treatment from one question to the other; the
    isotretinoin stop questions belong to "before" only."""
    _reach_treatments(patient, answers())
    page = html(patient.client.get(step_url(TREATMENTS)))
    conditions = {
        page.inside(block, "input")[0]["attrs"]["value"]: (
            block["attrs"]["data-condition-questions"],
            block["attrs"]["data-condition-any-of"],
        )
        for block in page.find("div", cls="conditional")
    }
    either = "treatments_now treatments_before"
    assert conditions == {
        **{f"response_{o.id}": (either, o.id) for o in QUESTIONS["treatments_now"].options[:-1]},
        "isotretinoin_stopped": ("treatments_before", "isotretinoin"),
        "isotretinoin_relapse": ("treatments_before", "isotretinoin"),
    }

    patient.answer_step(TREATMENTS.slug, ISOTRETINOIN_STOPPED)
    assert the_draft(app)["response_isotretinoin"] == "cleared"
    # Isotretinoin moves from "before" to "now": its question stays, the stop questions go.
    moved = ISOTRETINOIN_STOPPED | {
        "treatments_now": ["isotretinoin"],
        "treatments_before": ["antibiotic_tablets"],
    }
    response = patient.post_step(TREATMENTS.slug, formdata(TREATMENTS, moved))
    assert response.status_code == 302 and path_of(response) == step_url(HEALTH)
    draft = the_draft(app)
    assert draft["response_isotretinoin"] == "cleared"
    assert draft["response_antibiotic_tablets"] == "did_not_help"
    assert "isotretinoin_stopped" not in draft and "isotretinoin_relapse" not in draft
    page = html(patient.client.get(step_url(TREATMENTS)))
    assert sorted(page.shown_values()) == ["response_antibiotic_tablets", "response_isotretinoin"]
    assert page.checked("response_isotretinoin") == ["cleared"]


def test_undoing_a_trigger_drops_the_conditional_answer_everywhere(app, patient):
    given = ISOTRETINOIN_STOPPED
    patient.answer_all(given)
    assert the_draft(app)["isotretinoin_stopped"] == "over_12_months"
    before = html(patient.client.get("/check-answers")).answers_on_check_page()
    assert before["When did you stop isotretinoin?"] == "More than 12 months ago"
    assert before["How well has isotretinoin worked for you?"] == "Cleared my acne"

    # Unticked: JavaScript hid the questions and disabled their `shown`, but the ticked radios
    # are still posted.
    data = formdata(TREATMENTS, given) | {
        "treatments_before": ["antibiotic_tablets"],
        "shown": ["response_antibiotic_tablets"],
    }
    assert data["isotretinoin_stopped"] == "over_12_months"
    response = patient.post_step(TREATMENTS.slug, data, "?return=check")
    assert path_of(response) == "/check-answers"

    draft = the_draft(app)
    assert not set(ISOTRETINOIN_FOLLOW_UPS) & set(draft)
    after = html(patient.client.get("/check-answers"))
    for gone in (
        "When did you stop isotretinoin?",
        "Did your acne come back after isotretinoin?",
        "How well has isotretinoin worked for you?",
        "More than 12 months ago",
        "Cleared my acne",
    ):
        assert gone not in after.text, gone
    shown = after.answers_on_check_page()
    assert shown["Which acne treatments have you used before and stopped?"] == "Antibiotic tablets"
    patient.submit()
    ((_, stored),) = submissions(app)
    expected = {k: v for k, v in given.items() if k not in ISOTRETINOIN_FOLLOW_UPS}
    expected["treatments_before"] = ["antibiotic_tablets"]
    assert stored == expected


def test_choosing_none_drops_the_treatment_responses(app, patient):
    patient.answer_all(answers())
    data = formdata(TREATMENTS, answers()) | {
        "treatments_now": ["none"],
        "treatments_before": ["none"],
        "shown": [],
    }
    patient.post_step(TREATMENTS.slug, data, "?return=check")
    draft = the_draft(app)
    assert draft["treatments_now"] == draft["treatments_before"] == ["none"]
    assert "response_pharmacy" not in draft
    page = html(patient.client.get("/check-answers"))
    assert "How well have washes or creams from a pharmacy worked for you?" not in page.text


# --- Check your answers -----------------------------------------------------------------


def test_check_answers_shows_every_answer_in_words_grouped_by_step(patient):
    given = answers(
        treatments_now=["prescription_topical"],
        treatments_before=["pharmacy", "isotretinoin"],
        response_prescription_topical="too_soon",
        response_isotretinoin="helped_somewhat",
        isotretinoin_stopped="6_to_12_months",
        isotretinoin_relapse="not_sure_yet",
        locations=["cheeks", "chin_jawline", "back"],
        medicines=["blood_thinners", "muscle_relaxants"],
    )
    patient.answer_all(given)
    page = html(patient.client.get("/check-answers"))

    groups = page.answer_groups()
    assert list(groups) == [step.title for step in STEPS]
    for step in STEPS:
        assert list(groups[step.title]) == [q.label for q in step.visible_questions(given)], (
            step.slug
        )
    assert "When did you stop isotretinoin?" in groups["Your treatments"]
    shown = page.answers_on_check_page()
    assert list(shown) == [
        QUESTIONS[q].label for q in QUESTIONS if q in given or not QUESTIONS[q].shown_if
    ]
    for question_id, value in given.items():
        question = QUESTIONS[question_id]
        if question.kind in (Kind.ONE_OF, Kind.ANY_OF):
            for option_id in value if isinstance(value, list) else [value]:
                assert question.option_label(option_id) in shown[question.label]
        elif question.kind is not Kind.DATE:
            assert shown[question.label] == " ".join(value.split())
    assert shown["Date of birth"] == "27 March 1990"  # in words, as people write dates
    assert shown["Where do you get acne?"] == "Cheeks, Chin and jawline, Back"
    assert shown["Which acne treatments have you used before and stopped?"] == (
        "Washes or creams from a pharmacy, Isotretinoin (Roaccutane, Accutane)"
    )
    assert shown["How well have washes or creams from a pharmacy worked for you?"] == (
        "Helped somewhat"
    )
    assert shown["How well has isotretinoin worked for you?"] == "Helped somewhat"
    assert shown["How well have prescription creams or gels worked for you?"] == (
        "Too soon to tell"
    )
    assert shown["When did you stop isotretinoin?"] == "6 to 12 months ago"
    assert shown["Did your acne come back after isotretinoin?"] == "Not sure yet"
    assert shown["Do you have any of these conditions?"] == "None of these"
    assert shown["A few hours after washing, does your face look shiny?"] == "No"
    assert shown["Sex assigned at birth"] == "Male"
    assert "Do you have any of these?" not in shown  # asked only when Female
    # Option ids never reach the patient.
    assert "chin_jawline" not in page.text and "prescription_topical" not in page.text


def test_check_answers_says_not_provided_for_skipped_optional_questions(patient):
    patient.answer_all(answers(**EVERY_OPTIONAL_EMPTY))
    shown = html(patient.client.get("/check-answers")).answers_on_check_page()
    for question_id in EVERY_OPTIONAL_EMPTY:
        assert shown[QUESTIONS[question_id].label] == "Not provided", question_id
    not_provided = [label for label, value in shown.items() if value == "Not provided"]
    assert len(not_provided) == len(EVERY_OPTIONAL_EMPTY)


def test_every_group_has_a_change_link_that_comes_straight_back(app, patient):
    patient.answer_all(answers())
    page = html(patient.client.get("/check-answers"))
    changes = [a["attrs"]["href"] for a in page.find("a") if a["text"].strip().startswith("Change")]
    assert changes == [step_url(step, "?return=check") for step in STEPS]

    response = patient.answer_step(YOUR_ACNE.slug, answers(severity="severe"), "?return=check")
    assert response.status_code == 302 and path_of(response) == "/check-answers"
    shown = html(patient.client.get("/check-answers")).answers_on_check_page()
    assert shown["How bad is your acne right now?"] == "Severe"
    assert the_draft(app)["severity"] == "severe"


def test_a_change_with_an_error_stays_in_change_mode(patient):
    patient.answer_all(answers())
    page = html(
        patient.post_step(
            ABOUT_YOU.slug, formdata(ABOUT_YOU, answers(full_name=None)), "?return=check"
        )
    )
    assert page.error_links()[0] == ("#full_name", "Enter your full name")
    assert page.back_link() == "/check-answers"
    response = patient.answer_step(
        ABOUT_YOU.slug, answers(full_name="Grace Hopper"), "?return=check"
    )
    assert path_of(response) == "/check-answers"


def test_the_confirmation_box_is_required(app, patient):
    patient.answer_all(answers())
    response = patient.submit(confirmed=False)

    page = html(response)
    assert page.title.startswith("Error: Check your answers")
    assert "There is a problem" in page.find("div", cls="error-summary")[0]["text"]
    assert page.error_links() == [
        ("#confirmed", "Confirm that your answers are correct and that you agree to share them")
    ]
    box = page.by_id("confirmed")
    assert box["attrs"]["aria-describedby"] == "confirmed-error"
    assert "checked" not in box["attrs"]
    assert page.find("label", for_="confirmed")[0]["text"].strip() == (
        "I confirm these answers are correct to the best of my knowledge and agree to share "
        "them with my dermatologist."
    )
    assert submissions(app) == []
    assert the_draft(app) == answers()


def test_a_confirmation_posted_as_false_is_not_consent(app, patient):
    patient.answer_all(answers())
    fields = patient.hidden_fields("/check-answers")
    response = patient.client.post("/check-answers", data={**fields, "confirmed": "false"})
    assert response.status_code == 200
    assert html(response).error_links() == [
        ("#confirmed", "Confirm that your answers are correct and that you agree to share them")
    ]
    assert submissions(app) == []


def test_check_answers_sends_back_to_an_unanswered_step(patient):
    patient.start()
    for step in STEPS[:2]:
        patient.answer_step(step.slug, answers())
    response = patient.client.get("/check-answers")
    assert response.status_code == 302
    assert path_of(response) == step_url(OILY_SKIN)


def test_check_answers_sends_back_to_a_step_whose_answer_became_invalid(app, patient, frozen_clock):
    frozen_clock.current = datetime(2027, 3, 10, 9, 0, tzinfo=timezone.utc)  # London is on GMT
    given = answers(appointment_date="2027-03-10")
    patient.answer_all(given)
    assert patient.client.get("/check-answers").status_code == 200

    frozen_clock.advance(hours=16)  # 01:00 on 11 March in London: the appointment day is past
    response = patient.client.get("/check-answers")
    assert response.status_code == 302
    url = urlsplit(response.location)
    assert url.path == step_url(ABOUT_YOU)
    assert parse_qs(url.query) == {"return": ["check"], "check": ["1"]}

    page = html(patient.client.get(response.location))
    assert page.title.startswith("Error: ")
    assert page.error_links() == [
        ("#appointment_date-day", "Appointment date must be today or in the future")
    ]
    assert [int(page.value(f"appointment_date-{p}")) for p in ("day", "month", "year")] == [
        10,
        3,
        2027,
    ]
    assert page.value("full_name") == given["full_name"]
    assert page.back_link() == "/check-answers"

    fixed = patient.answer_step(
        ABOUT_YOU.slug, answers(appointment_date="2027-03-12"), "?return=check"
    )
    assert path_of(fixed) == "/check-answers"
    assert patient.client.get("/check-answers").status_code == 200
    assert patient.submit().status_code == 302
    ((_, stored),) = submissions(app)
    assert stored["appointment_date"] == "2027-03-12"


def test_submit_with_an_invalid_stored_answer_stores_nothing(app, patient, frozen_clock):
    frozen_clock.current = datetime(2027, 3, 10, 9, 0, tzinfo=timezone.utc)
    patient.answer_all(answers(appointment_date="2027-03-10"))
    fields = patient.hidden_fields("/check-answers")
    frozen_clock.advance(hours=16)
    response = patient.client.post("/check-answers", data={**fields, "confirmed": "y"})
    assert response.status_code == 302 and path_of(response) == step_url(ABOUT_YOU)
    assert submissions(app) == []


# --- Submitting once --------------------------------------------------------------------


def test_the_confirmation_shows_the_reference_and_nothing_else_of_the_patient(patient):
    given = answers(full_name="Ada Lovelace", phone="+44 (0)20 7946 0000")
    reference = patient.complete(given)
    page = html(patient.client.get("/confirmation"))
    assert f"Your reference is {reference}" in page.text
    assert page.title.startswith("Answers sent")
    markup = patient.client.get("/confirmation").get_data(as_text=True)
    for value in (
        "Ada",
        "Lovelace",
        given["phone"],  # whole values: four digits alone turn up in random hex by chance
        given["date_of_birth"],
        "27 March 1990",
        given["appointment_date"],
        "salicylic",
        "sessions",
    ):
        assert value not in markup, value


def test_a_resent_submit_stores_one_submission(app, patient):
    patient.answer_all(answers())
    form = {**patient.hidden_fields("/check-answers"), "confirmed": "y"}
    first = patient.client.post("/check-answers", data=form)
    again = patient.client.post("/check-answers", data=form)  # double click, or a resent POST
    assert path_of(first) == path_of(again) == "/confirmation"
    ((reference, _),) = submissions(app)
    assert REFERENCE.match(reference)
    assert reference_on_confirmation(patient.client) == reference


def test_back_then_submit_stores_one_submission(app, patient):
    patient.answer_all(answers())
    old_page = patient.hidden_fields("/check-answers")
    first = patient.client.post("/check-answers", data={**old_page, "confirmed": "y"})
    assert path_of(first) == "/confirmation"
    reference = reference_on_confirmation(patient.client)

    back = patient.client.get("/check-answers")  # Back: the answers are no longer shown
    assert back.status_code == 302 and path_of(back) == "/confirmation"
    for step in STEPS:
        shown = patient.client.get(step_url(step))
        assert shown.status_code == 302 and path_of(shown) == "/confirmation"
    resent = patient.client.post("/check-answers", data={**old_page, "confirmed": "y"})
    assert resent.status_code == 302 and path_of(resent) == "/confirmation"

    assert [r for r, _ in submissions(app)] == [reference]
    assert reference_on_confirmation(patient.client) == reference


@pytest.mark.parametrize("in_step", [False, True], ids=["as-they-come", "both-past-the-checks"])
def test_two_submits_at_the_same_moment_store_one_submission(
    app, client, patient, monkeypatch, in_step
):
    patient.answer_all(answers())
    if in_step:
        # Hold both requests until each has found the live draft and validated the form,
        # so the two writes really race rather than run one after the other.
        both_in = threading.Barrier(2)
        real_submit = drafts.submit

        def submit_together(*args, **kwargs):
            both_in.wait(timeout=10)
            return real_submit(*args, **kwargs)

        monkeypatch.setattr(drafts, "submit", submit_together)
    fields = patient.hidden_fields("/check-answers")
    cookie = client.get_cookie("session").value
    browsers = [app.test_client() for _ in range(2)]
    for browser in browsers:
        browser.set_cookie("session", cookie)
    barrier = threading.Barrier(len(browsers))
    outcomes: list = [None] * len(browsers)

    def press_submit(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            response = browsers[index].post("/check-answers", data={**fields, "confirmed": "y"})
            outcomes[index] = (response.status_code, path_of(response))
        except BaseException as error:  # reported below, not lost in the thread
            outcomes[index] = error

    threads = [threading.Thread(target=press_submit, args=(i,)) for i in range(len(browsers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes == [(302, "/confirmation")] * len(browsers)
    stored = submissions(app)
    assert len(stored) == 1
    assert {reference_on_confirmation(b) for b in browsers} == {stored[0][0]}
    assert stored_drafts(app) == []


def test_a_reference_already_taken_is_drawn_again(app, monkeypatch):
    first = Patient(app.test_client()).complete(answers())
    draws = iter([first, first, "ABCD-2345"])
    monkeypatch.setattr(services, "new_reference", lambda: next(draws))
    second = Patient(app.test_client()).complete(answers(full_name="Grace Hopper"))
    assert second == "ABCD-2345"
    stored = dict(submissions(app))
    assert set(stored) == {first, "ABCD-2345"}
    assert stored[first]["full_name"] == "Ada Lovelace"
    assert stored["ABCD-2345"]["full_name"] == "Grace Hopper"


def test_after_submitting_start_now_begins_an_empty_draft(app, patient):
    patient.complete(answers())
    response = patient.start()
    assert path_of(response) == step_url(ABOUT_YOU)
    page = html(patient.client.get(step_url(ABOUT_YOU)))
    assert page.value("full_name") == ""
    assert page.value("date_of_birth-year") == ""
    assert the_draft(app) == {}


# --- The draft ---------------------------------------------------------------------------


def test_saved_answers_are_shown_again_on_back_and_reload(patient):
    given = answers(locations=["forehead", "back"], flares=["period", "stress"])
    patient.start()
    for step in STEPS[:4]:
        patient.answer_step(step.slug, given)

    about = html(patient.client.get(step_url(ABOUT_YOU)))
    assert about.value("full_name") == given["full_name"]
    assert about.value("phone") == given["phone"]
    assert [about.value(f"date_of_birth-{p}") for p in ("day", "month", "year")] == [
        "27",
        "3",
        "1990",
    ]
    year, month, day = given["appointment_date"].split("-")
    assert [about.value(f"appointment_date-{p}") for p in ("day", "month", "year")] == [
        str(int(day)),
        str(int(month)),
        year,
    ]
    acne = html(patient.client.get(step_url(YOUR_ACNE)))
    assert acne.checked("locations") == ["forehead", "back"]
    assert acne.checked("flares") == ["period", "stress"]
    assert acne.checked("duration") == [given["duration"]]
    assert acne.checked("spot_types") == given["spot_types"]
    treatments = html(patient.client.get(step_url(TREATMENTS)))
    assert treatments.checked("treatments_now") == given["treatments_now"]
    assert treatments.checked("response_pharmacy") == [given["response_pharmacy"]]
    assert treatments.value("treatment_notes") == given["treatment_notes"]
    shown_blocks = [
        treatments.inside(block, "input")[0]["attrs"]["value"]
        for block in treatments.find("div", cls="conditional")
        if "hidden" not in block["attrs"]
    ]
    assert shown_blocks == ["response_pharmacy"]  # the other eight are on the page, hidden
    assert len(treatments.find("div", cls="conditional")) == 9
    assert treatments.shown_values() == ["response_pharmacy"]
    # A step not reached yet is empty.
    health = html(patient.client.get(step_url(HEALTH)))
    assert health.checked("pregnant_breastfeeding") == [] and health.value("allergies") == ""


def test_each_patient_sees_only_their_own_choices_ticked(app):
    # The options' markup is rendered once per language and reused for every patient.
    chosen = {"first": ["blackheads_whiteheads"], "second": ["red_bumps", "nodules"]}
    patients = {name: Patient(app.test_client()) for name in chosen}
    for name, patient in patients.items():
        patient.start()
        patient.answer_step(ABOUT_YOU.slug, answers())
        patient.answer_step(YOUR_ACNE.slug, answers(spot_types=chosen[name]))
    for _ in range(2):
        for name, patient in patients.items():
            page = html(patient.client.get(step_url(YOUR_ACNE)))
            assert page.checked("spot_types") == chosen[name]


def test_with_template_auto_reload_the_options_are_rendered_afresh(app, patient):
    app.jinja_env.auto_reload = True  # debug: an edited template must show at once
    fragments._kept.clear()
    patient.start()
    page = html(patient.client.get(step_url(YOUR_ACNE)))
    assert len(page.find("input", name="spot_types")) == 5
    assert fragments._kept == {}


def test_answering_a_step_again_replaces_its_answers(app, patient):
    patient.start()
    patient.answer_step(ABOUT_YOU.slug, answers())
    patient.answer_step(
        ABOUT_YOU.slug, answers(phone=None, appointment_date=None, full_name="Grace Hopper")
    )
    draft = the_draft(app)
    assert draft["full_name"] == "Grace Hopper"
    assert "phone" not in draft and "appointment_date" not in draft


def test_saving_a_step_drops_answers_whose_trigger_is_gone(app, frozen_clock):
    with app.test_request_context():
        token = drafts.start(timedelta(hours=24))
        leftover = {
            "treatments_now": ["pharmacy"],
            "treatments_before": ["none"],
            "isotretinoin_stopped": "last_6_months",
            "response_pharmacy": "cleared",
            "response_botox": "cleared",
        }
        assert drafts.save_step(token, TREATMENTS, leftover, timedelta(hours=24)).kept
        assert drafts.find(token).answers == {
            "treatments_now": ["pharmacy"],
            "treatments_before": ["none"],
            "response_pharmacy": "cleared",
        }
        frozen_clock.advance(hours=25)
        assert drafts.find(token) is None
        assert not drafts.save_step(token, TREATMENTS, leftover, timedelta(hours=24)).kept


def test_the_draft_survives_a_new_app_on_the_same_database(app, patient, tmp_path):
    patient.start()
    for step in STEPS[:3]:
        patient.answer_step(step.slug, answers())
    cookie = patient.client.get_cookie("session").value

    restarted = make_app(tmp_path)
    try:
        browser = Patient(restarted.test_client())
        browser.client.set_cookie("session", cookie)
        page = html(browser.client.get(step_url(ABOUT_YOU)))
        assert page.value("full_name") == answers()["full_name"]
        assert html(browser.client.get(step_url(OILY_SKIN))).checked("face_feel") == [
            answers()["face_feel"]
        ]
        resumed = browser.start()
        assert path_of(resumed) == step_url(TREATMENTS)
    finally:
        with restarted.app_context():
            db.session.remove()
            db.engine.dispose()


def test_start_now_resumes_a_live_draft_at_the_first_unanswered_step(patient):
    patient.start()
    for step in STEPS[:2]:
        patient.answer_step(step.slug, answers())
    start_page = html(patient.client.get("/"))
    assert "You have answers saved on this device" in start_page.text
    response = patient.start()
    assert response.status_code == 302 and path_of(response) == step_url(OILY_SKIN)
    assert html(patient.client.get(step_url(YOUR_ACNE))).checked("duration") == [
        answers()["duration"]
    ]


def test_start_now_with_every_step_answered_goes_to_check_answers(patient):
    patient.answer_all(answers())
    response = patient.start()
    assert response.status_code == 302 and path_of(response) == "/check-answers"


def test_start_now_on_a_fresh_browser_begins_at_step_1(app, patient):
    assert "You have answers saved" not in html(patient.client.get("/")).text
    response = patient.start()
    assert path_of(response) == step_url(ABOUT_YOU)
    assert stored_drafts(app) == [{}]


def test_an_expired_draft_is_gone_and_start_now_begins_a_clean_one(app, patient, frozen_clock):
    patient.start()
    for step in STEPS[:2]:
        patient.answer_step(step.slug, answers())
    old_cookie = patient.client.get_cookie("session").value

    frozen_clock.advance(hours=25)
    response = patient.client.get(step_url(YOUR_ACNE))
    assert response.status_code == 302 and path_of(response) == "/"
    assert patient.client.get("/check-answers").location.endswith("/")
    assert "You have answers saved" not in html(patient.client.get("/")).text

    started = patient.start()
    assert path_of(started) == step_url(ABOUT_YOU)
    page = html(patient.client.get(step_url(ABOUT_YOU)))
    assert page.value("full_name") == ""
    assert html(patient.client.get(step_url(YOUR_ACNE))).checked("locations") == []
    assert stored_drafts(app) == [{}]  # the expired draft was purged, the new one is empty
    assert patient.client.get_cookie("session").value != old_cookie


def test_a_draft_is_kept_alive_by_answering(app, patient, frozen_clock):
    patient.start()
    patient.answer_step(ABOUT_YOU.slug, answers())
    frozen_clock.advance(hours=20)
    patient.answer_step(YOUR_ACNE.slug, answers())
    frozen_clock.advance(hours=20)  # 40 hours since the start, 20 since the last answer
    assert (
        html(patient.client.get(step_url(ABOUT_YOU))).value("full_name") == answers()["full_name"]
    )


# --- What the browser holds -------------------------------------------------------------


def _session_payload(cookie_value: str) -> dict:
    """The session cookie as anyone holding it can read it, without the secret key."""
    compressed = cookie_value.startswith(".")
    payload = cookie_value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return json.loads(zlib.decompress(raw) if compressed else raw)


def test_no_answer_is_readable_in_any_cookie(app, client, patient, monkeypatch):
    responses = []
    original_open = client.open

    def recording_open(*args, **kwargs):
        response = original_open(*args, **kwargs)
        responses.append(response)
        return response

    monkeypatch.setattr(client, "open", recording_open)
    given = answers(
        full_name="Bartholomew Quigley",
        phone="+44 (0)20 7946 0000",
        treatments_now=["isotretinoin"],
        response_isotretinoin="too_soon",
        treatment_notes="Roaccutane made my lips crack",
        allergies="Penicillin and peanuts",
        questions_for_dermatologist="Will Botox hurt much?",
    )
    patient.complete(given)

    set_cookies = [h for r in responses for h in r.headers.getlist("Set-Cookie")]
    assert set_cookies, "the walk set no cookie at all"
    # Whole values only: a run of four digits turns up in random hex by chance (a CSRF token
    # held "1990" once), a whole date or phone number does not.
    secrets = [
        "Bartholomew",
        "Quigley",
        given["phone"],
        "442079460000",  # the phone number's digits alone
        given["date_of_birth"],
        given["appointment_date"],
        "Roaccutane",
        "Penicillin",
        "Botox",
        "isotretinoin",
        "blackheads_whiteheads",
        "helped_somewhat",
    ]
    payloads = []
    for header in set_cookies:
        for secret in secrets:
            assert secret.lower() not in header.lower(), (secret, header)
        name, _, rest = header.partition("=")
        value = rest.split(";")[0]
        if name == "session" and value:
            assert "HttpOnly" in header
            payloads.append(_session_payload(value))
    assert payloads, "no session cookie was set"
    for payload in payloads:
        decoded = json.dumps(payload, ensure_ascii=False).lower()
        for secret in secrets:
            assert secret.lower() not in decoded, (secret, payload)
        assert set(payload) <= {"draft", "csrf_token"}, payload
    # The session holds only an opaque random token; the database keeps only its hash.
    tokens = {p["draft"] for p in payloads if "draft" in p}
    assert tokens and all(re.fullmatch(r"[A-Za-z0-9_-]{40,}", t) for t in tokens)
    with app.app_context():
        (submission,) = db.session.scalars(select(Submission))
        assert submission.draft_token_hash in {token_hash(t) for t in tokens}
        assert submission.draft_token_hash not in tokens


def test_every_page_is_marked_no_store(app, client, patient, monkeypatch):
    responses = []
    original_open = client.open

    def recording_open(*args, **kwargs):
        response = original_open(*args, **kwargs)
        responses.append((args[0] if args else kwargs.get("path"), response))
        return response

    monkeypatch.setattr(client, "open", recording_open)
    client.get("/check-answers")  # redirect without a draft
    patient.answer_all(answers())
    patient.submit(confirmed=False)
    patient.post_step(ABOUT_YOU.slug, {"full_name": ""})
    patient.submit()
    client.get("/confirmation")
    client.get("/questions/no-such-step")
    client.post("/start", data={})  # no CSRF token: back to the start page
    client.post("/clinic/login", data={})  # no CSRF token: refused

    statuses = {response.status_code for _, response in responses}
    assert {200, 302, 400, 404} <= statuses
    for path, response in responses:
        assert response.headers.get("Cache-Control") == "no-store", (path, response.status_code)


# --- CSRF ---------------------------------------------------------------------------------


RESEND = "please press Continue again"


def test_a_step_posted_without_the_csrf_token_stores_nothing_and_keeps_what_was_typed(app, patient):
    patient.start()
    typed = answers(full_name="Kept Despite Token", phone="0161 496 0000")
    response = patient.client.post(step_url(ABOUT_YOU), data=formdata(ABOUT_YOU, typed))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert RESEND in page
    assert 'value="Kept Despite Token"' in page and 'value="0161 496 0000"' in page
    assert "There is a problem" not in page
    assert the_draft(app) == {}
    # Pressing Continue again (the page now carries a fresh token) saves it.
    again = patient.post_step(ABOUT_YOU.slug, formdata(ABOUT_YOU, typed))
    assert again.status_code == 302
    assert the_draft(app)["full_name"] == "Kept Despite Token"


def test_start_without_the_csrf_token_starts_nothing(app, client):
    response = client.post("/start", data={})
    assert response.status_code == 302 and path_of(response) == "/"
    assert stored_drafts(app) == []


def test_submit_without_the_csrf_token_stores_nothing(app, patient):
    patient.answer_all(answers())
    response = patient.client.post("/check-answers", data={"confirmed": "y"})
    assert response.status_code == 302 and path_of(response) == "/check-answers"
    assert submissions(app) == []
    assert the_draft(app) == answers()


def test_a_csrf_token_from_another_browser_is_refused(app, patient):
    patient.start()
    other = Patient(app.test_client())
    other.start()
    stolen = other.csrf_token(step_url(ABOUT_YOU))
    response = patient.client.post(
        step_url(ABOUT_YOU), data={"csrf_token": stolen, **formdata(ABOUT_YOU, answers())}
    )
    assert RESEND in response.get_data(as_text=True)
    assert stored_drafts(app) == [{}, {}]


# --- A check of the harness itself --------------------------------------------------------


def test_answer_text_on_the_check_page_is_the_definitions(patient):
    """The check page and answer_text agree, so the PDF and the patient see the same words."""
    given = answers()
    patient.answer_all(given)
    shown = html(patient.client.get("/check-answers")).answers_on_check_page()
    for question_id, value in given.items():
        question = QUESTIONS[question_id]
        assert shown[question.label] == " ".join(answer_text(question, value).split())


def test_answers_changed_in_another_tab_are_shown_again_before_anything_is_stored(app, patient):
    patient.answer_all(answers(severity="mild"))
    seen = patient.hidden_fields("/check-answers")  # this tab shows "Mild"
    patient.answer_step("your-acne", answers(severity="severe"), "?return=check")  # another tab
    response = patient.client.post("/check-answers", data={**seen, "confirmed": "y"})
    assert response.status_code == 200
    assert "Some answers were changed in another window" in response.get_data(as_text=True)
    assert submissions(app) == []
    assert patient.submit().status_code == 302  # after seeing them again, Submit stores
    assert [a["severity"] for _, a in submissions(app)] == ["severe"]


def test_a_two_digit_year_error_links_to_the_year_box(patient):
    patient.start()
    page = patient.post_step(
        "about-you",
        {
            "full_name": "Ada",
            "date_of_birth-day": "7",
            "date_of_birth-month": "3",
            "date_of_birth-year": "90",
        },
    )
    assert ("#date_of_birth-year", "Year must include 4 numbers") in html(page).error_links()


COMPARE_KEPT_WITH_MACRO = (
    '{% import "macros/fields.html" as fields with context %}'
    "{{ fields.question_field(question, field) }}\x00"
    "{{ kept_choice_question(question, field.data, current_language, words) }}"
)


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_kept_choice_question_is_the_markup_its_macro_renders(app, language):
    """Kept once per language, each choice question (ticked or not) is exactly what the
    template's macro renders for it afresh."""
    given = answers(sex="female", hormonal_features=["unwanted_hair", "thinning_hair"])
    for step in STEPS:
        for data in ({}, given):
            with app.test_request_context():
                session["lang"] = language
                form = form_for(step)(data=data)
                for question in (q for q in step.questions if q.options):
                    fresh, kept = render_template_string(
                        COMPARE_KEPT_WITH_MACRO, question=question, field=form[question.id]
                    ).split("\x00")
                    assert kept.strip() == fresh.strip(), (language, question.id)
                    assert kept.count(" checked") == len(
                        given[question.id]
                        if isinstance(given.get(question.id), list)
                        else [question.id] * (question.id in given)
                    ) * (data is given)
    assert {(language, "severity"), (language, "after_toxin")} <= fragments._kept_around.keys()


def test_a_step_shown_again_from_its_stored_answers_is_the_page_its_form_renders(app):
    """A step page shown again reads the stored answers directly, not through a form: the
    page is the same as the form's, for every kind of question, conditionals included."""
    given = answers(
        sex="female",
        hormonal_features=["unwanted_hair"],
        treatments_before=["isotretinoin"],
        response_isotretinoin="did_not_help",
        isotretinoin_stopped="last_6_months",
        isotretinoin_relapse="yes",
        conditions=["other_nerve_muscle"],
        nerve_muscle_disease="Charcot <Marie> & Tooth",
    )
    token = re.compile(r'name="csrf_token" value="[^"]*"')
    for step in STEPS:
        with app.test_request_context(step_url(step)):
            form = form_for(step)(data=given)
            form.other_answers = given
            from_form = _render_step(step, form)
            from_answers = _render_step(step, StoredAnswers(step, given))
        assert token.sub("", from_answers) == token.sub("", from_form), step.slug
        assert "Charcot &lt;Marie&gt; &amp; Tooth" in from_answers or step is not HEALTH
