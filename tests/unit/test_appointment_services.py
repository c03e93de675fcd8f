"""The core of appointments: added once, links revoked when another is issued, states move
forward only, desk codes of SPEC's alphabet, every change audited by the appointment's id."""

from __future__ import annotations

import re
from datetime import date, time

from sqlalchemy import select

from intake.appointments import services
from intake.extensions import db
from intake.models import Appointment, AuditEvent, DeskCode, Invitation, Reminder
from intake.tokens import token_hash

NEW = services.NewAppointment(
    patient_name="Ana  María López",
    date_of_birth=date(1990, 5, 17),
    appointment_date=date(2026, 12, 4),
    appointment_time=time(9, 30),
    email="ana@example.org",
    language="es",
)


def test_the_same_appointment_is_added_once_however_its_name_is_typed(in_app):
    first = services.add(NEW, None)
    again = services.add(
        services.NewAppointment(**{**NEW.__dict__, "patient_name": "ANA MARÍA LÓPEZ "}), None
    )
    assert first is not None and again is None
    assert db.session.scalar(select(db.func.count(Appointment.id))) == 1


def test_a_new_invitation_revokes_the_earlier_link_and_schedules_two_reminders(in_app):
    appointment_id = services.add(NEW, None)
    first = services.issue_invitation(appointment_id, None, "Europe/London")
    second = services.issue_invitation(appointment_id, None, "Europe/London")

    links = {row.token_hash: row for row in db.session.scalars(select(Invitation))}
    assert links[token_hash(first)].revoked_at is not None
    assert links[token_hash(second)].revoked_at is None
    assert len(second) >= 22  # at least 128 bits, URL-safe
    reminders = db.session.scalars(select(Reminder).order_by(Reminder.days_before)).all()
    assert [(r.days_before, r.due_on) for r in reminders] == [
        (1, date(2026, 12, 3)),
        (3, date(2026, 12, 1)),
    ]
    assert db.session.get(Appointment, appointment_id).state == "invited"


def test_states_move_forward_only_and_end_for_good(in_app):
    appointment_id = services.add(NEW, None)
    assert services.advance(appointment_id, "opened")
    assert not services.advance(appointment_id, "invited")
    assert services.advance(appointment_id, "submitted")
    assert not services.advance(appointment_id, "cancelled")  # answered: no longer cancellable
    other = services.add(
        services.NewAppointment(**{**NEW.__dict__, "appointment_time": time(10)}), None
    )
    services.cancel(other, None)
    assert not services.advance(other, "opened")
    assert db.session.get(Appointment, other).state == "cancelled"


def test_desk_codes_use_the_reference_alphabet_and_only_their_hash_is_kept(in_app):
    appointment_id = services.add(NEW, None)
    code = services.new_desk_code(appointment_id, None)
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{6}", code)
    row = db.session.scalar(select(DeskCode))
    assert row.code_hash == token_hash(code) and code not in row.code_hash


def test_every_change_is_audited_by_id_without_the_patients_details(in_app):
    appointment_id = services.add(NEW, None)
    services.issue_invitation(appointment_id, None, "Europe/London")
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.appointment_id) for e in events] == [
        ("appointment_added", appointment_id),
        ("appointment_invited", appointment_id),
        ("invitation_issued", appointment_id),
    ]
    printed = repr([(e.email, e.action, e.reference, e.outcome) for e in events])
    assert "Ana" not in printed and "1990" not in printed and "example.org" not in printed
