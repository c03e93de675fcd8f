"""WTForms classes built from the questionnaire definition, one per step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired

from forms.base import Form
from forms.fields import DatePartsField, MultiCheckboxField, date_parts
from forms.filters import one_line, several_lines
from forms.validators import Choices, DateRules, Optional, Required, TextRules
from intake import clock
from intake.questionnaire import Kind, Question, Step


def clinic_today():
    return clock.today(current_app.config["TIMEZONE"])


def _field(question: Question):
    presence = Required(question.required_message) if question.required else Optional()
    choices = [SelectChoice(option.id, option.label) for option in question.options]
    match question.kind:
        case Kind.TEXT:
            return StringField(question.label, [presence, TextRules(question)], filters=[one_line])
        case Kind.LONG_TEXT:
            return TextAreaField(
                question.label, [presence, TextRules(question)], filters=[several_lines]
            )
        case Kind.DATE:
            return DatePartsField(question.label, [presence, DateRules(question, clinic_today)])
        case Kind.ONE_OF:
            return RadioField(
                question.label,
                [presence, Choices(question)],
                choices=choices,
                validate_choice=False,
            )
        case Kind.ANY_OF:
            return MultiCheckboxField(
                question.label, [presence, Choices(question)], choices=choices
            )
    raise ValueError(question.kind)


class StepForm(Form):
    """One step's questions; only those whose condition holds are validated and kept."""

    step: Step
    # The draft's answers to the other steps: a question here may depend on one of them.
    other_answers: dict = {}

    class Meta:
        # CSRFProtect checks every POST before the view runs, and the page carries its token
        # with csrf_token(): a token field of the form's own would be signed and checked twice.
        csrf = False

    def questions(self) -> list[Question]:
        """The questions that apply, judged on what was just submitted (or loaded) and on the
        answers to other steps."""
        return self.step.visible_questions({**self.other_answers, **self._raw_answers()})

    def visible_ids(self) -> set[str]:
        return {q.id for q in self.questions()}

    def validate(self, extra_validators=None) -> bool:
        """Validate the questions that apply; the others are ignored."""
        hidden = {q.id for q in self.step.questions} - self.visible_ids()
        self._errors = None
        valid = True
        for name, field in self._fields.items():
            if name in hidden:
                field.errors = []
            elif not field.validate(self, (extra_validators or {}).get(name, ())):
                valid = False
        return valid and not self.sent_files

    def answers(self) -> dict:
        """The cleaned answers of the questions that apply, empty optional ones left out."""
        result = {}
        for q in self.questions():
            value = _answer(q, self[q.id].data)
            if value not in (None, "", []):
                result[q.id] = value
        return result

    def _raw_answers(self) -> dict:
        return {q.id: self[q.id].data for q in self.step.questions}


def _answer(question: Question, data):
    if question.kind is Kind.DATE:
        return data.isoformat() if data else None
    if question.kind is Kind.ANY_OF:
        chosen = set(data or [])
        return [option.id for option in question.options if option.id in chosen]
    return data


@cache
def form_for(step: Step) -> type[StepForm]:
    """The form class of a step, built once from the definition."""
    fields = {q.id: _field(q) for q in step.questions}
    return type(f"{step.slug.title().replace('-', '')}Form", (StepForm,), {"step": step, **fields})


def as_formdata(step: Step, answers: dict) -> MultiDict:
    """Stored answers in the shape a browser would post them, to validate them again."""
    data: MultiDict[str, str] = MultiDict()
    for q in step.questions:
        value = answers.get(q.id)
        if q.kind is Kind.DATE:
            typed = date.fromisoformat(value) if value else None
            for part in ("day", "month", "year"):
                data[f"{q.id}-{part}"] = str(getattr(typed, part)) if typed else ""
        elif q.kind is Kind.ANY_OF:
            for option in value or []:
                data.add(q.id, option)
        elif value is not None:
            data.add(q.id, value)
    return data


@dataclass(frozen=True)
class _StoredField:
    """What the step template reads of a form field, for an answer shown again unchanged."""

    id: str
    name: str
    data: object
    parts: dict[str, str]
    errors: tuple = ()
    error_part: str = "day"


class StoredAnswers:
    """A step's stored answers in the shape its template reads from a form, without errors.

    Showing a step again (Back, a reload, Change) needs no validation: this costs a dict where
    a form costs a bound field with its choices for every question of the step.
    """

    def __init__(self, step: Step, answers: dict):
        self.step = step
        self.answers = answers
        self._fields = {
            q.id: _StoredField(
                q.id,
                q.id,
                answers.get(q.id),
                date_parts(date.fromisoformat(answers[q.id]) if q.id in answers else None)
                if q.kind is Kind.DATE
                else {},
            )
            for q in step.questions
        }

    def __getitem__(self, question_id: str) -> _StoredField:
        return self._fields[question_id]

    def visible_ids(self) -> set[str]:
        return {q.id for q in self.step.visible_questions(self.answers)}


def stored_step_form(step: Step, answers: dict) -> StepForm:
    """A step's form filled from stored answers, as if posted, for validating them again."""
    form = form_for(step)(formdata=as_formdata(step, answers))
    form.other_answers = answers
    return form


def first_invalid_step(steps, answers: dict) -> Step | None:
    """The first step whose stored answers no longer pass (or were never given)."""
    for step in steps:
        if not stored_step_form(step, answers).validate():
            return step
    return None


class ConfirmForm(Form):
    confirmed = BooleanField(
        lazy_gettext(
            "I confirm these answers are correct to the best of my knowledge and agree to share "
            "them with my dermatologist."
        ),
        [
            DataRequired(
                lazy_gettext(
                    "Confirm that your answers are correct and that you agree to share them"
                )
            )
        ],
    )
