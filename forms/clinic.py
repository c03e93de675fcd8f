"""Forms of the clinic side."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, PasswordField, SearchField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp


class SignInForm(FlaskForm):
    email = EmailField("Email", [InputRequired("Enter your email address"), Length(max=254)])
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


class AuthenticationCodeForm(FlaskForm):
    """The code step of sign-in, and turning two-factor sign-in on."""

    code = authentication_code()


class SubmissionFilterForm(FlaskForm):
    """Search and date filters of the submissions list (POSTed: names stay out of URLs)."""

    q = SearchField("Name or reference", [Optional(), Length(max=100)])
    submitted = DateField("Submitted on", [Optional()])
    appointment = DateField("Appointment on", [Optional()])
