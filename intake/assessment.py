"""Derived findings and safety flags (SPEC sections 3 and 4), as pure functions of the answers.

No Flask here: the PDF, the clinic pages and exports all call these.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from intake.questionnaire import OILY_SKIN, QUESTIONS, Option, chosen_options

NO_FLAGS_TEXT = "No safety flags from the patient's answers."

NODULOCYSTIC = "Nodulocystic"
MIXED = "Mixed comedonal and inflammatory"
INFLAMMATORY = "Inflammatory"
COMEDONAL = "Comedonal"
NOT_DETERMINED = "Not determined"
ACNE_PATTERNS = (NODULOCYSTIC, MIXED, INFLAMMATORY, COMEDONAL, NOT_DETERMINED)

_OILINESS_CATEGORY_FROM = ((0, "Not oily"), (3, "Slightly oily"), (5, "Oily"), (7, "Very oily"))
OILINESS_CATEGORIES = tuple(category for _, category in _OILINESS_CATEGORY_FROM)


def _points(option: Option) -> int:
    """An oiliness answer's points: every option of the oily-skin step carries them."""
    if option.score is None:
        raise ValueError(f"option {option.id!r} carries no oiliness points")
    return option.score


OILINESS_MAX = sum(max(_points(option) for option in q.options) for q in OILY_SKIN.questions)


class Level(enum.Enum):
    CONTRAINDICATION = "Contraindication"
    CAUTION = "Caution"


@dataclass(frozen=True)
class Flag:
    id: str  # stable, e.g. "pregnancy", "bruising"
    level: Level
    text: str  # exactly as in SPEC section 4
    # the answers that raised it, in words: "Pregnant, breastfeeding or planning pregnancy: Yes"
    raised_by: tuple[str, ...]
    basis: str  # where the flag comes from (product label, guideline)


@dataclass(frozen=True)
class Findings:
    acne_pattern: str  # "Nodulocystic", "Mixed comedonal and inflammatory", ...
    oiliness_score: int  # 0 to 9
    oiliness_category: str  # "Not oily", "Slightly oily", "Oily", "Very oily"
    age: int  # at the appointment date, or at submission when there is none


@dataclass(frozen=True)
class Assessment:
    findings: Findings
    flags: tuple[Flag, ...]  # contraindications first, then cautions, each in SPEC order


