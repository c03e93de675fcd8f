"""Logs and the audit log carry no patient data: a sentinel typed everywhere is found nowhere."""

from __future__ import annotations

import json
import logging

from sqlalchemy import select

from intake import summaries
from intake.extensions import db
from intake.models import AuditEvent
from tests.factories import answers
from tests.http.clinic_helpers import (  # noqa: F401  (quick_hashing is an autouse fixture)
    CLINICIAN,
    Staff,
    create_user,
    quick_hashing,
)

SENTINEL = "Zqxsentinel"
SENTINEL_PHONE = "0161 496 0777"


def sentinel_answers() -> dict:
    return answers(
        full_name=f"{SENTINEL} Patient",
        phone=SENTINEL_PHONE,
        treatment_notes=f"{SENTINEL} notes <b>x</b>",
        other_medicines=f"{SENTINEL} medicines",
        allergies=f"{SENTINEL} allergies",
        conditions=["other_nerve_muscle"],
        nerve_muscle_disease=f"{SENTINEL} disease",
        questions_for_dermatologist=f"{SENTINEL} question?",
    )


def assert_clean(text: str) -> None:
    assert SENTINEL.lower() not in text.lower()
    # The whole number, as typed and as digits only: a part as short as "0777" turns up by
    # chance in the random hex request ids (it made this test fail about once in a hundred).
    assert SENTINEL_PHONE not in text
    assert SENTINEL_PHONE.replace(" ", "") not in text


def test_no_patient_data_in_any_log_line_header_or_audit_row(
    app, client, patient, runner, caplog, tmp_path
):
    caplog.set_level(logging.DEBUG)
    headers: list[str] = []
    original_open = patient.client.open

    def recording_open(*args, **kwargs):
        response = original_open(*args, **kwargs)
        headers.extend(f"{k}: {v}" for k, v in response.headers.items())
        return response

    patient.client.open = recording_open
    reference = patient.complete(sentinel_answers())

    create_user(app, CLINICIAN, "clinician")
    staff = Staff(app.test_client()).signed_in()
    assert reference in staff.search(q=SENTINEL)
    staff.page(f"/clinic/submissions/{reference}")
    assert staff.client.get(f"/clinic/submissions/{reference}/summary.pdf").status_code == 200
    assert staff.client.get(f"/clinic/submissions/{reference}/fhir.json").status_code == 200
    staff.post(f"/clinic/submissions/{reference}/reviewed")
    assert runner.invoke(args=["export-pdf", reference, str(tmp_path / "x.pdf")]).exit_code == 0
    audit_output = runner.invoke(args=["audit"]).output

    request_lines = [r.getMessage() for r in caplog.records if r.name == "intake.requests"]
    assert len(request_lines) > 20  # the walk and the clinic visits were all logged
    logged = [json.loads(line) for line in request_lines]
    assert {"request_id", "route", "status", "duration_ms", "reference"} <= set(logged[0])
    assert any(entry["reference"] == reference for entry in logged)
    assert_clean(caplog.text)
    assert_clean("\n".join(headers))
    assert_clean(audit_output)
    with app.app_context():
        for event in db.session.scalars(select(AuditEvent)):
            assert_clean(
                " ".join(str(getattr(event, c.name)) for c in AuditEvent.__table__.columns)
            )
        db.session.remove()


def test_a_rendering_failure_is_logged_without_the_patients_words(
    app, patient, monkeypatch, caplog
):
    def failing(data, documents=None):
        raise ValueError(f"cannot lay out {data.answers['full_name']}")  # a message quoting text

    monkeypatch.setattr(summaries, "render_summary", failing)
    with caplog.at_level(logging.DEBUG):
        reference = patient.complete(sentinel_answers())
    assert f"PDF rendering failed for submission {reference} (ValueError)" in caplog.text
    assert_clean(caplog.text)
