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


def _(text: str) -> str:
    """Marks text for translation (pybabel extracts it); it is translated where it is shown."""
    return text


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
    _("About you"),
    (
        Question(
            "full_name",
            _("Full name"),
            Kind.TEXT,
            min_length=1,
            max_length=100,
            required_message=_("Enter your full name"),
            autocomplete="name",
        ),
        Question(
            "date_of_birth",
            _("Date of birth"),
            Kind.DATE,
            hint=_("For example, 27 3 1990"),
            date_rule=DateRule.BIRTH,
            required_message=_("Enter your date of birth"),
            autocomplete="bday",
        ),
        Question(
            "appointment_date",
            _("Appointment date"),
            Kind.DATE,
            required=False,
            hint=_("If you know it. For example, 14 12 2026"),
            date_rule=DateRule.TODAY_OR_LATER,
        ),
        Question(
            "phone",
            _("Phone number"),
            Kind.TEXT,
            required=False,
            hint=_("Digits, spaces, +, - and brackets. For example, 07700 900 982"),
            min_length=6,
            max_length=20,
            pattern=r"[0-9 +\-()]*[0-9][0-9 +\-()]*",
            pattern_message=_("Phone number can only contain digits, spaces, +, - and brackets"),
            autocomplete="tel",
        ),
    ),
)

PREVIOUS_TREATMENT_OPTIONS = _options(
    ("pharmacy", _("Washes or creams from a pharmacy")),
    ("prescription_topical", _("Prescription creams or gels")),
    ("antibiotic_tablets", _("Antibiotic tablets")),
    ("isotretinoin", _("Isotretinoin (Roaccutane, Accutane)")),
    ("hormonal", _("Hormonal treatment (contraceptive pill, spironolactone)")),
    ("procedures", _("Procedures (peels, laser or light therapy)")),
    ("botox", _("Botulinum toxin (Botox) injections for acne")),
)

YOUR_ACNE = Step(
    "your-acne",
    _("Your acne"),
    (
        Question(
            "spot_types",
            _("Which types of spots do you have?"),
            Kind.ANY_OF,
            _options(
                ("blackheads_whiteheads", _("Blackheads or whiteheads")),
                ("red_bumps", _("Red bumps")),
                ("pus_filled", _("Pus-filled spots")),
                ("nodules", _("Large, painful lumps under the skin")),
                ("not_sure", _("I'm not sure")),
            ),
            hint=_("Select all that apply."),
            required_message=_("Select the types of spots you have, or I'm not sure"),
        ),
        Question(
            "locations",
            _("Where do you get acne?"),
            Kind.ANY_OF,
            _options(
                ("forehead", _("Forehead")),
                ("cheeks", _("Cheeks")),
                ("nose", _("Nose")),
                ("chin_jawline", _("Chin and jawline")),
                ("neck", _("Neck")),
                ("chest", _("Chest")),
                ("back", _("Back")),
                ("shoulders", _("Shoulders")),
            ),
            hint=_("Select all that apply."),
            required_message=_("Select where you get acne"),
        ),
        Question(
            "duration",
            _("How long have you had acne?"),
            Kind.ONE_OF,
            _options(
                ("under_6_months", _("Less than 6 months")),
                ("6_to_12_months", _("6 to 12 months")),
                ("1_to_5_years", _("1 to 5 years")),
                ("over_5_years", _("More than 5 years")),
            ),
            required_message=_("Select how long you have had acne"),
        ),
        Question(
            "severity",
            _("How bad is your acne right now?"),
            Kind.ONE_OF,
            _options(
                ("almost_clear", _("Almost clear")),
                ("mild", _("Mild")),
                ("moderate", _("Moderate")),
                ("severe", _("Severe")),
            ),
            required_message=_("Select how bad your acne is right now"),
        ),
        Question(
            "marks",
            _("Does your acne leave marks or scars?"),
            Kind.ONE_OF,
            _options(
                ("no", _("No")),
                ("marks_only", _("Dark or red marks only")),
                ("scars", _("Scars")),
                ("not_sure", _("I'm not sure")),
            ),
            required_message=_("Select whether your acne leaves marks or scars"),
        ),
        Question(
            "flares",
            _("Does your acne flare at particular times?"),
            Kind.ANY_OF,
            _options(
                ("period", _("Around my period")),
                ("stress", _("When stressed")),
                ("hot_humid", _("In hot or humid weather")),
                ("masks_helmets", _("Under masks or helmets")),
                ("no_pattern", _("No pattern I know of")),
            ),
            required=False,
            hint=_("Select all that apply."),
        ),
        Question(
            "impact",
            _("How much does acne affect your daily life?"),
            Kind.ONE_OF,
            _options(
                ("not_at_all", _("Not at all")),
                ("a_little", _("A little")),
                ("a_lot", _("A lot")),
                ("very_much", _("Very much")),
            ),
            required_message=_("Select how much acne affects your daily life"),
        ),
    ),
)

