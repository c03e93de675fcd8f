"""The invitation link (SPEC section 11): opening it changes nothing; Start now asks the date
of birth; five misses lock it; the name and date come filled in; the same link resumes the same
draft on another device; after Submit it says so, with the reference."""

from __future__ import annotations

import functools
import logging

from sqlalchemy import select

from intake.appointments import services
from intake.extensions import db
from intake.models import Invitation
from tests.factories import answers
from tests.http.clinic_helpers import CLINICIAN, Staff, create_user, statuses_at_once
from tests.http.invitation_helpers import (
    DATE_OF_BIRTH,
    NAME,
    appointment,
    date_fields,
    drafts_of,
    invite,
    snapshot,
    submission_of,
)
from tests.support import Html, Patient, make_app

WRONG = DATE_OF_BIRTH.replace(year=1991)


def start_now(client, link: str):
    return client.post(link)


def give_date_of_birth(client, link: str, day=DATE_OF_BIRTH):
    return client.post(f"{link}/date-of-birth", data=date_fields(day))


def test_opening_the_link_changes_nothing_and_sets_no_cookie(app, client):
    invited = invite(app)
    before = snapshot(app)

    response = client.get(invited.link)

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert snapshot(app) == before
    page = Html.of(response)
    assert "Start now" in page.text
    assert "about 5 minutes" in page.text
    assert NAME not in page.text  # anyone holding the link sees nothing of the patient's
    assert appointment(app, invited.appointment_id).state == "invited"


def test_every_link_response_keeps_the_token_from_other_sites(app, client):
    invited = invite(app)
    responses = [
        client.get(invited.link),
        start_now(client, invited.link),
        give_date_of_birth(client, invited.link, WRONG),
        client.get("/i/unknown-token"),
    ]
    assert [r.headers["Referrer-Policy"] for r in responses] == ["no-referrer"] * 4
    assert client.get("/").headers["Referrer-Policy"] == "same-origin"


def test_start_now_asks_for_the_date_of_birth(app, client):
    invited = invite(app)
    page = Html.of(start_now(client, invited.link))
    assert "Date of birth" in page.text
    form = page.find("form")[0]
    assert form["attrs"]["action"] == f"{invited.link}/date-of-birth"
    assert {e["attrs"]["name"] for e in page.find("input")} >= set(date_fields(DATE_OF_BIRTH))
    assert drafts_of(app, invited.appointment_id) == []


def test_a_wrong_date_of_birth_is_refused_and_kept_as_typed(app, client):
    invited = invite(app)
    response = give_date_of_birth(client, invited.link, WRONG)

    page = Html.of(response)
    assert response.status_code == 200
    assert page.title.startswith("Error: ")
    assert "does not match the one your clinic has" in page.text
    assert page.value("date_of_birth-year") == "1991"
    assert drafts_of(app, invited.appointment_id) == []
    assert client.get("/questions/about-you").status_code == 302  # no draft in this browser


def test_an_impossible_date_gets_the_fields_error_and_is_not_counted(app, client):
    invited = invite(app)
    response = client.post(
        f"{invited.link}/date-of-birth",
        data={"date_of_birth-day": "31", "date_of_birth-month": "2", "date_of_birth-year": "1990"},
    )
    page = Html.of(response)
    assert "Date of birth must be a real date" in page.text
    assert page.value("date_of_birth-day") == "31"
    with app.app_context():
        assert db.session.scalars(select(Invitation.recent_failures)).all() == [[]]
        db.session.remove()


def test_the_right_date_opens_the_questionnaire_filled_in_and_the_invitation_opened(app, client):
    invited = invite(app)
    response = give_date_of_birth(client, invited.link)

    assert response.status_code == 302 and response.location.endswith("/questions/about-you")
    page = Html.of(client.get("/questions/about-you"))
    assert page.value("full_name") == NAME
    booked = appointment(app, invited.appointment_id)
    assert page.value("appointment_date-day") == str(booked.appointment_date.day)
    assert page.value("appointment_date-year") == str(booked.appointment_date.year)
    assert booked.state == "opened"
    (draft,) = drafts_of(app, invited.appointment_id)
    assert draft.answers["full_name"] == NAME


