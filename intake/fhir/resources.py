"""FHIR R4 resources from a questionnaire version's definition and a stored submission: plain
data in, dicts out.

Nothing here is written by hand or imports Flask: each Questionnaire is generated from its
version in `intake.questionnaire` (every version ever answered, `VERSIONS`), and a response
from the same stored answers, findings, flags and considerations as the PDF, read with the
version the submission was answered in (`applicable_answers`, then `assess` on the submission
date in the clinic's time zone).

Modelling choices (FHIR R4, 4.0.1):

- Identity. Every builder takes `base`, the FHIR base of this deployment (the setting
  `INTAKE_FHIR_BASE`, read by the views; `DEVELOPMENT_BASE` serves development and tests
  only). The Questionnaire's canonical `url` is `{base}/Questionnaire/acne-botox-preconsult`,
  the path the blueprint serves, the same for every version; `version` is the questionnaire's
  version ("2026.1", "2026.2"), and a response names what it answered as
  `{url}|{version}`. Every code system and extension of ours lives under the same base. A
  canonical is an identifier, not a link: set the base once before the first export, then
  never change it (a changed base changes every canonical and code system already sent).
- Versions. Each version is its own Questionnaire resource with the same `url`, as FHIR
  models several business versions of one canonical. The current one is the resource
  `acne-botox-preconsult` (the path SPEC fixes), status "active"; each earlier one is
  `acne-botox-preconsult-{version}`, status "retired" (answered once, no longer offered,
  still resolvable). `questionnaire_searchset` answers the standard search
  `Questionnaire?url=&version=` with a `searchset` Bundle, so every response's
  `questionnaire` resolves.
- Items. One `group` item per step (linkId = the step's slug), one item per question
  (linkId = the question's stable id, unique across the version's steps). TEXT -> string,
  LONG_TEXT -> text, DATE -> date, ONE_OF and ANY_OF -> choice (ANY_OF `repeats`).
  `required` and `maxLength` as defined; a minimum length and an allowed-characters pattern
  as the core `minLength` and `regex` extensions; "None"-style options carry
  `questionnaire-optionExclusive`; oiliness points carry `ordinalValue` on the option's
  coding, so the score and each item's points can be recomputed from the answers. Hints
  (of questions and of options) are left out: they describe our web form, not the question.
- Codes. One code system of ours for every answer (`answers`); code = the option's stable
  id, display = its English label. A few ids recur across questions ("yes", "no",
  "not_sure", "none", "6_to_12_months"); each keeps one meaning ("None (of the choices
  offered)", "6 to 12 months"), only its wording varies with the question, so a code is
  read together with its item's linkId (and the version the response names).
  No CodeSystem resource is published.
- Conditions. `enableWhen` with operator "=" on the trigger's coding, one per trigger
  question and enabling option; `enableBehavior` "any" when there are several (a condition
  holds when any trigger question's answer includes any of its options). A trigger on an
  earlier step needs nothing else: linkIds are unique in the Questionnaire, and
  `enableWhen.question` may name any item.
- Spanish. The core `translation` extension (lang "es", content) on `_title`, `_text` and
  `_display`, read from the compiled catalogue with Babel. A label without a Spanish
  translation gets no extension, rather than English marked as Spanish.
- The response. `QuestionnaireResponse.id` and `identifier` are the submission reference;
  `questionnaire` = url|version answered; `authored` = submitted at (UTC); `subject` -> a
  contained Patient with the name (as written, in `name.text`: we do not guess given and
  family names), birth date and the language the patient answered in (`communication`).
  Items are nested as in that version's Questionnaire, with its wording; only questions that
  applied and were answered appear.
- The PDF. Its SHA-256 (hex) is an extension on the response (`pdf_sha256`), not a
  `meta.tag`: tags are workflow labels from a vocabulary that servers may add or drop
  without a new version, while an extension is part of the content it vouches for.
- Findings. Contained Observations, category "survey": acne pattern, oiliness score,
  oiliness category, age at the appointment or at submission (LOINC 30525-0), and the
  distribution (face, trunk or both) in versions that derive it (2026.2 on). The code's
  `display` is stable; its `text` is the version's own label ("Acne pattern
  (patient-described, not a clinical grade)" in 2026.2). Treatments are answers already
  (now, before, how well), so they are not repeated as Observations.
- Safety flags. A contained RiskAssessment `safety-flags`, `code` = safety-flags in our
  `assessments` system, with one `prediction` per flag: `outcome` = the flag (code = its
  stable id in our `flags` system, text = the version's wording), `qualitativeRisk` = its
  level in our `flag-levels` system (contraindication, defer, caution), `rationale` = the
  answers that raised it and its basis; with no flag it has no prediction and the PDF's
  sentence as a `note`.
- Clinical considerations (2026.2 on) are not safety flags, and nothing counts them as
  such: a second contained RiskAssessment `clinical-considerations`, `code` =
  clinical-considerations in the same `assessments` system, whose predictions have an
  `outcome` in a code system of their own (`considerations`) and no `qualitativeRisk`;
  `rationale` as for flags; with none, the PDF's sentence as a `note`. A version that
  defines no considerations (2026.1) has no such RiskAssessment: it never asked.
- Links. R4's QuestionnaireResponse has no element pointing to what was derived from it,
  and we add no extension for that: FHIR links the other way (as SDC extraction does), so
  each Observation's `derivedFrom` and each RiskAssessment's `basis` reference the response
  with "#" (a contained resource referring to its container), which is also what the dom-3
  invariant accepts for contained resources.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.support import Translations

from intake import languages
from intake.assessment import (
    CONSIDERATIONS_HEADING,
    NO_CONSIDERATIONS_TEXT,
    NO_FLAGS_TEXT,
    Assessment,
    Flag,
    assess,
)
from intake.questionnaire import (
    CURRENT,
    QUESTIONNAIRE_ID,
    VERSIONS,
    Kind,
    Option,
    Question,
    Questionnaire,
    Step,
)

# For development and the tests only: a deployment sets INTAKE_FHIR_BASE (intake.fhir.views).
DEVELOPMENT_BASE = "https://intake.example.org/fhir"

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
CONSIDERATIONS_ID = "clinical-considerations"
CONTAINER = "#"  # how a contained resource refers to the response holding it

ITEM_TYPES = {
    Kind.TEXT: "string",
    Kind.LONG_TEXT: "text",
    Kind.DATE: "date",
    Kind.ONE_OF: "choice",
    Kind.ANY_OF: "choice",
}


@dataclass(frozen=True)
class Ours:
    """The canonical URLs of our questionnaire, code systems and extensions under one base."""

    base: str

    def __post_init__(self) -> None:
        if not self.base.startswith(("https://", "http://")):
            raise ValueError(f"a FHIR base is an absolute http(s) URL, not {self.base!r}")
        object.__setattr__(self, "base", self.base.rstrip("/"))

    def _code_system(self, name: str) -> str:
        return f"{self.base}/CodeSystem/{QUESTIONNAIRE_ID}-{name}"

    @property
    def questionnaire_url(self) -> str:
        return f"{self.base}/Questionnaire/{QUESTIONNAIRE_ID}"

    def canonical(self, questionnaire: Questionnaire) -> str:
        """What a response's `questionnaire` names: url|version."""
        return f"{self.questionnaire_url}|{questionnaire.version}"

    @property
    def answers(self) -> str:
        return self._code_system("answers")

    @property
    def findings(self) -> str:
        return self._code_system("findings")

    @property
    def assessments(self) -> str:
        return self._code_system("assessments")

    @property
    def flags(self) -> str:
        return self._code_system("flags")

    @property
    def flag_levels(self) -> str:
        return self._code_system("flag-levels")

    @property
    def considerations(self) -> str:
        return self._code_system("considerations")

    @property
    def reference_system(self) -> str:
        return f"{self.base}/NamingSystem/submission-reference"

    @property
    def pdf_sha256(self) -> str:
        return f"{self.base}/StructureDefinition/summary-pdf-sha256"


