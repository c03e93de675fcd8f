"""Validators with messages in plain words, read from the questionnaire definition."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from flask_babel import format_decimal, gettext
from wtforms.validators import StopValidation, ValidationError

from intake.assessment import age_on
from intake.printable import has_invisible
from intake.questionnaire import DateRule, Question

MIN_AGE, MAX_AGE = 12, 110


def _name(question: Question) -> str:
    """The question in the patient's language, to start a message with."""
    return gettext(question.label).rstrip("?")


class Required:
    """An answer must be given; stops the chain so the patient sees one message."""

    field_flags = {"required": True}

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if not field.raw_data or not any(str(v).strip() for v in field.raw_data):
            field.errors[:] = []
            raise StopValidation(gettext(self.message))


class Optional:
    """An empty optional answer needs no further checks."""

    field_flags = {"optional": True}

    def __call__(self, form, field):
        if not field.raw_data or not any(str(v).strip() for v in field.raw_data):
            field.errors[:] = []
            raise StopValidation()


class OneLine:
    """No line breaks, ESC or other control or format characters: text that can forge a line."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if has_invisible(field.data or ""):
            raise ValidationError(self.message)


class DateBetween:
    """A date within a range of years, said in a message that names them."""

    def __init__(self, first: date, last: date):
        self.first = first
        self.last = last

    def __call__(self, form, field):
        if field.data and not self.first <= field.data <= self.last:
            raise ValidationError(f"Enter a date between {self.first.year} and {self.last.year}")


class TextRules:
    """Length and allowed characters of a typed answer."""

    def __init__(self, question: Question):
        self.question = question

    def __call__(self, form, field):
        q = self.question
        value = field.data or ""
        if q.max_length and len(value) > q.max_length:
            raise ValidationError(
                gettext(
                    "%(name)s must be %(count)s characters or fewer",
                    name=_name(q),
                    count=format_decimal(q.max_length),
                )
            )
        if q.pattern and not re.fullmatch(q.pattern, value):
            raise ValidationError(gettext(q.pattern_message))
        if q.min_length and len(value) < q.min_length:
            raise ValidationError(
                gettext(
                    "%(name)s must be %(count)s characters or more",
                    name=_name(q),
                    count=q.min_length,
                )
            )


class Choices:
    """Only the question's own options; an exclusive option ("None") stands alone."""

    def __init__(self, question: Question):
        self.question = question

    def __call__(self, form, field):
        chosen = field.data if isinstance(field.data, list) else [field.data]
        known = {option.id for option in self.question.options}
        if any(value not in known for value in chosen):
            raise ValidationError(
                gettext(
                    "Select from the options for: %(question)s",
                    question=gettext(self.question.label),
                )
            )
        exclusive = self.question.exclusive_option
        if exclusive and exclusive.id in chosen and len(chosen) > 1:
            raise ValidationError(
                gettext(
                    '"%(none)s" cannot be combined with another choice: '
                    'untick "%(none)s" or the other choices',
                    none=gettext(exclusive.label),
                )
            )


class DateRules:
    """A real date whose relation to today fits the question (past birth date, future appointment)."""

    def __init__(self, question: Question, today: Callable[[], date]):
        self.question = question
        self.today = today

    def __call__(self, form, field):
        missing = [part for part, value in field.parts.items() if not value]
        if missing:
            field.error_part = missing[0]
            raise ValidationError(_MISSING_PART[missing[0]](_name(self.question)))
        if not field.parts["year"].isdigit() or len(field.parts["year"]) != 4:
            field.error_part = "year"
            raise ValidationError(gettext("Year must include 4 numbers"))
        if field.data is None:
            raise ValidationError(
                gettext("%(name)s must be a real date", name=_name(self.question))
            )
        today = self.today()
        if self.question.date_rule is DateRule.BIRTH:
            if field.data >= today:
                raise ValidationError(
                    gettext("%(name)s must be in the past", name=_name(self.question))
                )
            age = age_on(field.data, today)
            if age < MIN_AGE:
                raise ValidationError(
                    gettext("You must be %(age)s or older to use this form", age=MIN_AGE)
                )
            if age > MAX_AGE:
                raise ValidationError(
                    gettext(
                        "%(name)s must be no more than %(age)s years ago",
                        name=_name(self.question),
                        age=MAX_AGE,
                    )
                )
        elif self.question.date_rule is DateRule.TODAY_OR_LATER and field.data < today:
            raise ValidationError(
                gettext("%(name)s must be today or in the future", name=_name(self.question))
            )


# One whole sentence per part, so each language can word it its own way.
_MISSING_PART = {
    "day": lambda name: gettext("%(name)s must include a day", name=name),
    "month": lambda name: gettext("%(name)s must include a month", name=name),
    "year": lambda name: gettext("%(name)s must include a year", name=name),
}
