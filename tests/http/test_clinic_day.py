"""The Clinic day: a day's appointments by time with their states and counts, for any date;
adding one by hand (every kind of bad input refused at its field, what was typed kept);
Resend, Cancel and Desk code on each row."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, time, timezone

import pytest
from sqlalchemy import select

from intake.appointments import services
from intake.extensions import db
from intake.models import Appointment, AuditEvent, DeskCode, Invitation
from intake.tokens import token_hash
from tests import mail_server
from tests.http.clinic_helpers import (
    CSRF_FIELD,
    FRONTDESK,
    Staff,
    create_user,
    quick_hashing,  # noqa: F401 (an autouse fixture: cheap argon2id)
    stored_submission,
    submit,
)

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)  # 10:00 in London (GMT in December)
TODAY = date(2026, 12, 3)
GOOD = {
    "patient_name": "Ana María López",
    "date_of_birth-day": "17",
    "date_of_birth-month": "5",
    "date_of_birth-year": "1990",
    "appointment_date": "2026-12-04",
    "appointment_time": "09:30",
    "email": "ana@example.org",
    "language": "es",
}


@pytest.fixture
def clock_at(frozen_clock):
    frozen_clock.current = NOW
    return frozen_clock


@pytest.fixture
def staff(app, client, clinician, clock_at):
    return Staff(client).signed_in()


@pytest.fixture
def desk(app, client, clock_at):
    create_user(app, FRONTDESK, "frontdesk")
    return Staff(client, FRONTDESK).signed_in()


def add(app, when=time(9, 30), name="Ana María López", on=date(2026, 12, 4), email=None, **kw):
    """An appointment written with the service (the form has tests of its own); its id."""
    with app.app_context():
        new = services.NewAppointment(
            name, date(1990, 5, 17), on, when, email, kw.get("lang", "en")
        )
        appointment_id = services.add(new, None)
        db.session.remove()
    assert appointment_id
    return appointment_id


def set_state(app, appointment_id: int, state: str, **values) -> None:
    with app.app_context():
        row = db.session.get(Appointment, appointment_id)
        row.state = state
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()
        db.session.remove()


def rows_of(page: str) -> list[str]:
    """Each table row's text, tags stripped and spaces collapsed."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())
        for row in body.split("<tr>")[1:]
    ]


def counts_of(page: str) -> str:
    return html.unescape(re.search(r'<p class="caption" id="counts">([^<]*)</p>', page).group(1))


def post_form(staff: Staff, url: str, data: dict, page: str = "/clinic/day"):
    token = CSRF_FIELD.search(staff.page(page)).group(1)
    return staff.client.post(url, data={"csrf_token": token, **data})


def audit_actions(app) -> list[tuple[str, int | None]]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent.action, AuditEvent.appointment_id).order_by(AuditEvent.id)
        ).all()
        db.session.remove()
    return [tuple(row) for row in rows if row[1] is not None]


# The page -------------------------------------------------------------------------------------


def test_the_day_lists_appointments_by_time_with_states_in_words(app, staff):
    late = add(app, time(15, 0), "Zoe Late")
    early = add(app, time(8, 45), "Bob Early")
    set_state(app, late, "in_progress")
    page = staff.page("/clinic/day?date=2026-12-04")
    rows = rows_of(page)
    assert rows[0].startswith("08:45 Bob Early Not invited")
    assert rows[1].startswith("15:00 Zoe Late In progress")
    assert early and "Clinic day: 4 December 2026" in page


def test_today_in_clinic_time_is_the_default_day(app, client, clinician, clock_at):
    app.config["TIMEZONE"] = "America/New_York"
    add(app, on=TODAY, when=time(16, 0), name="Today Patient")
    add(app, name="Tomorrow Patient")
    clock_at.current = datetime(2026, 12, 4, 3, 0, tzinfo=timezone.utc)  # 22:00 on the 3rd there
    page = Staff(client).signed_in().page("/clinic/day")
    assert "Today Patient" in page and "Tomorrow Patient" not in page


def test_links_go_to_the_day_before_and_after(staff):
    page = staff.page("/clinic/day?date=2026-12-04")
    assert 'href="/clinic/day?date=2026-12-03">Day before' in page
    assert 'href="/clinic/day?date=2026-12-05">Day after' in page


