"""Test data in the questionnaire's answer format, so each test states only what it is about."""

from __future__ import annotations

import copy
from datetime import date, timedelta

from intake import questionnaire
from intake.questionnaire import Kind

# Every question answered, no safety flag and no clinical consideration raised: an adult
# with mild comedonal acne, questionnaire 2026.2.
_COMPLETE = {
    "full_name": "Ada Lovelace",
    "date_of_birth": "1990-03-27",
    "sex": "male",
    "phone": "+44 (0)20 7946 0000",
    "spot_types": ["blackheads_whiteheads"],
    "locations": ["forehead", "nose"],
    "duration": "6_to_12_months",
    "severity": "mild",
    "marks": "no",
    "flares": ["stress"],
    "impact": "a_little",
    "picking": "sometimes",
    "face_feel": "normal",
    "blotting": "once",
    "pores": "nose_only",
    "shine": "no",
    "treatments_now": ["pharmacy"],
    "treatments_before": ["none"],
    "response_pharmacy": "helped_somewhat",
    "treatment_notes": "A salicylic acid wash for a year.",
    "pregnant_breastfeeding": "not_applicable",
    "conditions": ["none"],
    "face": ["none"],
    "medicines": ["none"],
    "planned_operation": "no",
    "toxin_ever": "no",
    "cows_milk_allergy": "no",
    "fainting": "no",
    "other_medicines": "Vitamin D.",
    "allergies": "Penicillin.",
    "goals": ["fewer_breakouts"],
    "questions_for_dermatologist": "How many sessions would I need?",
}

# The same patient as answered in questionnaire 2026.1, for tests of older records.
_COMPLETE_2026_1 = {
    "full_name": "Ada Lovelace",
    "date_of_birth": "1990-03-27",
    "phone": "+44 (0)20 7946 0000",
    "spot_types": ["blackheads_whiteheads"],
    "locations": ["forehead", "nose"],
    "duration": "6_to_12_months",
    "severity": "mild",
    "marks": "no",
    "flares": ["stress"],
    "impact": "a_little",
    "face_feel": "normal",
    "blotting": "once",
    "pores": "nose_only",
    "makeup_shine": "no",
    "treatments": ["pharmacy"],
    "treatment_response": "helped_somewhat",
    "treatment_notes": "A salicylic acid wash for a year.",
    "pregnancy": "no",
    "conditions": ["none"],
    "medicines": ["none"],
    "recent_toxin": "no",
    "toxin_allergy": "no",
    "injection_weakness": "no",
    "other_allergies": "Penicillin.",
    "goals": ["fewer_breakouts"],
    "questions_for_dermatologist": "How many sessions would I need?",
}


# Answers that ask the follow-up questions of three triggers: a female patient (the hormonal
# question, asked on the step after), isotretinoin used before (its two follow-ups and its
# "how well") and botulinum toxin before (its two follow-ups).
FOLLOW_UPS = dict(
    sex="female",
    hormonal_features=["irregular_periods"],
    treatments_before=["isotretinoin"],
    response_isotretinoin="helped_somewhat",
    isotretinoin_stopped="over_12_months",
    isotretinoin_relapse="no",
    toxin_ever="yes",
    toxin_last="over_12_months",
    after_toxin=["none"],
)


# Every optional question left empty (conditionals aside): what "Not provided" is shown for.
EVERY_OPTIONAL_EMPTY = dict(
    appointment_date=None,
    phone=None,
    flares=None,
    treatment_notes=None,
    other_medicines=None,
    allergies=None,
    questions_for_dermatologist=None,
)


def answers(**overrides) -> dict:
    """A complete, valid answer set of the current questionnaire; an override of None removes
    that answer.

    The appointment is two weeks from today, so the set stays valid whenever tests run.
    Answers to questions that no longer apply are dropped, as the wizard does.
    """
    return _answers(questionnaire.CURRENT, _COMPLETE, overrides)


def answers_with_follow_ups(**overrides) -> dict:
    """A complete answer set that asks the FOLLOW_UPS questions too."""
    return answers(**{**FOLLOW_UPS, **overrides})


def answers_2026_1(**overrides) -> dict:
    """A complete, valid answer set of questionnaire 2026.1 (older records and drafts)."""
    return _answers(questionnaire.find("2026.1"), _COMPLETE_2026_1, overrides)


def _answers(version, complete: dict, overrides: dict) -> dict:
    unknown = overrides.keys() - version.questions.keys()
    if unknown:
        raise KeyError(f"not question ids of {version.version}: {', '.join(sorted(unknown))}")
    result = copy.deepcopy(complete)
    result["appointment_date"] = (date.today() + timedelta(days=14)).isoformat()
    for question_id, value in overrides.items():
        if value is None:
            result.pop(question_id, None)
        else:
            result[question_id] = value
    return version.applicable_answers(result)


def field_names(step) -> list[str]:
    """Every name a step's form posts (a date as its three boxes), `shown` included."""
    names = ["shown"]
    for question in step.questions:
        if question.kind is Kind.DATE:
            names += [f"{question.id}-{part}" for part in ("day", "month", "year")]
        else:
            names.append(question.id)
    return names


def formdata(step, answers: dict) -> dict:
    """Answers of one step as a browser with JavaScript posts them (shown conditionals included)."""
    data: dict[str, list[str] | str] = {}
    shown = []
    for question in step.questions:
        if question.id not in answers:
            continue
        value = answers[question.id]
        if question.shown_if:
            shown.append(question.id)
        if question.kind is Kind.DATE:
            year, month, day = value.split("-")
            data |= {
                f"{question.id}-day": day,
                f"{question.id}-month": month,
                f"{question.id}-year": year,
            }
        else:
            data[question.id] = value
    if shown:
        data["shown"] = shown
    return data
