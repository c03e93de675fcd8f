"""Reads of the Clinic day (SPEC section 7): one day's appointments by time, and their counts.

How the nine states are counted in the words at the top of the page ("12 appointments:
9 submitted, 2 in progress, 1 not started"):
- submitted: submitted, reviewed, filed (the answers are in);
- in progress: opened, in progress (the patient has begun);
- not started: not invited, invited, expired (no answers came, nor will any for an expired one);
- cancelled appointments are not expected, so they are left out of the total and named
  apart ("1 cancelled") when there are any.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from intake import keys
from intake.extensions import db
from intake.models import Appointment, Submission

STATE_WORDS = {
    "not_invited": "not invited",
    "invited": "invited",
    "opened": "opened",
    "in_progress": "in progress",
    "submitted": "submitted",
    "reviewed": "reviewed",
    "filed": "filed",
    "expired": "expired",
    "cancelled": "cancelled",
}
COUNTED_AS = {
    "submitted": "submitted",
    "reviewed": "submitted",
    "filed": "submitted",
    "opened": "in progress",
    "in_progress": "in progress",
    "not_invited": "not started",
    "invited": "not started",
    "expired": "not started",
    "cancelled": "cancelled",
}


@dataclass(frozen=True)
class DayRow:
    """An appointment on the list, with its submission's reference once it has one."""

    appointment: Appointment
    reference: str | None

    @property
    def state_words(self) -> str:
        return STATE_WORDS[self.appointment.state]

    @property
    def name(self) -> str | None:
        """The patient's name; None once their submission was deleted with their contact
        details (intake.records): the row stays, with its time and state. (A row whose key is
        not in the key store, restored from an older backup, is shown the same way.)"""
        try:
            return self.appointment.patient_name
        except keys.KeyRingError:
            return None


@dataclass(frozen=True)
class Day:
    on: date
    rows: list[DayRow]

    @property
    def before(self) -> date:
        return self.on - timedelta(days=1)

    @property
    def after(self) -> date:
        return self.on + timedelta(days=1)

    @property
    def counts(self) -> str:
        """The line at the top of the page, in SPEC's words."""
        tally = Counter(COUNTED_AS[row.appointment.state] for row in self.rows)
        total = len(self.rows) - tally["cancelled"]
        line = (
            f"{total} appointment{'' if total == 1 else 's'}: {tally['submitted']} submitted, "
            f"{tally['in progress']} in progress, {tally['not started']} not started"
        )
        return line + (f" ({tally['cancelled']} cancelled)" if tally["cancelled"] else "")


def day(on: date) -> Day:
    """The appointments of one day, by time (then in the order they were added)."""
    rows = db.session.execute(
        select(Appointment, Submission.reference)
        .outerjoin(Submission, Submission.appointment_id == Appointment.id)
        .where(Appointment.appointment_date == on)
        .order_by(Appointment.appointment_time, Appointment.id)
    ).all()
    return Day(on, [DayRow(appointment, reference) for appointment, reference in rows])


def find(appointment_id: int) -> Appointment | None:
    return db.session.get(Appointment, appointment_id)
