"""FHIR R4 resources from the questionnaire definition and a stored submission: plain data in, dicts out.

Nothing here is written by hand or imports Flask: the Questionnaire is generated from
`intake.questionnaire`, the response from the same stored answers, findings and flags as
the PDF (`applicable_answers`, then `assess` on the submission date in the clinic's time zone).

Modelling choices (FHIR R4, 4.0.1):

- Identity. `CANONICAL_BASE` is the product's FHIR base (ours, not a clinic's: every clinic
  answers the same Questionnaire); the Questionnaire's canonical `url` is
  `{CANONICAL_BASE}/Questionnaire/acne-botox-preconsult`, the path the blueprint serves, and
  every code system and extension of ours lives under the same base. A canonical is an
  identifier, not a link: it is still a placeholder; set it once to our own domain before
  the first export, then never change it.
- Items. One `group` item per step (linkId = the step's slug), one item per question
  (linkId = the question's stable id). TEXT -> string, LONG_TEXT -> text, DATE -> date,
  ONE_OF and ANY_OF -> choice (ANY_OF `repeats`). `required` and `maxLength` as defined;
  a minimum length and an allowed-characters pattern as the core `minLength` and `regex`
  extensions; "None"-style options carry `questionnaire-optionExclusive`; oiliness points
  carry `ordinalValue` on the option's coding, so the score can be recomputed from the form.
  Hints are left out: they describe our web form, not the question.
- Codes. One code system of ours for every answer (`ANSWER_SYSTEM`); code = the option's
  stable id, display = its English label. A few ids recur across questions ("yes", "no",
  "not_sure", "none", "6_to_12_months"); each keeps one meaning ("None (of the choices
  offered)", "6 to 12 months"), only its wording varies with the question, so a code is
  read together with its item's linkId. No CodeSystem resource is published.
- Conditions. `enableWhen` with operator "=" on the trigger's coding, one per enabling
  option; `enableBehavior` "any" when there are several.
- Spanish. The core `translation` extension (lang "es", content) on `_title`, `_text` and
  `_display`, read from the compiled catalogue with Babel. A label without a Spanish
  translation gets no extension, rather than English marked as Spanish.
- The response. `QuestionnaireResponse.id` and `identifier` are the submission reference;
  `questionnaire` = url|version; `authored` = submitted at (UTC); `subject` -> a contained
  Patient with the name (as written, in `name.text`: we do not guess given and family
  names), birth date and the language the patient answered in (`communication`). Items
  are nested as in the Questionnaire; only questions that applied and were answered appear.
- The PDF. Its SHA-256 (hex) is an extension on the response (`PDF_SHA256_EXTENSION`),
  not a `meta.tag`: tags are workflow labels from a vocabulary that servers may add or
  drop without a new version, while an extension is part of the content it vouches for.
- Findings and flags. Contained Observations (acne pattern, oiliness score, oiliness
  category, age at the appointment or at submission; category "survey") and a contained
  RiskAssessment with one `prediction` per flag: `outcome` = the flag (code = its stable id,
  text = the SPEC wording), `qualitativeRisk` = its level (contraindication or caution),
  `rationale` = the answers that raised it and its basis; its `basis` references the
  response and the Observations; with no flag it has no prediction and the PDF's sentence
  as a `note`. R4's QuestionnaireResponse has no element pointing to what was derived
  from it, and we add no extension for that: FHIR links the other way (as SDC extraction
  does), so each Observation's `derivedFrom` and the RiskAssessment's `basis` reference
  the response with "#" (a contained resource referring to its container), which is also
  what the dom-3 invariant accepts for contained resources.
"""

from __future__ import annotations

import gettext
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.support import Translations

from intake import languages
from intake.assessment import NO_FLAGS_TEXT, Assessment, Flag, assess
from intake.questionnaire import (
    QUESTIONNAIRE_ID,
    QUESTIONNAIRE_TITLE,
    QUESTIONNAIRE_VERSION,
    QUESTIONS,
    STEPS,
    Kind,
    Option,
    Question,
    Step,
    applicable_answers,
)