@pytest.mark.parametrize("bad", ["2026-13-01", "tomorrow", "2026-02-30", "20261204", "2026-1-1"])
def test_a_date_that_is_not_one_is_refused_with_a_clear_message(staff, bad):
    response = staff.client.get("/clinic/day", query_string={"date": bad})
    assert response.status_code == 400
    assert "year-month-day, like 2026-12-04" in response.get_data(as_text=True)


def test_counts_say_how_the_nine_states_stand(app, staff):
    states = ["submitted", "reviewed", "filed", "opened", "in_progress", "not_invited"]
    states += ["invited", "expired", "cancelled"]
    for minute, state in enumerate(states):
        set_state(app, add(app, time(9, minute), f"Patient {minute}"), state)
    page = staff.page("/clinic/day?date=2026-12-04")
    assert counts_of(page) == (
        "8 appointments: 3 submitted, 2 in progress, 3 not started (1 cancelled)"
    )
    words = [row.split(" Patient ")[1].split(" ", 1)[1] for row in rows_of(page)]
    assert [w.split(" Resend")[0].split(" Desk code")[0] for w in words] == [
        "Submitted", "Reviewed", "Filed", "Opened", "In progress", "Not invited",
        "Invited", "Expired", "Cancelled",
    ]  # fmt: skip


def test_an_empty_day_counts_nothing(staff):
    page = staff.page("/clinic/day?date=2026-12-04")
    assert counts_of(page) == "0 appointments: 0 submitted, 0 in progress, 0 not started"
    assert "No appointments on this day." in page


def test_only_clinicians_get_a_link_to_the_answers(app, client, staff):
    reference = submit(app)
    appointment_id = add(app)
    with app.app_context():
        stored = stored_submission(app, reference)
        db.session.execute(
            db.update(type(stored))
            .where(type(stored).id == stored.id)
            .values(appointment_id=appointment_id)
        )
        db.session.commit()
        db.session.remove()
    set_state(app, appointment_id, "submitted")
    link = f'href="/clinic/submissions/{reference}"'
    assert link in staff.page("/clinic/day?date=2026-12-04")
    staff.sign_out()
    create_user(app, FRONTDESK, "frontdesk")
    desk = Staff(client, FRONTDESK).signed_in()
    page = desk.page("/clinic/day?date=2026-12-04")
    assert "Ana María López" in page and link not in page


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/clinic/day")
    assert response.status_code == 302 and response.location.startswith("/clinic/login")


def test_the_clinic_header_links_to_the_clinic_day(staff):
    assert 'href="/clinic/day" aria-current="page">Clinic day</a>' in staff.page("/clinic/day")
    assert 'href="/clinic/day">Clinic day</a>' in staff.page("/clinic/")


def test_a_refused_email_is_shown_with_resend(app, staff):
    appointment_id = add(app, email="ana@example.org")
    set_state(
        app, appointment_id, "invited", email_status="refused", email_error="550 No such user"
    )
    row = rows_of(staff.page("/clinic/day?date=2026-12-04"))[0]
    assert "Email refused: 550 No such user" in row and "Resend" in row


def test_patient_text_is_shown_as_text(app, staff):
    add(app, name="<b>Bold</b> & Co")
    page = staff.page("/clinic/day?date=2026-12-04")
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in page and "<b>Bold" not in page


# Adding one -----------------------------------------------------------------------------------


def stored(app) -> list[Appointment]:
    with app.app_context():
        rows = list(db.session.scalars(select(Appointment).order_by(Appointment.id)))
        db.session.expunge_all()
        db.session.remove()
    return rows


def test_an_added_appointment_is_invited_and_the_page_says_so(app, staff):
    response = post_form(staff, "/clinic/appointments?date=2026-12-03", GOOD)
    assert response.status_code == 302
    assert response.location == "/clinic/day?date=2026-12-04&done=added"  # no patient data
    (row,) = stored(app)
    assert (row.patient_name, row.date_of_birth, row.language) == (
        "Ana María López", date(1990, 5, 17), "es"
    )  # fmt: skip
    assert row.appointment_time == time(9, 30) and row.state == "invited"
    page = staff.page(response.location)
    assert "Appointment added." in page and "Invited" in rows_of(page)[0]
    assert ("appointment_added", row.id) in audit_actions(app)
    assert ("invitation_issued", row.id) in audit_actions(app)