def test_five_misses_lock_the_link_for_15_minutes_even_for_the_right_date(
    app, client, frozen_clock
):
    invited = invite(app)
    for _ in range(5):
        assert "does not match" in Html.of(give_date_of_birth(client, invited.link, WRONG)).text
    frozen_clock.advance(minutes=1)  # a new rate-limit window: only the lock refuses now

    refused = give_date_of_birth(client, invited.link)
    assert "For your security, this is locked" in Html.of(refused).text
    assert drafts_of(app, invited.appointment_id) == []

    frozen_clock.advance(minutes=14, seconds=1)
    assert give_date_of_birth(client, invited.link).status_code == 302


def test_misses_spread_over_more_than_15_minutes_do_not_lock(app, client, frozen_clock):
    invited = invite(app)
    for _ in range(4):
        give_date_of_birth(client, invited.link, WRONG)
    frozen_clock.advance(minutes=16)
    give_date_of_birth(client, invited.link, WRONG)
    assert give_date_of_birth(client, invited.link).status_code == 302


def test_date_of_birth_checks_are_rate_limited_per_address(app, client):
    invited = invite(app)
    statuses = [
        give_date_of_birth(client, invited.link, WRONG).status_code
        for _ in range(app.config["RATE_LIMIT_IDENTITY_CHECKS"])
    ]
    assert statuses == [200] * len(statuses)
    assert give_date_of_birth(client, invited.link).status_code == 429


def test_the_same_link_resumes_the_same_draft_on_another_device(app):
    invited = invite(app)
    phone, laptop = Patient(app.test_client()), Patient(app.test_client())
    give_date_of_birth(phone.client, invited.link)
    everything = answers(full_name=NAME)
    assert phone.answer_step("about-you", everything).status_code == 302
    assert appointment(app, invited.appointment_id).state == "in_progress"

    response = give_date_of_birth(laptop.client, invited.link)

    assert response.location.endswith("/questions/your-acne")  # where the phone stopped
    assert Html.of(laptop.client.get("/questions/about-you")).value("full_name") == NAME
    assert len(drafts_of(app, invited.appointment_id)) == 1
    # The token was rotated: the phone's session no longer opens the draft.
    assert phone.client.get("/questions/your-acne").status_code == 302


def test_after_submit_the_link_says_so_with_the_reference_and_nothing_else(app, client):
    invited = invite(app)
    patient = Patient(client)
    give_date_of_birth(client, invited.link)
    reference = patient.complete(answers(full_name=NAME))

    submission = submission_of(app, invited.appointment_id)
    assert submission is not None and submission.reference == reference
    assert appointment(app, invited.appointment_id).state == "submitted"
    for other in (app.test_client(), client):
        page = Html.of(other.get(invited.link))
        assert "You have already sent your answers" in page.text
        assert reference in page.text
        assert page.find("form") == [] and "Start now" not in page.text
        assert NAME not in page.text
    assert "already sent" in Html.of(start_now(client, invited.link)).text
    assert drafts_of(app, invited.appointment_id) == []


def _gone(client, link: str) -> tuple[int, str]:
    response = client.get(link)
    return response.status_code, Html.of(response).text


def test_unknown_revoked_cancelled_and_expired_links_get_one_page(app, client, frozen_clock):
    unknown = _gone(client, "/i/" + "x" * 43)
    assert unknown[0] == 404 and "This link no longer works" in unknown[1]

    revoked = invite(app, name="Revoked Patient")
    with app.app_context():
        services.issue_invitation(revoked.appointment_id, None, app.config["TIMEZONE"])
        db.session.remove()
    cancelled = invite(app, name="Cancelled Patient")
    with app.app_context():
        services.cancel(cancelled.appointment_id, None)
        db.session.remove()
    assert _gone(client, revoked.link) == unknown
    assert _gone(client, cancelled.link) == unknown
    assert start_now(client, revoked.link).status_code == 404
    assert give_date_of_birth(client, cancelled.link).status_code == 404

    tomorrow = invite(app, name="Tomorrow Patient", days_ahead=1)
    assert client.get(tomorrow.link).status_code == 200
    frozen_clock.advance(days=3)  # past the end of the appointment day
    assert _gone(client, tomorrow.link) == unknown
    assert give_date_of_birth(client, tomorrow.link).status_code == 404


