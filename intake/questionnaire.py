"""The questionnaire: steps, questions, options and conditions as plain data.

This module is the single source of truth for the patient side. Forms, the
check-answers page, the PDF and exports all read it. It imports nothing from
Flask or WTForms. Question and option ids are stable keys: once shipped they
are stored in the database and must never be renamed.

Answers are a plain dict keyed by question id:
- TEXT and LONG_TEXT: ``str``
- DATE: ISO date ``"YYYY-MM-DD"``
- ONE_OF: an option id
- ANY_OF: a list of option ids, in the questionnaire's option order
A question that does not apply (hidden by its condition) or an optional
question left empty has no key at all.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

QUESTIONNAIRE_ID = "acne-botox-preconsult"
QUESTIONNAIRE_VERSION = "2026.1"
QUESTIONNAIRE_TITLE = "Acne and botulinum toxin: before your consultation"


class Kind(enum.Enum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    DATE = "date"
    ONE_OF = "one_of"
    ANY_OF = "any_of"


class DateRule(enum.Enum):
    """How a date answer relates to today in the clinic's time zone."""

    BIRTH = "birth"  # a real past date, age 12 to 110 today
    TODAY_OR_LATER = "today_or_later"


@dataclass(frozen=True)
class Option:
    id: str
    label: str
    score: int | None = None  # oiliness points (step 3)
    exclusive: bool = False  # "None" style: cannot be combined with another choice


@dataclass(frozen=True)
class Condition:
    """The question applies when the trigger question's answer includes any of these options."""

    question: str
    any_of: tuple[str, ...]

    def is_met(self, answers: dict) -> bool:
        chosen = chosen_options(answers, self.question)
        return any(option in chosen for option in self.any_of)


@dataclass(frozen=True)
class Question:
    id: str  # stable: form field name, database key, PDF row, FHIR linkId
    label: str
    kind: Kind
    options: tuple[Option, ...] = ()
    required: bool = True
    shown_if: Condition | None = None
    hint: str = ""
    required_message: str = ""
    min_length: int = 0
    max_length: int = 0
    pattern: str = ""  # TEXT only: allowed characters, as a regular expression
    pattern_message: str = ""
    date_rule: DateRule | None = None
    autocomplete: str = ""  # the input's purpose (WCAG 1.3.5); for a date, the prefix ("bday")

    def option(self, option_id: str) -> Option:
        for option in self.options:
            if option.id == option_id:
                return option
        raise KeyError(f"{self.id} has no option {option_id!r}")

    def option_label(self, option_id: str) -> str:
        return self.option(option_id).label

    @property
    def exclusive_option(self) -> Option | None:
        return next((option for option in self.options if option.exclusive), None)


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    questions: tuple[Question, ...] = field(default_factory=tuple)

    @property
    def number(self) -> int:
        return STEPS.index(self) + 1

    def visible_questions(self, answers: dict) -> list[Question]:
        """The questions that apply given the answers (conditions read the same answers)."""
        return [q for q in self.questions if q.shown_if is None or q.shown_if.is_met(answers)]


def chosen_options(answers: dict, question_id: str) -> list[str]:
    """The option ids chosen for a question, the same shape for one-of and any-of answers."""
    value = answers.get(question_id)
    return value if isinstance(value, list) else [value] if value else []


def _options(*labels: tuple[str, str] | tuple[str, str, int]) -> tuple[Option, ...]:
    return tuple(Option(*item) for item in labels)


ABOUT_YOU = Step(
    "about-you",
    "About you",
    (
        Question(
            "full_name",
            "Full name",
            Kind.TEXT,
            min_length=1,
            max_length=100,
            required_message="Enter your full name",
            autocomplete="name",
        ),
        Question(
            "date_of_birth",
            "Date of birth",
            Kind.DATE,
            hint="For example, 27 3 1990",
            date_rule=DateRule.BIRTH,
            required_message="Enter your date of birth",
            autocomplete="bday",
        ),
        Question(
            "appointment_date",
            "Appointment date",
            Kind.DATE,
            required=False,
            hint="If you know it. For example, 14 12 2026",
            date_rule=DateRule.TODAY_OR_LATER,
        ),
        Question(
            "phone",
            "Phone number",
            Kind.TEXT,
            required=False,
            hint="Digits, spaces, +, - and brackets. For example, 07700 900 982",
            min_length=6,
            max_length=20,
            pattern=r"[0-9 +\-()]*[0-9][0-9 +\-()]*",
            pattern_message="Phone number can only contain digits, spaces, +, - and brackets",
            autocomplete="tel",
        ),
    ),
)

