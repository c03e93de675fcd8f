"""Forms of the clinic side."""

from __future__ import annotations

from datetime import date

from wtforms import EmailField, PasswordField, SearchField
from wtforms.validators import InputRequired, Length, Optional

from forms.base import Form
from forms.fields import DayField
from forms.filters import one_line
from forms.validators import DateBetween, OneLine

# The days a list can be filtered by: beyond them Python's dates (and the database's) overflow.
FILTER_DAYS = DateBetween(date(1900, 1, 1), date(2100, 12, 31))


class SignInForm(Form):
    email = EmailField(
        "Email",
        [
            InputRequired("Enter your email address"),
            Length(max=254, message="Email must be 254 characters or fewer"),
            OneLine("Email must not contain line breaks or invisible characters"),
        ],
    )
    password = PasswordField("Password", [InputRequired("Enter your password"), Length(max=1024)])


class SubmissionFilterForm(Form):
    """Search and date filters of the submissions list (POSTed: names stay out of URLs)."""

    q = SearchField("Name or reference", [Optional(), Length(max=100)], filters=[one_line])
    submitted = DayField("Submitted on", [Optional(), FILTER_DAYS])
    appointment = DayField("Appointment on", [Optional(), FILTER_DAYS])