# The Questionnaire ---------------------------------------------------------


def resource_id(questionnaire: Questionnaire) -> str:
    """The current version is `acne-botox-preconsult`; each earlier one has its version in
    its id, as several resources share one canonical url."""
    if questionnaire.version == CURRENT.version:
        return questionnaire.id
    return f"{questionnaire.id}-{questionnaire.version}"


def find_by_resource_id(resource_id_: str) -> Questionnaire | None:
    return next((q for q in VERSIONS.values() if resource_id(q) == resource_id_), None)


def questionnaire_resource(questionnaire: Questionnaire = CURRENT, *, base: str) -> dict:
    """A questionnaire version as a FHIR R4 Questionnaire, generated so it cannot drift from
    the forms."""
    ours = Ours(base)
    return {
        "resourceType": "Questionnaire",
        "id": resource_id(questionnaire),
        "language": languages.SOURCE,
        "url": ours.questionnaire_url,
        "version": questionnaire.version,
        "name": "".join(word.capitalize() for word in questionnaire.id.split("-")),
        "title": questionnaire.title,
        **_translations_of("title", questionnaire.title),
        "status": "active" if questionnaire.version == CURRENT.version else "retired",
        "subjectType": ["Patient"],
        "item": [_group(step, ours) for step in questionnaire.steps],
    }


