"""FHIR export: the Questionnaire and every response validate as FHIR and agree with each other.

fhir.resources 8 defaults to R5; its `R4B` models are the R4-compatible ones (R4B did not
change Questionnaire, QuestionnaireResponse, Patient, Observation or RiskAssessment), so
validation uses `fhir.resources.R4B`.
"""

from __future__ import annotations

import ast
import gettext
import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from babel.support import Translations
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from intake.assessment import FLAG_TEXTS, NO_FLAGS_TEXT, assess
from intake.fhir import resources
from intake.fhir.resources import (
    ANSWER_SYSTEM,
    PDF_SHA256_EXTENSION,
    QUESTIONNAIRE_CANONICAL,
    QUESTIONNAIRE_URL,
    TRANSLATION,
    TRANSLATIONS_DIR,
    answers_from_response,
    questionnaire_resource,
    questionnaire_response,
)
from intake.questionnaire import QUESTIONS, STEPS, Kind
from tests.factories import answers

SUBMITTED_AT = datetime(2026, 11, 26, 14, 5, 30, tzinfo=timezone.utc)
PDF_SHA256 = "9f" * 32
TIMEZONE = "Europe/London"


def _age_15() -> str:
    today = date.today()
    return date(today.year - 15, 1, 1).isoformat()


# Answer sets covering conditional questions shown and hidden, empty optionals and every flag.
MATRIX = {
    "complete, isotretinoin hidden": {},
    "isotretinoin shown": {
        "treatments": ["antibiotic_tablets", "isotretinoin"],
        "isotretinoin_last": "over_12_months",
    },
    "no treatments": {"treatments": ["none"]},
    "every optional empty": {
        "appointment_date": None,
        "phone": None,
        "flares": None,
        "treatment_notes": None,
        "other_allergies": None,
        "questions_for_dermatologist": None,
    },
    "every contraindication and most cautions": {
        "date_of_birth": _age_15(),
        "spot_types": ["nodules", "red_bumps"],
        "marks": "scars",
        "treatments": ["isotretinoin"],
        "isotretinoin_last": "last_6_months",
        "pregnancy": "yes",
        "conditions": [
            "myasthenia_gravis",
            "lambert_eaton",
            "nerve_muscle_disease",
            "bleeding_disorder",
            "skin_infection",
        ],
        "medicines": [
            "blood_thinners",
            "anti_inflammatories",
            "aminoglycosides",
            "muscle_relaxants",
        ],
        "recent_toxin": "yes",
        "toxin_allergy": "yes",
        "injection_weakness": "yes",
    },
    "the uncertain answers": {
        "pregnancy": "not_sure",
        "toxin_allergy": "not_sure",
        "recent_toxin": "not_sure",
        "isotretinoin_last": "now",
        "treatments": ["isotretinoin"],
    },
    "names and text in other scripts": {
        "full_name": "Nguyễn Thị Ánh — Ελένη Ωμέγα — Анна",
        "treatment_notes": 'Line one\nline two "quoted" <b>not markup</b> & 100%',
    },
}


def response_for(stored: dict, language: str = "en", pdf_sha256: str | None = PDF_SHA256) -> dict:
    resource = questionnaire_response(
        reference="ABCD-2345",
        answers=stored,
        submitted_at=SUBMITTED_AT,
        language=language,
        pdf_sha256=pdf_sha256,
        clinic_timezone=TIMEZONE,
    )
    return json.loads(json.dumps(resource))  # as a client receives it


@pytest.fixture(params=MATRIX, ids=list(MATRIX))
def stored(request) -> dict:
    return answers(**MATRIX[request.param])


# Reading the resources the way a FHIR client would -------------------------


def questionnaire_items() -> dict[str, tuple[dict, str | None]]:
    """Every Questionnaire item by linkId, with its parent's linkId."""
    found = {}

    def walk(items, parent):
        for item in items:
            found[item["linkId"]] = (item, parent)
            walk(item.get("item", []), item["linkId"])

    walk(questionnaire_resource()["item"], None)
    return found


def response_items(resource: dict) -> list[tuple[dict, str | None]]:
    found = []

    def walk(items, parent):
        for item in items:
            found.append((item, parent))
            walk(item.get("item", []), item["linkId"])

    walk(resource["item"], None)
    return found


def is_enabled(item: dict, answered: dict[str, list]) -> bool:
    """The Questionnaire's enableWhen, evaluated on the response's answers (FHIR semantics)."""
    if "enableWhen" not in item:
        return True
    results = [
        any(
            a.get("valueCoding", {}).get("system") == condition["answerCoding"]["system"]
            and a["valueCoding"]["code"] == condition["answerCoding"]["code"]
            for a in answered.get(condition["question"], [])
        )
        for condition in item["enableWhen"]
    ]
    return any(results) if item.get("enableBehavior") == "any" else all(results)


