"""FHIR endpoints: the public Questionnaire (each version, and the standard search that
resolves a response's `questionnaire`), and a submission's QuestionnaireResponse for
clinicians.

Every resource is built on the canonical base `INTAKE_FHIR_BASE` (config `FHIR_BASE`). In
development (debug) and in the tests a placeholder base serves; anywhere else, until the
setting is made, every FHIR endpoint answers 500 with an OperationOutcome saying to set it,
rather than export identifiers that would have to change later.
"""

from __future__ import annotations

import hashlib
import json
import logging

from flask import Blueprint, Response, abort, current_app, request
from flask_login import current_user

from intake import summaries
from intake.clinic import queries, services
from intake.clinic.auth import role_required
from intake.fhir import resources
from intake.models import Submission

bp = Blueprint("fhir", __name__)
log = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"
BASE_NOT_SET = (
    "FHIR export is not configured: set INTAKE_FHIR_BASE to this service's FHIR base URL "
    "(for example https://intake.your-clinic.example/fhir) and restart. Every canonical URL "
    "of the questionnaire and its responses is built on it; the development default "
    f"({resources.DEVELOPMENT_BASE}) is not used in production."
)


class FhirBaseNotSet(Exception):
    """A FHIR export in production without INTAKE_FHIR_BASE."""


def fhir_base() -> str:
    """The configured base; the development one only in debug or testing."""
    configured = current_app.config.get("FHIR_BASE")
    if configured:
        return configured
    if current_app.debug or current_app.testing:
        return resources.DEVELOPMENT_BASE
    raise FhirBaseNotSet


@bp.errorhandler(FhirBaseNotSet)
def base_not_set(error: FhirBaseNotSet) -> Response:
    log.error("FHIR request refused: INTAKE_FHIR_BASE is not set")
    return outcome(500, "fatal", "exception", BASE_NOT_SET)


@bp.get("/fhir/Questionnaire")
def search_questionnaires():
    """The standard search by url and version: a searchset Bundle (empty when nothing matches)."""
    bundle = resources.questionnaire_searchset(
        base=fhir_base(), url=request.args.get("url"), version=request.args.get("version")
    )
    return fhir_json(bundle)


@bp.get("/fhir/Questionnaire/<resource_id>")
def questionnaire(resource_id: str):
    """`acne-botox-preconsult` is the current version; `acne-botox-preconsult-2026.1` and the
    like are earlier ones (the fullUrls of the search's entries)."""
    base = fhir_base()
    found = resources.find_by_resource_id(resource_id)
    if found is None:
        return outcome(404, "error", "not-found", f"No Questionnaire {resource_id!r} here.")
    return fhir_json(resources.questionnaire_resource(found, base=base))


@bp.get("/clinic/submissions/<reference>/fhir.json")
@role_required("clinician", action="download_fhir")
def questionnaire_response(reference: str):
    base = fhir_base()
    found = queries.find(reference) or abort(404)
    if found.is_deleted:  # a tombstone: its answers are gone (SPEC section 12)
        return outcome(
            410,
            "error",
            "deleted",
            f"Submission {found.reference} has been deleted: its answers are gone.",
        )
    clinic_timezone = current_app.config["TIMEZONE"]
    resource = resources.questionnaire_response(
        base=base,
        reference=found.reference,
        answers=found.answers,
        questionnaire_version=found.questionnaire_version,
        submitted_at=found.submitted_at,
        language=found.language,
        pdf_sha256=_pdf_sha256(found, clinic_timezone),
        clinic_timezone=clinic_timezone,
    )
    services.audit(current_user, "download_fhir", found.reference)
    return fhir_json(resource, download=f"{found.reference}.fhir.json")


def _pdf_sha256(submission: Submission, clinic_timezone: str) -> str:
    """The stored PDF's hash; when rendering failed at submit, the PDF is rendered and kept first."""
    if submission.pdf_sha256:
        return submission.pdf_sha256
    return hashlib.sha256(summaries.stored_pdf(submission, clinic_timezone)).hexdigest()


def outcome(status: int, severity: str, code: str, message: str) -> Response:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": message}],
    }
    response = fhir_json(body)
    response.status_code = status
    return response


def fhir_json(resource: dict, download: str | None = None) -> Response:
    headers = {"Cache-Control": "no-store"}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{download}"'
    body = json.dumps(resource, ensure_ascii=False, indent=2)
    return Response(body, mimetype=FHIR_JSON, headers=headers)