def _group(step: Step, ours: Ours) -> dict:
    return {
        "linkId": step.slug,
        "text": step.title,
        **_translations_of("text", step.title),
        "type": "group",
        "item": [_question_item(question, ours) for question in step.questions],
    }


def _question_item(question: Question, ours: Ours) -> dict:
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
                "question": trigger,
                "operator": "=",
                "answerCoding": {"system": ours.answers, "code": option_id},
            }
            for trigger in question.shown_if.questions
            for option_id in question.shown_if.any_of
        ]
        if len(item["enableWhen"]) > 1:
            item["enableBehavior"] = "any"
    if question.kind is Kind.ANY_OF:
        item["repeats"] = True
    if question.max_length:
        item["maxLength"] = question.max_length
    if question.options:
        item["answerOption"] = [_answer_option(option, ours) for option in question.options]
    return item


def _answer_option(option: Option, ours: Ours) -> dict:
    coding = {**_coding(option, ours), **_translations_of("display", option.label)}
    if option.score is not None:
        coding["extension"] = [{"url": ORDINAL_VALUE, "valueDecimal": option.score}]
    answer_option: dict[str, object] = {"valueCoding": coding}
    if option.exclusive:
        answer_option["extension"] = [{"url": OPTION_EXCLUSIVE, "valueBoolean": True}]
    return answer_option


def _coding(option: Option, ours: Ours) -> dict:
    return {"system": ours.answers, "code": option.id, "display": option.label}


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


# Search --------------------------------------------------------------------


def search_questionnaires(
    *, base: str, url: str | None = None, version: str | None = None
) -> list[Questionnaire]:
    """The versions a `Questionnaire?url=&version=` search matches, oldest first.

    `url` is matched exactly; it may carry `|version` (a response's `questionnaire` as it
    stands). `version` may list several, comma-separated (FHIR's "or"). A parameter left out
    (or empty) matches every version; an unknown url or version matches none.
    """
    ours = Ours(base)
    wanted: set[str] | None = None
    if url:
        url, _, pinned = url.partition("|")
        if url != ours.questionnaire_url:
            return []
        if pinned:
            wanted = {pinned}
    if version:
        listed = {v for v in version.split(",") if v}
        wanted = listed if wanted is None else wanted & listed
    return [q for q in VERSIONS.values() if wanted is None or q.version in wanted]


def questionnaire_searchset(
    *, base: str, url: str | None = None, version: str | None = None
) -> dict:
    """The standard search `Questionnaire?url=&version=` as a FHIR R4 searchset Bundle."""
    ours = Ours(base)
    found = search_questionnaires(base=base, url=url, version=version)
    given = {name: value for name, value in (("url", url), ("version", version)) if value}
    self_link = f"{ours.base}/Questionnaire" + (f"?{urlencode(given)}" if given else "")
    bundle: dict[str, object] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(found),
        "link": [{"relation": "self", "url": self_link}],
    }
    if found:
        bundle["entry"] = [
            {
                "fullUrl": f"{ours.base}/Questionnaire/{resource_id(q)}",
                "resource": questionnaire_resource(q, base=base),
                "search": {"mode": "match"},
            }
            for q in found
        ]
    return bundle


# The QuestionnaireResponse -------------------------------------------------


