"""An invitation as a FHIR R4 Task (SDC's task-based workflow: the clinic asks the patient to
complete the questionnaire), for clinicians at /clinic/appointments/<id>/task.json.

The Task's status follows the appointment's state (SPEC section 7), on FHIR R4's Task
status value set:

    not_invited               draft        no link sent yet: not ready to be acted on
    invited                   requested    the link is out, the patient has not used it
    opened                    accepted     the patient proved who they are (date of birth)
    in_progress               in-progress  answering
    submitted/reviewed/filed  completed    the output names the QuestionnaireResponse
    cancelled                 cancelled
    expired                   failed       the appointment day ended unanswered

`for` is a contained Patient with the name and date of birth: the Task goes only to the
clinic's own record system (signed-in clinicians, audited, never cached), which matches
patients on exactly that pair, as the appointment was made on it; the QuestionnaireResponse
of the same patient carries both already.
"""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, abort
from flask_login import current_user
from sqlalchemy import func, select

from intake import clock
from intake.clinic.auth import role_required
from intake.clinic.services import appointment_event
from intake.database import write_transaction
from intake.extensions import db
from intake.fhir import resources, views
from intake.models import Appointment, Invitation, Submission
from intake.questionnaire import CURRENT

bp = Blueprint("appointment_task", __name__)
bp.register_error_handler(views.FhirBaseNotSet, views.base_not_set)

SDC_TEMP = "http://hl7.org/fhir/uv/sdc/CodeSystem/temp"
STATUS = {
    "not_invited": "draft",
    "invited": "requested",
    "opened": "accepted",
    "in_progress": "in-progress",
    "submitted": "completed",
    "reviewed": "completed",
    "filed": "completed",
    "cancelled": "cancelled",
    "expired": "failed",
}


@bp.get("/clinic/appointments/<int:appointment_id>/task.json")
@role_required("clinician", action="download_task")
def task(appointment_id: int):
    base = views.fhir_base()
    appointment = db.session.get(Appointment, appointment_id) or abort(404)
    if appointment.patient_name_sealed is None:  # deleted with its submission (SPEC section 12)
        return views.outcome(
            410,
            "error",
            "deleted",
            f"Appointment {appointment_id}'s patient details have been deleted.",
        )
    first_invited_at, last_invited_at, link_ends_at = db.session.execute(
        select(
            func.min(Invitation.created_at),
            func.max(Invitation.created_at),
            func.max(Invitation.expires_at),
        ).where(Invitation.appointment_id == appointment_id)
    ).one()
    submission = db.session.scalar(
        select(Submission.reference).where(Submission.appointment_id == appointment_id)
    )
    resource = task_resource(
        appointment,
        base=base,
        first_invited_at=first_invited_at,
        last_invited_at=last_invited_at,
        link_ends_at=link_ends_at,
        submission_reference=submission,
    )
    with write_transaction() as session:
        session.add(appointment_event(current_user, "download_task", appointment_id, clock.now()))
    return views.fhir_json(resource)


def task_resource(
    appointment: Appointment,
    *,
    base: str,
    first_invited_at: datetime | None,
    last_invited_at: datetime | None,
    link_ends_at: datetime | None,
    submission_reference: str | None,
) -> dict:
    """The Task for one appointment's invitation, as plain data. It was last modified by the
    latest state change or the latest link (a resend replaces the link)."""
    ours = resources.Ours(base)
    resource: dict[str, object] = {
        "resourceType": "Task",
        "id": f"appointment-{appointment.id}",
        "contained": [_patient(appointment)],
        "status": STATUS[appointment.state],
        "businessStatus": {"text": appointment.state.replace("_", " ")},
        "intent": "order",
        "code": {
            "coding": [
                {
                    "system": SDC_TEMP,
                    "code": "complete-questionnaire",
                    "display": "Complete Questionnaire",
                }
            ]
        },
        "for": {"reference": f"#{resources.PATIENT_ID}"},
        "authoredOn": _instant(first_invited_at or appointment.created_at),
        "lastModified": _instant(
            max(filter(None, (appointment.state_changed_at, last_invited_at)))
        ),
        "input": [
            {
                "type": {"coding": [{"system": SDC_TEMP, "code": "questionnaire"}]},
                "valueCanonical": ours.canonical(CURRENT),
            }
        ],
    }
    if link_ends_at is not None:
        resource["restriction"] = {"period": {"end": _instant(link_ends_at)}}
    if submission_reference is not None:
        resource["output"] = [
            {
                "type": {"coding": [{"system": SDC_TEMP, "code": "questionnaire-response"}]},
                "valueReference": {
                    "type": "QuestionnaireResponse",
                    "identifier": {
                        "system": ours.reference_system,
                        "value": submission_reference,
                    },
                },
            }
        ]
    return resource


def _patient(appointment: Appointment) -> dict:
    return {
        "resourceType": "Patient",
        "id": resources.PATIENT_ID,
        "name": [{"text": appointment.patient_name}],
        "birthDate": appointment.date_of_birth.isoformat(),
    }


def _instant(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()
