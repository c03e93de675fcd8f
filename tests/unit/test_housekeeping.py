"""Stale rows are purged, and only stale rows, at each kind's boundary: rate-limit counts of
windows past, sign-in throttles holding nothing, sign-ins over for more than a day, expired
drafts (a tablet's by its idle limit). `flask --app app purge` prints the counts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from intake import housekeeping
from intake.clinic.services import ABSOLUTE_LIMIT, IDLE_LIMIT, THROTTLE_WINDOW
from intake.database import write_transaction
from intake.extensions import db
from intake.models import Draft, RateLimit, SignInThrottle, StaffSession
from tests.http.clinic_helpers import (  # noqa: F401  (quick_hashing is an autouse fixture)
    CLINICIAN,
    create_user,
    quick_hashing,
)

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)
A_SECOND = timedelta(seconds=1)
A_DAY = timedelta(days=1)


def add(app, *rows) -> None:
    with app.app_context(), write_transaction() as session:
        session.add_all(rows)


def purge(app) -> dict[str, int]:
    with app.app_context():
        counts = housekeeping.purge_stale(NOW)
        db.session.remove()
    return counts


def kept(app, column) -> list:
    with app.app_context():
        values = db.session.scalars(select(column).order_by(column)).all()
        db.session.remove()
    return values


def test_rate_limit_counts_go_when_their_window_has_ended(app):
    add(
        app,
        RateLimit(key="ended", hits=3, expires_at=NOW),
        RateLimit(key="ended-long-ago", hits=9, expires_at=NOW - A_DAY),
        RateLimit(key="current", hits=1, expires_at=NOW + A_SECOND),
    )
    assert purge(app)["rate_limits"] == 2
    assert kept(app, RateLimit.key) == ["current"]


def throttle(email: str, failures_ago=(), locked_for: timedelta | None = None) -> SignInThrottle:
    return SignInThrottle(
        email=email,
        recent_failures=[(NOW - ago).isoformat() for ago in failures_ago],
        locked_until=None if locked_for is None else NOW + locked_for,
    )


def test_sign_in_throttles_go_once_they_hold_no_lock_and_no_recent_failure(app):
    add(
        app,
        throttle("empty@clinic.test"),
        throttle("old-failures@clinic.test", [THROTTLE_WINDOW + A_SECOND, A_DAY]),
        throttle("recent-failure@clinic.test", [A_DAY, THROTTLE_WINDOW]),  # just inside
        throttle("locked@clinic.test", locked_for=A_SECOND),
        throttle("lock-over@clinic.test", [A_DAY], locked_for=timedelta(0)),
        throttle("lock-over-failure-recent@clinic.test", [A_SECOND], locked_for=-A_SECOND),
    )
    assert purge(app)["sign_in_throttle"] == 3
    assert kept(app, SignInThrottle.email) == [
        "lock-over-failure-recent@clinic.test",
        "locked@clinic.test",
        "recent-failure@clinic.test",
    ]


def test_sign_in_throttles_are_purged_in_batches(app, monkeypatch):
    monkeypatch.setattr(housekeeping, "THROTTLE_BATCH", 3)
    live = [f"stale{n}x@clinic.test" for n in (0, 3, 6)]  # among the stale, in email order
    add(app, *(throttle(f"stale{n}@clinic.test") for n in range(7)))
    add(app, *(throttle(email, [A_SECOND]) for email in live))
    assert purge(app)["sign_in_throttle"] == 7
    assert kept(app, SignInThrottle.email) == live


@pytest.fixture
def user_id(app) -> int:
    return create_user(app, CLINICIAN, "clinician")


def staff_session(user_id: int, name: str, created_ago, seen_ago, ended_ago=None):
    return StaffSession(
        token_hash=name,
        user_id=user_id,
        created_at=NOW - created_ago,
        last_seen_at=NOW - seen_ago,
        ended_at=None if ended_ago is None else NOW - ended_ago,
    )


# Signed in a day and two hours ago: not too old yet (ABSOLUTE_LIMIT is 12 hours).
SIGNED_IN_AGO = A_DAY + timedelta(hours=2)


def test_sign_ins_over_for_more_than_a_day_go(app, user_id):
    add(
        app,
        staff_session(user_id, "live", timedelta(hours=1), A_SECOND),
        staff_session(user_id, "ended-a-day-ago", SIGNED_IN_AGO, A_DAY, ended_ago=A_DAY),
        staff_session(user_id, "ended-before", SIGNED_IN_AGO, A_DAY, ended_ago=A_DAY + A_SECOND),
        # Never signed out: over when idle for IDLE_LIMIT, or ABSOLUTE_LIMIT after sign-in.
        staff_session(user_id, "idle-a-day", SIGNED_IN_AGO, A_DAY + IDLE_LIMIT),
        staff_session(user_id, "idle-longer", SIGNED_IN_AGO, A_DAY + IDLE_LIMIT + A_SECOND),
        staff_session(user_id, "old-a-day", A_DAY + ABSOLUTE_LIMIT, A_SECOND),
        staff_session(user_id, "older", A_DAY + ABSOLUTE_LIMIT + A_SECOND, A_SECOND),
    )
    assert purge(app)["staff_sessions"] == 3
    assert kept(app, StaffSession.token_hash) == [
        "ended-a-day-ago",
        "idle-a-day",
        "live",
        "old-a-day",
    ]


def draft(name: str, updated_ago, lives_for, on_tablet: bool = False) -> Draft:
    return Draft(
        token_hash=name,
        questionnaire_version="2026.2",
        answers={},
        created_at=NOW - updated_ago,
        updated_at=NOW - updated_ago,
        expires_at=NOW - updated_ago + lives_for,
        on_tablet=on_tablet,
    )


def test_expired_drafts_go_and_a_tablets_by_its_idle_limit(app):
    idle = timedelta(seconds=app.config["TABLET_IDLE_SECONDS"])
    add(
        app,
        draft("live", A_SECOND, A_DAY),
        draft("expired-now", A_DAY, A_DAY),
        draft("on-tablet-live", idle - A_SECOND, idle, on_tablet=True),
        # Its expires_at a day on (set by a request without the tablet cookie, before): the
        # tablet's idle limit holds all the same.
        draft("on-tablet-idle", idle, A_DAY, on_tablet=True),
    )
    assert purge(app)["drafts"] == 2
    assert kept(app, Draft.token_hash) == ["live", "on-tablet-live"]


def test_the_purge_command_prints_the_counts(app, runner, frozen_clock):
    frozen_clock.current = NOW
    add(
        app,
        RateLimit(key="ended", hits=3, expires_at=NOW),
        throttle("empty@clinic.test"),
        draft("expired", A_DAY, A_DAY),
    )
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "rate_limits: 1",
        "sign_in_throttle: 1",
        "staff_sessions: 0",
        "drafts: 1",
        "invitations: 0",
        "desk_codes: 0",
    ]
    assert runner.invoke(args=["purge"]).output.count(": 0") == 6