def contained(resource: dict, resource_type: str) -> list[dict]:
    return [r for r in resource["contained"] if r["resourceType"] == resource_type]


def spanish(text: str) -> str | None:
    """The compiled catalogue's Spanish, read here independently of the module under test."""

    class Missing(gettext.NullTranslations):
        def gettext(self, message):
            return None

    catalogue = Translations.load(dirname=str(TRANSLATIONS_DIR), locales=["es"])
    catalogue.add_fallback(Missing())
    return catalogue.gettext(text)


def translations_in(element: dict | None) -> dict[str, str]:
    result = {}
    for extension in (element or {}).get("extension", []):
        assert extension["url"] == TRANSLATION
        parts = {part["url"]: part for part in extension["extension"]}
        result[parts["lang"]["valueCode"]] = parts["content"]["valueString"]
    return result


# The Questionnaire -----------------------------------------------------------


def test_questionnaire_is_valid_r4():
    resource = json.loads(json.dumps(questionnaire_resource()))
    Questionnaire.model_validate(resource)
    assert resource["url"] == QUESTIONNAIRE_URL
    assert resource["url"].endswith("/fhir/Questionnaire/acne-botox-preconsult")
    assert (resource["id"], resource["version"], resource["status"]) == (
        "acne-botox-preconsult",
        "2026.1",
        "active",
    )


def test_questionnaire_has_a_group_per_step_and_an_item_per_question():
    groups = questionnaire_resource()["item"]
    assert [(g["linkId"], g["type"], g["text"]) for g in groups] == [
        (step.slug, "group", step.title) for step in STEPS
    ]
    for group, step in zip(groups, STEPS, strict=True):
        assert [item["linkId"] for item in group["item"]] == [q.id for q in step.questions]


def test_questionnaire_items_carry_type_required_repeats_and_lengths():
    items = {linkId: item for linkId, (item, _) in questionnaire_items().items()}
    expected_types = {
        Kind.TEXT: "string",
        Kind.LONG_TEXT: "text",
        Kind.DATE: "date",
        Kind.ONE_OF: "choice",
        Kind.ANY_OF: "choice",
    }
    for question in QUESTIONS.values():
        item = items[question.id]
        assert item["text"] == question.label
        assert item["type"] == expected_types[question.kind]
        assert item["required"] is question.required
        assert item.get("repeats", False) is (question.kind is Kind.ANY_OF)
        assert item.get("maxLength") == (question.max_length or None)
    # spot checks against SPEC section 2, independent of the loop above
    assert (items["full_name"]["type"], items["full_name"]["maxLength"]) == ("string", 100)
    assert (items["phone"]["required"], items["phone"]["maxLength"]) == (False, 20)
    assert (items["treatment_notes"]["type"], items["treatment_notes"]["maxLength"]) == (
        "text",
        1000,
    )
    assert items["questions_for_dermatologist"]["maxLength"] == 2000
    assert items["date_of_birth"]["type"] == "date"
    assert items["flares"]["repeats"] is True and items["flares"]["required"] is False
    assert "repeats" not in items["duration"]


def test_answer_options_are_codings_of_our_code_system():
    items = {linkId: item for linkId, (item, _) in questionnaire_items().items()}
    for question in QUESTIONS.values():
        options = items[question.id].get("answerOption", [])
        assert [
            (o["valueCoding"]["system"], o["valueCoding"]["code"], o["valueCoding"]["display"])
            for o in options
        ] == [(ANSWER_SYSTEM, option.id, option.label) for option in question.options]
    exclusive = [
        (linkId, o["valueCoding"]["code"])
        for linkId, (item, _) in questionnaire_items().items()
        for o in item.get("answerOption", [])
        if o.get("extension")
    ]
    assert exclusive == [("treatments", "none"), ("conditions", "none"), ("medicines", "none")]
    face_feel = items["face_feel"]["answerOption"]
    assert [o["valueCoding"]["extension"][0]["valueDecimal"] for o in face_feel] == [0, 1, 2, 3]