def age_on(born: date, on: date) -> int:
    """Whole years; someone born on 29 February turns a year older on 1 March in other years."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def derive_findings(answers: dict, submitted_on: date) -> Findings:
    """The findings a clinician would work out from the answers, so nobody has to by hand."""
    score = sum(_points(q.option(answers[q.id])) for q in OILY_SKIN.questions)
    category = next(name for lowest, name in reversed(_OILINESS_CATEGORY_FROM) if score >= lowest)
    appointment = answers.get("appointment_date")
    on = date.fromisoformat(appointment) if appointment else submitted_on
    age = age_on(date.fromisoformat(answers["date_of_birth"]), on)
    return Findings(_acne_pattern(set(chosen_options(answers, "spot_types"))), score, category, age)


def _acne_pattern(spots: set[str]) -> str:
    inflammatory = not spots.isdisjoint({"red_bumps", "pus_filled"})
    comedonal = "blackheads_whiteheads" in spots
    if "nodules" in spots:
        return NODULOCYSTIC
    if inflammatory and comedonal:
        return MIXED
    if inflammatory:
        return INFLAMMATORY
    return COMEDONAL if comedonal else NOT_DETERMINED


# A trigger names, in words, what in the answers raises a flag; nothing when it does not.
Trigger = Callable[[dict, Findings], tuple[str, ...]]

# How flagged answers are named in "raised by" (the questions' own labels are too long).
_ANSWER_NAMES = {
    "marks": "Marks or scars",
    "isotretinoin_last": "Last took isotretinoin",
    "pregnancy": "Pregnant, breastfeeding or planning pregnancy",
    "conditions": "Conditions",
    "medicines": "Medicines",
    "recent_toxin": "Botulinum toxin in the last 3 months",
    "toxin_allergy": "Allergy to botulinum toxin or cow's milk protein",
    "injection_weakness": "Drooping or weakness after an injection",
}


def _answer_includes(question_id: str, *option_ids: str) -> Trigger:
    """A trigger naming each of these options the patient chose (a typo fails at import)."""
    question, name = QUESTIONS[question_id], _ANSWER_NAMES[question_id]
    labels = {option_id: question.option_label(option_id) for option_id in option_ids}

    def trigger(answers: dict, findings: Findings) -> tuple[str, ...]:
        chosen = chosen_options(answers, question_id)
        return tuple(f"{name}: {labels[o]}" for o in chosen if o in labels)

    return trigger


def _under_18(answers: dict, findings: Findings) -> tuple[str, ...]:
    when = "appointment" if "appointment_date" in answers else "submission"
    return (f"Age at {when}: {findings.age}",) if findings.age < 18 else ()


def _nodulocystic(answers: dict, findings: Findings) -> tuple[str, ...]:
    return (f"Acne pattern: {NODULOCYSTIC}",) if findings.acne_pattern == NODULOCYSTIC else ()


@dataclass(frozen=True)
class _FlagRule:
    id: str
    level: Level
    text: str
    basis: str
    triggers: tuple[Trigger, ...]


_PREGNANCY_BASIS = (
    "Product labels advise against use in pregnancy and breastfeeding (no adequate data)."
)
_HYPERSENSITIVITY_BASIS = (
    "Product label contraindication: hypersensitivity to botulinum toxin or any ingredient "
    "(some products contain cow's milk protein)."
)

# Contraindications first, then cautions, each in SPEC order: this order is the PDF's.
_FLAG_RULES = (
    _FlagRule(
        "pregnancy",
        Level.CONTRAINDICATION,
        "Pregnant, breastfeeding or planning pregnancy: botulinum toxin is not recommended.",
        _PREGNANCY_BASIS,
        (_answer_includes("pregnancy", "yes"),),
    ),
    _FlagRule(
        "neuromuscular",
        Level.CONTRAINDICATION,
        "Neuromuscular disorder: risk of serious effects from botulinum toxin.",
        "Product label warning: neuromuscular disorders raise the risk of serious effects, "
        "including difficulty swallowing and breathing.",
        (
            _answer_includes(
                "conditions", "myasthenia_gravis", "lambert_eaton", "nerve_muscle_disease"
            ),
        ),
    ),
    _FlagRule(
        "hypersensitivity",
        Level.CONTRAINDICATION,
        "Possible hypersensitivity to botulinum toxin or its ingredients.",
        _HYPERSENSITIVITY_BASIS,
        (_answer_includes("toxin_allergy", "yes"),),
    ),
    _FlagRule(
        "skin_infection",
        Level.CONTRAINDICATION,
        "Skin infection at the proposed injection site.",
        "Product label contraindication: infection at the proposed injection site.",
        (_answer_includes("conditions", "skin_infection"),),
    ),
    _FlagRule(
        "pregnancy_uncertain",
        Level.CAUTION,
        "Pregnancy status uncertain.",
        _PREGNANCY_BASIS,
        (_answer_includes("pregnancy", "not_sure"),),
    ),
    _FlagRule(
        "bruising",
        Level.CAUTION,
        "Bruising and bleeding risk at injection sites.",
        "Product label warnings: injection-site bleeding and bruising, more likely with "
        "anticoagulants, antiplatelets or a bleeding disorder.",
        (
            _answer_includes("conditions", "bleeding_disorder"),
            _answer_includes("medicines", "blood_thinners", "anti_inflammatories"),
        ),
    ),
    _FlagRule(
        "potentiating_medicine",
        Level.CAUTION,
        "Medicine that may increase the effect of botulinum toxin.",
        "Product label interaction: aminoglycosides and muscle relaxants may increase the effect "
        "of botulinum toxin.",
        (_answer_includes("medicines", "aminoglycosides", "muscle_relaxants"),),
    ),
    _FlagRule(
        "recent_toxin",
        Level.CAUTION,
        "Botulinum toxin in the last 3 months.",
        "Product label warning: a repeat dose within about 3 months may add to the weakness "
        "from the earlier one.",
        (_answer_includes("recent_toxin", "yes", "not_sure"),),
    ),
    _FlagRule(
        "possible_allergy",
        Level.CAUTION,
        "Possible allergy: check before treatment.",
        _HYPERSENSITIVITY_BASIS,
        (_answer_includes("toxin_allergy", "not_sure"),),
    ),
    _FlagRule(
        "previous_drooping",
        Level.CAUTION,
        "Previous drooping or weakness after an injection.",
        "Product label warning: the toxin can spread beyond the injection site, causing "
        "eyelid or brow drooping (ptosis).",
        (_answer_includes("injection_weakness", "yes"),),
    ),
    _FlagRule(
        "recent_isotretinoin",
        Level.CAUTION,
        "Isotretinoin in the last 6 months.",
        "Acne guidelines advise delaying procedures after recent isotretinoin.",
        (_answer_includes("isotretinoin_last", "now", "last_6_months"),),
    ),
    _FlagRule(
        "under_18",
        Level.CAUTION,
        "Patient is under 18: guardian consent needed.",
        "Product labels license cosmetic use of botulinum toxin for adults only.",
        (_under_18,),
    ),
    _FlagRule(
        "nodulocystic_or_scarring",
        Level.CAUTION,
        "Nodulocystic or scarring acne: consider established therapy first.",
        "Acne guidelines of care recommend isotretinoin for severe or scarring acne.",
        (_nodulocystic, _answer_includes("marks", "scars")),
    ),
)

FLAG_TEXTS = {rule.id: rule.text for rule in _FLAG_RULES}


def raise_flags(answers: dict, findings: Findings) -> tuple[Flag, ...]:
    """Every safety flag the answers raise, each saying which answers raised it and why it matters."""
    flags = []
    for rule in _FLAG_RULES:
        raised_by = tuple(
            words for trigger in rule.triggers for words in trigger(answers, findings)
        )
        if raised_by:
            flags.append(Flag(rule.id, rule.level, rule.text, raised_by, rule.basis))
    return tuple(flags)


def assess(answers: dict, submitted_on: date) -> Assessment:
    """Findings and the flags they raise: what the PDF, the clinic pages and FHIR show."""
    findings = derive_findings(answers, submitted_on)
    return Assessment(findings, raise_flags(answers, findings))