def test_without_an_email_address_no_invitation_is_issued(app, desk):
    response = post_form(desk, "/clinic/appointments", {**GOOD, "email": ""})
    assert response.status_code == 302
    (row,) = stored(app)
    assert row.state == "not_invited" and row.email is None
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Invitation.id))) == 0
        db.session.remove()


BAD_INPUT = [
    ({"patient_name": ""}, "patient_name", "Enter the patient&#39;s full name"),
    ({"patient_name": "A" * 101}, "patient_name", "100 characters or fewer"),
    ({"patient_name": "Ana\u202eLópez"}, "patient_name", "invisible characters"),
    ({"date_of_birth-day": "31", "date_of_birth-month": "2"}, "date_of_birth", "a real date"),
    ({"date_of_birth-month": ""}, "date_of_birth", "must include a month"),
    ({"date_of_birth-year": "2027"}, "date_of_birth", "must be in the past"),
    ({"date_of_birth-year": "1890"}, "date_of_birth", "no more than 120 years ago"),
    ({"appointment_date": "2026-02-30"}, "appointment_date", "Enter a real date"),
    ({"appointment_date": "2026-12-02"}, "appointment_date", "today or in the future"),
    ({"appointment_date": "2030-01-01"}, "appointment_date", "within the next 2 years"),
    ({"appointment_date": "2026-12-03", "appointment_time": "09:59"}, "appointment_time",
     "has passed"),
    ({"appointment_time": "25:00"}, "appointment_time", "24-hour clock"),
    ({"appointment_time": ""}, "appointment_time", "Enter the appointment time"),
    ({"email": "ana@"}, "email", "in the correct format"),
    ({"email": "ana@example.org\r\nBcc: x@y.z"}, "email", "in the correct format"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUT)
def test_bad_input_is_refused_at_its_field_keeping_what_was_typed(
    app, staff, change, field, message
):
    data = {**GOOD, **change}
    response = post_form(staff, "/clinic/appointments", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert stored(app) == []
    assert "<title>Error:" in page
    error = re.search(rf'<p class="error-message" id="{field}-error">(.*?)</p>', page, re.S)
    assert error and message in error.group(1)
    assert f'href="#{field}' in page  # the summary links to the field
    for name, value in data.items():  # everything typed is still there
        if name != "email" and "\r" not in value and "\u202e" not in value:
            assert f'value="{html.escape(value)}"' in page, name
    assert 'value="es" checked' in page


def test_an_appointment_later_today_is_accepted(app, staff):
    response = post_form(
        staff, "/clinic/appointments", {**GOOD, "appointment_date": "2026-12-03",
                                        "appointment_time": "10:01"}
    )  # fmt: skip
    assert response.status_code == 302 and len(stored(app)) == 1


def test_the_same_appointment_twice_is_said_to_be_on_the_list(app, staff):
    assert post_form(staff, "/clinic/appointments", GOOD).status_code == 302
    again = {**GOOD, "patient_name": "ANA MARÍA  LÓPEZ"}
    response = post_form(staff, "/clinic/appointments", again)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This appointment is already on the list" in page
    assert 'value="ANA MARÍA  LÓPEZ"' in page
    assert len(stored(app)) == 1


def test_a_form_without_its_token_changes_nothing(app, staff):
    response = staff.client.post("/clinic/appointments", data=GOOD)
    assert response.status_code == 400 and stored(app) == []


# Row actions ----------------------------------------------------------------------------------


def live_invitations(app, appointment_id: int) -> list[Invitation]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(Invitation).where(
                    Invitation.appointment_id == appointment_id, Invitation.revoked_at.is_(None)
                )
            )
        )
        db.session.remove()
    return rows


def test_resend_issues_a_new_link_and_revokes_the_old(app, desk):
    appointment_id = add(app, email="ana@example.org")
    with app.app_context():
        old = services.issue_invitation(appointment_id, None, "Europe/London")
        db.session.remove()
    response = post_form(desk, f"/clinic/appointments/{appointment_id}/resend", {})
    assert response.location == "/clinic/day?date=2026-12-04&done=resent"
    (live,) = live_invitations(app, appointment_id)
    assert live.token_hash != token_hash(old)
    assert "The earlier link no longer works" in desk.page(response.location)
    assert audit_actions(app).count(("invitation_issued", appointment_id)) == 2


