"""Derived findings, safety flags and clinical considerations (SPEC sections 3 and 4), as
pure functions of the answers and the questionnaire version they were given in.

No Flask here: the PDF, the clinic pages and exports all call these. The rules themselves
are each version's data (intake/questionnaire/v*.py); this module only applies them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from intake.questionnaire import CURRENT, Level, Questionnaire, chosen_options
from intake.questionnaire.rules import (
    COMEDONAL,
    FACE_AND_TRUNK,
    FACE_ONLY,
    INFLAMMATORY,
    MIXED,
    NOT_DETERMINED,
    OILINESS_BANDS,
    OILINESS_CATEGORIES,
    TRUNK_ONLY,
)

__all__ = ["OILINESS_BANDS", "OILINESS_CATEGORIES", "Level"]

NO_FLAGS_TEXT = "No safety flags from the patient's answers."
NO_CONSIDERATIONS_TEXT = "No clinical considerations from the patient's answers."
CONSIDERATIONS_HEADING = "Clinical considerations"
LEVELS = tuple(Level)  # the order flags are grouped and counted in


FACE = ("forehead", "cheeks", "nose", "chin_jawline", "neck")
TRUNK = ("chest", "back", "shoulders")


@dataclass(frozen=True)
class Flag:
    """A raised safety flag (with its level) or clinical consideration (level None)."""

    id: str
    level: Level | None
    text: str  # exactly as in SPEC section 4
    raised_by: tuple[str, ...]  # the answers that raised it, in words
    basis: str  # where it comes from (product label, guideline)


@dataclass(frozen=True)
class OilinessItem:
    question: str  # the question's label
    answer: str  # the option's label
    points: int


@dataclass(frozen=True)
class TreatmentRow:
    name: str  # the option's label
    now: bool
    before: bool
    response: str | None  # how well it worked, in words


@dataclass(frozen=True)
class Findings:
    acne_pattern: str  # "Nodular" (2026.1: "Nodulocystic"), "Mixed comedonal and inflammatory", ...
    oiliness_score: int  # 0 to oiliness_max
    oiliness_max: int
    oiliness_category: str  # "Not oily", "Slightly oily", "Oily", "Very oily"
    oiliness_items: tuple[OilinessItem, ...]
    age: int  # at the appointment date, or at submission when there is none
    distribution: str | None = (
        None  # "Face only", "Trunk only", "Face and trunk"; None: not derived
    )
    treatments: tuple[TreatmentRow, ...] = ()  # treatments used now or before
    isotretinoin_stopped: str | None = None  # in words
    isotretinoin_relapse: str | None = None


@dataclass(frozen=True)
class Assessment:
    questionnaire: Questionnaire
    findings: Findings
    flags: tuple[Flag, ...]  # level by level, each in SPEC order
    considerations: tuple[Flag, ...] = ()

    def flags_at(self, level: Level) -> tuple[Flag, ...]:
        return tuple(flag for flag in self.flags if flag.level is level)


def age_on(born: date, on: date) -> int:
    """Whole years; someone born on 29 February turns a year older on 1 March in other years."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def oiliness_max(questionnaire: Questionnaire) -> int:
    step = questionnaire.step(questionnaire.findings.oiliness_step)
    assert step is not None
    return sum(max(_points(option) for option in q.options) for q in step.questions)


def _points(option) -> int:
    """An oiliness answer's points: every option of the oily-skin step carries them."""
    if option.score is None:
        raise ValueError(f"option {option.id!r} carries no oiliness points")
    return option.score


def derive_findings(
    answers: dict, submitted_on: date, questionnaire: Questionnaire = CURRENT
) -> Findings:
    """The findings a clinician would work out from the answers, so nobody has to by hand."""
    rules = questionnaire.findings
    step = questionnaire.step(rules.oiliness_step)
    assert step is not None
    items = tuple(
        OilinessItem(q.label, q.option_label(answers[q.id]), _points(q.option(answers[q.id])))
        for q in step.questions
    )
    score = sum(item.points for item in items)
    category = next(name for lowest, name in reversed(OILINESS_BANDS) if score >= lowest)
    appointment = answers.get("appointment_date")
    on = date.fromisoformat(appointment) if appointment else submitted_on
    age = age_on(date.fromisoformat(answers["date_of_birth"]), on)
    return Findings(
        acne_pattern=_acne_pattern(set(chosen_options(answers, "spot_types")), rules.nodular),
        oiliness_score=score,
        oiliness_max=oiliness_max(questionnaire),
        oiliness_category=category,
        oiliness_items=items,
        age=age,
        distribution=_distribution(answers) if rules.distribution else None,
        treatments=_treatments(answers, questionnaire),
        isotretinoin_stopped=_in_words(answers, questionnaire, rules.isotretinoin_stopped),
        isotretinoin_relapse=_in_words(answers, questionnaire, rules.isotretinoin_relapse),
    )


def _acne_pattern(spots: set[str], nodular: str) -> str:
    inflammatory = not spots.isdisjoint({"red_bumps", "pus_filled"})
    comedonal = "blackheads_whiteheads" in spots
    if "nodules" in spots:
        return nodular
    if inflammatory and comedonal:
        return MIXED
    if inflammatory:
        return INFLAMMATORY
    return COMEDONAL if comedonal else NOT_DETERMINED


def _distribution(answers: dict) -> str | None:
    places = set(chosen_options(answers, "locations"))
    face, trunk = not places.isdisjoint(FACE), not places.isdisjoint(TRUNK)
    if face and trunk:
        return FACE_AND_TRUNK
    return FACE_ONLY if face else TRUNK_ONLY if trunk else None


def _treatments(answers: dict, questionnaire: Questionnaire) -> tuple[TreatmentRow, ...]:
    rules = questionnaire.findings
    if not rules.treatments:
        return ()
    now = set(chosen_options(answers, rules.treatments_now))
    before = set(chosen_options(answers, rules.treatments_before))
    choices = questionnaire.question(rules.treatments_now)
    return tuple(
        TreatmentRow(
            choices.option_label(treatment.option),
            treatment.option in now,
            treatment.option in before,
            _in_words(answers, questionnaire, treatment.response_question),
        )
        for treatment in rules.treatments
        if treatment.option in now or treatment.option in before
    )


def _in_words(answers: dict, questionnaire: Questionnaire, question_id: str) -> str | None:
    if not question_id or question_id not in answers:
        return None
    return questionnaire.question(question_id).option_label(answers[question_id])


def _raise(rules, answers: dict, partial: Assessment) -> tuple[Flag, ...]:
    raised = []
    for rule in rules:
        holds, raised_by = rule.when.check(answers, partial)
        if holds:
            raised.append(Flag(rule.id, rule.level, rule.text, raised_by, rule.basis))
    return tuple(raised)


def assess(answers: dict, submitted_on: date, questionnaire: Questionnaire = CURRENT) -> Assessment:
    """Findings, flags and considerations of answers given in a questionnaire version: what
    the PDF, the clinic pages and FHIR show."""
    findings = derive_findings(answers, submitted_on, questionnaire)
    partial = Assessment(questionnaire, findings, ())
    flags = _raise(questionnaire.flags, answers, partial)
    considerations = _raise(questionnaire.considerations, answers, partial)
    return Assessment(questionnaire, findings, flags, considerations)
