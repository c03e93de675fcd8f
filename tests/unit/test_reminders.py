"""Reminders by tick: on their day between 08:00 and 20:00 clinic time, only while the
appointment is open (checked when claimed), each sent once however many ticks run at once,
with a fresh link that replaces the earlier one; missed days skipped, ended days expired.
A real SMTP server (aiosmtpd) counts what arrives; one test runs `flask --app app tick`
under faketime, as an operator's cron would."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from intake.appointments import reminders, services
from intake.extensions import db
from intake.models import Appointment, AuditEvent, Invitation, Reminder
from intake.tokens import token_hash
from tests import mail_server
from tests.support import TEST_DATA_KEYS, make_app

ZONE = "Europe/London"
LONDON = ZoneInfo(ZONE)
ROOT = Path(__file__).resolve().parents[2]
NEW = services.NewAppointment(
    patient_name="Ana López",
    date_of_birth=date(1990, 5, 17),
    appointment_date=date(2026, 12, 4),  # reminders due on 1 and 3 December
    appointment_time=time(9, 30),
    email="ana@example.org",
    language="en",
)


def at(clock, day: int, hour: int, minute: int = 0) -> None:
    clock.current = datetime(2026, 12, day, hour, minute, tzinfo=LONDON)


def invited(new=NEW) -> int:
    appointment_id = services.add(new, None)
    assert appointment_id is not None
    services.issue_invitation(appointment_id, None, ZONE)
    return appointment_id


def statuses(appointment_id: int) -> dict[int, str]:
    db.session.rollback()
    rows = db.session.scalars(select(Reminder).where(Reminder.appointment_id == appointment_id))
    return {row.days_before: row.status for row in rows}


def test_a_reminder_goes_once_on_its_day_with_a_fresh_link(smtp_server, frozen_clock):
    at(frozen_clock, 1, 9)
    appointment_id = invited()
    report = reminders.tick(ZONE)
    assert len(report.sent) == 1
    [message] = smtp_server.inbox.messages
    assert message["Subject"] == "Reminder: please answer before your visit to the clinic"
    text = message.get_body(("plain",)).get_content()
    assert "This link replaces the one we sent before." in text
    token = text.split("/i/")[1].split()[0]
    links = db.session.scalars(
        select(Invitation).where(Invitation.appointment_id == appointment_id)
    ).all()
    live = [link for link in links if link.revoked_at is None]
    assert len(links) == 2 and [link.token_hash for link in live] == [token_hash(token)]
    assert statuses(appointment_id) == {3: "sent", 1: "due"}
    frozen_clock.advance(minutes=10)
    assert reminders.tick(ZONE).sent == []  # the next tick, the same day: nothing again
    assert len(smtp_server.inbox.messages) == 1


def test_reminders_wait_for_eight_and_stop_at_eight_in_the_evening(smtp_server, frozen_clock):
    at(frozen_clock, 1, 7, 59)
    appointment_id = invited()
    assert reminders.tick(ZONE).sent == []
    at(frozen_clock, 1, 8)
    assert len(reminders.tick(ZONE).sent) == 1  # the first tick in the window
    at(frozen_clock, 3, 20)
    assert reminders.tick(ZONE).sent == []
    assert statuses(appointment_id) == {3: "sent", 1: "due"}
    at(frozen_clock, 3, 19, 59)
    assert len(reminders.tick(ZONE).sent) == 1
    assert len(smtp_server.inbox.messages) == 2


def test_a_day_no_tick_reached_in_the_window_is_skipped_and_says_why(smtp_server, frozen_clock):
    at(frozen_clock, 1, 7)
    appointment_id = invited()
    at(frozen_clock, 2, 9)  # no tick ran on 1 December between 08:00 and 20:00
    report = reminders.tick(ZONE)
    assert report.sent == []
    assert [why for _, why in report.skipped] == [
        "its day passed without a tick between 08:00 and 20:00"
    ]
    assert statuses(appointment_id) == {3: "skipped", 1: "due"}
    assert smtp_server.inbox.messages == []
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "reminder_skipped")
    ).one()
    assert (event.appointment_id, event.outcome) == (appointment_id, "day_missed")


@pytest.mark.parametrize(
    ("state", "why"),
    [
        ("submitted", "the appointment is submitted"),
        ("cancelled", "the appointment is cancelled"),
        ("expired", "the appointment is expired"),
    ],
)
def test_no_reminder_once_answered_cancelled_or_expired(smtp_server, frozen_clock, state, why):
    at(frozen_clock, 1, 9)
    appointment_id = invited()
    if state == "cancelled":
        services.cancel(appointment_id, None)
    else:
        services.advance(appointment_id, state)
    report = reminders.tick(ZONE)
    assert (report.sent, [w for _, w in report.skipped]) == ([], [why])
    assert statuses(appointment_id)[3] == "skipped"
    assert smtp_server.inbox.messages == []


def test_a_refused_reminder_is_failed_and_not_tried_again(in_app, tmp_path, frozen_clock):
    at(frozen_clock, 1, 9)
    with mail_server.running(tmp_path, refuse=frozenset({"ana@example.org"})) as smtp_server:
        smtp_server.configure(in_app)
        appointment_id = invited()
        assert len(reminders.tick(ZONE).failed) == 1
        frozen_clock.advance(minutes=10)
        report = reminders.tick(ZONE)
    assert (report.sent, report.failed) == ([], [])
    assert statuses(appointment_id)[3] == "failed"
    assert db.session.get(Appointment, appointment_id).email_status == "refused"


def test_an_appointment_whose_day_ended_unanswered_expires(smtp_server, frozen_clock):
    at(frozen_clock, 1, 9)
    waiting = invited()
    answered = invited(replace(NEW, appointment_time=time(11)))
    services.advance(answered, "submitted")
    at(frozen_clock, 4, 23, 59)
    assert reminders.tick(ZONE).expired == []  # the appointment day itself: not yet
    at(frozen_clock, 5, 0, 1)
    assert reminders.tick(ZONE).expired == [waiting]
    db.session.rollback()
    assert db.session.get(Appointment, waiting).state == "expired"
    assert db.session.get(Appointment, answered).state == "submitted"


def test_ticks_running_at_once_send_each_reminder_exactly_once(smtp_server, frozen_clock, tmp_path):
    """Eight ticks at once, each with its own app and connections, as on eight machines."""
    at(frozen_clock, 1, 9)
    appointment_ids = [
        invited(replace(NEW, appointment_time=time(9, minute))) for minute in range(12)
    ]
    apps = [make_app(tmp_path) for _ in range(8)]
    for app in apps:
        smtp_server.configure(app)
    start = threading.Barrier(len(apps))
    reports, errors = [], []

    def run(app):
        try:
            with app.app_context():
                start.wait()
                reports.append(reminders.tick(ZONE))
                db.session.remove()
        except Exception as error:  # surfaced below: a thread's exception is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=run, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sent = sorted(reminder for report in reports for reminder in report.sent)
    assert len(sent) == len(set(sent)) == 12
    assert len(smtp_server.inbox.messages) == 12
    assert all(statuses(i) == {3: "sent", 1: "due"} for i in appointment_ids)


def test_the_real_command_under_faketime_as_cron_runs_it(smtp_server, in_app, tmp_path):
    """Three `flask --app app tick` processes at once at 09:00 on 1 December (faketime):
    each reminder due that day arrives once."""
    appointment_ids = [
        invited(replace(NEW, appointment_time=time(10, minute))) for minute in range(3)
    ]
    db.session.remove()
    environment = {
        **os.environ,
        "INTAKE_DATABASE_URL": in_app.config["DATABASE_URL"],
        "INTAKE_SECRET_KEY": "test-secret",
        "INTAKE_DATA_KEYS": TEST_DATA_KEYS,  # the test's app's key ring: one database, one ring
        "INTAKE_PUBLIC_URL": "https://intake.clinic.example",
        "INTAKE_SMTP_URL": smtp_server.url,
        "INTAKE_MAIL_FROM": "intake@clinic.example",
        "INTAKE_TIMEZONE": ZONE,
    }
    flask = str(Path(sys.executable).with_name("flask"))
    ticks = [
        subprocess.Popen(
            ["faketime", "2026-12-01 09:00:00", flask, "--app", "app", "tick"],
            cwd=ROOT,
            env={**environment, "TZ": ZONE},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [tick.communicate(timeout=120) for tick in ticks]
    assert [tick.returncode for tick in ticks] == [0, 0, 0], outputs
    sent = sum(int(out.split("reminders sent: ")[1].split(",")[0]) for out, _ in outputs)
    assert sent == 3
    assert len(smtp_server.inbox.messages) == 3
    assert all(
        "https://intake.clinic.example/i/" in m.get_body(("plain",)).get_content()
        for m in smtp_server.inbox.messages
    )
    assert all(statuses(i) == {3: "sent", 1: "due"} for i in appointment_ids)


def test_cancelled_between_the_claim_and_the_link_no_email_and_no_live_link(
    smtp_server, frozen_clock, monkeypatch
):
    at(frozen_clock, 1, 9)
    appointment_id = invited()
    issue = services.issue_invitation

    def cancelled_meanwhile(*args):
        services.cancel(appointment_id, None)  # the front desk, a moment after the claim
        return issue(*args)

    monkeypatch.setattr(services, "issue_invitation", cancelled_meanwhile)
    report = reminders.tick(ZONE)
    assert (report.sent, [why for _, why in report.skipped]) == (
        [],
        ["the appointment is cancelled"],
    )
    assert smtp_server.inbox.messages == []
    assert statuses(appointment_id)[3] == "skipped"
    live = db.session.scalars(
        select(Invitation).where(
            Invitation.appointment_id == appointment_id, Invitation.revoked_at.is_(None)
        )
    ).all()
    assert live == []


def test_while_mail_cannot_go_reminders_wait_and_links_stay(in_app, tmp_path, frozen_clock):
    at(frozen_clock, 1, 9)
    appointment_id = invited()
    in_app.config.update(SMTP_URL="smtp://127.0.0.1:1", MAIL_FROM="intake@clinic.example")
    report = reminders.tick(ZONE)
    assert report.held_back == "could not reach the mail server: ConnectionRefusedError"
    assert statuses(appointment_id)[3] == "due"
    assert len(db.session.scalars(select(Invitation)).all()) == 1  # the first link, still live
    with mail_server.running(tmp_path) as smtp_server:
        smtp_server.configure(in_app)
        frozen_clock.advance(minutes=5)
        assert len(reminders.tick(ZONE).sent) == 1
        assert len(smtp_server.inbox.messages) == 1


def test_no_address_no_reminder(smtp_server, frozen_clock):
    at(frozen_clock, 1, 9)
    appointment_id = invited(replace(NEW, email=None))
    report = reminders.tick(ZONE)
    assert [why for _, why in report.skipped] == ["the appointment has no email address"]
    assert statuses(appointment_id)[3] == "skipped"
    assert smtp_server.inbox.messages == []