CANONICAL_BASE = "https://intake.example.org/fhir"
QUESTIONNAIRE_URL = f"{CANONICAL_BASE}/Questionnaire/{QUESTIONNAIRE_ID}"
QUESTIONNAIRE_CANONICAL = f"{QUESTIONNAIRE_URL}|{QUESTIONNAIRE_VERSION}"
ANSWER_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/{QUESTIONNAIRE_ID}-answers"
FINDING_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/{QUESTIONNAIRE_ID}-findings"
FLAG_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/{QUESTIONNAIRE_ID}-flags"
FLAG_LEVEL_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/{QUESTIONNAIRE_ID}-flag-levels"
REFERENCE_SYSTEM = f"{CANONICAL_BASE}/NamingSystem/submission-reference"
PDF_SHA256_EXTENSION = f"{CANONICAL_BASE}/StructureDefinition/summary-pdf-sha256"

TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
MIN_LENGTH = "http://hl7.org/fhir/StructureDefinition/minLength"
REGEX = "http://hl7.org/fhir/StructureDefinition/regex"
OPTION_EXCLUSIVE = "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
LANGUAGE_SYSTEM = "urn:ietf:bcp:47"

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"

PATIENT_ID = "patient"
RISK_ASSESSMENT_ID = "safety-flags"
CONTAINER = "#"  # how a contained resource refers to the response holding it

ITEM_TYPES = {
    Kind.TEXT: "string",
    Kind.LONG_TEXT: "text",
    Kind.DATE: "date",
    Kind.ONE_OF: "choice",
    Kind.ANY_OF: "choice",
}


# The Questionnaire ---------------------------------------------------------


def questionnaire_resource() -> dict:
    """The questionnaire as a FHIR R4 Questionnaire, generated so it cannot drift from the forms."""
    return {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_ID,
        "language": languages.SOURCE,
        "url": QUESTIONNAIRE_URL,
        "version": QUESTIONNAIRE_VERSION,
        "name": "".join(word.capitalize() for word in QUESTIONNAIRE_ID.split("-")),
        "title": QUESTIONNAIRE_TITLE,
        **_translations_of("title", QUESTIONNAIRE_TITLE),
        "status": "active",
        "subjectType": ["Patient"],
        "item": [_group(step) for step in STEPS],
    }


def _group(step: Step) -> dict:
    return {
        "linkId": step.slug,
        "text": step.title,
        **_translations_of("text", step.title),
        "type": "group",
        "item": [_question_item(question) for question in step.questions],
    }


def _question_item(question: Question) -> dict:
    item = {
        "linkId": question.id,
        "text": question.label,
        **_translations_of("text", question.label),
        "type": ITEM_TYPES[question.kind],
        "required": question.required,
    }
    extensions = []
    if question.min_length:
        extensions.append({"url": MIN_LENGTH, "valueInteger": question.min_length})
    if question.pattern:
        extensions.append({"url": REGEX, "valueString": question.pattern})
    if extensions:
        item["extension"] = extensions
    if question.shown_if:
        item["enableWhen"] = [
            {
                "question": question.shown_if.question,
                "operator": "=",
                "answerCoding": {"system": ANSWER_SYSTEM, "code": option_id},
            }
            for option_id in question.shown_if.any_of
        ]
        if len(question.shown_if.any_of) > 1:
            item["enableBehavior"] = "any"
    if question.kind is Kind.ANY_OF:
        item["repeats"] = True
    if question.max_length:
        item["maxLength"] = question.max_length
    if question.options:
        item["answerOption"] = [_answer_option(option) for option in question.options]
    return item


def _answer_option(option: Option) -> dict:
    coding = {**_coding(option), **_translations_of("display", option.label)}
    if option.score is not None:
        coding["extension"] = [{"url": ORDINAL_VALUE, "valueDecimal": option.score}]
    answer_option: dict[str, object] = {"valueCoding": coding}
    if option.exclusive:
        answer_option["extension"] = [{"url": OPTION_EXCLUSIVE, "valueBoolean": True}]
    return answer_option


