"""Retention by tick (SPEC section 12): a submission filed INTAKE_RETAIN_FILED_DAYS ago or more
is deleted, one never filed after INTAKE_RETAIN_UNFILED_DAYS; a legal hold keeps either. Each
deletion happens, and is audited, once, however many ticks run at once on however many
machines; the real `flask --app app tick` does it under faketime, printing counts only."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from intake import config, keys, records
from intake.database import write_transaction
from intake.extensions import db
from intake.models import AuditEvent, Submission, User
from tests.http.clinic_helpers import (  # noqa: F401  (quick_hashing is an autouse fixture)
    CLINICIAN,
    create_user,
    quick_hashing,
    submit,
    submit_many,
)
from tests.records_helpers import NAME, appointment_row, invited_submission, submission_row
from tests.support import TEST_DATA_KEYS, make_app

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def clinician(in_app) -> User:
    create_user(in_app, CLINICIAN, "clinician")
    return db.session.scalars(select(User).where(User.email == CLINICIAN)).one()


def deletions() -> dict[str, int]:
    """How many times each reference's deletion was audited."""
    db.session.rollback()
    rows = db.session.execute(
        select(AuditEvent.reference, func.count())
        .where(AuditEvent.action == "delete_submission")
        .group_by(AuditEvent.reference)
    )
    return {reference: count for reference, count in rows}


def test_filed_29_days_ago_is_kept_31_deleted_30_exactly_deleted(in_app, clinician, frozen_clock):
    frozen_clock.current = START
    references = {days: submit(in_app) for days in (29, 30, 31)}
    for days, reference in references.items():
        frozen_clock.current = START + timedelta(days=40 - days)
        records.mark_filed(reference, clinician)
    frozen_clock.current = START + timedelta(days=40)

    done = records.apply_retention(30, 365)

    assert sorted(done.filed) == sorted([references[30], references[31]]) and done.unfiled == []
    assert not submission_row(references[29]).is_deleted
    for days in (30, 31):
        deleted = submission_row(references[days])
        assert deleted.is_deleted and deleted.deleted_by_id is None
        assert deleted.deletion_reason == (
            "Retention: filed in the patient record more than 30 days ago"
        )
        assert deleted.filed_by_id == clinician.id  # the tombstone says who filed it
    assert deletions() == {references[30]: 1, references[31]: 1}
    (event, _) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "delete_submission")
    ).all()
    assert (event.user_id, event.email, event.outcome) == (None, "", "retention")


def test_unfiled_364_days_after_submission_is_kept_366_deleted(in_app, frozen_clock):
    frozen_clock.current = START
    older = submit(in_app)
    frozen_clock.advance(days=2)
    newer = submit(in_app)
    frozen_clock.current = START + timedelta(days=366)

    done = records.apply_retention(30, 365)

    assert done.unfiled == [older] and done.filed == []
    assert submission_row(older).deletion_reason == (
        "Retention: not filed, more than 365 days after submission"
    )
    assert not submission_row(newer).is_deleted
    assert records.apply_retention(30, 365).unfiled == []  # nothing twice
    assert deletions() == {older: 1}


def test_the_periods_are_the_settings(in_app, clinician, frozen_clock):
    frozen_clock.current = START
    filed, unfiled = submit(in_app), submit(in_app)
    records.mark_filed(filed, clinician)
    frozen_clock.advance(days=8)
    assert records.apply_retention(30, 365).filed == []
    done = records.apply_retention(7, 8)
    assert (done.filed, done.unfiled) == ([filed], [unfiled])


def test_a_legal_hold_keeps_a_submission_until_released(in_app, clinician, frozen_clock):
    frozen_clock.current = START
    filed, unfiled = submit(in_app), submit(in_app)
    records.mark_filed(filed, clinician)
    records.place_hold(filed, clinician)
    records.place_hold(unfiled, clinician)
    frozen_clock.advance(days=400)

    done = records.apply_retention(30, 365)
    assert (done.filed, done.unfiled, done.held) == ([], [], 2)
    assert not submission_row(filed).is_deleted and not submission_row(unfiled).is_deleted

    records.release_hold(filed, clinician)
    done = records.apply_retention(30, 365)
    assert (done.filed, done.held) == ([filed], 1)
    assert not submission_row(unfiled).is_deleted


