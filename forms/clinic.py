"""Forms of the clinic side."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, PasswordField, SearchField
from wtforms.validators import InputRequired, Length, Optional


class SignInForm(FlaskForm):
    email = EmailField("Email", [InputRequired("Enter your email address"), Length(max=254)])
    password = PasswordField("Password", [InputRequired("Enter your password"), Length(max=1024)])


class SubmissionFilterForm(FlaskForm):
    """Search and date filter of the submissions list (a GET form: no CSRF needed)."""

    class Meta:
        csrf = False

    q = SearchField("Name or reference", [Optional(), Length(max=100)])
    submitted = DateField("Submitted on", [Optional()])
    appointment = DateField("Appointment on", [Optional()])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