def _coding(option: Option) -> dict:
    return {"system": ANSWER_SYSTEM, "code": option.id, "display": option.label}


class _Untranslated(gettext.NullTranslations):
    """The last fallback: None instead of the English, so a missing translation is left out."""

    def gettext(self, message: str) -> None:  # type: ignore[override]
        return None


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    catalogue = Translations.load(dirname=str(TRANSLATIONS_DIR), locales=[language])
    catalogue.add_fallback(_Untranslated())
    return catalogue


def _translation(text: str, language: str) -> str | None:
    """The compiled catalogue's translation of a label, or None when it has none yet."""
    return _catalogue(language).gettext(text)


def _translations_of(field: str, text: str) -> dict:
    """`_field` with a translation extension per language that has one; {} when none has."""
    extensions = [
        {
            "url": TRANSLATION,
            "extension": [
                {"url": "lang", "valueCode": language},
                {"url": "content", "valueString": translated},
            ],
        }
        for language in languages.translated()
        if (translated := _translation(text, language))
    ]
    return {f"_{field}": {"extension": extensions}} if extensions else {}


# The QuestionnaireResponse -------------------------------------------------


def questionnaire_response(
    *,
    reference: str,
    answers: dict,
    submitted_at: datetime,
    language: str,
    pdf_sha256: str | None,
    clinic_timezone: str,
) -> dict:
    """A submission as a FHIR R4 QuestionnaireResponse, with the findings and flags the PDF shows."""
    if submitted_at.tzinfo is None:
        raise ValueError(
            "submitted_at must be timezone-aware: a naive time would be exported wrong"
        )
    answers = applicable_answers(answers)
    submitted_on = submitted_at.astimezone(ZoneInfo(clinic_timezone)).date()
    authored = submitted_at.astimezone(timezone.utc).isoformat()
    assessment = assess(answers, submitted_on)
    observations = _findings(answers, assessment, authored, submitted_on)
    resource: dict[str, object] = {
        "resourceType": "QuestionnaireResponse",
        "id": reference,
        "contained": [
            _patient(answers, language),
            *observations,
            _risk_assessment(assessment, observations, authored),
        ],
    }
    if pdf_sha256:
        resource["extension"] = [{"url": PDF_SHA256_EXTENSION, "valueString": pdf_sha256}]
    resource |= {
        "identifier": {"system": REFERENCE_SYSTEM, "value": reference},
        "questionnaire": QUESTIONNAIRE_CANONICAL,
        "status": "completed",
        "subject": _reference(PATIENT_ID),
        "authored": authored,
        "item": _answered_groups(answers),
    }
    return resource


def _reference(contained_id: str) -> dict:
    return {"reference": f"#{contained_id}"}


def _answered_groups(answers: dict) -> list[dict]:
    groups = []
    for step in STEPS:
        items = [
            {"linkId": q.id, "text": q.label, "answer": _answer(q, answers[q.id])}
            for q in step.visible_questions(answers)
            if q.id in answers
        ]
        if items:
            groups.append({"linkId": step.slug, "text": step.title, "item": items})
    return groups


def _answer(question: Question, value) -> list[dict]:
    if question.kind is Kind.ANY_OF:
        return [{"valueCoding": _coding(question.option(v))} for v in value]
    if question.kind is Kind.ONE_OF:
        return [{"valueCoding": _coding(question.option(value))}]
    if question.kind is Kind.DATE:
        return [{"valueDate": value}]
    return [{"valueString": value}]


def _patient(answers: dict, language: str) -> dict:
    return {
        "resourceType": "Patient",
        "id": PATIENT_ID,
        "name": [{"text": answers["full_name"]}],
        "birthDate": answers["date_of_birth"],
        "communication": [
            {"language": {"coding": [{"system": LANGUAGE_SYSTEM, "code": language}]}}
        ],
    }