def test_cancel_asks_first_then_cancels(app, desk):
    appointment_id = add(app, email="ana@example.org")
    with app.app_context():
        services.issue_invitation(appointment_id, None, "Europe/London")
        db.session.remove()
    url = f"/clinic/appointments/{appointment_id}/cancel"
    asked = post_form(desk, url, {})
    assert asked.status_code == 200
    assert "Cancel the appointment of Ana María López?" in asked.get_data(as_text=True)
    assert stored(app)[0].state == "invited"
    response = post_form(desk, url, {"confirm": "yes"})
    assert response.location == "/clinic/day?date=2026-12-04&done=cancelled"
    assert stored(app)[0].state == "cancelled" and live_invitations(app, appointment_id) == []
    assert ("appointment_cancelled", appointment_id) in audit_actions(app)
    again = post_form(desk, f"/clinic/appointments/{appointment_id}/resend", {})
    assert again.status_code == 409 and live_invitations(app, appointment_id) == []


def test_a_desk_code_is_shown_once_and_only_its_hash_kept(app, desk):
    appointment_id = add(app)
    response = post_form(desk, f"/clinic/appointments/{appointment_id}/desk-code", {})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    code = re.search(r'<strong class="desk-code">([A-HJ-NP-Z2-9]{6})</strong>', page).group(1)
    assert "Valid for 15 minutes, once" in page
    with app.app_context():
        (row,) = db.session.scalars(select(DeskCode))
        assert row.code_hash == token_hash(code) and row.appointment_id == appointment_id
        db.session.remove()
    assert code not in desk.page("/clinic/day?date=2026-12-04")
    assert ("desk_code_issued", appointment_id) in audit_actions(app)


def test_no_action_on_an_appointment_that_is_answered_or_past(app, client, clinician, clock_at):
    answered = add(app)
    set_state(app, answered, "submitted")
    past = add(app, on=TODAY, when=time(11, 0), name="Past Patient")
    clock_at.current = datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)
    staff = Staff(client).signed_in()
    for appointment_id in (answered, past):
        for action in ("resend", "desk-code", "cancel", "letter.pdf"):
            url = f"/clinic/appointments/{appointment_id}/{action}"
            assert post_form(staff, url, {}).status_code == 409, (appointment_id, action)
    assert "Desk code" not in rows_of(staff.page("/clinic/day?date=2026-12-04"))[0]


def test_resend_needs_an_email_address(app, staff):
    appointment_id = add(app)
    response = post_form(staff, f"/clinic/appointments/{appointment_id}/resend", {})
    assert response.status_code == 409 and live_invitations(app, appointment_id) == []
    assert "Resend" not in rows_of(staff.page("/clinic/day?date=2026-12-04"))[0]


def test_an_unknown_appointment_is_not_found(staff):
    assert post_form(staff, "/clinic/appointments/999/resend", {}).status_code == 404


# The invitation email, sent from the page: a real SMTP server on 127.0.0.1 -------------


@pytest.fixture
def mail(app, tmp_path):
    with mail_server.running(tmp_path, refuse=frozenset({"nobody@example.org"})) as running:
        running.configure(app)
        yield running


def test_adding_an_appointment_with_an_address_emails_its_link(app, staff, mail):
    post_form(staff, "/clinic/appointments", GOOD)

    ((recipients, message),) = mail.inbox.received
    assert recipients == [GOOD["email"]]
    assert message["Content-Language"] == "es"
    (row,) = stored(app)
    (live,) = live_invitations(app, row.id)
    text = message.get_body(("plain",)).get_content()
    link = re.search(r"http://127\.0\.0\.1:5000/i/([A-Za-z0-9_-]+)", text)
    assert link is not None and token_hash(link.group(1)) == live.token_hash
    assert row.email_status == "sent"


def test_a_refused_address_is_shown_on_the_day_with_resend_and_resend_sends_again(app, staff, mail):
    post_form(staff, "/clinic/appointments", {**GOOD, "email": "nobody@example.org"})
    (row,) = stored(app)
    assert row.email_status == "refused" and mail.inbox.received == []
    shown = rows_of(staff.page("/clinic/day?date=2026-12-04"))[0]
    assert "Email refused" in shown and "550" in shown and "Resend" in shown
    assert "nobody@example.org" not in (row.email_error or "")

    app.config["SMTP_URL"] = mail.url  # the same server, now told to accept it
    mail.inbox.refuse = frozenset()
    post_form(staff, f"/clinic/appointments/{row.id}/resend", {})
    assert len(mail.inbox.received) == 1
    assert stored(app)[0].email_status == "sent"