def test_retention_deletes_the_appointments_contact_details_too(in_app, clinician, frozen_clock):
    frozen_clock.current = START
    invited = invited_submission(in_app)
    records.mark_filed(invited.reference, clinician)
    key_id = appointment_row(invited.appointment_id).key_id
    frozen_clock.advance(days=31)
    assert records.apply_retention(30, 365).filed == [invited.reference]
    appointment = appointment_row(invited.appointment_id)
    assert appointment.patient_name is None and appointment.email is None
    assert db.session.get(keys.RecordKey, key_id) is None
    assert appointment.state == "filed"


def test_ticks_at_once_on_several_machines_delete_each_once(in_app, frozen_clock, tmp_path):
    """Eight retention runs at once, each with its own app and connections, as on eight
    machines, in small batches so that they meet: every due submission is deleted by one of
    them, and audited once."""
    frozen_clock.current = START
    due = submit_many(in_app, 24)
    frozen_clock.current = START + timedelta(days=400)
    kept = submit_many(in_app, 2)
    apps = [make_app(tmp_path) for _ in range(8)]
    start = threading.Barrier(len(apps))
    done: list[records.Retention] = []
    errors: list[Exception] = []

    def run(app):
        try:
            with app.app_context():
                start.wait()
                done.append(records.apply_retention(30, 365))
                db.session.remove()
        except Exception as error:  # surfaced below: a thread's exception is otherwise lost
            errors.append(error)

    records_batch = records.RETENTION_BATCH
    records.RETENTION_BATCH = 3
    try:
        threads = [threading.Thread(target=run, args=(app,)) for app in apps]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        records.RETENTION_BATCH = records_batch
    assert errors == []
    deleted = [reference for report in done for reference in report.unfiled]
    assert sorted(deleted) == sorted(due)  # each once, by one tick
    assert deletions() == dict.fromkeys(due, 1)
    assert not any(submission_row(reference).is_deleted for reference in kept)


def test_the_real_command_under_faketime_deletes_a_filed_submission(in_app, clinician):
    """`flask --app app tick` at 09:00 on 5 December 2026 (faketime), as cron runs it, three at
    once: the submission filed on 1 November is deleted once; the one filed on 10 November is
    kept. Counts are printed, never a patient's name or a reference."""
    old, recent = submit(in_app, full_name=NAME), submit(in_app, full_name=NAME)
    for reference, day in ((old, 1), (recent, 10)):
        with write_transaction() as session:  # filed on that day, as a clinician would have
            row = session.scalars(select(Submission).where(Submission.reference == reference)).one()
            row.filed_at = datetime(2026, 11, day, 12, 0, tzinfo=timezone.utc)
            row.filed_by_id = clinician.id
    db.session.remove()
    environment = {
        **os.environ,
        "INTAKE_DATABASE_URL": in_app.config["DATABASE_URL"],
        "INTAKE_SECRET_KEY": "test-secret",
        "INTAKE_DATA_KEYS": TEST_DATA_KEYS,
        "INTAKE_TIMEZONE": "Europe/London",
        "TZ": "Europe/London",
    }
    flask = str(Path(sys.executable).with_name("flask"))
    ticks = [
        subprocess.Popen(
            ["faketime", "2026-12-05 09:00:00", flask, "--app", "app", "tick"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [tick.communicate(timeout=120) for tick in ticks]
    assert [tick.returncode for tick in ticks] == [0, 0, 0], outputs
    counted = [
        int(out.split("submissions deleted by retention: filed ")[1].split(",")[0])
        for out, _ in outputs
    ]
    assert sum(counted) == 1
    for out, err in outputs:
        assert "stale rows purged: " in out
        assert NAME not in out + err and old not in out + err and recent not in out + err
    deleted = submission_row(old)
    assert deleted.is_deleted and deleted.deletion_reason.startswith("Retention: filed")
    ran_at = datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc)
    assert ran_at <= deleted.deleted_at < ran_at + timedelta(minutes=2)
    assert not submission_row(recent).is_deleted
    assert deletions() == {old: 1}


def test_the_periods_are_read_from_the_environment_and_checked_at_start(monkeypatch, tmp_path):
    monkeypatch.setenv("INTAKE_RETAIN_FILED_DAYS", "7")
    monkeypatch.delenv("INTAKE_RETAIN_UNFILED_DAYS", raising=False)
    settings = config.from_environment(str(tmp_path))
    config.finish(settings)
    assert (settings["RETAIN_FILED_DAYS"], settings["RETAIN_UNFILED_DAYS"]) == (7, 365)
    monkeypatch.setenv("INTAKE_RETAIN_UNFILED_DAYS", "0")
    settings = config.from_environment(str(tmp_path))
    with pytest.raises(ValueError, match="INTAKE_RETAIN_UNFILED_DAYS must be a whole number"):
        config.finish(settings)
