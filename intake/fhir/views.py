"""FHIR endpoints: the public Questionnaire, and a submission's QuestionnaireResponse for clinicians."""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, abort, current_app
from flask_login import current_user

from intake import summaries
from intake.clinic import queries, services
from intake.clinic.auth import role_required
from intake.fhir import resources
from intake.models import Submission
from intake.questionnaire import QUESTIONNAIRE_ID

bp = Blueprint("fhir", __name__)

FHIR_JSON = "application/fhir+json"


@bp.get(f"/fhir/Questionnaire/{QUESTIONNAIRE_ID}")
def questionnaire():
    return _fhir_json(resources.questionnaire_resource())


@bp.get("/clinic/submissions/<reference>/fhir.json")
@role_required("clinician", action="download_fhir")
def questionnaire_response(reference: str):
    found = queries.find(reference) or abort(404)
    clinic_timezone = current_app.config["TIMEZONE"]
    resource = resources.questionnaire_response(
        reference=found.reference,
        answers=found.answers,
        submitted_at=found.submitted_at,
        language=found.language,
        pdf_sha256=_pdf_sha256(found, clinic_timezone),
        clinic_timezone=clinic_timezone,
    )
    services.audit(current_user, "download_fhir", found.reference)
    return _fhir_json(resource, download=f"{found.reference}.fhir.json")


def _pdf_sha256(submission: Submission, clinic_timezone: str) -> str:
    """The stored PDF's hash; when rendering failed at submit, the PDF is rendered and kept first."""
    if submission.pdf_sha256:
        return submission.pdf_sha256
    return hashlib.sha256(summaries.stored_pdf(submission, clinic_timezone)).hexdigest()


def _fhir_json(resource: dict, download: str | None = None) -> Response:
    headers = {"Cache-Control": "no-store"}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{download}"'
    body = json.dumps(resource, ensure_ascii=False, indent=2)
    return Response(body, mimetype=FHIR_JSON, headers=headers)