def _findings(
    answers: dict, assessment: Assessment, authored: str, submitted_on: date
) -> list[dict]:
    findings = assessment.findings
    age_on = answers.get("appointment_date") or submitted_on.isoformat()
    age = {"value": findings.age, "unit": "years", "system": UCUM, "code": "a"}
    return [
        _observation("acne-pattern", "Acne pattern", authored, valueString=findings.acne_pattern),
        _observation(
            "oiliness-score",
            f"Oiliness score (0 to {assessment.findings.oiliness_max})",
            authored,
            valueInteger=findings.oiliness_score,
        ),
        _observation(
            "oiliness-category",
            "Oiliness category",
            authored,
            valueString=findings.oiliness_category,
        ),
        _observation("age", "Age", age_on, {"system": LOINC, "code": "30525-0"}, valueQuantity=age),
    ]


def _observation(code: str, text: str, effective: str, *codings: dict, **value) -> dict:
    return {
        "resourceType": "Observation",
        "id": code,
        "status": "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
        ],
        "code": {
            "coding": [{"system": FINDING_SYSTEM, "code": code, "display": text}, *codings],
            "text": text,
        },
        "subject": _reference(PATIENT_ID),
        "effectiveDateTime": effective,
        **value,
        "derivedFrom": [{"reference": CONTAINER}],
    }


def _risk_assessment(assessment: Assessment, observations: list[dict], authored: str) -> dict:
    resource = {
        "resourceType": "RiskAssessment",
        "id": RISK_ASSESSMENT_ID,
        "status": "final",
        "method": {
            "text": f"Safety flags of questionnaire {QUESTIONNAIRE_ID} {QUESTIONNAIRE_VERSION}"
        },
        "subject": _reference(PATIENT_ID),
        "occurrenceDateTime": authored,
        "basis": [{"reference": CONTAINER}, *(_reference(o["id"]) for o in observations)],
    }
    if assessment.flags:
        resource["prediction"] = [_prediction(flag) for flag in assessment.flags]
    else:
        resource["note"] = [{"text": NO_FLAGS_TEXT}]
    return resource


def _prediction(flag: Flag) -> dict:
    return {
        "outcome": {
            "coding": [{"system": FLAG_SYSTEM, "code": flag.id, "display": flag.text}],
            "text": flag.text,
        },
        "qualitativeRisk": {
            "coding": [
                {
                    "system": FLAG_LEVEL_SYSTEM,
                    "code": flag.level.name.lower(),
                    "display": flag.level.value,
                }
            ],
            "text": flag.level.value,
        },
        "rationale": f"Raised by: {'; '.join(flag.raised_by)}. Basis: {flag.basis}",
    }


# Reading a response back ---------------------------------------------------


def answers_from_response(resource: dict) -> dict:
    """The answers a QuestionnaireResponse of ours carries, in the stored format, to check an export."""
    answers = {}
    for item in _items(resource.get("item", [])):
        if "answer" not in item:
            continue
        question = QUESTIONS.get(item["linkId"])
        if question is None:
            raise ValueError(f"{item['linkId']!r} is not a question of {QUESTIONNAIRE_ID}")
        values = [_stored_value(question, answer) for answer in item["answer"]]
        if question.kind is not Kind.ANY_OF and len(values) != 1:
            raise ValueError(f"{question.id} takes one answer, not {len(values)}")
        answers[question.id] = values if question.kind is Kind.ANY_OF else values[0]
    return answers


def _items(items: list[dict]):
    for item in items:
        yield item
        yield from _items(item.get("item", []))


def _stored_value(question: Question, answer: dict):
    if question.kind in (Kind.ONE_OF, Kind.ANY_OF):
        coding = answer["valueCoding"]
        if coding.get("system") != ANSWER_SYSTEM:
            raise ValueError(f"{question.id}: a code from {coding.get('system')!r}")
        try:
            return question.option(coding["code"]).id
        except KeyError as error:
            raise ValueError(str(error)) from None
    return answer["valueDate" if question.kind is Kind.DATE else "valueString"]
