"""Desk codes on a front-desk tablet (SPEC sections 8 and 11): 6 characters, 15 minutes, once;
then the date of birth like the link; the submission joins the appointment."""

from __future__ import annotations

from sqlalchemy import select

from intake.appointments import services
from intake.extensions import db
from intake.models import DeskCode
from intake.questionnaire import STEPS
from tests.factories import answers
from tests.http.invitation_helpers import (
    DATE_OF_BIRTH,
    NAME,
    appointment,
    date_fields,
    desk_code,
    drafts_of,
    invite,
    submission_of,
)
from tests.http.test_tablet import make_tablet
from tests.support import Html, Patient

WRONG = DATE_OF_BIRTH.replace(year=1991)


def enter_code(patient: Patient, code: str):
    return patient.client.post(
        "/desk-code", data={"csrf_token": patient.csrf_token("/"), "desk_code": code}
    )


def give_date_of_birth(patient: Patient, day=DATE_OF_BIRTH):
    return patient.client.post(
        "/desk-code/date-of-birth", data={"csrf_token": patient.csrf_token("/"), **date_fields(day)}
    )


def tablet_mode(tablet, other) -> None:
    """A second tablet: the first one's device cookie, as staff would set it on another."""
    other.set_cookie("intake_tablet", tablet.get_cookie("intake_tablet").value)


def used_at(app, code_count: int = 1) -> list:
    with app.app_context():
        found = db.session.scalars(select(DeskCode.used_at)).all()
        db.session.remove()
    assert len(found) == code_count
    return list(found)


def test_the_tablets_start_page_offers_a_desk_code(app, client, patient):
    assert "Desk code" not in Html.of(client.get("/")).text  # not on a patient's own device
    make_tablet(app, client)
    page = Html.of(client.get("/"))
    assert page.find("label", for_="desk_code")[0]["text"].strip() == "Desk code"
    assert "Start with a code" in page.text and "Start now" in page.text


def test_a_valid_code_typed_in_any_case_is_used_once_then_asks_the_date_of_birth(
    app, client, patient
):
    invited = invite(app)
    make_tablet(app, client)
    code = desk_code(app, invited.appointment_id)

    response = enter_code(patient, f" {code[:3].lower()} {code[3:]} ")

    assert response.status_code == 302 and response.location.endswith("/desk-code/date-of-birth")
    assert used_at(app) != [None]
    assert "Date of birth" in Html.of(client.get("/desk-code/date-of-birth")).text
    other = Patient(app.test_client())
    tablet_mode(client, other.client)
    again = Html.of(enter_code(other, code))
    assert "That desk code does not work" in again.text
    assert again.value("desk_code") == code


def test_the_right_date_of_birth_opens_the_appointments_questionnaire_and_joins_it(
    app, client, patient
):
    invited = invite(app)
    make_tablet(app, client)
    enter_code(patient, desk_code(app, invited.appointment_id))

    response = give_date_of_birth(patient)

    assert response.location.endswith("/questions/about-you")
    assert Html.of(client.get("/questions/about-you")).value("full_name") == NAME
    (draft,) = drafts_of(app, invited.appointment_id)
    assert draft.on_tablet  # the tablet's idle limit holds for it
    for step in STEPS:  # on a tablet, Start now would begin another patient's draft
        assert patient.answer_step(step.slug, answers(full_name=NAME)).status_code == 302
    reference = patient.complete_after_answers()
    assert submission_of(app, invited.appointment_id).reference == reference
    assert appointment(app, invited.appointment_id).state == "submitted"


def test_wrong_dates_of_birth_count_against_the_links_lock(app, client, patient, frozen_clock):
    invited = invite(app)
    for _ in range(5):
        give_date_of_birth_by_link = client.post(
            f"{invited.link}/date-of-birth", data=date_fields(WRONG)
        )
        assert give_date_of_birth_by_link.status_code == 200
    frozen_clock.advance(minutes=1)
    make_tablet(app, client)
    enter_code(patient, desk_code(app, invited.appointment_id))

    refused = give_date_of_birth(patient)

    assert "For your security, this is locked" in Html.of(refused).text
    assert drafts_of(app, invited.appointment_id) == []


def test_a_wrong_code_gets_the_fields_error_and_keeps_what_was_typed(app, client, patient):
    invite(app)
    make_tablet(app, client)
    for typed, message in [
        ("", "Enter the desk code front desk gave you"),
        ("K7M2Q0", "A desk code is 6 letters and numbers"),  # 0 is not in the alphabet
        ("K7M2QX", "That desk code does not work"),
    ]:
        page = Html.of(enter_code(patient, typed))
        assert page.title.startswith("Error: ")
        assert message in page.by_id("desk_code-error")["text"]
        assert page.value("desk_code") == typed
        ((href, summary),) = page.error_links()
        assert href == "#desk_code" and summary.startswith(message)


def test_a_code_expires_after_15_minutes(app, client, patient, frozen_clock):
    invited = invite(app)
    make_tablet(app, client)
    code = desk_code(app, invited.appointment_id)
    frozen_clock.advance(minutes=15)
    assert "That desk code does not work" in Html.of(enter_code(patient, code)).text
    assert used_at(app) == [None]


def test_the_date_of_birth_must_follow_within_15_minutes_of_the_code(
    app, client, patient, frozen_clock
):
    invited = invite(app)
    make_tablet(app, client)
    enter_code(patient, desk_code(app, invited.appointment_id))
    frozen_clock.advance(minutes=15, seconds=1)
    response = give_date_of_birth(patient)
    assert response.status_code == 302 and response.location.endswith("/")
    assert drafts_of(app, invited.appointment_id) == []


def test_a_code_for_a_cancelled_appointment_does_not_work_and_stays_unused(app, client, patient):
    invited = invite(app)
    code = desk_code(app, invited.appointment_id)
    with app.app_context():
        services.cancel(invited.appointment_id, None)
        db.session.remove()
    make_tablet(app, client)
    assert "That desk code does not work" in Html.of(enter_code(patient, code)).text
    assert used_at(app) == [None]


def test_desk_codes_are_rate_limited_per_address(app, client, patient):
    invite(app)
    make_tablet(app, client)
    limit = app.config["RATE_LIMIT_IDENTITY_CHECKS"]
    statuses = [enter_code(patient, "K7M2QX").status_code for _ in range(limit)]
    assert statuses == [200] * limit
    assert enter_code(patient, "K7M2QX").status_code == 429


def test_desk_codes_need_a_tablet(app, client, patient):
    invited = invite(app)
    code = desk_code(app, invited.appointment_id)
    assert enter_code(patient, code).status_code == 404
    assert used_at(app) == [None]


def test_the_desk_code_form_and_its_errors_are_in_spanish(app, client, patient):
    make_tablet(app, client)
    client.get("/language/es")
    page = Html.of(enter_code(patient, "K7M2QX"))
    assert page.lang == "es"
    assert "Empezar con un código" in page.text
    assert "Ese código de recepción no funciona" in page.by_id("desk_code-error")["text"]
