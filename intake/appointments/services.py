"""Every write of appointments and their invitations, each in one transaction, each state
change audited (by the appointment's id, never its patient's details).

An appointment's state (SPEC section 7) moves forward only:
not_invited → invited → opened → in_progress → submitted → reviewed → filed, with expired
(the appointment day ended unanswered) and cancelled beside them.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from intake import clock, keys
from intake.clinic.services import appointment_event
from intake.database import write_transaction
from intake.extensions import db
from intake.models import Appointment, DeskCode, Invitation, Reminder, Submission, User
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


def natural_key(session, appointment: NewAppointment) -> str:
    """The same patient at the same date and time, however the name's case or spaces were
    typed: a second import of the same file finds its rows here. Keyed (the search key), so
    the stored value cannot be matched against guessed names and dates of birth."""
    name = " ".join(unicodedata.normalize("NFC", appointment.patient_name).casefold().split())
    parts = (
        name,
        appointment.date_of_birth.isoformat(),
        appointment.appointment_date.isoformat(),
        appointment.appointment_time.strftime("%H:%M"),
    )
    return keys.keyed_digest(keys.search_key(session), "appointment", "\x1f".join(parts))


def add(appointment: NewAppointment, user: User | None) -> int | None:
    """Add an appointment; its id, or None when the same appointment is there already."""
    now = clock.now()
    with write_transaction() as session:
        key = natural_key(session, appointment)
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


def issue_invitation(
    appointment_id: int,
    user: User | None,
    clinic_timezone: str,
    audited_as: str = "invitation_issued",
) -> str:
    """A new link for the appointment, revoking any earlier one (a letter's is audited as
    "invitation_letter": each letter prints a link of its own); the token for the link (only
    its hash is kept). The appointment becomes invited, and its reminders are due."""
    token = new_token()  # 256 bits
    now = clock.now()
    with write_transaction() as session:
        appointment = session.get_one(Appointment, appointment_id, with_for_update=True)
        revoke_links(session, appointment_id, now)
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
            move_to(session, appointment, "invited", user, now)
        session.add(appointment_event(user, audited_as, appointment_id, now))
    return token


def cancel(appointment_id: int, user: User | None) -> None:
    """Cancel an appointment: its links stop working, no reminder goes."""
    now = clock.now()
    with write_transaction() as session:
        appointment = session.get_one(Appointment, appointment_id, with_for_update=True)
        revoke_links(session, appointment_id, now)
        if appointment.state in OPEN:
            move_to(session, appointment, "cancelled", user, now)


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
        if not is_forward(appointment.state, state):
            return False
        move_to(session, appointment, state, user, now)
        return True


def is_forward(current: str, state: str) -> bool:
    """States move forward only; an ended one (expired, cancelled) moves no more."""
    if current in ENDED:
        return False
    if state in ENDED:
        return current in OPEN
    return FORWARD.index(state) > FORWARD.index(current)


def move_to(session, appointment: Appointment, state: str, user: User | None, now) -> None:
    """Set the state in the caller's transaction, audited (check is_forward first)."""
    appointment.state, appointment.state_changed_at = state, now
    session.add(appointment_event(user, f"appointment_{state}", appointment.id, now))


def revoke_links(session, appointment_id: int, now: datetime) -> None:
    """Every live link of the appointment stops working, in the caller's transaction."""
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


# Patient side ------------------------------------------------------------------------------

DATE_OF_BIRTH_TRIES = 5  # wrong dates of birth in LOCK_PERIOD lock the invitation for as long
LOCK_PERIOD = timedelta(minutes=15)


@dataclass(frozen=True)
class Invited:
    """What the patient's pages need of an invitation: never the date of birth."""

    invitation_id: int
    appointment_id: int
    patient_name: str
    appointment_date: date
    language: str
    reference: str | None  # the appointment's submission, once submitted
    is_open: bool  # neither expired nor cancelled: the questionnaire may still be answered


