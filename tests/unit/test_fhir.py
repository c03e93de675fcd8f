"""FHIR export: each questionnaire version's Questionnaire and every response validate as FHIR
and agree with each other; a response names the version it answered, and resolves.

fhir.resources 8 defaults to R5; its `R4B` models are the R4-compatible ones (R4B did not
change Questionnaire, QuestionnaireResponse, Patient, Observation, RiskAssessment or Bundle),
so validation uses `fhir.resources.R4B`.
"""

from __future__ import annotations

import ast
import gettext
import json
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.support import Translations
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from intake import questionnaire as versions
from intake.assessment import NO_CONSIDERATIONS_TEXT, NO_FLAGS_TEXT, assess
from intake.fhir import resources
from intake.fhir.resources import (
    DEVELOPMENT_BASE,
    TRANSLATION,
    TRANSLATIONS_DIR,
    Ours,
    answers_from_response,
    questionnaire_resource,
    questionnaire_response,
    questionnaire_searchset,
)
from intake.questionnaire import Kind, Level
from tests.factories import EVERY_OPTIONAL_EMPTY, answers, answers_2026_1

SUBMITTED_AT = datetime(2026, 11, 26, 14, 5, 30, tzinfo=timezone.utc)
PDF_SHA256 = "9f" * 32
TIMEZONE = "Europe/London"
BASE = DEVELOPMENT_BASE
OURS = Ours(BASE)
URL = f"{BASE}/Questionnaire/acne-botox-preconsult"
OTHER_BASE = "https://fhir.clinic.test/r4"
VERSION_IDS = list(versions.VERSIONS)  # oldest first
OLD, NEW = "2026.1", "2026.2"


def _age_15() -> str:
    today = date.today()
    return date(today.year - 15, 1, 1).isoformat()


