"""Invitation links and desk codes are purged when stale, and only then (intake.housekeeping):
a link 30 days after its appointment day ended (revoked or not), a desk code a day after
its 15 minutes; what is younger stays, so an old link still says it has expired. tick
purges them, and prints the counts."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from intake import housekeeping
from intake.appointments import services
from intake.database import write_transaction
from intake.extensions import db
from intake.models import DeskCode, Invitation

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)
A_SECOND = timedelta(seconds=1)


def appointment() -> int:
    appointment_id = services.add(
        services.NewAppointment(
            patient_name="Ana López",
            date_of_birth=date(1990, 5, 17),
            appointment_date=date(2026, 10, 1),
            appointment_time=time(9, 30),
            email=None,
            language="en",
        ),
        None,
    )
    assert appointment_id is not None
    return appointment_id


def link(appointment_id: int, name: str, expired_ago: timedelta, revoked: bool = False):
    expires_at = NOW - expired_ago
    return Invitation(
        appointment_id=appointment_id,
        token_hash=name,
        created_at=expires_at - timedelta(days=7),
        expires_at=expires_at,
        revoked_at=expires_at - timedelta(days=1) if revoked else None,
        recent_failures=[],
    )


def code(appointment_id: int, name: str, expired_ago: timedelta, used: bool = False):
    expires_at = NOW - expired_ago
    return DeskCode(
        appointment_id=appointment_id,
        code_hash=name,
        created_at=expires_at - timedelta(minutes=15),
        expires_at=expires_at,
        used_at=expires_at - timedelta(minutes=10) if used else None,
    )


def kept(column) -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(column).order_by(column)))


def test_links_go_30_days_after_their_day_ended_revoked_or_not(in_app):
    appointment_id = appointment()
    month = housekeeping.INVITATIONS_KEPT
    with write_transaction() as session:
        session.add_all(
            [
                link(appointment_id, "live", -timedelta(days=3)),
                link(appointment_id, "revoked-day-to-come", -timedelta(days=3), revoked=True),
                link(appointment_id, "expired-a-month", month),
                link(appointment_id, "expired-longer", month + A_SECOND),
                link(appointment_id, "revoked-longer", month + A_SECOND, revoked=True),
            ]
        )
    assert housekeeping.purge_stale(NOW)["invitations"] == 2
    assert kept(Invitation.token_hash) == ["expired-a-month", "live", "revoked-day-to-come"]


def test_desk_codes_go_a_day_after_their_15_minutes_used_or_not(in_app):
    appointment_id = appointment()
    day = housekeeping.DESK_CODES_KEPT
    with write_transaction() as session:
        session.add_all(
            [
                code(appointment_id, "fresh", -timedelta(minutes=5)),
                code(appointment_id, "expired-a-day", day, used=True),
                code(appointment_id, "expired-longer", day + A_SECOND),
                code(appointment_id, "used-longer", day + A_SECOND, used=True),
            ]
        )
    assert housekeeping.purge_stale(NOW)["desk_codes"] == 2
    assert kept(DeskCode.code_hash) == ["expired-a-day", "fresh"]


def test_tick_purges_stale_rows_and_prints_the_counts(in_app, runner, frozen_clock):
    frozen_clock.current = NOW
    appointment_id = appointment()
    with write_transaction() as session:
        session.add(link(appointment_id, "stale", timedelta(days=40)))
        session.add(code(appointment_id, "stale", timedelta(days=2)))
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert "stale rows purged: " in result.output
    assert "invitations 1" in result.output and "desk_codes 1" in result.output
    assert kept(Invitation.token_hash) == [] and kept(DeskCode.code_hash) == []