PREVIOUS_TREATMENT_OPTIONS = _options(
    ("pharmacy", "Washes or creams from a pharmacy"),
    ("prescription_topical", "Prescription creams or gels"),
    ("antibiotic_tablets", "Antibiotic tablets"),
    ("isotretinoin", "Isotretinoin (Roaccutane, Accutane)"),
    ("hormonal", "Hormonal treatment (contraceptive pill, spironolactone)"),
    ("procedures", "Procedures (peels, laser or light therapy)"),
    ("botox", "Botulinum toxin (Botox) injections for acne"),
)

YOUR_ACNE = Step(
    "your-acne",
    "Your acne",
    (
        Question(
            "spot_types",
            "Which types of spots do you have?",
            Kind.ANY_OF,
            _options(
                ("blackheads_whiteheads", "Blackheads or whiteheads"),
                ("red_bumps", "Red bumps"),
                ("pus_filled", "Pus-filled spots"),
                ("nodules", "Large, painful lumps under the skin"),
                ("not_sure", "I'm not sure"),
            ),
            hint="Select all that apply.",
            required_message="Select the types of spots you have, or I'm not sure",
        ),
        Question(
            "locations",
            "Where do you get acne?",
            Kind.ANY_OF,
            _options(
                ("forehead", "Forehead"),
                ("cheeks", "Cheeks"),
                ("nose", "Nose"),
                ("chin_jawline", "Chin and jawline"),
                ("neck", "Neck"),
                ("chest", "Chest"),
                ("back", "Back"),
                ("shoulders", "Shoulders"),
            ),
            hint="Select all that apply.",
            required_message="Select where you get acne",
        ),
        Question(
            "duration",
            "How long have you had acne?",
            Kind.ONE_OF,
            _options(
                ("under_6_months", "Less than 6 months"),
                ("6_to_12_months", "6 to 12 months"),
                ("1_to_5_years", "1 to 5 years"),
                ("over_5_years", "More than 5 years"),
            ),
            required_message="Select how long you have had acne",
        ),
        Question(
            "severity",
            "How bad is your acne right now?",
            Kind.ONE_OF,
            _options(
                ("almost_clear", "Almost clear"),
                ("mild", "Mild"),
                ("moderate", "Moderate"),
                ("severe", "Severe"),
            ),
            required_message="Select how bad your acne is right now",
        ),
        Question(
            "marks",
            "Does your acne leave marks or scars?",
            Kind.ONE_OF,
            _options(
                ("no", "No"),
                ("marks_only", "Dark or red marks only"),
                ("scars", "Scars"),
                ("not_sure", "I'm not sure"),
            ),
            required_message="Select whether your acne leaves marks or scars",
        ),
        Question(
            "flares",
            "Does your acne flare at particular times?",
            Kind.ANY_OF,
            _options(
                ("period", "Around my period"),
                ("stress", "When stressed"),
                ("hot_humid", "In hot or humid weather"),
                ("masks_helmets", "Under masks or helmets"),
                ("no_pattern", "No pattern I know of"),
            ),
            required=False,
            hint="Select all that apply.",
        ),
        Question(
            "impact",
            "How much does acne affect your daily life?",
            Kind.ONE_OF,
            _options(
                ("not_at_all", "Not at all"),
                ("a_little", "A little"),
                ("a_lot", "A lot"),
                ("very_much", "Very much"),
            ),
            required_message="Select how much acne affects your daily life",
        ),
    ),
)

