"""Validators with messages in plain words, read from the questionnaire definition."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from wtforms.validators import StopValidation, ValidationError

from intake.assessment import age_on
from intake.questionnaire import DateRule, Question

MIN_AGE, MAX_AGE = 12, 110


def _name(question: Question) -> str:
    return question.label.rstrip("?")


class Required:
    """An answer must be given; stops the chain so the patient sees one message."""

    field_flags = {"required": True}

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if not field.raw_data or not any(str(v).strip() for v in field.raw_data):
            field.errors[:] = []
            raise StopValidation(self.message)


class Optional:
    """An empty optional answer needs no further checks."""

    field_flags = {"optional": True}

    def __call__(self, form, field):
        if not field.raw_data or not any(str(v).strip() for v in field.raw_data):
            field.errors[:] = []
            raise StopValidation()


class TextRules:
    """Length and allowed characters of a typed answer."""

    def __init__(self, question: Question):
        self.question = question

    def __call__(self, form, field):
        q = self.question
        value = field.data or ""
        name = _name(q)
        if q.max_length and len(value) > q.max_length:
            raise ValidationError(f"{name} must be {q.max_length:,} characters or fewer")
        if q.pattern and not re.fullmatch(q.pattern, value):
            raise ValidationError(q.pattern_message)
        if q.min_length and len(value) < q.min_length:
            raise ValidationError(f"{name} must be {q.min_length} characters or more")


class Choices:
    """Only the question's own options; an exclusive option ("None") stands alone."""

    def __init__(self, question: Question):
        self.question = question

    def __call__(self, form, field):
        chosen = field.data if isinstance(field.data, list) else [field.data]
        known = {option.id for option in self.question.options}
        if any(value not in known for value in chosen):
            raise ValidationError(f"Select from the options for: {self.question.label}")
        exclusive = self.question.exclusive_option
        if exclusive and exclusive.id in chosen and len(chosen) > 1:
            raise ValidationError(
                f'"{exclusive.label}" cannot be combined with another choice: '
                f'untick "{exclusive.label}" or the other choices'
            )


class DateRules:
    """A real date whose relation to today fits the question (past birth date, future appointment)."""

    def __init__(self, question: Question, today: Callable[[], date]):
        self.question = question
        self.today = today

    def __call__(self, form, field):
        name = _name(self.question)
        missing = [part for part, value in field.parts.items() if not value]
        if missing:
            field.error_part = missing[0]
            raise ValidationError(f"{name} must include a {missing[0]}")
        if not field.parts["year"].isdigit() or len(field.parts["year"]) != 4:
            field.error_part = "year"
            raise ValidationError("Year must include 4 numbers")
        if field.data is None:
            raise ValidationError(f"{name} must be a real date")
        today = self.today()
        if self.question.date_rule is DateRule.BIRTH:
            if field.data >= today:
                raise ValidationError(f"{name} must be in the past")
            age = age_on(field.data, today)
            if age < MIN_AGE:
                raise ValidationError(f"You must be {MIN_AGE} or older to use this form")
            if age > MAX_AGE:
                raise ValidationError(f"{name} must be no more than {MAX_AGE} years ago")
        elif self.question.date_rule is DateRule.TODAY_OR_LATER and field.data < today:
            raise ValidationError(f"{name} must be today or in the future")
