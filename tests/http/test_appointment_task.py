"""The FHIR Task of an invitation (SDC task-based workflow) at
/clinic/appointments/<id>/task.json: valid R4, its status following the appointment's state,
the questionnaire as input, the response as output once submitted; for clinicians only,
audited, never cached."""

from __future__ import annotations

import json
from datetime import date, time

import pytest
from fhir.resources.R4B.task import Task
from sqlalchemy import select

from intake import clock
from intake.appointments import services
from intake.database import write_transaction
from intake.extensions import db
from intake.fhir.resources import DEVELOPMENT_BASE
from intake.models import AuditEvent, Submission
from intake.questionnaire import CURRENT
from tests.http.clinic_helpers import FRONTDESK, Staff, create_user

NEW = services.NewAppointment(
    patient_name="Ana <b>López</b>",
    date_of_birth=date(1990, 5, 17),
    appointment_date=date(2026, 12, 4),
    appointment_time=time(9, 30),
    email="ana@example.org",
    language="es",
)
SDC_TEMP = "http://hl7.org/fhir/uv/sdc/CodeSystem/temp"


def added(app, invite: bool = True) -> int:
    with app.app_context():
        appointment_id = services.add(NEW, None)
        assert appointment_id is not None
        if invite:
            services.issue_invitation(appointment_id, None, "Europe/London")
        return appointment_id


def task_of(client, appointment_id: int) -> dict:
    response = client.get(f"/clinic/appointments/{appointment_id}/task.json")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert response.headers["Cache-Control"] == "no-store"
    resource = json.loads(response.get_data(as_text=True))
    Task.model_validate(resource)  # raises when not valid FHIR R4
    return resource


def test_an_invitation_is_a_requested_task_to_complete_the_questionnaire(app, client, clinician):
    appointment_id = added(app)
    Staff(client).signed_in()
    task = task_of(client, appointment_id)
    assert task["status"] == "requested"
    assert task["intent"] == "order"
    assert task["code"]["coding"][0] == {
        "system": SDC_TEMP,
        "code": "complete-questionnaire",
        "display": "Complete Questionnaire",
    }
    assert task["input"] == [
        {
            "type": {"coding": [{"system": SDC_TEMP, "code": "questionnaire"}]},
            "valueCanonical": (f"{DEVELOPMENT_BASE}/Questionnaire/{CURRENT.id}|{CURRENT.version}"),
        }
    ]
    assert task["for"] == {"reference": "#patient"}
    assert task["contained"] == [
        {
            "resourceType": "Patient",
            "id": "patient",
            "name": [{"text": "Ana <b>López</b>"}],
            "birthDate": "1990-05-17",
        }
    ]
    assert task["restriction"]["period"]["end"] == "2026-12-05T00:00:00+00:00"
    assert "output" not in task
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "download_task")
        ).one()
        assert (event.appointment_id, event.email) == (appointment_id, clinician)


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("opened", "accepted"),
        ("in_progress", "in-progress"),
        ("expired", "failed"),
        ("cancelled", "cancelled"),
    ],
)
def test_the_status_follows_the_appointment(app, client, clinician, state, status):
    appointment_id = added(app)
    with app.app_context():
        if state == "cancelled":
            services.cancel(appointment_id, None)
        else:
            services.advance(appointment_id, state)
    Staff(client).signed_in()
    task = task_of(client, appointment_id)
    assert (task["status"], task["businessStatus"]["text"]) == (status, state.replace("_", " "))


def test_not_yet_invited_is_a_draft(app, client, clinician):
    appointment_id = added(app, invite=False)
    Staff(client).signed_in()
    task = task_of(client, appointment_id)
    assert task["status"] == "draft"
    assert "restriction" not in task


def test_once_submitted_the_output_names_the_response(app, client, clinician):
    appointment_id = added(app)
    with app.app_context():
        with write_transaction() as session:
            session.add(
                Submission(
                    reference="ABCD-2345",
                    draft_token_hash="0" * 64,
                    questionnaire_id=CURRENT.id,
                    questionnaire_version=CURRENT.version,
                    answers={},
                    submitted_at=clock.now(),
                    patient_name=NEW.patient_name,
                    appointment_id=appointment_id,
                )
            )
        services.advance(appointment_id, "submitted")
    Staff(client).signed_in()
    task = task_of(client, appointment_id)
    assert task["status"] == "completed"
    assert task["output"] == [
        {
            "type": {"coding": [{"system": SDC_TEMP, "code": "questionnaire-response"}]},
            "valueReference": {
                "type": "QuestionnaireResponse",
                "identifier": {
                    "system": f"{DEVELOPMENT_BASE}/NamingSystem/submission-reference",
                    "value": "ABCD-2345",
                },
            },
        }
    ]


def test_only_clinicians_get_it_and_an_unknown_id_is_404(app, client, clinician):
    appointment_id = added(app)
    url = f"/clinic/appointments/{appointment_id}/task.json"
    assert client.get(url).status_code == 302  # to the sign-in page
    create_user(app, FRONTDESK, "frontdesk")
    desk = Staff(client, FRONTDESK).signed_in()
    assert client.get(url).status_code == 403
    desk.sign_out()
    Staff(client).signed_in()
    assert client.get(f"/clinic/appointments/{appointment_id + 1}/task.json").status_code == 404
    with app.app_context():
        outcomes = db.session.scalars(
            select(AuditEvent.outcome).where(AuditEvent.action == "download_task")
        ).all()
    assert outcomes == ["denied"]
