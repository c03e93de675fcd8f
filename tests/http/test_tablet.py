"""Front-desk tablet mode: set by staff, every start a new patient, forgotten after submit and idle."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from intake import questionnaire
from intake.database import write_transaction
from intake.extensions import db
from intake.models import Draft
from tests.factories import answers, formdata
from tests.http.clinic_helpers import (  # noqa: F401  (quick_hashing is an autouse fixture)
    FRONTDESK,
    Staff,
    audit_rows,
    create_user,
    open_sessions,
    quick_hashing,
)
from tests.support import Patient


def make_tablet(app, client) -> Staff:
    create_user(app, FRONTDESK, "frontdesk")
    desk = Staff(client, FRONTDESK).signed_in()
    token = desk.csrf_token()
    response = desk.post("/clinic/tablet", token)
    assert response.status_code == 302 and response.location.endswith("/")
    return desk


def drafts(app) -> list[Draft]:
    with app.app_context():
        found = db.session.scalars(select(Draft)).all()
        db.session.remove()
        return found


def test_front_desk_turns_a_device_into_a_tablet_and_is_signed_out(app, client):
    desk = make_tablet(app, client)
    cookie = client.get_cookie("intake_tablet")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert open_sessions(app) == 0
    assert client.get("/clinic/").status_code == 302  # signed out of the clinic
    assert [(row["email"], row["action"]) for row in audit_rows(app)][-2:] == [
        (FRONTDESK, "tablet_mode"),
        (FRONTDESK, "sign_out"),
    ]
    assert "Use this device as a front-desk tablet" not in desk.client.get("/").get_data(
        as_text=True
    )


def test_the_tablet_button_needs_a_signed_in_member_of_staff_and_a_csrf_token(app, client):
    anonymous = Staff(client, FRONTDESK)
    refused = anonymous.post("/clinic/tablet", anonymous.csrf_token())
    assert refused.status_code == 302 and "/clinic/login" in refused.location
    create_user(app, FRONTDESK, "frontdesk")
    Staff(client, FRONTDESK).signed_in()
    assert client.post("/clinic/tablet").status_code == 400
    assert client.get_cookie("intake_tablet") is None


def test_a_forged_tablet_cookie_is_ignored(app, client):
    client.set_cookie("intake_tablet", "not-signed")
    patient = Patient(client)
    patient.start()
    patient.answer_step("about-you", answers())
    assert "You have answers saved" in client.get("/").get_data(as_text=True)


def test_on_a_tablet_every_start_is_a_new_patient(app, client):
    make_tablet(app, client)
    patient = Patient(client)
    patient.start()
    patient.answer_step("about-you", answers(full_name="First Patient"))
    start_page = client.get("/").get_data(as_text=True)
    assert "You have answers saved" not in start_page
    patient.start()
    assert client.get("/questions/about-you").get_data(as_text=True).count("First Patient") == 0
    assert len(drafts(app)) == 1 and drafts(app)[0].answers == {}


def test_after_submit_the_tablet_returns_to_the_start_and_forgets(app, client, frozen_clock):
    make_tablet(app, client)
    patient = Patient(client)
    patient.complete(answers(full_name="Leaving Patient"))
    page = client.get("/confirmation").get_data(as_text=True)
    assert f'content="{app.config["TABLET_RESET_SECONDS"]};url=/tablet/reset"' in page

    frozen_clock.advance(seconds=app.config["TABLET_RESET_SECONDS"] + 1)
    late = client.get("/confirmation")  # the server enforces the reset too
    assert late.status_code == 302 and late.location.endswith("/tablet/reset")
    before = client.get_cookie("session").value
    token = patient.csrf_token("/tablet/reset")  # the page whose button starts again
    assert client.get_cookie("session").value == before  # showing it changed nothing
    reset = client.post("/tablet/reset", data={"csrf_token": token})
    assert reset.status_code == 302 and reset.location.endswith("/")
    assert reset.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert reset.headers["Cache-Control"] == "no-store"
    assert client.get_cookie("session") is None or client.get_cookie("session").value != before
    assert client.get_cookie("intake_tablet") is not None  # still a tablet

    for url in ("/confirmation", "/check-answers", "/questions/about-you"):
        back = client.get(url)  # Back and history: nothing of the patient comes back
        assert back.status_code == 302 and back.location.endswith("/")
    assert "Leaving Patient" not in client.get("/").get_data(as_text=True)


def test_an_idle_tablet_discards_the_draft_on_the_server(app, client, frozen_clock):
    make_tablet(app, client)
    patient = Patient(client)
    patient.start()
    patient.answer_step("about-you", answers(full_name="Idle Patient"))
    frozen_clock.advance(seconds=app.config["TABLET_IDLE_SECONDS"] + 1)
    response = client.get("/questions/your-acne")
    assert response.status_code == 302 and response.location.endswith("/")
    assert drafts(app) == []


def test_a_step_sent_after_the_tablet_sat_idle_starts_afresh(app, client, frozen_clock):
    make_tablet(app, client)
    patient = Patient(client)
    patient.start()
    patient.answer_step("about-you", answers(full_name="Idle Patient"))
    token = patient.csrf_token("/questions/your-acne")  # the page was open when they left
    frozen_clock.advance(seconds=app.config["TABLET_IDLE_SECONDS"] + 1)
    step = questionnaire.step("your-acne")
    response = client.post(
        "/questions/your-acne", data={"csrf_token": token, **formdata(step, answers())}
    )
    assert response.status_code == 302
    (draft,) = drafts(app)
    # Whoever pressed Continue now does not inherit the earlier patient's answers.
    assert set(draft.answers) == {q.id for q in step.questions} & set(answers())
    assert "full_name" not in draft.answers


def test_activity_reported_by_the_page_keeps_a_tablet_draft(app, client, frozen_clock):
    make_tablet(app, client)
    patient = Patient(client)
    patient.start()
    patient.answer_step("about-you", answers())
    idle = app.config["TABLET_IDLE_SECONDS"]
    for _ in range(3):
        frozen_clock.advance(seconds=idle - 10)
        token = patient.csrf_token("/questions/your-acne")
        assert client.post("/tablet/still-here", data={"csrf_token": token}).status_code == 204
    assert client.get("/questions/your-acne").status_code == 200
    assert len(drafts(app)) == 1


def test_tablet_pages_carry_the_timers_and_a_no_script_fallback(app, client):
    make_tablet(app, client)
    Patient(client).start()
    page = client.get("/questions/about-you").get_data(as_text=True)
    assert f'data-tablet-warning="{app.config["TABLET_IDLE_WARNING_SECONDS"]}"' in page
    assert f'data-tablet-idle="{app.config["TABLET_IDLE_SECONDS"]}"' in page
    assert (
        f'<noscript><meta http-equiv="refresh" content="{app.config["TABLET_IDLE_SECONDS"]};url=/tablet/reset"></noscript>'
        in page
    )
    assert 'id="idle-warning"' in page


def test_a_normal_browser_gets_no_tablet_timers_and_keeps_its_draft_when_idle(
    app, client, frozen_clock
):
    patient = Patient(client)
    patient.start()
    patient.answer_step("about-you", answers())
    page = client.get("/questions/your-acne").get_data(as_text=True)
    assert "data-tablet-idle" not in page and "idle-warning" not in page
    frozen_clock.advance(hours=2)
    assert client.get("/questions/your-acne").status_code == 200


def test_staff_signing_in_on_a_tablet_ends_tablet_mode(app, client):
    desk = make_tablet(app, client)
    assert client.get_cookie("intake_tablet") is not None
    desk.signed_in()
    assert client.get_cookie("intake_tablet") is None


def test_a_tablet_draft_lives_for_the_idle_limit_after_each_change(app, client, frozen_clock):
    make_tablet(app, client)
    patient = Patient(client)
    patient.start()
    idle = timedelta(seconds=app.config["TABLET_IDLE_SECONDS"])
    (draft,) = drafts(app)
    assert draft.expires_at - draft.updated_at == idle
    frozen_clock.advance(seconds=30)
    patient.answer_step("about-you", answers())
    (draft,) = drafts(app)
    assert draft.updated_at == frozen_clock.current
    assert draft.expires_at == frozen_clock.current + idle


def test_a_normal_browser_draft_lives_for_the_draft_lifetime(app, client, frozen_clock):
    Patient(client).start()
    (draft,) = drafts(app)
    assert draft.expires_at - draft.updated_at == timedelta(
        hours=app.config["DRAFT_LIFETIME_HOURS"]
    )


# A draft begun on a tablet is marked on the server -------------------------------------


def test_a_tablet_draft_keeps_the_idle_limit_when_requests_come_without_the_tablet_cookie(
    app, client, frozen_clock
):
    make_tablet(app, client)
    patient = Patient(client)
    patient.start()
    client.delete_cookie("intake_tablet")  # whatever cookies later requests bring
    idle = timedelta(seconds=app.config["TABLET_IDLE_SECONDS"])

    frozen_clock.advance(seconds=30)
    patient.answer_step("about-you", answers(full_name="Abandoned Patient"))
    token = patient.csrf_token("/questions/your-acne")
    assert client.post("/tablet/still-here", data={"csrf_token": token}).status_code == 204
    (draft,) = drafts(app)
    assert draft.on_tablet and draft.expires_at == frozen_clock.current + idle

    frozen_clock.advance(seconds=idle.total_seconds())
    response = client.get("/questions/about-you")
    assert response.status_code == 302 and response.location.endswith("/")
    assert drafts(app) == []


def test_a_tablet_draft_idle_past_the_limit_is_gone_whatever_its_expiry_says(
    app, client, frozen_clock
):
    """A row whose expires_at a request without the tablet cookie once put a day on."""
    make_tablet(app, client)
    patient = Patient(client)
    patient.start()
    patient.answer_step("about-you", answers(full_name="Abandoned Patient"))
    with app.app_context(), write_transaction() as session:
        session.execute(update(Draft).values(expires_at=frozen_clock.current + timedelta(days=1)))

    frozen_clock.advance(seconds=app.config["TABLET_IDLE_SECONDS"])
    assert client.get("/questions/about-you").status_code == 302
    assert drafts(app) == []


def test_a_draft_begun_off_a_tablet_is_not_marked(app, client, frozen_clock):
    Patient(client).start()
    (draft,) = drafts(app)
    assert not draft.on_tablet
    frozen_clock.advance(seconds=app.config["TABLET_IDLE_SECONDS"] + 1)
    assert client.get("/questions/about-you").status_code == 200
