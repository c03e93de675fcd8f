"""An invited patient for the HTTP tests: an appointment with a link, and its date of birth as
the page's three boxes post it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import select

from intake import clock
from intake.appointments import services
from intake.extensions import db
from intake.models import Appointment, AuditEvent, DeskCode, Draft, Invitation, Reminder, Submission

DATE_OF_BIRTH = date(1990, 3, 27)
NAME = "Ada Lovelace"


@dataclass(frozen=True)
class Invite:
    appointment_id: int
    token: str

    @property
    def link(self) -> str:
        return f"/i/{self.token}"


def invite(app, language: str = "en", days_ahead: int = 7, name: str = NAME) -> Invite:
    """An appointment `days_ahead` days from today, clinic time, with a link issued for it."""
    with app.app_context():
        appointment_id = services.add(
            services.NewAppointment(
                patient_name=name,
                date_of_birth=DATE_OF_BIRTH,
                appointment_date=clock.today(app.config["TIMEZONE"]) + timedelta(days=days_ahead),
                appointment_time=time(9, 30),
                email=None,
                language=language,
            ),
            None,
        )
        assert appointment_id is not None
        token = services.issue_invitation(appointment_id, None, app.config["TIMEZONE"])
        db.session.remove()
    return Invite(appointment_id, token)


def desk_code(app, appointment_id: int) -> str:
    with app.app_context():
        code = services.new_desk_code(appointment_id, None)
        db.session.remove()
    return code


def date_fields(day: date) -> dict[str, str]:
    return {
        "date_of_birth-day": str(day.day),
        "date_of_birth-month": str(day.month),
        "date_of_birth-year": str(day.year),
    }


def appointment(app, appointment_id: int) -> Appointment:
    with app.app_context():
        row = db.session.get_one(Appointment, appointment_id)
        db.session.expunge(row)
        db.session.remove()
    return row


def snapshot(app) -> list[tuple]:
    """Every row a visit could change: appointments, links, desk codes, drafts, submissions,
    reminders and the audit log."""
    tables = (Appointment, Invitation, DeskCode, Draft, Submission, Reminder, AuditEvent)
    with app.app_context():
        rows = [
            tuple(row) for table in tables for row in db.session.execute(select(table.__table__))
        ]
        db.session.remove()
    return rows


def drafts_of(app, appointment_id: int) -> list[Draft]:
    with app.app_context():
        found = db.session.scalars(select(Draft).where(Draft.appointment_id == appointment_id))
        rows = list(found)
        db.session.remove()
    return rows


def submission_of(app, appointment_id: int) -> Submission | None:
    with app.app_context():
        row = db.session.scalar(
            select(Submission).where(Submission.appointment_id == appointment_id)
        )
        db.session.remove()
    return row
