"""The audit log: one row per audited action, never answer content, append-only, printed by the CLI."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from intake.extensions import db
from intake.models import AuditEvent
from tests.http.clinic_helpers import (
    CLINICIAN,
    FRONTDESK,
    PASSWORD,
    Staff,
    audit_rows,
    create_user,
    quick_hashing,  # noqa: F401 (an autouse fixture: cheap argon2id)
    submit,
)
from tests.support import make_app

SENTINEL = "SENTINEL-9f3"


class AuditLog:
    """Reads the rows an action added, so each step can say exactly what it wrote."""

    def __init__(self, app):
        self.app = app
        self.seen = 0

    def new(self) -> list[dict]:
        rows = audit_rows(self.app)
        added, self.seen = rows[self.seen :], len(rows)
        return added


def event(row: dict) -> tuple:
    return (row["email"], row["action"], row["reference"], row["outcome"])


def test_each_audited_action_writes_exactly_one_row(app, client, frozen_clock):
    reference = submit(app, pdf=True)
    user_id = create_user(app, CLINICIAN, "clinician")
    staff = Staff(client)
    log = AuditLog(app)

    def step(action) -> list[dict]:
        frozen_clock.advance(minutes=1)
        response = action()
        assert response.status_code in (200, 302), response.status_code
        rows = log.new()
        for row in rows:
            assert row["at"] == frozen_clock.current
        return rows

    rows = step(lambda: staff.sign_in(password="a wrong password"))
    assert [event(r) for r in rows] == [(CLINICIAN, "sign_in", None, "failure")]
    assert rows[0]["user_id"] == user_id

    rows = step(staff.sign_in)
    assert [event(r) for r in rows] == [(CLINICIAN, "sign_in", None, "success")]
    assert rows[0]["user_id"] == user_id

    assert step(lambda: client.get("/clinic/")) == []  # the list is not audited
    assert step(lambda: client.get(f"/clinic/?q={reference}")) == []

    rows = step(lambda: client.get(f"/clinic/submissions/{reference}"))
    assert [event(r) for r in rows] == [(CLINICIAN, "view_answers", reference, "success")]

    rows = step(lambda: client.get(f"/clinic/submissions/{reference}/summary.pdf"))
    assert [event(r) for r in rows] == [(CLINICIAN, "download_pdf", reference, "success")]

    token = staff.csrf_token()
    log.new()
    rows = step(lambda: staff.post(f"/clinic/submissions/{reference}/reviewed", token=token))
    assert [event(r) for r in rows] == [(CLINICIAN, "mark_reviewed", reference, "success")]

    token = staff.csrf_token()
    log.new()
    rows = step(lambda: staff.post("/clinic/logout", token=token))
    assert [event(r) for r in rows] == [(CLINICIAN, "sign_out", None, "success")]
    assert rows[0]["user_id"] == user_id


def test_a_failed_sign_in_for_an_unknown_email_is_recorded_without_a_user(app, client):
    Staff(client, email="Someone@Elsewhere.Test").sign_in(password="whatever it is")
    assert [(r["email"], r["user_id"], r["action"], r["outcome"]) for r in audit_rows(app)] == [
        ("someone@elsewhere.test", None, "sign_in", "failure")
    ]


def test_a_throttled_sign_in_is_recorded_once(app, client):
    create_user(app, CLINICIAN, "clinician")
    staff = Staff(client)
    for _ in range(5):
        staff.sign_in(password="a wrong password")
    log = AuditLog(app)
    log.new()

    assert staff.sign_in().status_code == 429

    assert [event(r) for r in log.new()] == [(CLINICIAN, "sign_in", None, "throttled")]


def test_denied_attempts_are_recorded_as_denied(app, client):
    reference = submit(app, pdf=True)
    user_id = create_user(app, FRONTDESK, "frontdesk")
    staff = Staff(client, email=FRONTDESK).signed_in()
    token = staff.csrf_token()
    log = AuditLog(app)
    log.new()

    for method, url, action in (
        ("GET", f"/clinic/submissions/{reference}", "view_answers"),
        ("GET", f"/clinic/submissions/{reference}/summary.pdf", "download_pdf"),
        ("POST", f"/clinic/submissions/{reference}/reviewed", "mark_reviewed"),
    ):
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 403
        rows = log.new()
        assert [event(r) for r in rows] == [(FRONTDESK, action, reference, "denied")], url
        assert rows[0]["user_id"] == user_id


def test_anonymous_requests_write_nothing(app, client):
    reference = submit(app)
    for url in ("/clinic/", f"/clinic/submissions/{reference}", f"/clinic/submissions/{reference}/summary.pdf"):  # fmt: skip
        client.get(url)
    assert audit_rows(app) == []


def test_a_denied_request_for_a_made_up_reference_is_recorded_within_the_column(app, client):
    """The reference column holds 9 characters: a long made-up one must not break the request."""
    create_user(app, FRONTDESK, "frontdesk")
    Staff(client, email=FRONTDESK).signed_in()
    made_up = "X" * 60

    response = client.get(f"/clinic/submissions/{made_up}")

    assert response.status_code == 403
    denied = [r for r in audit_rows(app) if r["outcome"] == "denied"]
    assert len(denied) == 1
    assert denied[0]["reference"] is None or len(denied[0]["reference"]) <= 9


# No answer content ----------------------------------------------------------


def test_no_answer_content_ever_reaches_the_audit_log(app, client, runner):
    with_sentinel = dict(
        full_name=f"Patient {SENTINEL}",
        treatment_notes=f"Notes {SENTINEL}",
        allergies=f"Allergy {SENTINEL}",
        questions_for_dermatologist=f"Question {SENTINEL}",
        conditions=["other_nerve_muscle"],
        nerve_muscle_disease=f"Disease {SENTINEL}",
        pregnant_breastfeeding="yes",
    )
    reference = submit(app, pdf=True, **with_sentinel)
    create_user(app, CLINICIAN, "clinician")
    create_user(app, FRONTDESK, "frontdesk")
    clinician = Staff(client)
    clinician.sign_in(password="a wrong password")
    clinician.signed_in()
    clinician.page(f"/clinic/?q={SENTINEL}")
    assert SENTINEL in clinician.page(f"/clinic/submissions/{reference}")
    clinician.client.get(f"/clinic/submissions/{reference}/summary.pdf")
    clinician.post(f"/clinic/submissions/{reference}/reviewed")
    desk = Staff(app.test_client(), email=FRONTDESK).signed_in()
    desk.client.get(f"/clinic/submissions/{reference}")
    desk.client.get(f"/clinic/submissions/{reference}/summary.pdf")
    desk.sign_out()
    clinician.sign_out()

    rows = audit_rows(app)
    assert len(rows) >= 10
    for row in rows:
        for column, value in row.items():
            assert SENTINEL.lower() not in str(value).lower(), (column, row)
            assert "Notes" not in str(value) and "Allergy" not in str(value), (column, row)
    printed = runner.invoke(args=["audit"]).output
    assert reference in printed and SENTINEL not in printed


# Append-only -----------------------------------------------------------------


def _one_event(app, client) -> dict:
    Staff(client, email="who@clinic.test").sign_in(password="whatever it is")
    (row,) = audit_rows(app)
    return row


@pytest.mark.parametrize(
    "change",
    [
        lambda: update(AuditEvent).values(outcome="success", email="someone@else.test"),
        lambda: delete(AuditEvent),
    ],
    ids=["update", "delete"],
)
def test_the_audit_log_refuses_changes_through_sql(app, client, change):
    before = _one_event(app, client)
    with app.app_context():
        with pytest.raises(DBAPIError):
            db.session.execute(change())
            db.session.commit()
        db.session.rollback()
        db.session.remove()
    assert audit_rows(app) == [before]


def test_the_audit_log_refuses_changes_through_the_orm(app, client):
    before = _one_event(app, client)
    with app.app_context():
        row = db.session.scalar(select(AuditEvent))
        row.outcome = "success"
        with pytest.raises(DBAPIError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(AuditEvent)))
        with pytest.raises(DBAPIError):
            db.session.commit()
        db.session.rollback()
        db.session.remove()
    assert audit_rows(app) == [before]


# The audit command -------------------------------------------------------------


def test_the_audit_command_prints_one_line_per_event(app, client, runner):
    reference = submit(app, pdf=True)
    create_user(app, CLINICIAN, "clinician")
    staff = Staff(client)
    staff.sign_in(password="a wrong password")
    staff.signed_in()
    client.get(f"/clinic/submissions/{reference}")
    client.get(f"/clinic/submissions/{reference}/summary.pdf")
    staff.post(f"/clinic/submissions/{reference}/reviewed")
    staff.sign_out()

    result = runner.invoke(args=["audit"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    expected = [
        ("sign_in", None, "failure"),
        ("sign_in", None, "success"),
        ("view_answers", reference, "success"),
        ("download_pdf", reference, "success"),
        ("mark_reviewed", reference, "success"),
        ("sign_out", None, "success"),
    ]
    assert len(lines) == len(expected), result.output
    for line, (action, ref, outcome) in zip(lines, expected, strict=True):
        words = line.split()
        assert CLINICIAN in words and action in words and outcome in words, line
        if ref:
            assert ref in words, line
    assert PASSWORD not in result.output


def test_audit_since_prints_events_from_that_clinic_date_on(app, client, runner, frozen_clock):
    frozen_clock.current = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
    Staff(client, email="early@clinic.test").sign_in(password="whatever it is")
    frozen_clock.current = datetime(2026, 3, 5, 12, 0, tzinfo=timezone.utc)
    Staff(client, email="late@clinic.test").sign_in(password="whatever it is")

    def printed(since: date) -> str:
        result = runner.invoke(args=["audit", "--since", since.isoformat()])
        assert result.exit_code == 0, result.output
        return result.output

    assert "early@clinic.test" in printed(date(2026, 3, 2)) and "late@" in printed(date(2026, 3, 2))
    later = printed(date(2026, 3, 3))
    assert "early@" not in later and len(later.splitlines()) == 1 and "late@clinic.test" in later
    assert printed(date(2026, 3, 5)).splitlines() == later.splitlines()
    assert printed(date(2026, 3, 6)) == ""
    assert "2026-03-05 12:00:00" in later  # clinic time: London is on GMT in March


def test_audit_since_uses_the_clinic_day_in_summer(app, client, runner, frozen_clock):
    # 23:30 UTC on 1 July is 00:30 on 2 July in London (BST)
    frozen_clock.current = datetime(2026, 7, 1, 23, 30, tzinfo=timezone.utc)
    Staff(client, email="late@clinic.test").sign_in(password="whatever it is")
    frozen_clock.current += timedelta(hours=1)
    result = runner.invoke(args=["audit", "--since", "2026-07-02"])
    assert "late@clinic.test" in result.output
    assert "2026-07-02 00:30:00" in result.output


@pytest.mark.parametrize("zone", ["Europe/London", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_audit_since_the_first_or_last_day_of_the_calendar(tmp_path, zone):
    """F6's class of odd input for the operator: no traceback at either end of the calendar."""
    app = make_app(tmp_path, TIMEZONE=zone)
    Staff(app.test_client(), email="someone@clinic.test").sign_in(password="whatever it is")
    runner = app.test_cli_runner()

    first = runner.invoke(args=["audit", "--since", "0001-01-01"])
    last = runner.invoke(args=["audit", "--since", "9999-12-31"])

    assert (first.exit_code, last.exit_code) == (0, 0), (first.output, last.output)
    assert "someone@clinic.test" in first.output
    assert last.output == ""


def test_audit_since_refuses_a_date_it_cannot_read(runner):
    result = runner.invoke(args=["audit", "--since", "last tuesday"])
    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output or "%Y-%m-%d" in result.output