def questionnaire_response(
    *,
    base: str,
    reference: str,
    answers: dict,
    questionnaire_version: str,
    submitted_at: datetime,
    language: str,
    pdf_sha256: str | None,
    clinic_timezone: str,
) -> dict:
    """A submission as a FHIR R4 QuestionnaireResponse to the version it was answered in, with
    the findings, flags and considerations the PDF shows."""
    if submitted_at.tzinfo is None:
        raise ValueError(
            "submitted_at must be timezone-aware: a naive time would be exported wrong"
        )
    ours = Ours(base)
    questionnaire = VERSIONS.get(questionnaire_version)
    if questionnaire is None:
        raise ValueError(f"{questionnaire_version!r} is not a version of {QUESTIONNAIRE_ID}")
    answers = questionnaire.applicable_answers(answers)
    submitted_on = submitted_at.astimezone(ZoneInfo(clinic_timezone)).date()
    authored = submitted_at.astimezone(timezone.utc).isoformat()
    assessment = assess(answers, submitted_on, questionnaire)
    observations = _findings(answers, assessment, authored, submitted_on, ours)
    basis = [CONTAINER, *(f"#{o['id']}" for o in observations)]
    assessments = [_flags_assessment(assessment, basis, authored, ours)]
    if questionnaire.considerations:
        assessments.append(_considerations_assessment(assessment, basis, authored, ours))
    resource: dict[str, object] = {
        "resourceType": "QuestionnaireResponse",
        "id": reference,
        "contained": [_patient(answers, language), *observations, *assessments],
    }
    if pdf_sha256:
        resource["extension"] = [{"url": ours.pdf_sha256, "valueString": pdf_sha256}]
    resource |= {
        "identifier": {"system": ours.reference_system, "value": reference},
        "questionnaire": ours.canonical(questionnaire),
        "status": "completed",
        "subject": _reference(PATIENT_ID),
        "authored": authored,
        "item": _answered_groups(questionnaire, answers, ours),
    }
    return resource


def _reference(contained_id: str) -> dict:
    return {"reference": f"#{contained_id}"}


def _answered_groups(questionnaire: Questionnaire, answers: dict, ours: Ours) -> list[dict]:
    groups = []
    for step in questionnaire.steps:
        items = [
            {"linkId": q.id, "text": q.label, "answer": _answer(q, answers[q.id], ours)}
            for q in step.visible_questions(answers)
            if q.id in answers
        ]
        if items:
            groups.append({"linkId": step.slug, "text": step.title, "item": items})
    return groups


def _answer(question: Question, value, ours: Ours) -> list[dict]:
    if question.kind is Kind.ANY_OF:
        return [{"valueCoding": _coding(question.option(v), ours)} for v in value]
    if question.kind is Kind.ONE_OF:
        return [{"valueCoding": _coding(question.option(value), ours)}]
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
    answers: dict, assessment: Assessment, authored: str, submitted_on: date, ours: Ours
) -> list[dict]:
    findings = assessment.findings
    rules = assessment.questionnaire.findings
    age_on = answers.get("appointment_date") or submitted_on.isoformat()
    age = {"value": findings.age, "unit": "years", "system": UCUM, "code": "a"}
    scale = f"0 to {findings.oiliness_max}"
    observations = [
        _observation(
            ours,
            ("acne-pattern", "Acne pattern", rules.pattern_label),
            authored,
            valueString=findings.acne_pattern,
        ),
        _observation(
            ours,
            ("oiliness-score", "Oiliness score", f"{rules.oiliness_label}: score, {scale}"),
            authored,
            valueInteger=findings.oiliness_score,
        ),
        _observation(
            ours,
            ("oiliness-category", "Oiliness category", f"{rules.oiliness_label}: category"),
            authored,
            valueString=findings.oiliness_category,
        ),
        _observation(
            ours,
            ("age", "Age", "Age"),
            age_on,
            {"system": LOINC, "code": "30525-0"},
            valueQuantity=age,
        ),
    ]
    if findings.distribution is not None:
        observations.append(
            _observation(
                ours,
                ("distribution", "Distribution", "Distribution"),
                authored,
                valueString=findings.distribution,
            )
        )
    return observations


def _observation(
    ours: Ours, code: tuple[str, str, str], effective: str, *codings: dict, **value
) -> dict:
    """code = (our code, its stable display, the version's label for it)."""
    code_id, display, text = code
    return {
        "resourceType": "Observation",
        "id": code_id,
        "status": "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
        ],
        "code": {
            "coding": [{"system": ours.findings, "code": code_id, "display": display}, *codings],
            "text": text,
        },
        "subject": _reference(PATIENT_ID),
        "effectiveDateTime": effective,
        **value,
        "derivedFrom": [{"reference": CONTAINER}],
    }