OILY_SKIN = Step(
    "oily-skin",
    _("Oily skin"),
    (
        Question(
            "face_feel",
            _("Two hours after washing, with no products on, how does your face feel?"),
            Kind.ONE_OF,
            _options(
                ("tight_dry", _("Tight or dry"), 0),
                ("normal", _("Normal"), 1),
                ("oily_forehead_nose", _("Oily on the forehead and nose"), 2),
                ("oily_all_over", _("Oily all over"), 3),
            ),
            required_message=_("Select how your face feels two hours after washing"),
        ),
        Question(
            "blotting",
            _("How often do you blot or wash your face because of oil during the day?"),
            Kind.ONE_OF,
            _options(
                ("never", _("Never"), 0),
                ("once", _("Once"), 1),
                ("two_or_three", _("2 or 3 times"), 2),
                ("more_than_three", _("More than 3 times"), 3),
            ),
            required_message=_("Select how often you blot or wash your face because of oil"),
        ),
        Question(
            "pores",
            _("Do your pores look enlarged?"),
            Kind.ONE_OF,
            _options(
                ("no", _("No"), 0),
                ("nose_only", _("On my nose only"), 1),
                ("nose_and_cheeks", _("On my nose and cheeks"), 2),
            ),
            required_message=_("Select whether your pores look enlarged"),
        ),
        Question(
            "makeup_shine",
            _("Does make-up or sunscreen look shiny or slide off within a few hours?"),
            Kind.ONE_OF,
            _options(
                ("yes", _("Yes"), 1),
                ("no", _("No"), 0),
                ("none_worn", _("I don't wear any"), 0),
            ),
            required_message=_("Select whether make-up or sunscreen looks shiny or slides off"),
        ),
    ),
)

PREVIOUS_TREATMENTS = Step(
    "previous-treatments",
    _("Previous treatments"),
    (
        Question(
            "treatments",
            _("Which acne treatments have you tried?"),
            Kind.ANY_OF,
            (*PREVIOUS_TREATMENT_OPTIONS, Option("none", _("None"), exclusive=True)),
            hint=_("Select all that apply, or None."),
            required_message=_("Select the treatments you have tried, or None"),
        ),
        Question(
            "isotretinoin_last",
            _("When did you last take isotretinoin?"),
            Kind.ONE_OF,
            _options(
                ("now", _("I take it now")),
                ("last_6_months", _("In the last 6 months")),
                ("6_to_12_months", _("6 to 12 months ago")),
                ("over_12_months", _("More than 12 months ago")),
            ),
            shown_if=Condition("treatments", ("isotretinoin",)),
            required_message=_("Select when you last took isotretinoin"),
        ),
        Question(
            "treatment_response",
            _("Overall, how well did these treatments work?"),
            Kind.ONE_OF,
            _options(
                ("cleared", _("Cleared my acne")),
                ("helped_somewhat", _("Helped somewhat")),
                ("did_not_help", _("Did not help")),
                ("side_effects", _("I stopped because of side effects")),
            ),
            shown_if=Condition("treatments", tuple(o.id for o in PREVIOUS_TREATMENT_OPTIONS)),
            required_message=_("Select how well the treatments worked"),
        ),
        Question(
            "treatment_notes",
            _("Anything else about your treatments?"),
            Kind.LONG_TEXT,
            required=False,
            hint=_("Up to 1,000 characters."),
            max_length=1000,
        ),
    ),
)

