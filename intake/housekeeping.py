"""Stale rows deleted, so that no table grows with traffic alone: rate-limit counts of past
windows, sign-in throttles that hold nothing any more, sign-ins ended for over a day, expired
drafts, and invitation links and desk codes no one can use or look at any more. Run by
`flask --app app tick` (and `purge`) and, now and then, by the rate limiter.

Stale means that nothing reads the row again, not merely that it stopped working:
- an **invitation** (a link's hash) works until its appointment day ends, and is read after
  that too: a patient following an old link is told it has expired (not that it is unknown),
  and the appointment's FHIR Task says when it was first and last invited. So links are kept
  until INVITATIONS_KEPT after their day ended, revoked ones too (every link of an appointment
  ends with its day, so they go together); then no page needs them. The Clinic day and the
  audit log never read them: states and audit events are kept on their own rows.
- a **desk code** (a code's hash) works for 15 minutes, once, and a tablet that used it reads
  it for 15 minutes more; a day after it expired nothing reads it.
Appointments, reminders and audit events are never purged here: the Clinic day and the audit
need them (a deleted submission's appointment keeps its date, time and state, intake.records)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select

from intake.clinic.services import ABSOLUTE_LIMIT, IDLE_LIMIT, THROTTLE_WINDOW
from intake.database import write_connection, write_transaction
from intake.models import DeskCode, Invitation, RateLimit, SignInThrottle, StaffSession
from intake.wizard import drafts

ENDED_SESSIONS_KEPT = timedelta(days=1)
INVITATIONS_KEPT = timedelta(days=30)  # after the appointment day ended
DESK_CODES_KEPT = timedelta(days=1)  # after the code's 15 minutes
THROTTLE_BATCH = 500


def purge_stale(now: datetime) -> dict[str, int]:
    """Delete every stale row; returns how many of each kind."""
    return {
        "rate_limits": _purge_rate_limits(now),
        "sign_in_throttle": _purge_throttles(now),
        "staff_sessions": _purge_staff_sessions(now),
        "drafts": drafts.purge_expired(now),
        "invitations": _purge_invitations(now),
        "desk_codes": _purge_desk_codes(now),
    }


def _purge_rate_limits(now: datetime) -> int:
    with write_connection() as connection:
        return connection.execute(delete(RateLimit).where(RateLimit.expires_at <= now)).rowcount


def _purge_throttles(now: datetime) -> int:
    """Throttles neither locked nor holding a failure of the last 15 minutes, in batches; each
    batch's rows are locked while looked at, so a failure counted meanwhile is never lost."""
    purged, after = 0, ""
    while True:
        with write_transaction() as session:
            batch = session.execute(
                select(SignInThrottle.email, SignInThrottle.recent_failures)
                .where(
                    SignInThrottle.email > after,
                    or_(SignInThrottle.locked_until.is_(None), SignInThrottle.locked_until <= now),
                )
                .order_by(SignInThrottle.email)
                .limit(THROTTLE_BATCH)
                .with_for_update()
            ).all()
            stale = [row.email for row in batch if not _recent(row.recent_failures, now)]
            if stale:
                session.execute(delete(SignInThrottle).where(SignInThrottle.email.in_(stale)))
        purged += len(stale)
        if len(batch) < THROTTLE_BATCH:
            return purged
        after = batch[-1].email


def _recent(failures: list[str], now: datetime) -> bool:
    """A failure still inside the throttle's sliding window."""
    return any(now - datetime.fromisoformat(moment) <= THROTTLE_WINDOW for moment in failures)


def _purge_staff_sessions(now: datetime) -> int:
    """Sign-ins ended, idle or too old for more than a day: no longer of use to anyone."""
    before = now - ENDED_SESSIONS_KEPT
    with write_connection() as connection:
        return connection.execute(
            delete(StaffSession).where(
                or_(
                    StaffSession.ended_at < before,
                    StaffSession.last_seen_at < before - IDLE_LIMIT,
                    StaffSession.created_at < before - ABSOLUTE_LIMIT,
                )
            )
        ).rowcount


def _purge_invitations(now: datetime) -> int:
    """Links whose appointment day ended more than INVITATIONS_KEPT ago, revoked or not."""
    with write_connection() as connection:
        return connection.execute(
            delete(Invitation).where(Invitation.expires_at < now - INVITATIONS_KEPT)
        ).rowcount


def _purge_desk_codes(now: datetime) -> int:
    """Desk codes past their 15 minutes for more than DESK_CODES_KEPT, used or not."""
    with write_connection() as connection:
        return connection.execute(
            delete(DeskCode).where(DeskCode.expires_at < now - DESK_CODES_KEPT)
        ).rowcount
