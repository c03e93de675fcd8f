"""Stale rows deleted, so that no table grows with traffic alone: rate-limit counts of past
windows, sign-in throttles that hold nothing any more, sign-ins ended for over a day, and
expired drafts. Run by `flask --app app purge` and, now and then, by the rate limiter."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select

from intake.clinic.services import ABSOLUTE_LIMIT, IDLE_LIMIT, THROTTLE_WINDOW
from intake.database import write_connection, write_transaction
from intake.models import RateLimit, SignInThrottle, StaffSession
from intake.wizard import drafts

ENDED_SESSIONS_KEPT = timedelta(days=1)
THROTTLE_BATCH = 500


def purge_stale(now: datetime) -> dict[str, int]:
    """Delete every stale row; returns how many of each kind."""
    return {
        "rate_limits": _purge_rate_limits(now),
        "sign_in_throttle": _purge_throttles(now),
        "staff_sessions": _purge_staff_sessions(now),
        "drafts": drafts.purge_expired(now),
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
