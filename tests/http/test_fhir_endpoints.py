"""FHIR over HTTP: the public Questionnaire of every version and the search that resolves a
response's `questionnaire`, a submission's response (in the version it was answered in)
guarded and audited like its PDF, and the canonical base as a setting."""

from __future__ import annotations

import hashlib
import json
import logging

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from intake import config, questionnaire
from intake.fhir.resources import (
    DEVELOPMENT_BASE,
    Ours,
    answers_from_response,
    questionnaire_resource,
)
from tests.factories import answers_2026_1
from tests.http.clinic_helpers import (
    CLINICIAN,
    FRONTDESK,
    Staff,
    audit_rows,
    create_user,
    quick_hashing,  # noqa: F401 (an autouse fixture: cheap argon2id)
    sent_to_sign_in,
    stored_pdf,
    stored_submission,
    submit,
    submit_answered_in,
)
from tests.support import make_app

QUESTIONNAIRE_PATH = "/fhir/Questionnaire/acne-botox-preconsult"
PDF_SHA256_EXTENSION = Ours(DEVELOPMENT_BASE).pdf_sha256
CLINIC_BASE = "https://intake.clinic.test/fhir"


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
    assert body == json.loads(json.dumps(questionnaire_resource(base=DEVELOPMENT_BASE)))
    assert (body["version"], body["status"]) == (questionnaire.CURRENT.version, "active")
    assert response.headers["Cache-Control"] == "no-store"
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
    reference = submit(
        app, pdf=True, treatments_now=["isotretinoin"], response_isotretinoin="too_soon"
    )
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
    assert answers_from_response(body, base=DEVELOPMENT_BASE) == stored.answers
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
    assert hashlib.sha256(stored_pdf(app, reference)).hexdigest() == stored.pdf_sha256


# Every version stays resolvable -------------------------------------------------


def search(client, **parameters) -> dict:
    """The standard search as a FHIR client sends it; a valid searchset Bundle, public."""
    response = client.get("/fhir/Questionnaire", query_string=parameters)
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert response.headers["Cache-Control"] == "no-store"
    bundle = response.get_json(force=True)
    Bundle.model_validate(bundle)
    assert bundle["type"] == "searchset"
    assert bundle["total"] == len(bundle.get("entry", []))
    for entry in bundle.get("entry", []):
        assert entry["search"] == {"mode": "match"}
        Questionnaire.model_validate(entry["resource"])
    return bundle


def resolve(client, canonical: str) -> dict:
    """A response's `questionnaire` (url|version) resolved through the search."""
    url, _, version = canonical.partition("|")
    bundle = search(client, url=url, version=version)
    assert bundle["total"] == 1, canonical
    return bundle["entry"][0]["resource"]


def link_ids(resource: dict) -> set[str]:
    found = set()

    def walk(items):
        for item in items:
            found.add(item["linkId"])
            walk(item.get("item", []))

    walk(resource["item"])
    return found


@pytest.mark.parametrize("version", list(questionnaire.VERSIONS))
def test_search_by_url_and_version_returns_that_version(app, client, version):
    url = f"{DEVELOPMENT_BASE}/Questionnaire/acne-botox-preconsult"
    bundle = search(client, url=url, version=version)
    (entry,) = bundle["entry"]
    expected = questionnaire_resource(questionnaire.find(version), base=DEVELOPMENT_BASE)
    assert entry["resource"] == json.loads(json.dumps(expected))
    assert (entry["resource"]["url"], entry["resource"]["version"]) == (url, version)
    # the entry's fullUrl is where the resource is read
    path = entry["fullUrl"].removeprefix(DEVELOPMENT_BASE)
    assert path.startswith("/Questionnaire/")
    read = client.get(f"/fhir{path}")
    assert read.status_code == 200 and read.get_json(force=True) == entry["resource"]
    assert audit_rows(app) == []


def test_search_without_a_version_returns_every_version_and_unknowns_return_none(client):
    url = f"{DEVELOPMENT_BASE}/Questionnaire/acne-botox-preconsult"
    every = search(client, url=url)
    assert [e["resource"]["version"] for e in every["entry"]] == list(questionnaire.VERSIONS)
    for parameters in (
        {"url": url, "version": "2025.9"},
        {"url": "https://elsewhere.test/fhir/Questionnaire/acne-botox-preconsult"},
        {"url": f"{DEVELOPMENT_BASE}/Questionnaire/something-else", "version": "2026.2"},
    ):
        bundle = search(client, **parameters)
        assert bundle["total"] == 0 and "entry" not in bundle, parameters


def test_an_unknown_questionnaire_id_is_a_fhir_404(client):
    response = client.get("/fhir/Questionnaire/acne-botox-preconsult-2025.9")
    assert response.status_code == 404
    assert response.mimetype == "application/fhir+json"
    OperationOutcome.model_validate(response.get_json(force=True))


def test_a_2026_1_submission_is_exported_as_2026_1_and_resolves(app, client):
    stored_answers = answers_2026_1(
        makeup_shine="yes", treatments=["isotretinoin"], isotretinoin_last="last_6_months"
    )
    reference = submit_answered_in(app, "2026.1", stored_answers)
    create_user(app, CLINICIAN, "clinician")
    Staff(client).signed_in()

    body = client.get(fhir_json_path(reference)).get_json(force=True)

    QuestionnaireResponse.model_validate(body)
    canonical = f"{DEVELOPMENT_BASE}/Questionnaire/acne-botox-preconsult|2026.1"
    assert body["questionnaire"] == canonical
    assert {"makeup_shine", "treatments", "treatment_response", "isotretinoin_last"} <= link_ids(
        body
    )
    assert not {"shine", "treatments_now", "treatments_before"} & link_ids(body)
    assert link_ids(body) <= link_ids(resolve(client, body["questionnaire"]))
    assert answers_from_response(body, base=DEVELOPMENT_BASE) == stored_answers
    assert stored_submission(app, reference).questionnaire_version == "2026.1"
    flags = next(r for r in body["contained"] if r["id"] == "safety-flags")
    assert "recent_isotretinoin" in json.dumps(flags)  # 2026.1's own flag rules
    assert not [r for r in body["contained"] if r["id"] == "clinical-considerations"]


