"""FHIR over HTTP: the public Questionnaire, and a submission's response guarded and audited like its PDF."""

from __future__ import annotations

import hashlib
import json

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from intake.fhir.resources import (
    PDF_SHA256_EXTENSION,
    answers_from_response,
    questionnaire_resource,
)
from tests.http.clinic_helpers import (
    CLINICIAN,
    FRONTDESK,
    Staff,
    audit_rows,
    create_user,
    quick_hashing,  # noqa: F401 (an autouse fixture: cheap argon2id)
    sent_to_sign_in,
    stored_submission,
    submit,
)

QUESTIONNAIRE_PATH = "/fhir/Questionnaire/acne-botox-preconsult"


def fhir_json_path(reference: str) -> str:
    return f"/clinic/submissions/{reference}/fhir.json"


def events(app, action: str) -> list[tuple]:
    return [
        (row["email"], row["action"], row["reference"], row["outcome"])
        for row in audit_rows(app)
        if row["action"] == action
    ]


def test_questionnaire_is_public_fhir_json(app, client):
    response = client.get(QUESTIONNAIRE_PATH)
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    body = response.get_json(force=True)
    Questionnaire.model_validate(body)
    assert body == json.loads(json.dumps(questionnaire_resource()))
    assert audit_rows(app) == []


def test_anonymous_is_sent_to_sign_in(app, client):
    reference = submit(app, pdf=True)
    path = fhir_json_path(reference)
    assert sent_to_sign_in(client.get(path), path)
    assert events(app, "download_fhir") == []


def test_front_desk_is_refused_and_audited(app, client):
    reference = submit(app, pdf=True)
    create_user(app, FRONTDESK, "frontdesk")
    Staff(client, email=FRONTDESK).signed_in()
    response = client.get(fhir_json_path(reference))
    assert response.status_code == 403
    assert "Ada Lovelace" not in response.get_data(as_text=True)
    assert events(app, "download_fhir") == [(FRONTDESK, "download_fhir", reference, "denied")]


def test_unknown_reference_is_404(app, client):
    create_user(app, CLINICIAN, "clinician")
    Staff(client).signed_in()
    assert client.get(fhir_json_path("ZZZZ-ZZZZ")).status_code == 404
    assert events(app, "download_fhir") == []


def test_clinician_downloads_the_response_and_it_is_audited(app, client):
    reference = submit(app, pdf=True, treatments=["isotretinoin"], isotretinoin_last="now")
    user_id = create_user(app, CLINICIAN, "clinician")
    Staff(client).signed_in()

    response = client.get(fhir_json_path(reference.lower()))

    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert response.headers["Cache-Control"] == "no-store"
    assert f'filename="{reference}.fhir.json"' in response.headers["Content-Disposition"]
    body = response.get_json(force=True)
    QuestionnaireResponse.model_validate(body)
    stored = stored_submission(app, reference)
    assert body["id"] == reference
    assert answers_from_response(body) == stored.answers
    assert events(app, "download_fhir") == [(CLINICIAN, "download_fhir", reference, "success")]
    row = next(r for r in audit_rows(app) if r["action"] == "download_fhir")
    assert row["user_id"] == user_id


def test_the_response_carries_the_hash_of_the_pdf_a_clinician_downloads(app, client):
    reference = submit(app, pdf=True)
    create_user(app, CLINICIAN, "clinician")
    Staff(client).signed_in()
    body = client.get(fhir_json_path(reference)).get_json(force=True)
    pdf = client.get(f"/clinic/submissions/{reference}/summary.pdf").data
    carried = [e["valueString"] for e in body["extension"] if e["url"] == PDF_SHA256_EXTENSION]
    assert carried == [hashlib.sha256(pdf).hexdigest()]
    assert carried == [stored_submission(app, reference).pdf_sha256]


def test_a_pdf_that_failed_at_submit_is_rendered_first_so_the_hash_still_matches(app, client):
    reference = submit(app, pdf=False)
    create_user(app, CLINICIAN, "clinician")
    Staff(client).signed_in()
    body = client.get(fhir_json_path(reference)).get_json(force=True)
    stored = stored_submission(app, reference)
    assert stored.pdf_sha256 is not None
    assert body["extension"] == [{"url": PDF_SHA256_EXTENSION, "valueString": stored.pdf_sha256}]
    assert hashlib.sha256(stored.pdf).hexdigest() == stored.pdf_sha256
