"""`flask --app app demo --count N`: synthetic submissions in bulk, sealed and indexed as the
submit path would, to try the clinic at scale (SPEC section 12, "Scale")."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from intake import clock, keys, questionnaire, search
from intake.appointments.services import NewAppointment, natural_key
from intake.extensions import db
from intake.models import Appointment, SearchGram, Submission, SubmissionPdf
from tests.http.clinic_helpers import (
    CLINICIAN,
    Staff,
    create_user,
    quick_hashing,  # noqa: F401 (an autouse fixture: cheap argon2id)
)

LISTED = re.compile(r'class="reference-cell">(?:<a [^>]*>)?([A-Z0-9]{4}-[A-Z0-9]{4})<')


def test_demo_count_adds_sealed_searchable_submissions_and_prints_its_rate(app, runner, client):
    create_user(app, CLINICIAN, "clinician")  # the reviewer of those reviewed
    result = runner.invoke(args=["demo", "--count", "300"])

    assert result.exit_code == 0, result.output
    rate = re.fullmatch(
        r"Added 300 submissions and ([\d,]+) appointments in [\d.]+ s: ([\d,]+) submissions a "
        r"second\n",
        result.output,
    )
    assert rate, result.output
    with app.app_context():
        stored = db.session.scalars(select(Submission)).all()
        assert len(stored) == 300
        today = clock.today(app.config["TIMEZONE"])
        for submission in stored:
            # Opened through the models, with the submission's own key.
            assert submission.patient_name == submission.answers["full_name"]
            assert questionnaire.applicable_answers(submission.answers) == submission.answers
            assert today - timedelta(days=731) <= submission.submitted_at.date() <= today
            assert submission.pdf_sha256 is None and not submission.is_deleted
        key_ids = {s.key_id for s in stored}
        assert len(key_ids) == 300 and keys.SEARCH_KEY_ID not in key_ids
        assert len({s.reference for s in stored}) == 300
        assert len({s.patient_name for s in stored}) > 100  # varied names
        assert any(s.reviewed_at for s in stored) and not all(s.reviewed_at for s in stored)
        assert any(s.appointment_date for s in stored)
        assert any(s.appointment_date is None for s in stored)
        assert db.session.scalar(select(func.count()).select_from(SubmissionPdf)) == 0
        # Nothing readable in the sealed columns.
        sample = stored[0]
        assert sample.patient_name.encode() not in sample.patient_name_sealed
        assert sample.reference.encode() not in sample.answers_sealed

        appointments = db.session.scalars(select(Appointment)).all()
        assert len(appointments) == int(rate[1].replace(",", "")) > 0
        assert {a.appointment_date for a in appointments} >= {today}
        for appointment in appointments:
            assert appointment.date_of_birth < today and appointment.patient_name
            assert appointment.natural_key == natural_key(
                db.session,
                NewAppointment(
                    appointment.patient_name,
                    appointment.date_of_birth,
                    appointment.appointment_date,
                    appointment.appointment_time,
                    appointment.email,
                    appointment.language,
                ),
            )
        answered = [s for s in stored if s.appointment_id is not None]
        assert answered
        by_id = {a.id: a for a in appointments}
        for submission in answered:
            appointment = by_id[submission.appointment_id]
            assert appointment.state in ("submitted", "reviewed")
            assert submission.patient_name == appointment.patient_name
            assert submission.appointment_date == appointment.appointment_date
        # Indexed as the submit path indexes (intake.search.index_rows).
        key = keys.search_key(db.session)
        for submission in stored[::37]:
            indexed = db.session.scalars(
                select(SearchGram.gram).where(SearchGram.submission_id == submission.id)
            )
            expected = search.index_rows(
                key, submission.id, submission.patient_name, submission.reference
            )
            assert set(indexed) == {row["gram"] for row in expected}
        wanted = stored[-1]
        name, reference = wanted.patient_name, wanted.reference
        same_name = sum(s.patient_name == name for s in stored)
        db.session.remove()

    staff = Staff(client).signed_in()
    by_reference = staff.search(q=reference.replace("-", "").lower())
    assert LISTED.findall(by_reference) == [reference]
    by_name = staff.search(q=name.upper())
    assert reference in LISTED.findall(by_name)
    assert len(LISTED.findall(by_name)) >= min(same_name, 50)
    assert staff.page("/clinic/day").count("<tr") > 1


def test_demo_count_adds_to_what_is_there_with_new_references(app, runner, client):
    for _ in range(2):
        result = runner.invoke(args=["demo", "--count", "525"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        references = db.session.scalars(select(Submission.reference)).all()
        assert len(references) == len(set(references)) == 1050
        # No clinician: none reviewed (no one to have reviewed them).
        assert not db.session.scalar(
            select(func.count()).where(Submission.reviewed_at.is_not(None))
        )
        db.session.remove()
    create_user(app, CLINICIAN, "clinician")
    assert "1,050 submissions, page 1 of 21" in Staff(client).signed_in().page("/clinic/")


def test_demo_count_must_be_positive(runner):
    result = runner.invoke(args=["demo", "--count", "0"])
    assert result.exit_code == 2
    assert "0 is not in the range x>=1" in result.output