def test_a_current_submission_is_exported_as_2026_2_and_resolves(app, client):
    reference = submit(
        app, pdf=True, treatments_now=["isotretinoin"], response_isotretinoin="too_soon"
    )
    create_user(app, CLINICIAN, "clinician")
    Staff(client).signed_in()

    body = client.get(fhir_json_path(reference)).get_json(force=True)

    assert body["questionnaire"] == f"{DEVELOPMENT_BASE}/Questionnaire/acne-botox-preconsult|2026.2"
    assert {"shine", "treatments_now", "response_isotretinoin"} <= link_ids(body)
    assert not {"makeup_shine", "treatments"} & link_ids(body)
    assert link_ids(body) <= link_ids(resolve(client, body["questionnaire"]))
    considerations = next(r for r in body["contained"] if r["id"] == "clinical-considerations")
    assert "isotretinoin_now" in json.dumps(considerations)


# The canonical base is a setting ---------------------------------------------------


def test_intake_fhir_base_changes_every_canonical(app, tmp_path):
    """On the database of `app` (emptied first on PostgreSQL), with the clinic's base."""
    app = make_app(tmp_path, FHIR_BASE=f"{CLINIC_BASE}/")  # a trailing slash is dropped
    client = app.test_client()
    reference = submit_answered_in(app, "2026.1", answers_2026_1())
    create_user(app, CLINICIAN, "clinician")

    current = client.get(QUESTIONNAIRE_PATH).get_json(force=True)
    assert current["url"] == f"{CLINIC_BASE}/Questionnaire/acne-botox-preconsult"
    Staff(client).signed_in()
    body = client.get(fhir_json_path(reference)).get_json(force=True)
    assert body["questionnaire"] == f"{CLINIC_BASE}/Questionnaire/acne-botox-preconsult|2026.1"
    assert resolve(client, body["questionnaire"])["version"] == "2026.1"
    every = search(client, url=current["url"])
    for resource in (current, body, every):
        text = json.dumps(resource)
        assert DEVELOPMENT_BASE not in text and "intake.example.org" not in text
        assert CLINIC_BASE in text
    assert (
        search(client, url=f"{DEVELOPMENT_BASE}/Questionnaire/acne-botox-preconsult")["total"] == 0
    )
    assert answers_from_response(body, base=CLINIC_BASE) == answers_2026_1()


def test_intake_fhir_base_is_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("INTAKE_SECRET_KEY", "test-secret")
    monkeypatch.delenv("INTAKE_FHIR_BASE", raising=False)
    assert config.from_environment(str(tmp_path))["FHIR_BASE"] is None
    monkeypatch.setenv("INTAKE_FHIR_BASE", CLINIC_BASE)
    assert config.from_environment(str(tmp_path))["FHIR_BASE"] == CLINIC_BASE


@pytest.mark.parametrize(
    "malformed",
    [
        "intake.clinic.test/fhir",
        "ftp://intake.clinic.test/fhir",
        "https://",
        "https://x.test/fhir?a=1",
    ],
)
def test_a_malformed_base_fails_at_start(tmp_path, malformed):
    with pytest.raises(ValueError, match="INTAKE_FHIR_BASE"):
        make_app(tmp_path, FHIR_BASE=malformed)


def in_production(app):
    """The same app as it runs under gunicorn: neither testing nor debug."""
    app.config["TESTING"] = False
    app.debug = False
    return app


def test_in_production_without_the_base_every_fhir_endpoint_says_to_set_it(app, client, caplog):
    reference = submit(app, pdf=True)
    create_user(app, CLINICIAN, "clinician")
    Staff(client).signed_in()
    in_production(app)

    for path in (
        QUESTIONNAIRE_PATH,
        "/fhir/Questionnaire?version=2026.1",
        "/fhir/Questionnaire/acne-botox-preconsult-2026.1",
        fhir_json_path(reference),
    ):
        with caplog.at_level(logging.ERROR, logger="intake"):
            response = client.get(path)
        assert response.status_code == 500, path
        assert response.mimetype == "application/fhir+json"
        assert "Content-Disposition" not in response.headers
        outcome = response.get_json(force=True)
        OperationOutcome.model_validate(outcome)
        (issue,) = outcome["issue"]
        assert "set INTAKE_FHIR_BASE" in issue["diagnostics"]
        assert "Ada Lovelace" not in response.get_data(as_text=True)
    assert "INTAKE_FHIR_BASE is not set" in caplog.text
    assert events(app, "download_fhir") == []  # nothing was exported


def test_in_production_with_the_base_set_fhir_is_served(tmp_path):
    app = in_production(make_app(tmp_path, FHIR_BASE=CLINIC_BASE))
    response = app.test_client().get(QUESTIONNAIRE_PATH)
    assert response.status_code == 200
    assert response.get_json(force=True)["url"].startswith(f"{CLINIC_BASE}/")


def test_in_development_the_placeholder_base_serves(app, client):
    in_production(app).debug = True  # flask --app app run --debug
    response = client.get(QUESTIONNAIRE_PATH)
    assert response.status_code == 200
    assert response.get_json(force=True)["url"].startswith(f"{DEVELOPMENT_BASE}/")
