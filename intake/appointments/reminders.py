"""Reminders and the end of an appointment's day, done by `flask --app app tick` (SPEC
section 11), which an operator's cron or systemd timer runs every few minutes.

A reminder (3 days and 1 day before) goes on its day between 08:00 and 20:00 clinic time, at
the first tick in that window; a day no tick reached in the window is skipped, with the
reason. It goes only while the appointment is still open (invited, opened or in progress:
not submitted or later, cancelled or expired), checked inside the claim that takes it.

Never twice, however many ticks run at once on however many machines: each reminder is
claimed in the database before anything is sent (PostgreSQL: `SELECT ... FOR UPDATE SKIP
LOCKED`; SQLite: the write lock that write_transaction takes with BEGIN IMMEDIATE), marked
"sending" and committed; only the tick that committed the claim sends. A claim is final: a
tick that dies after claiming leaves "sending", and a refused reminder is "failed"; neither
is tried again (at most once, never at least once: a server that dropped the connection may
have delivered it, and a 550 does not change on retrying; the appointment shows the refusal
with Resend for the front desk). But while mail cannot go at all (a setting missing, the
server down), nothing is claimed: the reminders wait, due, for a tick that can send them.

A reminder carries a fresh link (`services.issue_invitation`): only a link's hash is kept,
so the earlier link cannot be written again; the new one replaces it, and the email says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from intake import clock
from intake.appointments import mail, services
from intake.clinic.services import appointment_event
from intake.database import write_transaction
from intake.extensions import db
from intake.models import Appointment, Reminder

WINDOW = (time(8), time(20))  # clinic time: reminders go from 08:00 until 20:00
REMINDED_STATES = ("invited", "opened", "in_progress")  # a link out and not yet answered


@dataclass
class Report:
    """What one tick did, by ids only (the operator's log never holds patient details)."""

    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # reminder id, why
    expired: list[int] = field(default_factory=list)
    held_back: str | None = None  # why no reminder went although some were due


@dataclass(frozen=True)
class Claim:
    reminder_id: int
    appointment_id: int


def tick(clinic_timezone: str) -> Report:
    """Expire the appointments whose day has ended, skip the reminders whose day was missed,
    and, inside the window, send every reminder due today."""
    report = Report()
    local_now = clock.now().astimezone(ZoneInfo(clinic_timezone))
    today = local_now.date()
    report.expired = expire_ended_days(today)
    skip_missed_days(today, report)
    if not WINDOW[0] <= local_now.time() < WINDOW[1] or not _any_due(today):
        return report
    # Each reminder replaces the patient's link: none is claimed while mail cannot go (they
    # stay due for the next tick), so a mail outage never leaves a patient without a link.
    report.held_back = mail.ready()
    if report.held_back is None:
        while (claim := claim_next(today, report)) is not None:
            _send(claim, clinic_timezone, report)
    return report


def _any_due(today: date) -> bool:
    """Whether any reminder waits today: most ticks need not reach the mail server."""
    return (
        db.session.scalar(
            select(Reminder.id).where(Reminder.status == "due", Reminder.due_on == today).limit(1)
        )
        is not None
    )


def expire_ended_days(today: date) -> list[int]:
    """Appointments before today still unanswered become expired (each move audited)."""
    ended = db.session.scalars(
        select(Appointment.id).where(
            Appointment.appointment_date < today, Appointment.state.in_(services.OPEN)
        )
    ).all()
    return [
        appointment_id for appointment_id in ended if services.advance(appointment_id, "expired")
    ]


def skip_missed_days(today: date, report: Report) -> None:
    """Reminders whose day went by with no tick in the window: too late to send."""
    with write_transaction() as session:
        missed = session.scalars(
            claimable(select(Reminder).where(Reminder.status == "due", Reminder.due_on < today))
        ).all()
        for reminder in missed:
            _skip(session, reminder, "day_missed", report)


def claim_next(today: date, report: Report) -> Claim | None:
    """Take one reminder due today for this tick alone, re-checking its appointment under
    the lock; one that may no longer go is skipped here. None when none is left."""
    while True:
        with write_transaction() as session:
            reminder = session.scalars(
                claimable(
                    select(Reminder)
                    .where(Reminder.status == "due", Reminder.due_on == today)
                    .order_by(Reminder.id)
                    .limit(1)
                )
            ).first()
            if reminder is None:
                return None
            appointment = session.get_one(
                Appointment, reminder.appointment_id, with_for_update=True
            )  # a cancel or a submit under way finishes first, and is seen here
            reminder.claimed_at = clock.now()
            reason = _why_not(appointment)
            if reason is None:
                reminder.status = "sending"
                return Claim(reminder.id, appointment.id)
            _skip(session, reminder, reason, report)


def _skip(session, reminder: Reminder, reason: str, report: Report) -> None:
    reminder.status = "skipped"
    session.add(
        appointment_event(
            None, "reminder_skipped", reminder.appointment_id, clock.now(), outcome=reason
        )
    )
    report.skipped.append((reminder.id, _in_words(reason)))


def claimable(query):
    """On PostgreSQL, rows another tick holds are passed over (it is taking them) and the
    rows found stay locked until the claim commits; SQLite's write transaction already holds
    the whole database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def _why_not(appointment: Appointment) -> str | None:
    """Why a reminder may not go now (an audit outcome: a word), or None."""
    if appointment.state not in REMINDED_STATES:
        return appointment.state  # submitted, reviewed, filed, cancelled, expired
    if not appointment.email:
        return "no_email"
    return None


def _in_words(reason: str) -> str:
    """An audit outcome as `tick` prints it."""
    if reason == "day_missed":
        return "its day passed without a tick between 08:00 and 20:00"
    if reason == "no_email":
        return "the appointment has no email address"
    return f"the appointment is {reason.replace('_', ' ')}"


def _send(claim: Claim, clinic_timezone: str, report: Report) -> None:
    """A fresh link, the email, and the outcome on the reminder. The appointment is read
    again once the link exists: one cancelled or answered between the claim and the link
    gets no email, and a cancelled one's new link is revoked at once."""
    token = services.issue_invitation(claim.appointment_id, None, clinic_timezone)
    reason = _why_not(db.session.get_one(Appointment, claim.appointment_id))
    if reason == "cancelled":
        services.cancel(claim.appointment_id, None)  # revokes every link, the new one too
    sent = reason is None and mail.send_reminder(claim.appointment_id, token)
    with write_transaction() as session:
        reminder = session.get_one(Reminder, claim.reminder_id)
        if reason is not None:
            _skip(session, reminder, reason, report)
            return
        reminder.status = "sent" if sent else "failed"
        reminder.sent_at = clock.now() if sent else None
    (report.sent if sent else report.failed).append(claim.reminder_id)
