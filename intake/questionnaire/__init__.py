"""The questionnaire: every version ever answered, as plain data, and the current one.

This package is the single source of truth for the patient side and for the clinic's view of
each submission. Forms, the check-answers page, the PDF and exports all read it. It imports
nothing from Flask or WTForms. Question and option ids are stable keys: once shipped they are
stored in the database and must never be renamed.

A submission is always read with the version it was answered with (`find(version)`);
patients answer the current one (`CURRENT`). The module-level names below are the current
version's, for the patient side.
"""

from __future__ import annotations

from intake.questionnaire import v2026_1, v2026_2
from intake.questionnaire.model import (
    MONTHS,
    Condition,
    DateRule,
    FindingsRules,
    FlagRule,
    Kind,
    Level,
    Option,
    Question,
    Questionnaire,
    Step,
    Treatment,
    answer_text,
    chosen_options,
    date_text,
    parse_date,
)

__all__ = [
    "MONTHS", "Condition", "DateRule", "FindingsRules", "FlagRule", "Kind", "Level", "Option",
    "Question", "Questionnaire", "Step", "Treatment", "answer_text", "chosen_options",
    "date_text", "parse_date",
]  # fmt: skip

# Every version ever answered, oldest first; the last is the one patients answer now.
VERSIONS: dict[str, Questionnaire] = {
    q.version: q for q in (v2026_1.QUESTIONNAIRE, v2026_2.QUESTIONNAIRE)
}
CURRENT = v2026_2.QUESTIONNAIRE

QUESTIONNAIRE_ID = CURRENT.id
QUESTIONNAIRE_VERSION = CURRENT.version
QUESTIONNAIRE_TITLE = CURRENT.title
STEPS = CURRENT.steps
QUESTIONS = CURRENT.questions


def find(version: str) -> Questionnaire:
    """The questionnaire as it was in a version (KeyError for one never used)."""
    return VERSIONS[version]


def step(slug: str) -> Step | None:
    return CURRENT.step(slug)


def question(question_id: str) -> Question:
    return CURRENT.question(question_id)


def next_step(current: Step) -> Step | None:
    return CURRENT.next_step(current)


def previous_step(current: Step) -> Step | None:
    return CURRENT.previous_step(current)


def applicable_answers(answers: dict) -> dict:
    return CURRENT.applicable_answers(answers)


def answered_steps(answers: dict, translate=None, write_date=None):
    return CURRENT.answered_steps(answers, translate, write_date)


def wording() -> tuple[str, ...]:
    """Every text of the current questionnaire a patient reads, in order, each once."""
    return CURRENT.wording()