def test_the_token_never_reaches_the_request_log(app, client, caplog):
    invited = invite(app)
    caplog.set_level(logging.INFO, logger="intake.requests")
    client.get(invited.link)
    start_now(client, invited.link)
    give_date_of_birth(client, invited.link)
    lines = [r.getMessage() for r in caplog.records if r.name == "intake.requests"]
    assert len(lines) == 3
    assert invited.token not in caplog.text
    assert '"route": "/i/<token>"' in lines[0]


def test_the_invitations_language_is_the_pages_until_the_patient_chooses(app, client):
    invited = invite(app, language="es")
    response = client.get(invited.link)
    page = Html.of(response)
    assert page.lang == "es" and "Empezar ahora" in page.text
    assert "Set-Cookie" not in response.headers

    dob_page = Html.of(start_now(client, invited.link))
    assert dob_page.lang == "es" and "Fecha de nacimiento" in dob_page.text
    wrong = Html.of(give_date_of_birth(client, invited.link, WRONG))
    assert wrong.lang == "es" and "no coincide con la que tiene su clínica" in wrong.text
    give_date_of_birth(client, invited.link)
    assert Html.of(client.get("/questions/about-you")).lang == "es"  # kept for the visit

    english = app.test_client()
    english.get("/language/en")
    assert Html.of(english.get(invited.link)).lang == "en"


def test_the_link_works_on_the_appointment_day_itself(app, client):
    invited = invite(app, days_ahead=0)
    assert give_date_of_birth(client, invited.link).status_code == 302


def test_a_browser_posting_from_the_no_referrer_page_is_let_through_and_forgeries_are_not(
    app, client
):
    """With Referrer-Policy: no-referrer a browser sends `Origin: null`; its Sec-Fetch-Site
    still tells our own page from an opaque origin elsewhere (a sandboxed frame, data: URL)."""
    invited = invite(app)
    ours = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    assert client.post(invited.link, headers=ours).status_code == 200
    for forged in ({"Origin": "null"}, {"Origin": "null", "Sec-Fetch-Site": "cross-site"}):
        assert client.post(invited.link, headers=forged).status_code == 403
        assert give_date_of_birth_with(client, invited.link, forged).status_code == 403
    assert drafts_of(app, invited.appointment_id) == []


def give_date_of_birth_with(client, link: str, headers: dict):
    return client.post(f"{link}/date-of-birth", data=date_fields(DATE_OF_BIRTH), headers=headers)


def test_parallel_guesses_get_no_more_than_five_tries(app, tmp_path):
    """Counted before the date is compared, holding the invitation's row: nine wrong dates at
    once, through two app instances (two workers), are five misses and four refusals."""
    invited = invite(app)
    second_app = make_app(tmp_path)
    pages: list[str] = []

    def guess(instance):
        response = give_date_of_birth(instance.test_client(), invited.link, WRONG)
        pages.append(response.get_data(as_text=True))
        return response

    statuses = statuses_at_once(
        [functools.partial(guess, i) for i in [app, second_app] * 4 + [app]]
    )

    assert statuses == [200] * 9
    assert sum("does not match" in page for page in pages) == 5
    assert sum("For your security, this is locked" in page for page in pages) == 4
    assert (
        "For your security, this is locked"
        in Html.of(give_date_of_birth(app.test_client(), invited.link)).text
    )


def test_two_devices_opening_the_link_at_once_share_one_draft(app, tmp_path):
    invited = invite(app)
    second_app = make_app(tmp_path)
    statuses = statuses_at_once(
        [
            functools.partial(give_date_of_birth, instance.test_client(), invited.link)
            for instance in (app, second_app)
        ]
    )
    assert statuses == [302, 302]
    assert len(drafts_of(app, invited.appointment_id)) == 1


def test_a_clinician_marking_it_reviewed_moves_the_appointment_on(app, client):
    invited = invite(app)
    give_date_of_birth(client, invited.link)
    reference = Patient(client).complete(answers(full_name=NAME))
    create_user(app, CLINICIAN, "clinician")
    staff = Staff(app.test_client()).signed_in()

    assert staff.post(f"/clinic/submissions/{reference}/reviewed").status_code == 302

    assert appointment(app, invited.appointment_id).state == "reviewed"
    day = appointment(app, invited.appointment_id).appointment_date
    assert "Reviewed" in staff.page(f"/clinic/day?date={day.isoformat()}")