def _assessment(
    resource_id_: str,
    title: str,
    assessment: Assessment,
    basis: list[str],
    authored: str,
    ours: Ours,
) -> dict:
    questionnaire = assessment.questionnaire
    return {
        "resourceType": "RiskAssessment",
        "id": resource_id_,
        "status": "final",
        "code": {
            "coding": [{"system": ours.assessments, "code": resource_id_, "display": title}],
            "text": title,
        },
        "method": {"text": f"{title} of questionnaire {questionnaire.id} {questionnaire.version}"},
        "subject": _reference(PATIENT_ID),
        "occurrenceDateTime": authored,
        "basis": [{"reference": reference} for reference in basis],
    }


def _flags_assessment(assessment: Assessment, basis: list[str], authored: str, ours: Ours) -> dict:
    resource = _assessment(RISK_ASSESSMENT_ID, "Safety flags", assessment, basis, authored, ours)
    _predict(resource, assessment.flags, ours.flags, NO_FLAGS_TEXT, ours)
    return resource


def _considerations_assessment(
    assessment: Assessment, basis: list[str], authored: str, ours: Ours
) -> dict:
    resource = _assessment(
        CONSIDERATIONS_ID, CONSIDERATIONS_HEADING, assessment, basis, authored, ours
    )
    _predict(resource, assessment.considerations, ours.considerations, NO_CONSIDERATIONS_TEXT, ours)
    return resource


def _predict(resource: dict, raised: Iterable[Flag], system: str, none: str, ours: Ours) -> None:
    predictions = [_prediction(flag, system, ours) for flag in raised]
    if predictions:
        resource["prediction"] = predictions
    else:
        resource["note"] = [{"text": none}]


def _prediction(flag: Flag, system: str, ours: Ours) -> dict:
    prediction: dict[str, object] = {
        "outcome": {
            "coding": [{"system": system, "code": flag.id, "display": flag.text}],
            "text": flag.text,
        },
    }
    if flag.level is not None:
        prediction["qualitativeRisk"] = {
            "coding": [
                {
                    "system": ours.flag_levels,
                    "code": flag.level.name.lower(),
                    "display": flag.level.value,
                }
            ],
            "text": flag.level.value,
        }
    prediction["rationale"] = f"Raised by: {'; '.join(flag.raised_by)}. Basis: {flag.basis}"
    return prediction


# Reading a response back ---------------------------------------------------


def answers_from_response(resource: dict, *, base: str) -> dict:
    """The answers a QuestionnaireResponse of ours carries, in the stored format, read with
    the version its `questionnaire` names, to check an export."""
    ours = Ours(base)
    url, _, version = resource.get("questionnaire", "").partition("|")
    questionnaire = VERSIONS.get(version)
    if url != ours.questionnaire_url or questionnaire is None:
        raise ValueError(f"{resource.get('questionnaire')!r} is not a version of ours")
    answers = {}
    for item in _items(resource.get("item", [])):
        if "answer" not in item:
            continue
        question = questionnaire.questions.get(item["linkId"])
        if question is None:
            raise ValueError(f"{item['linkId']!r} is not a question of {version}")
        values = [_stored_value(question, answer, ours) for answer in item["answer"]]
        if question.kind is not Kind.ANY_OF and len(values) != 1:
            raise ValueError(f"{question.id} takes one answer, not {len(values)}")
        answers[question.id] = values if question.kind is Kind.ANY_OF else values[0]
    return answers


def _items(items: list[dict]):
    for item in items:
        yield item
        yield from _items(item.get("item", []))


def _stored_value(question: Question, answer: dict, ours: Ours):
    if question.kind in (Kind.ONE_OF, Kind.ANY_OF):
        coding = answer["valueCoding"]
        if coding.get("system") != ours.answers:
            raise ValueError(f"{question.id}: a code from {coding.get('system')!r}")
        try:
            return question.option(coding["code"]).id
        except KeyError as error:
            raise ValueError(str(error)) from None
    return answer["valueDate" if question.kind is Kind.DATE else "valueString"]