OILY_SKIN = Step(
    "oily-skin",
    "Oily skin",
    (
        Question(
            "face_feel",
            "Two hours after washing, with no products on, how does your face feel?",
            Kind.ONE_OF,
            _options(
                ("tight_dry", "Tight or dry", 0),
                ("normal", "Normal", 1),
                ("oily_forehead_nose", "Oily on the forehead and nose", 2),
                ("oily_all_over", "Oily all over", 3),
            ),
            required_message="Select how your face feels two hours after washing",
        ),
        Question(
            "blotting",
            "How often do you blot or wash your face because of oil during the day?",
            Kind.ONE_OF,
            _options(
                ("never", "Never", 0),
                ("once", "Once", 1),
                ("two_or_three", "2 or 3 times", 2),
                ("more_than_three", "More than 3 times", 3),
            ),
            required_message="Select how often you blot or wash your face because of oil",
        ),
        Question(
            "pores",
            "Do your pores look enlarged?",
            Kind.ONE_OF,
            _options(
                ("no", "No", 0),
                ("nose_only", "On my nose only", 1),
                ("nose_and_cheeks", "On my nose and cheeks", 2),
            ),
            required_message="Select whether your pores look enlarged",
        ),
        Question(
            "makeup_shine",
            "Does make-up or sunscreen look shiny or slide off within a few hours?",
            Kind.ONE_OF,
            _options(
                ("yes", "Yes", 1),
                ("no", "No", 0),
                ("none_worn", "I don't wear any", 0),
            ),
            required_message="Select whether make-up or sunscreen looks shiny or slides off",
        ),
    ),
)

PREVIOUS_TREATMENTS = Step(
    "previous-treatments",
    "Previous treatments",
    (
        Question(
            "treatments",
            "Which acne treatments have you tried?",
            Kind.ANY_OF,
            (*PREVIOUS_TREATMENT_OPTIONS, Option("none", "None", exclusive=True)),
            hint="Select all that apply, or None.",
            required_message="Select the treatments you have tried, or None",
        ),
        Question(
            "isotretinoin_last",
            "When did you last take isotretinoin?",
            Kind.ONE_OF,
            _options(
                ("now", "I take it now"),
                ("last_6_months", "In the last 6 months"),
                ("6_to_12_months", "6 to 12 months ago"),
                ("over_12_months", "More than 12 months ago"),
            ),
            shown_if=Condition("treatments", ("isotretinoin",)),
            required_message="Select when you last took isotretinoin",
        ),
        Question(
            "treatment_response",
            "Overall, how well did these treatments work?",
            Kind.ONE_OF,
            _options(
                ("cleared", "Cleared my acne"),
                ("helped_somewhat", "Helped somewhat"),
                ("did_not_help", "Did not help"),
                ("side_effects", "I stopped because of side effects"),
            ),
            shown_if=Condition("treatments", tuple(o.id for o in PREVIOUS_TREATMENT_OPTIONS)),
            required_message="Select how well the treatments worked",
        ),
        Question(
            "treatment_notes",
            "Anything else about your treatments?",
            Kind.LONG_TEXT,
            required=False,
            hint="Up to 1,000 characters.",
            max_length=1000,
        ),
    ),
)

HEALTH_AND_SAFETY = Step(
    "health-and-safety",
    "Health and safety",
    (
        Question(
            "pregnancy",
            "Are you pregnant, breastfeeding, or planning a pregnancy in the next 6 months?",
            Kind.ONE_OF,
            _options(
                ("yes", "Yes"),
                ("no", "No"),
                ("not_sure", "I'm not sure"),
                ("not_applicable", "Does not apply to me"),
            ),
            required_message="Select whether you are pregnant, breastfeeding or planning a pregnancy",
        ),
        Question(
            "conditions",
            "Do you have any of these conditions?",
            Kind.ANY_OF,
            (
                *_options(
                    ("myasthenia_gravis", "Myasthenia gravis"),
                    ("lambert_eaton", "Lambert-Eaton syndrome"),
                    (
                        "nerve_muscle_disease",
                        "Motor neurone disease (ALS) or another nerve or muscle disease",
                    ),
                    ("bleeding_disorder", "A bleeding or clotting disorder"),
                    ("skin_infection", "A skin infection where you would have injections"),
                ),
                Option("none", "None of these", exclusive=True),
            ),
            hint="Select all that apply, or None of these.",
            required_message="Select the conditions you have, or None of these",
        ),
        Question(
            "medicines",
            "Do you take any of these medicines?",
            Kind.ANY_OF,
            (
                *_options(
                    (
                        "blood_thinners",
                        "Blood thinners (for example warfarin, apixaban, clopidogrel)",
                    ),
                    (
                        "anti_inflammatories",
                        "Aspirin or anti-inflammatory painkillers (for example ibuprofen)",
                    ),
                    ("aminoglycosides", "Aminoglycoside antibiotics (for example gentamicin)"),
                    ("muscle_relaxants", "Muscle relaxants"),
                ),
                Option("none", "None of these", exclusive=True),
            ),
            hint="Select all that apply, or None of these.",
            required_message="Select the medicines you take, or None of these",
        ),
        Question(
            "recent_toxin",
            "Have you had botulinum toxin injections (Botox, Dysport, Xeomin) for any reason in the last 3 months?",
            Kind.ONE_OF,
            _options(("yes", "Yes"), ("no", "No"), ("not_sure", "I'm not sure")),
            required_message="Select whether you have had botulinum toxin injections in the last 3 months",
        ),
        Question(
            "toxin_allergy",
            "Have you ever had an allergic reaction to botulinum toxin, or do you have a cow's milk protein allergy?",
            Kind.ONE_OF,
            _options(("yes", "Yes"), ("no", "No"), ("not_sure", "I'm not sure")),
            required_message="Select whether you have had an allergic reaction to botulinum toxin or have a cow's milk protein allergy",
        ),
        Question(
            "injection_weakness",
            "After any injection, have you ever had drooping eyelids or eyebrows, or muscle weakness?",
            Kind.ONE_OF,
            _options(("yes", "Yes"), ("no", "No")),
            required_message="Select whether you have had drooping or muscle weakness after an injection",
        ),
        Question(
            "other_allergies",
            "Any other allergies or medicines we should know about?",
            Kind.LONG_TEXT,
            required=False,
            hint="Up to 1,000 characters.",
            max_length=1000,
        ),
    ),
)