HEALTH_AND_SAFETY = Step(
    "health-and-safety",
    _("Health and safety"),
    (
        Question(
            "pregnancy",
            _("Are you pregnant, breastfeeding, or planning a pregnancy in the next 6 months?"),
            Kind.ONE_OF,
            _options(
                ("yes", _("Yes")),
                ("no", _("No")),
                ("not_sure", _("I'm not sure")),
                ("not_applicable", _("Does not apply to me")),
            ),
            required_message=_(
                "Select whether you are pregnant, breastfeeding or planning a pregnancy"
            ),
        ),
        Question(
            "conditions",
            _("Do you have any of these conditions?"),
            Kind.ANY_OF,
            (
                *_options(
                    ("myasthenia_gravis", _("Myasthenia gravis")),
                    ("lambert_eaton", _("Lambert-Eaton syndrome")),
                    (
                        "nerve_muscle_disease",
                        _("Motor neurone disease (ALS) or another nerve or muscle disease"),
                    ),
                    ("bleeding_disorder", _("A bleeding or clotting disorder")),
                    ("skin_infection", _("A skin infection where you would have injections")),
                ),
                Option("none", _("None of these"), exclusive=True),
            ),
            hint=_("Select all that apply, or None of these."),
            required_message=_("Select the conditions you have, or None of these"),
        ),
        Question(
            "medicines",
            _("Do you take any of these medicines?"),
            Kind.ANY_OF,
            (
                *_options(
                    (
                        "blood_thinners",
                        _("Blood thinners (for example warfarin, apixaban, clopidogrel)"),
                    ),
                    (
                        "anti_inflammatories",
                        _("Aspirin or anti-inflammatory painkillers (for example ibuprofen)"),
                    ),
                    ("aminoglycosides", _("Aminoglycoside antibiotics (for example gentamicin)")),
                    ("muscle_relaxants", _("Muscle relaxants")),
                ),
                Option("none", _("None of these"), exclusive=True),
            ),
            hint=_("Select all that apply, or None of these."),
            required_message=_("Select the medicines you take, or None of these"),
        ),
        Question(
            "recent_toxin",
            _(
                "Have you had botulinum toxin injections (Botox, Dysport, Xeomin) for any reason in the last 3 months?"
            ),
            Kind.ONE_OF,
            _options(("yes", _("Yes")), ("no", _("No")), ("not_sure", _("I'm not sure"))),
            required_message=_(
                "Select whether you have had botulinum toxin injections in the last 3 months"
            ),
        ),
        Question(
            "toxin_allergy",
            _(
                "Have you ever had an allergic reaction to botulinum toxin, or do you have a cow's milk protein allergy?"
            ),
            Kind.ONE_OF,
            _options(("yes", _("Yes")), ("no", _("No")), ("not_sure", _("I'm not sure"))),
            required_message=_(
                "Select whether you have had an allergic reaction to botulinum toxin or have a cow's milk protein allergy"
            ),
        ),
        Question(
            "injection_weakness",
            _(
                "After any injection, have you ever had drooping eyelids or eyebrows, or muscle weakness?"
            ),
            Kind.ONE_OF,
            _options(("yes", _("Yes")), ("no", _("No"))),
            required_message=_(
                "Select whether you have had drooping or muscle weakness after an injection"
            ),
        ),
        Question(
            "other_allergies",
            _("Any other allergies or medicines we should know about?"),
            Kind.LONG_TEXT,
            required=False,
            hint=_("Up to 1,000 characters."),
            max_length=1000,
        ),
    ),
)

YOUR_VISIT = Step(
    "your-visit",
    _("Your visit"),
    (
        Question(
            "goals",
            _("What would you most like from your visit?"),
            Kind.ANY_OF,
            _options(
                ("fewer_breakouts", _("Fewer breakouts")),
                ("less_oily", _("Less oily skin")),
                ("less_redness", _("Less redness or swelling")),
                ("marks_scars", _("Help with marks or scars")),
                ("learn_botox", _("To learn about Botox for acne")),
            ),
            hint=_("Select all that apply."),
            required_message=_("Select what you would most like from your visit"),
        ),
        Question(
            "questions_for_dermatologist",
            _("Questions for your dermatologist"),
            Kind.LONG_TEXT,
            required=False,
            hint=_("Up to 2,000 characters."),
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


def wording() -> tuple[str, ...]:
    """Every text of the questionnaire a patient reads, in order, each once (for translation)."""
    texts: dict[str, None] = {}
    for current in STEPS:
        texts[current.title] = None
        for q in current.questions:
            for text in (q.label, q.hint, q.required_message, q.pattern_message):
                if text:
                    texts[text] = None
            texts.update((option.label, None) for option in q.options)
    return tuple(texts)


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


def parse_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def date_text(value: date | str) -> str:
    """A date as people write it: 27 March 1990 (no locale, so the same on every machine)."""
    day = parse_date(value)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _same(text: str) -> str:
    return text


def answer_text(q: Question, value, translate=_same, write_date=date_text) -> str:
    """An answer as the patient saw it: option labels, not ids; dates in words.

    The clinic's copy is English; the patient's pages pass their language's gettext and dates.
    """
    if q.kind is Kind.ANY_OF:
        return ", ".join(translate(q.option_label(v)) for v in value)
    if q.kind is Kind.ONE_OF:
        return translate(q.option_label(value))
    if q.kind is Kind.DATE:
        return write_date(value)
    return str(value)


def answered_steps(
    answers: dict, translate=_same, write_date=date_text
) -> list[tuple[Step, list[tuple[Question, str | None]]]]:
    """Each step with its applicable questions and their answers in words (None when skipped)."""
    return [
        (
            current,
            [
                (
                    q,
                    answer_text(q, answers[q.id], translate, write_date)
                    if q.id in answers
                    else None,
                )
                for q in current.visible_questions(answers)
            ],
        )
        for current in STEPS
    ]
