"""Forms of the clinic side."""

from __future__ import annotations

from datetime import date

from wtforms import EmailField, PasswordField, SearchField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp

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


def authentication_code(required: bool = True) -> StringField:
    """The Authentication code field: six digits from an authenticator app, spaces allowed."""
    return StringField(
        "Authentication code",
        [
            InputRequired("Enter the authentication code from your authenticator app")
            if required
            else Optional(),
            Regexp(
                r"^\s*(?:[0-9]\s*){6}$",
                message="Enter the 6-digit code from your authenticator app",
            ),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "spellcheck": "false"},
    )


class SignInWithCodeForm(SignInForm):
    """Sign-in while the account is locked: email, password and authentication code at once."""

    code = authentication_code(required=False)


class AuthenticationCodeForm(Form):
    """The code step of sign-in, and turning two-factor sign-in on."""

    code = authentication_code()


class SubmissionFilterForm(Form):
    """Search and date filters of the submissions list (POSTed: names stay out of URLs)."""

    q = SearchField("Name or reference", [Optional(), Length(max=100)], filters=[one_line])
    submitted = DayField("Submitted on", [Optional(), FILTER_DAYS])
    appointment = DayField("Appointment on", [Optional(), FILTER_DAYS])
