"""What a questionnaire version is made of: steps, questions, options, conditions, and the
clinical rules (safety flags, clinical considerations, findings) that read its answers.

Each version is plain data built from these classes (v2026_1, v2026_2). Nothing here imports
Flask or WTForms.

Answers are a plain dict keyed by question id:
- TEXT and LONG_TEXT: ``str``
- DATE: ISO date ``"YYYY-MM-DD"``
- ONE_OF: an option id
- ANY_OF: a list of option ids, in the questionnaire's option order
A question that does not apply (hidden by its condition) or an optional question left empty
has no key at all.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol


def _(text: str) -> str:
    """Marks text for translation (pybabel extracts it); it is translated where it is shown."""
    return text


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
    hint: str = ""  # a line under the option's label


def chosen_options(answers: dict, question_id: str) -> list[str]:
    """The option ids chosen for a question, the same shape for one-of and any-of answers."""
    value = answers.get(question_id)
    return value if isinstance(value, list) else [value] if value else []


@dataclass(frozen=True)
class Condition:
    """The question applies when any of the trigger questions' answers includes any of these
    options. The trigger questions may be on an earlier step."""

    questions: tuple[str, ...]
    any_of: tuple[str, ...]

    def __init__(self, question: str | tuple[str, ...], any_of: tuple[str, ...]):
        questions = (question,) if isinstance(question, str) else tuple(question)
        object.__setattr__(self, "questions", questions)
        object.__setattr__(self, "any_of", tuple(any_of))

    def is_met(self, answers: dict) -> bool:
        return any(
            option in self.any_of
            for question_id in self.questions
            for option in chosen_options(answers, question_id)
        )


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

    def meaning(self) -> tuple:
        """What an answer to this question means: the same meaning in two versions keeps the
        answer when a draft moves to the newer one. Hints and messages do not change it."""
        return (
            self.id,
            self.label,
            self.kind,
            tuple((o.id, o.label, o.score, o.exclusive) for o in self.options),
            self.required,
            self.shown_if,
            self.min_length,
            self.max_length,
            self.pattern,
            self.date_rule,
        )


@dataclass(frozen=True, eq=False)  # a step is itself: hashed by identity, as caches key it
class Step:
    slug: str
    title: str
    questions: tuple[Question, ...] = field(default_factory=tuple)
    number: int = 0  # 1-based; set by the questionnaire that holds the step

    def visible_questions(self, answers: dict) -> list[Question]:
        """The questions that apply given the answers (conditions may read earlier steps)."""
        return [q for q in self.questions if q.shown_if is None or q.shown_if.is_met(answers)]

    @functools.cached_property
    def asked_by_other_steps(self) -> frozenset[str]:
        """The questions here that depend on an answer given on another step: the page cannot
        reveal them in place; they are on it exactly when they apply."""
        own = {q.id for q in self.questions}
        return frozenset(
            q.id
            for q in self.questions
            if q.shown_if is not None and not own.issuperset(q.shown_if.questions)
        )

    @property
    def reads_other_steps(self) -> bool:
        """Some question here depends on an answer given on another step."""
        return bool(self.asked_by_other_steps)


# Clinical rules ------------------------------------------------------------------------------


class Level(enum.Enum):
    """How serious a safety flag is, most serious first; always printed as its word."""

    CONTRAINDICATION = "Contraindication"
    DEFER = "Defer"
    CAUTION = "Caution"


class Rule(Protocol):
    """A test of the answers (and, for passages, the findings and flags): intake.rules."""

    def check(self, answers: dict, assessment) -> tuple[bool, tuple[str, ...]]: ...

    def describe(self, answers: dict, assessment) -> tuple[str, ...]: ...

    def parts(self) -> Iterator: ...


@dataclass(frozen=True)
class FlagRule:
    """A safety flag (with a level) or a clinical consideration (level None)."""

    id: str  # stable, e.g. "pregnancy", "bruising"
    level: Level | None
    text: str  # exactly as in SPEC section 4
    basis: str  # where it comes from (product label, guideline)
    when: Rule  # holds, naming the answers that raised it


@dataclass(frozen=True)
class Treatment:
    """One row of the treatments finding: an option of the now and before questions, and the
    question asking how well it worked."""

    option: str
    response_question: str


@dataclass(frozen=True)
class FindingsRules:
    """What a version derives from the answers, and how it names it (SPEC section 3)."""

    nodular: str  # the pattern name for large, painful lumps
    pattern_label: str
    oiliness_step: str  # slug of the step whose options carry oiliness points
    oiliness_label: str
    distribution: bool = False  # face, trunk or both
    treatments_now: str = ""  # question ids; empty when the version has no treatments table
    treatments_before: str = ""
    treatments: tuple[Treatment, ...] = ()
    isotretinoin_stopped: str = ""
    isotretinoin_relapse: str = ""


# A questionnaire version ---------------------------------------------------------------------


@dataclass(frozen=True)
class Questionnaire:
    """One version of the questionnaire, with the clinical rules that read its answers."""

    id: str
    version: str
    title: str
    steps: tuple[Step, ...]
    findings: FindingsRules
    flags: tuple[FlagRule, ...]  # in the order printed: level by level, SPEC order within
    considerations: tuple[FlagRule, ...] = ()
    answer_names: dict[str, str] = field(default_factory=dict)  # short names in "Raised by"
    questions: dict[str, Question] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        numbered = tuple(
            dataclasses.replace(step, number=n) for n, step in enumerate(self.steps, 1)
        )
        object.__setattr__(self, "steps", numbered)
        questions = {q.id: q for step in numbered for q in step.questions}
        object.__setattr__(self, "questions", questions)
        self._check()

    def _check(self) -> None:
        """Every condition and rule names questions and options of this version (a typo fails
        at import, not in a patient's PDF)."""
        seen: set[str] = set()
        for step in self.steps:
            for q in step.questions:
                if q.id in seen:
                    raise ValueError(f"{self.version}: question {q.id!r} twice")
                seen.add(q.id)
                if q.shown_if:
                    for trigger in q.shown_if.questions:
                        if trigger not in seen:
                            raise ValueError(
                                f"{self.version}: {q.id} depends on {trigger!r}, "
                                "which is not asked before it"
                            )
                        for option in q.shown_if.any_of:
                            self.questions[trigger].option(option)
        rules = (*self.flags, *self.considerations)
        for rule in rules:
            for part in rule.when.parts():
                check = getattr(part, "check_against", None)
                if check:
                    check(self)
        if len({rule.id for rule in rules}) != len(rules):
            raise ValueError(f"{self.version}: two rules share an id")

    def step(self, slug: str) -> Step | None:
        return next((s for s in self.steps if s.slug == slug), None)

    def question(self, question_id: str) -> Question:
        return self.questions[question_id]

    def next_step(self, current: Step) -> Step | None:
        return self.steps[current.number] if current.number < len(self.steps) else None

    def previous_step(self, current: Step) -> Step | None:
        return self.steps[current.number - 2] if current.number > 1 else None

    def applicable_answers(self, answers: dict) -> dict:
        """The answers with every question that no longer applies dropped, in questionnaire
        order. A condition reads only answers that themselves still apply."""
        kept: dict = {}
        for step in self.steps:
            for q in step.questions:
                if q.id in answers and (q.shown_if is None or q.shown_if.is_met(kept)):
                    kept[q.id] = answers[q.id]
        return kept

    def answered_steps(
        self, answers: dict, translate=None, write_date=None
    ) -> list[tuple[Step, list[tuple[Question, str | None]]]]:
        """Each step with its applicable questions and their answers in words (None when
        skipped)."""
        translate = translate or _same
        write_date = write_date or date_text
        return [
            (
                step,
                [
                    (
                        q,
                        answer_text(q, answers[q.id], translate, write_date)
                        if q.id in answers
                        else None,
                    )
                    for q in step.visible_questions(answers)
                ],
            )
            for step in self.steps
        ]

    def wording(self) -> tuple[str, ...]:
        """Every text of the questionnaire a patient reads, in order, each once."""
        texts: dict[str, None] = {}
        for step in self.steps:
            texts[step.title] = None
            for q in step.questions:
                for text in (q.label, q.hint, q.required_message, q.pattern_message):
                    if text:
                        texts[text] = None
                for option in q.options:
                    texts[option.label] = None
                    if option.hint:
                        texts[option.hint] = None
        return tuple(texts)

    def answer_name(self, question_id: str) -> str:
        """How an answer is named in "Raised by" and "Included because"."""
        return self.answer_names.get(question_id) or self.questions[question_id].label

    def carry_over(self, older: Questionnaire, answers: dict) -> tuple[dict, Step | None]:
        """A draft's answers from an older version: those whose question means the same here
        are kept, the rest dropped. Also the first step holding a question that is new or
        changed (None when none is)."""
        same = {
            q.id
            for q in self.questions.values()
            if q.id in older.questions and older.questions[q.id].meaning() == q.meaning()
        }
        kept = self.applicable_answers({k: v for k, v in answers.items() if k in same})
        first_changed = next(
            (s for s in self.steps if any(q.id not in same for q in s.questions)), None
        )
        return kept, first_changed


# Answers in words ----------------------------------------------------------------------------

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
