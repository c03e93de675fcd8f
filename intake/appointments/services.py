"""Every write of appointments and their invitations, each in one transaction, each state
change audited (by the appointment's id, never its patient's details).

An appointment's state (SPEC section 7) moves forward only:
not_invited → invited → opened → in_progress → submitted → reviewed → filed, with expired
(the appointment day ended unanswered) and cancelled beside them.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from intake import clock
from intake.clinic.services import appointment_event
from intake.database import write_transaction
from intake.models import Appointment, DeskCode, Invitation, Reminder, User
from intake.tokens import new_token, token_hash

# The order states move in; expired and cancelled end an appointment from any open state.
FORWARD = ("not_invited", "invited", "opened", "in_progress", "submitted", "reviewed", "filed")
ENDED = ("expired", "cancelled")
OPEN = ("not_invited", "invited", "opened", "in_progress")  # may still be answered
REMINDER_DAYS = (3, 1)
DESK_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # A-HJ-NP-Z2-9: no 0, 1, I or O
DESK_CODE_LENGTH = 6
DESK_CODE_LIFETIME = timedelta(minutes=15)


@dataclass(frozen=True)
class NewAppointment:
    """What the form or a CSV row gives, already validated."""

    patient_name: str
    date_of_birth: date
    appointment_date: date
    appointment_time: time
    email: str | None
    language: str


def natural_key(appointment: NewAppointment) -> str:
    """The same patient at the same date and time, however the name's case or spaces were
    typed: a second import of the same file finds its rows here."""
    name = " ".join(unicodedata.normalize("NFC", appointment.patient_name).casefold().split())
    parts = (
        name,
        appointment.date_of_birth.isoformat(),
        appointment.appointment_date.isoformat(),
        appointment.appointment_time.strftime("%H:%M"),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def add(appointment: NewAppointment, user: User | None) -> int | None:
    """Add an appointment; its id, or None when the same appointment is there already."""
    key = natural_key(appointment)
    now = clock.now()
    with write_transaction() as session:
        if session.scalar(select(Appointment.id).where(Appointment.natural_key == key)):
            return None
        row = Appointment(
            patient_name=appointment.patient_name,
            date_of_birth=appointment.date_of_birth,
            appointment_date=appointment.appointment_date,
            appointment_time=appointment.appointment_time,
            email=appointment.email,
            language=appointment.language,
            natural_key=key,
            state="not_invited",
            state_changed_at=now,
            created_at=now,
            created_by_id=user.id if user else None,
        )
        session.add(row)
        session.flush()
        session.add(appointment_event(user, "appointment_added", row.id, now))
        return row.id


class NotConfigured(RuntimeError):
    """A setting the operator must give before this can work, named in the message."""


INVITATION_PATH = "/i/"  # short: the link is also printed, and drawn as a QR code


def invitation_url(token: str, public_url: str | None) -> str:
    """The link a patient opens: the service's public address (INTAKE_PUBLIC_URL, never a
    request's Host header) and the token, nothing else."""
    if not public_url:
        raise NotConfigured("set INTAKE_PUBLIC_URL to the address patients use to reach Intake")
    return f"{public_url}{INVITATION_PATH}{token}"


def end_of_day(day: date, clinic_timezone: str) -> datetime:
    """The moment an appointment day ends where the clinic is: its invitation's last."""
    return datetime.combine(day + timedelta(days=1), time.min, ZoneInfo(clinic_timezone))


def issue_invitation(appointment_id: int, user: User | None, clinic_timezone: str) -> str:
    """A new link for the appointment, revoking any earlier one; the token for the link (only
    its hash is kept). The appointment becomes invited, and its reminders are due."""
    token = new_token()  # 256 bits
    now = clock.now()
    with write_transaction() as session:
        appointment = session.get_one(Appointment, appointment_id, with_for_update=True)
        _revoke(session, appointment_id, now)
        session.add(
            Invitation(
                appointment_id=appointment_id,
                token_hash=token_hash(token),
                created_at=now,
                expires_at=end_of_day(appointment.appointment_date, clinic_timezone),
                recent_failures=[],
            )
        )
        _schedule_reminders(session, appointment)
        if appointment.state == "not_invited":
            _move(session, appointment, "invited", user, now)
        session.add(appointment_event(user, "invitation_issued", appointment_id, now))
    return token


def cancel(appointment_id: int, user: User | None) -> None:
    """Cancel an appointment: its links stop working, no reminder goes."""
    now = clock.now()
    with write_transaction() as session:
        appointment = session.get_one(Appointment, appointment_id, with_for_update=True)
        _revoke(session, appointment_id, now)
        if appointment.state in OPEN:
            _move(session, appointment, "cancelled", user, now)


def new_desk_code(appointment_id: int, user: User | None) -> str:
    """A desk code for a front-desk tablet: 6 characters, valid 15 minutes and once."""
    now = clock.now()
    while True:
        code = "".join(secrets.choice(DESK_CODE_ALPHABET) for _ in range(DESK_CODE_LENGTH))
        with write_transaction() as session:
            taken = session.scalar(
                select(DeskCode.id).where(DeskCode.code_hash == token_hash(code))
            )
            if taken:
                continue  # one in a billion: draw again
            session.add(
                DeskCode(
                    appointment_id=appointment_id,
                    code_hash=token_hash(code),
                    created_at=now,
                    expires_at=now + DESK_CODE_LIFETIME,
                )
            )
            session.add(appointment_event(user, "desk_code_issued", appointment_id, now))
        return code


def advance(appointment_id: int, state: str, user: User | None = None) -> bool:
    """Move an appointment forward to `state` (opened, in_progress, submitted, reviewed, filed,
    expired); a move backwards, or out of an ended state, is ignored. Whether it moved."""
    now = clock.now()
    with write_transaction() as session:
        appointment = session.get_one(Appointment, appointment_id, with_for_update=True)
        if not _is_forward(appointment.state, state):
            return False
        _move(session, appointment, state, user, now)
        return True


def _is_forward(current: str, state: str) -> bool:
    if current in ENDED:
        return False
    if state in ENDED:
        return current in OPEN
    return FORWARD.index(state) > FORWARD.index(current)


def _move(session, appointment: Appointment, state: str, user: User | None, now) -> None:
    appointment.state, appointment.state_changed_at = state, now
    session.add(appointment_event(user, f"appointment_{state}", appointment.id, now))


def _revoke(session, appointment_id: int, now: datetime) -> None:
    session.execute(
        update(Invitation)
        .where(Invitation.appointment_id == appointment_id, Invitation.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def _schedule_reminders(session, appointment: Appointment) -> None:
    """The reminders of SPEC section 11 (3 days and 1 day before), once per appointment."""
    for days in REMINDER_DAYS:
        exists = session.scalar(
            select(Reminder.id).where(
                Reminder.appointment_id == appointment.id, Reminder.days_before == days
            )
        )
        if not exists:
            session.add(
                Reminder(
                    appointment_id=appointment.id,
                    days_before=days,
                    due_on=appointment.appointment_date - timedelta(days=days),
                    status="due",
                )
            )


# Clinic day ----------------------------------------------------------------------------------


def issue_letter(appointment_id: int, user: User | None, clinic_timezone: str) -> str:
    """A new link to print on an invitation letter (the token is never kept, so each letter
    needs its own; the earlier link is revoked), audited as a letter."""
    token = issue_invitation(appointment_id, user, clinic_timezone)
    with write_transaction() as session:
        session.add(appointment_event(user, "invitation_letter", appointment_id, clock.now()))
    return token
