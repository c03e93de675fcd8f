"""Forms of the clinic side."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, PasswordField, SearchField
from wtforms.validators import InputRequired, Length, Optional

from forms.validators import OneLine


class SignInForm(FlaskForm):
    email = EmailField(
        "Email",
        [
            InputRequired("Enter your email address"),
            Length(max=254, message="Email must be 254 characters or fewer"),
            OneLine("Email must not contain line breaks or invisible characters"),
        ],
    )
    password = PasswordField("Password", [InputRequired("Enter your password"), Length(max=1024)])


class SubmissionFilterForm(FlaskForm):
    """Search and date filters of the submissions list (POSTed: names stay out of URLs)."""

    q = SearchField("Name or reference", [Optional(), Length(max=100)])
    submitted = DateField("Submitted on", [Optional()])
    appointment = DateField("Appointment on", [Optional()])
