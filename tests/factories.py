"""Test data in the questionnaire's answer format, so each test states only what it is about."""

from __future__ import annotations

import copy
from datetime import date, timedelta

from intake.questionnaire import QUESTIONS, Kind, applicable_answers

# Every question answered, no safety flag raised: an adult with mild comedonal acne.
_COMPLETE = {
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


# Every optional question left empty (conditionals aside): what "Not provided" is shown for.
EVERY_OPTIONAL_EMPTY = dict(
    appointment_date=None,
    phone=None,
    flares=None,
    treatment_notes=None,
    other_allergies=None,
    questions_for_dermatologist=None,
)


def answers(**overrides) -> dict:
    """A complete, valid answer set; an override of None removes that answer.

    The appointment is two weeks from today, so the set stays valid whenever tests run.
    Answers to questions that no longer apply are dropped, as the wizard does.
    """
    unknown = overrides.keys() - QUESTIONS.keys()
    if unknown:
        raise KeyError(f"not question ids: {', '.join(sorted(unknown))}")
    result = copy.deepcopy(_COMPLETE)
    result["appointment_date"] = (date.today() + timedelta(days=14)).isoformat()
    for question_id, value in overrides.items():
        if value is None:
            result.pop(question_id, None)
        else:
            result[question_id] = value
    return applicable_answers(result)


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