# Answer sets per version covering conditional questions shown and hidden, empty optionals,
# every flag at every level and (2026.2) every clinical consideration.
MATRIX_2026_1 = {
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

MATRIX_2026_2 = {
    "complete, nothing raised": {},
    "isotretinoin now and before": {
        "treatments_now": ["isotretinoin"],
        "treatments_before": ["antibiotic_tablets", "isotretinoin"],
        "response_isotretinoin": "too_soon",
        "response_antibiotic_tablets": "did_not_help",
        "isotretinoin_stopped": "last_6_months",
        "isotretinoin_relapse": "yes",
    },
    "no treatments": {"treatments_now": ["none"], "treatments_before": ["none"]},
    "every optional empty": EVERY_OPTIONAL_EMPTY,
    "every contraindication and defer, most cautions, the considerations": {
        "date_of_birth": _age_15(),
        "sex": "female",
        "hormonal_features": ["irregular_periods", "unwanted_hair"],
        "spot_types": ["nodules", "red_bumps"],
        "locations": ["chest", "back"],
        "marks": "scars",
        "picking": "often",
        "pregnant_breastfeeding": "yes",
        "conditions": [
            "myasthenia_gravis",
            "lambert_eaton",
            "motor_neurone_disease",
            "other_nerve_muscle",
            "swallowing_breathing",
            "bleeding_disorder",
            "skin_infection",
        ],
        "nerve_muscle_disease": "Charcot-Marie-Tooth disease",
        "face": ["weakness_drooping", "operation"],
        "medicines": [
            "blood_thinners",
            "anti_inflammatories",
            "antibiotic_injection",
            "muscle_relaxants",
            "anticholinergics",
        ],
        "planned_operation": "yes",
        "toxin_ever": "yes",
        "toxin_last": "last_4_months",
        "after_toxin": [
            "drooping",
            "uneven_smile",
            "swallowing_breathing",
            "distant_weakness",
            "allergic_reaction",
        ],
        "cows_milk_allergy": "yes",
        "fainting": "yes",
    },
    "the uncertain answers": {
        "pregnant_breastfeeding": "not_sure",
        "planning_pregnancy": "yes",
        "cows_milk_allergy": "not_sure",
        "toxin_ever": "yes",
        "toxin_last": "dont_remember",
        "after_toxin": ["none"],
        "planned_operation": "not_sure",
    },
    "names and text in other scripts": {
        "full_name": "Nguyễn Thị Ánh — Ελένη Ωμέγα — Анна",
        "treatment_notes": 'Line one\nline two "quoted" <b>not markup</b> & 100%',
    },
}

MATRICES = {OLD: (MATRIX_2026_1, answers_2026_1), NEW: (MATRIX_2026_2, answers)}
CASES = [(version, name) for version, (matrix, _) in MATRICES.items() for name in matrix]


def test_every_version_has_a_matrix():
    assert set(MATRICES) == set(versions.VERSIONS)


def stored_answers(version: str, name: str) -> dict:
    matrix, make = MATRICES[version]
    return make(**matrix[name])


def response_for(
    stored: dict,
    version: str = NEW,
    language: str = "en",
    pdf_sha256: str | None = PDF_SHA256,
    base: str = BASE,
) -> dict:
    resource = questionnaire_response(
        base=base,
        reference="ABCD-2345",
        answers=stored,
        questionnaire_version=version,
        submitted_at=SUBMITTED_AT,
        language=language,
        pdf_sha256=pdf_sha256,
        clinic_timezone=TIMEZONE,
    )
    return json.loads(json.dumps(resource))  # as a client receives it


def questionnaire_for(version: str, base: str = BASE) -> dict:
    resource = questionnaire_resource(versions.find(version), base=base)
    return json.loads(json.dumps(resource))


@pytest.fixture(params=CASES, ids=[f"{v}: {n}" for v, n in CASES])
def case(request) -> tuple[str, dict]:
    """(version, stored answers of that version)."""
    version, name = request.param
    return version, stored_answers(version, name)


# Reading the resources the way a FHIR client would -------------------------


def items_of(resource: dict) -> dict[str, tuple[dict, str | None]]:
    """Every Questionnaire item by linkId, with its parent's linkId."""
    found: dict[str, tuple[dict, str | None]] = {}

    def walk(items, parent):
        for item in items:
            assert item["linkId"] not in found, f"linkId {item['linkId']} twice"
            found[item["linkId"]] = (item, parent)
            walk(item.get("item", []), item["linkId"])

    walk(resource["item"], None)
    return found


def questionnaire_items(version: str = NEW) -> dict[str, dict]:
    return {link_id: item for link_id, (item, _) in items_of(questionnaire_for(version)).items()}


def response_items(resource: dict) -> list[tuple[dict, str | None]]:
    found = []

    def walk(items, parent):
        for item in items:
            found.append((item, parent))
            walk(item.get("item", []), item["linkId"])

    walk(resource["item"], None)
    return found


def answered(resource: dict) -> dict[str, list]:
    return {
        item["linkId"]: item["answer"] for item, _ in response_items(resource) if "answer" in item
    }


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


def risk_assessment(resource: dict, code: str) -> dict | None:
    found = [
        r
        for r in contained(resource, "RiskAssessment")
        if (r["code"]["coding"][0]["system"], r["code"]["coding"][0]["code"])
        == (OURS.assessments, code)
    ]
    assert len(found) <= 1
    return found[0] if found else None


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


def resolve(canonical: str, base: str = BASE) -> dict:
    """A response's `questionnaire` resolved through the standard search, as a client does."""
    url, _, version = canonical.partition("|")
    bundle = json.loads(json.dumps(questionnaire_searchset(base=base, url=url, version=version)))
    Bundle.model_validate(bundle)
    assert bundle["total"] == 1, canonical
    (entry,) = bundle["entry"]
    return entry["resource"]


# The Questionnaire, every version ---------------------------------------------


@pytest.mark.parametrize("version", VERSION_IDS)
def test_questionnaire_is_valid_r4(version):
    resource = questionnaire_for(version)
    Questionnaire.model_validate(resource)
    assert (resource["url"], resource["version"]) == (URL, version)
    assert resource["title"] == versions.find(version).title


def test_the_current_version_is_the_active_resource_and_earlier_ones_are_retired():
    current, old = questionnaire_for(NEW), questionnaire_for(OLD)
    assert (current["id"], current["status"]) == ("acne-botox-preconsult", "active")
    assert (old["id"], old["status"]) == ("acne-botox-preconsult-2026.1", "retired")
    assert questionnaire_resource(base=BASE) == questionnaire_resource(versions.CURRENT, base=BASE)
    assert versions.CURRENT.version == NEW
    for version in VERSION_IDS:
        q = versions.find(version)
        assert resources.find_by_resource_id(resources.resource_id(q)) is q
    assert resources.find_by_resource_id("acne-botox-preconsult-2025.9") is None


@pytest.mark.parametrize("version", VERSION_IDS)
def test_questionnaire_has_a_group_per_step_and_an_item_per_question(version):
    definition = versions.find(version)
    groups = questionnaire_for(version)["item"]
    assert [(g["linkId"], g["type"], g["text"]) for g in groups] == [
        (step.slug, "group", step.title) for step in definition.steps
    ]
    for group, step in zip(groups, definition.steps, strict=True):
        assert [item["linkId"] for item in group["item"]] == [q.id for q in step.questions]


@pytest.mark.parametrize("version", VERSION_IDS)
def test_questionnaire_items_carry_type_required_repeats_and_lengths(version):
    items = questionnaire_items(version)
    expected_types = {
        Kind.TEXT: "string",
        Kind.LONG_TEXT: "text",
        Kind.DATE: "date",
        Kind.ONE_OF: "choice",
        Kind.ANY_OF: "choice",
    }
    for question in versions.find(version).questions.values():
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


@pytest.mark.parametrize("version", VERSION_IDS)
def test_answer_options_are_codings_of_our_code_system(version):
    items = questionnaire_items(version)
    for question in versions.find(version).questions.values():
        options = items[question.id].get("answerOption", [])
        assert [
            (o["valueCoding"]["system"], o["valueCoding"]["code"], o["valueCoding"]["display"])
            for o in options
        ] == [(OURS.answers, option.id, option.label) for option in question.options]
    face_feel = items["face_feel"]["answerOption"]
    assert [o["valueCoding"]["extension"][0]["valueDecimal"] for o in face_feel] == [0, 1, 2, 3]


def exclusive_options(version: str) -> list[tuple[str, str]]:
    return [
        (link_id, o["valueCoding"]["code"])
        for link_id, item in questionnaire_items(version).items()
        for o in item.get("answerOption", [])
        if o.get("extension")
    ]


def test_none_options_are_exclusive_in_each_version():
    assert exclusive_options(OLD) == [
        ("treatments", "none"),
        ("conditions", "none"),
        ("medicines", "none"),
    ]
    assert exclusive_options(NEW) == [
        ("hormonal_features", "none"),
        ("treatments_now", "none"),
        ("treatments_before", "none"),
        ("conditions", "none"),
        ("face", "none"),
        ("medicines", "none"),
        ("after_toxin", "none"),
    ]


@pytest.mark.parametrize("version", VERSION_IDS)
def test_every_condition_is_enable_when_on_each_trigger_and_option(version):
    items = questionnaire_items(version)
    for question in versions.find(version).questions.values():
        item = items[question.id]
        if question.shown_if is None:
            assert "enableWhen" not in item and "enableBehavior" not in item
            continue
        pairs = [
            (c["question"], c["operator"], c["answerCoding"]["system"], c["answerCoding"]["code"])
            for c in item["enableWhen"]
        ]
        assert pairs == [
            (trigger, "=", OURS.answers, option)
            for trigger in question.shown_if.questions
            for option in question.shown_if.any_of
        ]
        for trigger, _, _, option in pairs:  # each names an option its trigger offers
            codes = [o["valueCoding"]["code"] for o in items[trigger]["answerOption"]]
            assert option in codes
        assert item.get("enableBehavior") == ("any" if len(pairs) > 1 else None)


def test_2026_1_conditions():
    items = questionnaire_items(OLD)
    assert items["isotretinoin_last"]["enableWhen"] == [
        {
            "question": "treatments",
            "operator": "=",
            "answerCoding": {"system": OURS.answers, "code": "isotretinoin"},
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


def test_2026_2_conditions_with_several_triggers_and_on_an_earlier_step():
    items = questionnaire_items(NEW)
    # several trigger questions: used now or used before
    assert items["response_isotretinoin"]["enableWhen"] == [
        {
            "question": question,
            "operator": "=",
            "answerCoding": {"system": OURS.answers, "code": "isotretinoin"},
        }
        for question in ("treatments_now", "treatments_before")
    ]
    assert items["response_isotretinoin"]["enableBehavior"] == "any"
    # a trigger on an earlier step (sex, on About you) works the same: linkIds are global
    groups = {link_id: parent for link_id, (_, parent) in items_of(questionnaire_for(NEW)).items()}
    assert (groups["hormonal_features"], groups["sex"]) == ("your-acne", "about-you")
    assert items["hormonal_features"]["enableWhen"] == [
        {
            "question": "sex",
            "operator": "=",
            "answerCoding": {"system": OURS.answers, "code": "female"},
        }
    ]
    assert "enableBehavior" not in items["hormonal_features"]
    assert [c["answerCoding"]["code"] for c in items["planning_pregnancy"]["enableWhen"]] == [
        "no",
        "not_sure",
    ]
    assert items["isotretinoin_stopped"]["enableWhen"][0]["question"] == "treatments_before"


@pytest.mark.parametrize("version", VERSION_IDS)
def test_spanish_labels_are_translation_extensions_where_the_catalogue_has_them(version):
    resource = questionnaire_for(version)
    texts = [(resource.get("_title"), resource["title"])]
    for item, _ in items_of(resource).values():
        texts.append((item.get("_text"), item["text"]))
        for option in item.get("answerOption", []):
            texts.append((option["valueCoding"].get("_display"), option["valueCoding"]["display"]))
    translated = 0
    for element, english in texts:
        expected = spanish(english)
        assert translations_in(element) == ({"es": expected} if expected else {}), english
        translated += expected is not None
    assert spanish("Full name"), "the Spanish catalogue was not found"
    if version == versions.CURRENT.version:  # what patients answer now is translated
        assert translated > len(texts) // 2


@pytest.mark.parametrize("version", VERSION_IDS)
def test_questionnaire_has_no_patient_data(version):
    text = json.dumps(questionnaire_for(version))
    assert "Ada Lovelace" not in text and "1990-03-27" not in text


# Search ------------------------------------------------------------------------


def searched(**parameters) -> dict:
    bundle = json.loads(json.dumps(questionnaire_searchset(base=BASE, **parameters)))
    Bundle.model_validate(bundle)
    assert bundle["type"] == "searchset"
    assert bundle["total"] == len(bundle.get("entry", []))
    for entry in bundle.get("entry", []):
        assert entry["search"] == {"mode": "match"}
        assert entry["fullUrl"] == f"{BASE}/Questionnaire/{entry['resource']['id']}"
        Questionnaire.model_validate(entry["resource"])
    return bundle


def found_versions(bundle: dict) -> list[str]:
    return [entry["resource"]["version"] for entry in bundle.get("entry", [])]


@pytest.mark.parametrize("version", VERSION_IDS)
def test_search_by_url_and_version_finds_that_version(version):
    bundle = searched(url=URL, version=version)
    assert found_versions(bundle) == [version]
    assert bundle["entry"][0]["resource"] == questionnaire_for(version)
    (link,) = bundle["link"]
    self_url = urlsplit(link["url"])
    assert link["relation"] == "self"
    assert f"{self_url.scheme}://{self_url.netloc}{self_url.path}" == f"{BASE}/Questionnaire"
    assert parse_qs(self_url.query) == {"url": [URL], "version": [version]}


def test_search_without_a_version_finds_every_version_of_the_url():
    assert found_versions(searched(url=URL)) == VERSION_IDS
    assert found_versions(searched()) == VERSION_IDS
    assert found_versions(searched(version=f"{OLD},{NEW}")) == VERSION_IDS
    assert found_versions(searched(version=OLD)) == [OLD]


def test_search_by_a_canonical_with_its_version_in_the_url():
    assert found_versions(searched(url=f"{URL}|{OLD}")) == [OLD]
    assert found_versions(searched(url=f"{URL}|{OLD}", version=NEW)) == []


@pytest.mark.parametrize(
    "parameters",
    [
        {"url": URL, "version": "2025.9"},
        {"url": f"{OTHER_BASE}/Questionnaire/acne-botox-preconsult", "version": NEW},
        {"url": f"{BASE}/Questionnaire/another-form"},
        {"url": f"{URL}|2025.9"},
        {"version": "2025.9"},
    ],
    ids=["unknown version", "another base", "another questionnaire", "unknown pinned", "version"],
)
def test_search_for_what_is_not_here_is_an_empty_searchset(parameters):
    bundle = searched(**parameters)
    assert bundle["total"] == 0 and "entry" not in bundle


# Responses: one test per property, over both versions' matrices ------------------


def test_response_is_valid_r4(case):
    version, stored = case
    QuestionnaireResponse.model_validate(response_for(stored, version))


def test_response_header(case):
    version, stored = case
    resource = response_for(stored, version)
    assert resource["status"] == "completed"
    assert resource["questionnaire"] == f"{URL}|{version}"
    assert resource["authored"] == "2026-11-26T14:05:30+00:00"
    assert resource["identifier"]["value"] == resource["id"] == "ABCD-2345"
    (patient,) = contained(resource, "Patient")
    assert resource["subject"] == {"reference": f"#{patient['id']}"}
    assert patient["name"] == [{"text": stored["full_name"]}]
    assert patient["birthDate"] == stored["date_of_birth"]


def test_the_response_resolves_to_its_own_version(case):
    version, stored = case
    resource = response_for(stored, version)
    resolved = resolve(resource["questionnaire"])
    assert (resolved["url"], resolved["version"]) == (URL, version)
    assert resolved == questionnaire_for(version)


def test_every_link_id_and_code_exists_in_the_resolved_questionnaire(case):
    version, stored = case
    resource = response_for(stored, version)
    questionnaire = items_of(resolve(resource["questionnaire"]))
    for item, parent in response_items(resource):
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


def test_only_questions_that_applied_appear(case):
    version, stored = case
    resource = response_for(stored, version)
    given = answered(resource)
    for link_id, (item, _) in items_of(resolve(resource["questionnaire"])).items():
        if item["type"] == "group":
            continue
        if not is_enabled(item, given):
            assert link_id not in given, f"{link_id} is hidden but answered"
        elif item["required"]:
            assert link_id in given, f"{link_id} is required and enabled but missing"
    assert set(given) == set(stored)


def test_reading_a_response_back_gives_the_stored_answers(case):
    version, stored = case
    assert answers_from_response(response_for(stored, version), base=BASE) == stored


def test_the_pdf_hash_goes_along(case):
    version, stored = case
    extensions = response_for(stored, version)["extension"]
    assert extensions == [{"url": OURS.pdf_sha256, "valueString": PDF_SHA256}]


def test_findings_are_contained_observations(case):
    version, stored = case
    resource = response_for(stored, version)
    definition = versions.find(version)
    findings = assess(stored, SUBMITTED_AT.date(), definition).findings
    observations = {o["id"]: o for o in contained(resource, "Observation")}
    assert observations["acne-pattern"]["valueString"] == findings.acne_pattern
    assert observations["acne-pattern"]["code"]["text"] == definition.findings.pattern_label
    assert observations["oiliness-score"]["valueInteger"] == findings.oiliness_score
    assert "0 to 9" in observations["oiliness-score"]["code"]["text"]
    assert observations["oiliness-category"]["valueString"] == findings.oiliness_category
    age = observations["age"]
    assert age["valueQuantity"]["value"] == findings.age
    assert {"system": "http://loinc.org", "code": "30525-0"} in age["code"]["coding"]
    assert age["effectiveDateTime"] == stored.get("appointment_date", "2026-11-26")
    if version == OLD:  # 2026.1 derived no distribution
        assert "distribution" not in observations
    else:
        assert observations["distribution"]["valueString"] == findings.distribution
        assert findings.distribution in ("Face only", "Trunk only", "Face and trunk")
    for observation in observations.values():
        assert observation["code"]["coding"][0]["system"] == OURS.findings
        assert observation["derivedFrom"] == [{"reference": "#"}]
        assert observation["subject"] == resource["subject"]


def test_the_findings_say_what_they_are_in_2026_2():
    observations = {o["id"]: o for o in contained(response_for(answers()), "Observation")}
    assert observations["acne-pattern"]["code"]["text"] == (
        "Acne pattern (patient-described, not a clinical grade)"
    )
    assert (
        "self-reported, not a sebum measurement" in observations["oiliness-score"]["code"]["text"]
    )
    trunk = response_for(answers(locations=["chest", "shoulders"]))
    (distribution,) = [o for o in contained(trunk, "Observation") if o["id"] == "distribution"]
    assert distribution["valueString"] == "Trunk only"


def test_flags_are_a_contained_risk_assessment_with_their_levels(case):
    version, stored = case
    resource = response_for(stored, version)
    flags = assess(stored, SUBMITTED_AT.date(), versions.find(version)).flags
    risk = risk_assessment(resource, "safety-flags")
    assert risk is not None and risk["id"] == "safety-flags"
    assert version in risk["method"]["text"]
    predictions = risk.get("prediction", [])
    assert [
        (
            p["outcome"]["coding"][0]["system"],
            p["outcome"]["coding"][0]["code"],
            p["outcome"]["text"],
            p["qualitativeRisk"]["coding"][0]["system"],
            p["qualitativeRisk"]["coding"][0]["code"],
            p["qualitativeRisk"]["text"],
        )
        for p in predictions
    ] == [
        (
            OURS.flags,
            flag.id,
            flag.text,
            OURS.flag_levels,
            flag.level.name.lower(),
            flag.level.value,
        )
        for flag in flags
    ]
    for prediction, flag in zip(predictions, flags, strict=True):
        assert flag.basis in prediction["rationale"]
        assert all(words in prediction["rationale"] for words in flag.raised_by)
    if not flags:
        assert risk["note"] == [{"text": NO_FLAGS_TEXT}]
    assert {"reference": "#"} in risk["basis"]


def test_considerations_are_a_risk_assessment_of_their_own_never_flags(case):
    version, stored = case
    resource = response_for(stored, version)
    considerations = assess(stored, SUBMITTED_AT.date(), versions.find(version)).considerations
    flags = risk_assessment(resource, "safety-flags")
    assert flags is not None
    flag_codes = {p["outcome"]["coding"][0]["code"] for p in flags.get("prediction", [])}
    assert not flag_codes & {c.id for c in considerations}
    found = risk_assessment(resource, "clinical-considerations")
    if version == OLD:  # 2026.1 asked nothing of the kind: nothing to say, not "none"
        assert found is None
        assert len(contained(resource, "RiskAssessment")) == 1
        return
    assert found is not None and found["id"] == "clinical-considerations"
    assert found["code"]["text"] == "Clinical considerations"
    predictions = found.get("prediction", [])
    assert [
        (
            p["outcome"]["coding"][0]["system"],
            p["outcome"]["coding"][0]["code"],
            p["outcome"]["text"],
        )
        for p in predictions
    ] == [(OURS.considerations, c.id, c.text) for c in considerations]
    assert all("qualitativeRisk" not in p for p in predictions)
    for prediction, consideration in zip(predictions, considerations, strict=True):
        assert consideration.basis in prediction["rationale"]
        assert all(words in prediction["rationale"] for words in consideration.raised_by)
    if not considerations:
        assert found["note"] == [{"text": NO_CONSIDERATIONS_TEXT}]
    assert {"reference": "#"} in found["basis"]


def test_contained_resources_are_all_referenced(case):
    """dom-3: each contained resource is referenced from the response or refers to it with "#"."""
    version, stored = case
    resource = response_for(stored, version)
    text = json.dumps(resource)
    for inner in resource["contained"]:
        refers_to_container = '"reference": "#"' in json.dumps(inner)
        assert refers_to_container or f'"reference": "#{inner["id"]}"' in text, inner["id"]


@pytest.mark.parametrize("version", VERSION_IDS)
def test_the_matrix_raises_every_flag_and_consideration_at_every_level(version):
    matrix, make = MATRICES[version]
    definition = versions.find(version)
    assessments = [
        assess(make(**overrides), date.today(), definition) for overrides in matrix.values()
    ]
    raised = {flag.id for a in assessments for flag in a.flags}
    assert raised == {rule.id for rule in definition.flags}
    considered = {c.id for a in assessments for c in a.considerations}
    assert considered == {rule.id for rule in definition.considerations}
    responses = [response_for(stored_answers(version, name), version) for name in matrix]
    levels = {
        prediction["qualitativeRisk"]["coding"][0]["code"]
        for resource in responses
        for prediction in risk_assessment(resource, "safety-flags").get("prediction", [])
    }
    assert levels == {rule.level.name.lower() for rule in definition.flags if rule.level}
    if version == NEW:  # every level there is, as codes
        assert levels == {level.name.lower() for level in Level}
        assert levels == {"contraindication", "defer", "caution"}


# The version a response names ---------------------------------------------------


def link_ids(resource: dict) -> set[str]:
    return {item["linkId"] for item, _ in response_items(resource)}


def test_a_2026_1_submission_answers_2026_1():
    resource = response_for(answers_2026_1(), OLD)
    assert resource["questionnaire"] == f"{URL}|2026.1"
    assert {"makeup_shine", "treatments", "treatment_response", "pregnancy"} <= link_ids(resource)
    assert not {"shine", "treatments_now", "sex", "pregnant_breastfeeding"} & link_ids(resource)
    assert link_ids(resource) <= set(items_of(resolve(resource["questionnaire"])))


def test_a_current_submission_answers_2026_2():
    resource = response_for(answers(), NEW)
    assert resource["questionnaire"] == f"{URL}|2026.2"
    assert {"shine", "treatments_now", "treatments_before", "response_pharmacy", "sex"} <= link_ids(
        resource
    )
    assert not {"makeup_shine", "treatments", "treatment_response"} & link_ids(resource)


def test_a_version_never_used_is_refused():
    with pytest.raises(ValueError, match="2025.9"):
        response_for(answers(), "2025.9")


def test_reading_back_uses_the_version_the_response_names():
    resource = response_for(answers_2026_1(), OLD)
    resource["questionnaire"] = f"{URL}|{NEW}"  # 2026.1 linkIds claimed as 2026.2
    with pytest.raises(ValueError, match="makeup_shine"):
        answers_from_response(resource, base=BASE)
    for wrong in (f"{URL}|2025.9", f"{OTHER_BASE}/Questionnaire/acne-botox-preconsult|{OLD}", URL):
        resource["questionnaire"] = wrong
        with pytest.raises(ValueError, match="not a version of ours"):
            answers_from_response(resource, base=BASE)


# The canonical base --------------------------------------------------------------


def urls_in(value) -> list[str]:
    """Every absolute system, url and canonical value in a resource (not an extension's part
    names such as "lang")."""
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in ("system", "url", "fullUrl", "questionnaire") and ":" in str(inner):
                found.append(inner)
            found.extend(urls_in(inner))
    elif isinstance(value, list):
        for inner in value:
            found.extend(urls_in(inner))
    return found


HL7 = (
    "http://hl7.org/",
    "http://terminology.hl7.org/",
    "http://loinc.org",
    "http://unitsofmeasure.org",
    "urn:ietf:bcp:47",
)


@pytest.mark.parametrize("version", VERSION_IDS)
def test_the_base_makes_every_canonical_of_ours(version):
    built = [
        questionnaire_for(version, base=OTHER_BASE),
        response_for(
            stored_answers(version, next(iter(MATRICES[version][0]))), version, base=OTHER_BASE
        ),
        questionnaire_searchset(
            base=OTHER_BASE, url=f"{OTHER_BASE}/Questionnaire/acne-botox-preconsult"
        ),
    ]
    for resource in built:
        text = json.dumps(resource)
        assert "intake.example.org" not in text
        ours = [url for url in urls_in(resource) if not url.startswith(HL7)]
        assert ours and all(url.startswith(f"{OTHER_BASE}/") for url in ours), ours
    response = built[1]
    assert (
        response["questionnaire"] == f"{OTHER_BASE}/Questionnaire/acne-botox-preconsult|{version}"
    )
    assert resolve(response["questionnaire"], base=OTHER_BASE)["version"] == version
    assert answers_from_response(response, base=OTHER_BASE) == stored_answers(
        version, next(iter(MATRICES[version][0]))
    )
    with pytest.raises(ValueError):
        answers_from_response(response, base=BASE)


def test_a_base_is_an_absolute_url_without_its_trailing_slash():
    assert (
        Ours(f"{OTHER_BASE}/").questionnaire_url
        == f"{OTHER_BASE}/Questionnaire/acne-botox-preconsult"
    )
    with pytest.raises(ValueError):
        Ours("intake.example.org/fhir")


# Edges -------------------------------------------------------------------------


def test_a_stale_hidden_answer_is_not_exported():
    stored = answers(treatments_now=["none"], treatments_before=["none"]) | {
        "response_isotretinoin": "cleared",
        "isotretinoin_stopped": "last_6_months",
    }  # as if left behind
    resource = response_for(stored)
    ids = link_ids(resource)
    assert not {"response_isotretinoin", "isotretinoin_stopped", "response_pharmacy"} & ids
    assert "isotretinoin_recent" not in json.dumps(resource)


def test_the_language_the_patient_used_is_on_the_patient():
    (patient,) = contained(response_for(answers(), language="es"), "Patient")
    assert patient["communication"][0]["language"]["coding"][0]["code"] == "es"


def test_no_hash_no_extension():
    assert "extension" not in response_for(answers(), pdf_sha256=None)


def test_a_naive_submission_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        questionnaire_response(
            base=BASE,
            reference="ABCD-2345",
            answers=answers(),
            questionnaire_version=NEW,
            submitted_at=datetime(2026, 11, 26, 14, 5),
            language="en",
            pdf_sha256=None,
            clinic_timezone=TIMEZONE,
        )


def test_submission_date_is_the_clinics():
    """Just after midnight in London in summer is still the previous day in UTC."""
    stored = answers(appointment_date=None)
    resource = questionnaire_response(
        base=BASE,
        reference="ABCD-2345",
        answers=stored,
        questionnaire_version=NEW,
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
        answers_from_response(resource, base=BASE)


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


def test_no_base_is_baked_in_at_import():
    """The base is the app's setting, passed in: no module-level URL of ours."""
    names = {name: value for name, value in vars(resources).items() if isinstance(value, str)}
    ours = {name for name, value in names.items() if "intake.example.org" in value}
    assert ours == {"DEVELOPMENT_BASE"}