def test_conditional_questions_have_enable_when():
    items = {linkId: item for linkId, (item, _) in questionnaire_items().items()}
    assert items["isotretinoin_last"]["enableWhen"] == [
        {
            "question": "treatments",
            "operator": "=",
            "answerCoding": {"system": ANSWER_SYSTEM, "code": "isotretinoin"},
        }
    ]
    assert "enableBehavior" not in items["isotretinoin_last"]
    response = items["treatment_response"]
    assert response["enableBehavior"] == "any"
    assert [c["answerCoding"]["code"] for c in response["enableWhen"]] == [
        "pharmacy",
        "prescription_topical",
        "antibiotic_tablets",
        "isotretinoin",
        "hormonal",
        "procedures",
        "botox",
    ]
    conditional = {linkId for linkId, item in items.items() if "enableWhen" in item}
    assert conditional == {q.id for q in QUESTIONS.values() if q.shown_if}


def test_spanish_labels_are_translation_extensions_where_the_catalogue_has_them():
    resource = questionnaire_resource()
    texts = [(resource.get("_title"), resource["title"])]
    for item, _ in questionnaire_items().values():
        texts.append((item.get("_text"), item["text"]))
        for option in item.get("answerOption", []):
            texts.append((option["valueCoding"].get("_display"), option["valueCoding"]["display"]))
    translated = 0
    for element, english in texts:
        expected = spanish(english)
        assert translations_in(element) == ({"es": expected} if expected else {}), english
        translated += expected is not None
    assert spanish("Full name"), "the Spanish catalogue was not found"
    assert translated > len(texts) // 2


def test_questionnaire_has_no_patient_data():
    text = json.dumps(questionnaire_resource())
    assert "Ada Lovelace" not in text and "1990-03-27" not in text


# Responses: one test per property, over the whole matrix ---------------------


def test_response_is_valid_r4(stored):
    QuestionnaireResponse.model_validate(response_for(stored))


def test_response_header(stored):
    resource = response_for(stored)
    assert resource["status"] == "completed"
    assert resource["questionnaire"] == QUESTIONNAIRE_CANONICAL
    assert resource["questionnaire"] == f"{questionnaire_resource()['url']}|2026.1"
    assert resource["authored"] == "2026-11-26T14:05:30+00:00"
    assert resource["identifier"]["value"] == resource["id"] == "ABCD-2345"
    (patient,) = contained(resource, "Patient")
    assert resource["subject"] == {"reference": f"#{patient['id']}"}
    assert patient["name"] == [{"text": stored["full_name"]}]
    assert patient["birthDate"] == stored["date_of_birth"]


def test_every_link_id_and_code_exists_in_the_questionnaire(stored):
    questionnaire = questionnaire_items()
    for item, parent in response_items(response_for(stored)):
        assert item["linkId"] in questionnaire, item["linkId"]
        defined, defined_parent = questionnaire[item["linkId"]]
        assert parent == defined_parent, item["linkId"]  # nested as in the Questionnaire
        assert item["text"] == defined["text"]
        if defined["type"] == "group":
            assert "answer" not in item and item["item"]
            continue
        assert len(item["answer"]) == 1 or defined.get("repeats"), item["linkId"]
        for answer in item["answer"]:
            if defined["type"] == "choice":
                options = [o["valueCoding"] for o in defined["answerOption"]]
                coding = answer["valueCoding"]
                assert {k: coding[k] for k in ("system", "code", "display")} in [
                    {k: o[k] for k in ("system", "code", "display")} for o in options
                ]
            else:
                value_type = {"string": "valueString", "text": "valueString", "date": "valueDate"}
                assert list(answer) == [value_type[defined["type"]]]


def test_only_questions_that_applied_appear(stored):
    resource = response_for(stored)
    answered = {
        item["linkId"]: item["answer"] for item, _ in response_items(resource) if "answer" in item
    }
    for linkId, (item, _) in questionnaire_items().items():
        if item["type"] == "group":
            continue
        if not is_enabled(item, answered):
            assert linkId not in answered, f"{linkId} is hidden but answered"
        elif item["required"]:
            assert linkId in answered, f"{linkId} is required and enabled but missing"
    assert set(answered) == set(stored)


def test_reading_a_response_back_gives_the_stored_answers(stored):
    assert answers_from_response(response_for(stored)) == stored


def test_the_pdf_hash_goes_along(stored):
    extensions = response_for(stored)["extension"]
    assert extensions == [{"url": PDF_SHA256_EXTENSION, "valueString": PDF_SHA256}]