YOUR_VISIT = Step(
    "your-visit",
    "Your visit",
    (
        Question(
            "goals",
            "What would you most like from your visit?",
            Kind.ANY_OF,
            _options(
                ("fewer_breakouts", "Fewer breakouts"),
                ("less_oily", "Less oily skin"),
                ("less_redness", "Less redness or swelling"),
                ("marks_scars", "Help with marks or scars"),
                ("learn_botox", "To learn about Botox for acne"),
            ),
            hint="Select all that apply.",
            required_message="Select what you would most like from your visit",
        ),
        Question(
            "questions_for_dermatologist",
            "Questions for your dermatologist",
            Kind.LONG_TEXT,
            required=False,
            hint="Up to 2,000 characters.",
            max_length=2000,
        ),
    ),
)

STEPS: tuple[Step, ...] = (
    ABOUT_YOU,
    YOUR_ACNE,
    OILY_SKIN,
    PREVIOUS_TREATMENTS,
    HEALTH_AND_SAFETY,
    YOUR_VISIT,
)

QUESTIONS: dict[str, Question] = {q.id: q for step in STEPS for q in step.questions}
_STEPS_BY_SLUG = {step.slug: step for step in STEPS}


def step(slug: str) -> Step | None:
    return _STEPS_BY_SLUG.get(slug)


def question(question_id: str) -> Question:
    return QUESTIONS[question_id]


def next_step(current: Step) -> Step | None:
    index = STEPS.index(current)
    return STEPS[index + 1] if index + 1 < len(STEPS) else None


def previous_step(current: Step) -> Step | None:
    index = STEPS.index(current)
    return STEPS[index - 1] if index > 0 else None


def applicable_answers(answers: dict) -> dict:
    """The answers with every question that no longer applies dropped, in questionnaire order."""
    kept = {}
    for current in STEPS:
        for q in current.visible_questions(answers):
            if q.id in answers:
                kept[q.id] = answers[q.id]
    return kept


MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def date_text(value: date | str) -> str:
    """A date as people write it: 27 March 1990 (no locale, so the same on every machine)."""
    day = value if isinstance(value, date) else date.fromisoformat(value)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def answer_text(q: Question, value) -> str:
    """An answer as the patient saw it: option labels, not ids; dates in words."""
    if q.kind is Kind.ANY_OF:
        return ", ".join(q.option_label(v) for v in value)
    if q.kind is Kind.ONE_OF:
        return q.option_label(value)
    if q.kind is Kind.DATE:
        return date_text(value)
    return str(value)


def answered_steps(answers: dict) -> list[tuple[Step, list[tuple[Question, str | None]]]]:
    """Each step with its applicable questions and their answers in words (None when skipped)."""
    return [
        (
            current,
            [
                (q, answer_text(q, answers[q.id]) if q.id in answers else None)
                for q in current.visible_questions(answers)
            ],
        )
        for current in STEPS
    ]