def invitation_for(token: str) -> Invited | None:
    """The invitation a link's token names; None when unknown or revoked (alike: no oracle).
    Read only: opening a link changes nothing (mail scanners open links)."""
    row = db.session.execute(
        select(Invitation, Appointment)
        .join(Appointment, Appointment.id == Invitation.appointment_id)
        .where(Invitation.token_hash == token_hash(token), Invitation.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    invitation, appointment = row
    return _invited(invitation, appointment, clock.now() < invitation.expires_at)


def use_desk_code(code: str) -> int | None:
    """Use a desk code up (once, atomically): its id, or None when the code is unknown, used or
    past its 15 minutes, or its appointment has no link that may still be answered (a code
    refused for that stays unused)."""
    now = clock.now()
    with write_transaction() as session:
        used = session.execute(
            update(DeskCode)
            .where(
                DeskCode.code_hash == token_hash(code),
                DeskCode.used_at.is_(None),
                DeskCode.expires_at > now,
            )
            .values(used_at=now)
            .returning(DeskCode.id, DeskCode.appointment_id)
        ).first()
        if used is None:
            return None
        invited = _live_invited(session, used.appointment_id)
        if invited is None or not invited.is_open or invited.reference is not None:
            session.rollback()
            return None
        session.add(appointment_event(None, "desk_code_used", used.appointment_id, now))
        return used.id


def check_date_of_birth(invitation_id: int, typed: date) -> str:
    """Whether the date of birth is "right", "wrong" or the invitation "locked". Counted before the date is compared, in one transaction
    holding the invitation's row (FOR UPDATE on PostgreSQL, the write lock on SQLite), so
    parallel guesses get no more than five tries; while locked, the right date is refused too."""
    now = clock.now()
    with write_transaction() as session:
        invitation = session.get_one(Invitation, invitation_id, with_for_update=True)
        if invitation.locked_until is not None and invitation.locked_until > now:
            return "locked"
        appointment = session.get_one(Appointment, invitation.appointment_id)
        if appointment.date_of_birth == typed:
            invitation.recent_failures, invitation.locked_until = [], None
            invitation.opened_at = invitation.opened_at or now
            return "right"
        since = now - LOCK_PERIOD
        failures = [t for t in invitation.recent_failures if datetime.fromisoformat(t) > since]
        failures.append(now.isoformat())
        if len(failures) >= DATE_OF_BIRTH_TRIES:
            invitation.locked_until, failures = now + LOCK_PERIOD, []
            session.add(appointment_event(None, "invitation_locked", appointment.id, now))
        invitation.recent_failures = failures
        return "wrong"


def desk_code_invitation(desk_code_id: int) -> Invited | None:
    """The invitation a desk code used on this tablet opened, while the code's 15 minutes last:
    its date-of-birth lock is the one the tablet counts against too, so the link and a desk
    code share five tries. A desk code starts an invited patient's own invitation (SPEC 8)."""
    desk_code = db.session.get(DeskCode, desk_code_id)
    if desk_code is None or desk_code.used_at is None:
        return None
    if desk_code.used_at + DESK_CODE_LIFETIME <= clock.now():
        return None
    return _live_invited(db.session, desk_code.appointment_id)


def mark_in_progress(appointment_id: int) -> None:
    """A step of an invited patient's draft was saved: the appointment is in progress (once:
    one conditional UPDATE, audited only when it moved)."""
    now = clock.now()
    with write_transaction() as session:
        moved = session.execute(
            update(Appointment)
            .where(Appointment.id == appointment_id, Appointment.state.in_(("invited", "opened")))
            .values(state="in_progress", state_changed_at=now)
        ).rowcount
        if moved:
            session.add(appointment_event(None, "appointment_in_progress", appointment_id, now))


def join_submission(session, appointment_id: int, reference: str) -> None:
    """In the caller's submit transaction: the submission is the appointment's, now submitted."""
    now = clock.now()
    session.execute(
        update(Submission)
        .where(Submission.reference == reference)
        .values(appointment_id=appointment_id)
    )
    appointment = session.get_one(Appointment, appointment_id, with_for_update=True)
    if is_forward(appointment.state, "submitted"):
        move_to(session, appointment, "submitted", None, now)


def _live_invited(session, appointment_id: int) -> Invited | None:
    """The appointment's link that is not revoked, if it has one."""
    invitation = session.scalar(
        select(Invitation).where(
            Invitation.appointment_id == appointment_id, Invitation.revoked_at.is_(None)
        )
    )
    if invitation is None:
        return None
    appointment = session.get_one(Appointment, appointment_id)
    return _invited(invitation, appointment, clock.now() < invitation.expires_at)


def _invited(invitation: Invitation, appointment: Appointment, in_time: bool) -> Invited:
    reference = db.session.scalar(
        select(Submission.reference).where(Submission.appointment_id == appointment.id)
    )
    return Invited(
        invitation_id=invitation.id,
        appointment_id=appointment.id,
        patient_name=appointment.patient_name,
        appointment_date=appointment.appointment_date,
        language=appointment.language,
        reference=reference,
        is_open=in_time and appointment.state not in ENDED,
    )