def test_findings_are_contained_observations(stored):
    resource = response_for(stored)
    findings = assess(stored, SUBMITTED_AT.date()).findings
    observations = {o["id"]: o for o in contained(resource, "Observation")}
    assert observations["acne-pattern"]["valueString"] == findings.acne_pattern
    assert observations["oiliness-score"]["valueInteger"] == findings.oiliness_score
    assert observations["oiliness-category"]["valueString"] == findings.oiliness_category
    age = observations["age"]
    assert age["valueQuantity"]["value"] == findings.age
    assert {"system": "http://loinc.org", "code": "30525-0"} in age["code"]["coding"]
    assert age["effectiveDateTime"] == stored.get("appointment_date", "2026-11-26")
    for observation in observations.values():
        assert observation["derivedFrom"] == [{"reference": "#"}]
        assert observation["subject"] == resource["subject"]


def test_flags_are_a_contained_risk_assessment(stored):
    resource = response_for(stored)
    flags = assess(stored, SUBMITTED_AT.date()).flags
    (risk,) = contained(resource, "RiskAssessment")
    predictions = risk.get("prediction", [])
    assert [
        (p["outcome"]["coding"][0]["code"], p["outcome"]["text"], p["qualitativeRisk"]["text"])
        for p in predictions
    ] == [(flag.id, flag.text, flag.level.value) for flag in flags]
    for prediction, flag in zip(predictions, flags, strict=True):
        assert flag.basis in prediction["rationale"]
        assert all(words in prediction["rationale"] for words in flag.raised_by)
    if not flags:
        assert risk["note"] == [{"text": NO_FLAGS_TEXT}]
    assert {"reference": "#"} in risk["basis"]


def test_contained_resources_are_all_referenced(stored):
    """dom-3: each contained resource is referenced from the response or refers to it with "#"."""
    resource = response_for(stored)
    text = json.dumps(resource)
    for inner in resource["contained"]:
        refers_to_container = '"reference": "#"' in json.dumps(inner)
        assert refers_to_container or f'"reference": "#{inner["id"]}"' in text, inner["id"]


def test_the_matrix_raises_every_flag():
    raised = {
        flag.id
        for overrides in MATRIX.values()
        for flag in assess(answers(**overrides), date.today()).flags
    }
    assert raised == set(FLAG_TEXTS)


# Edges -------------------------------------------------------------------------


def test_a_stale_hidden_answer_is_not_exported():
    stored = answers(treatments=["none"]) | {"isotretinoin_last": "now"}  # as if left behind
    resource = response_for(stored)
    linkIds = {item["linkId"] for item, _ in response_items(resource)}
    assert "isotretinoin_last" not in linkIds and "treatment_response" not in linkIds
    assert "recent_isotretinoin" not in json.dumps(resource)


def test_the_language_the_patient_used_is_on_the_patient():
    (patient,) = contained(response_for(answers(), language="es"), "Patient")
    assert patient["communication"][0]["language"]["coding"][0]["code"] == "es"


def test_no_hash_no_extension():
    assert "extension" not in response_for(answers(), pdf_sha256=None)


def test_a_naive_submission_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        questionnaire_response(
            reference="ABCD-2345",
            answers=answers(),
            submitted_at=datetime(2026, 11, 26, 14, 5),
            language="en",
            pdf_sha256=None,
            clinic_timezone=TIMEZONE,
        )


def test_submission_date_is_the_clinics():
    """Just after midnight in London in summer is still the previous day in UTC."""
    stored = answers(appointment_date=None)
    resource = questionnaire_response(
        reference="ABCD-2345",
        answers=stored,
        submitted_at=datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc),
        language="en",
        pdf_sha256=None,
        clinic_timezone=TIMEZONE,
    )
    age = next(o for o in contained(resource, "Observation") if o["id"] == "age")
    assert age["effectiveDateTime"] == "2026-07-01"


@pytest.mark.parametrize(
    "change",
    [
        lambda item: item.update(linkId="not_a_question"),
        lambda item: item["answer"][0]["valueCoding"].update(code="not_an_option"),
        lambda item: item["answer"][0]["valueCoding"].update(system="http://example.org/other"),
        lambda item: item["answer"].append(dict(item["answer"][0])),
    ],
    ids=["unknown linkId", "unknown code", "other code system", "two answers to a radio"],
)
def test_reading_back_refuses_what_is_not_ours(change):
    resource = response_for(answers())
    duration = next(item for item, _ in response_items(resource) if item["linkId"] == "duration")
    change(duration)
    with pytest.raises(ValueError):
        answers_from_response(resource)


def test_domain_module_imports_nothing_from_flask():
    tree = ast.parse(Path(resources.__file__).read_text(encoding="utf-8"))
    imported = [
        name
        for node in ast.walk(tree)
        for name in (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
    ]
    assert imported and not [name for name in imported if name.split(".")[0].startswith("flask")]
