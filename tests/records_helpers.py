"""Submissions for the tests of hand-off, legal hold, deletion and retention (intake.records):
one joined to an invited patient's appointment (so its contact details are there to delete),
and a look at every row a deletion touches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import func, select

from intake import clock, keys, questionnaire, summaries
from intake.appointments import services as appointments
from intake.extensions import db
from intake.models import (
    Appointment,
    DeskCode,
    Invitation,
    SearchGram,
    Submission,
    SubmissionPdf,
)
from intake.wizard import drafts
from tests.factories import answers

NAME = "Zéphyrine Quillfeather"  # rare enough that finding it in a file means it is this one
BIRTH = date(1984, 2, 29)


@dataclass(frozen=True)
class Invited:
    reference: str
    appointment_id: int
    desk_code: str


def invited_submission(app, name: str = NAME, days_ahead: int = 3, pdf: bool = True) -> Invited:
    """An invited patient's submission (their appointment `days_ahead` days from today, with a
    live link and an unused desk code), its PDF stored."""
    with app.app_context():
        appointment_id = appointments.add(
            appointments.NewAppointment(
                patient_name=name,
                date_of_birth=BIRTH,
                appointment_date=clock.today(app.config["TIMEZONE"]) + timedelta(days=days_ahead),
                appointment_time=time(10, 15),
                email="zephyrine@example.org",
                language="en",
            ),
            None,
        )
        assert appointment_id is not None
        appointments.issue_invitation(appointment_id, None, app.config["TIMEZONE"])
        lifetime = timedelta(hours=1)
        token = drafts.open_for_appointment(appointment_id, {}, lifetime)
        all_answers = answers(full_name=name, allergies="Quillfeather pollen.")
        assert drafts.save_step(token, questionnaire.STEPS[0], all_answers, lifetime).kept
        stored = drafts.find(token)
        assert stored is not None
        reference = drafts.submit(token, drafts.fingerprint(stored.answers), language="en")
        code = appointments.new_desk_code(appointment_id, None)
        if pdf:
            summaries.store_after_submit(reference, app.config["TIMEZONE"])
        db.session.remove()
    return Invited(reference, appointment_id, code)


def submission_row(reference: str) -> Submission:
    db.session.rollback()
    return db.session.scalars(
        select(Submission)
        .where(Submission.reference == reference)
        .execution_options(populate_existing=True)
    ).one()


def key_row(key_id: int | None) -> keys.RecordKey | None:
    return None if key_id is None else db.session.get(keys.RecordKey, key_id)


def grams_of(submission_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(SearchGram)
        .where(SearchGram.submission_id == submission_id)
    )


def pdf_rows_of(submission_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(SubmissionPdf)
        .where(SubmissionPdf.submission_id == submission_id)
    )


def appointment_row(appointment_id: int) -> Appointment:
    db.session.rollback()
    return db.session.get_one(Appointment, appointment_id, populate_existing=True)


def live_links(appointment_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Invitation)
        .where(Invitation.appointment_id == appointment_id, Invitation.revoked_at.is_(None))
    )


def usable_desk_codes(appointment_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(DeskCode)
        .where(
            DeskCode.appointment_id == appointment_id,
            DeskCode.used_at.is_(None),
            DeskCode.expires_at > clock.now(),
        )
    )
