"""Forms of the Clinic day: an appointment added by hand, and a day's list as a CSV file.

Each CSV row goes through the same form as one typed by hand, so both follow the same rules
and say the same things."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import MultiDict
from wtforms import EmailField, RadioField, SelectChoice, StringField, TimeField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from forms.base import Form
from forms.fields import DatePartsField, DayField
from forms.filters import one_line
from forms.validators import OneLine
from intake import clock
from intake.appointments.services import NewAppointment
from intake.assessment import age_on

OLDEST = 120  # years: an older date of birth is a typing slip
FURTHEST_AHEAD = timedelta(days=2 * 366)  # appointments are booked months ahead, not years
HEADER = ("name", "date_of_birth", "appointment_date", "appointment_time", "email", "language")
LANGUAGES = [SelectChoice("en", "English"), SelectChoice("es", "Español")]
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _clinic_now() -> datetime:
    return clock.now().astimezone(ZoneInfo(current_app.config["TIMEZONE"]))


class BirthDate:
    """Every box filled, a real date, in the past and no more than OLDEST years ago."""

    def __call__(self, form, field):
        missing = [part for part, value in field.parts.items() if not value]
        if missing:
            field.error_part = missing[0]
            raise ValidationError(f"Date of birth must include a {missing[0]}")
        if field.data is None:
            raise ValidationError("Date of birth must be a real date")
        today = _clinic_now().date()
        if field.data >= today:
            raise ValidationError("Date of birth must be in the past")
        if age_on(field.data, today) > OLDEST:
            raise ValidationError(f"Date of birth must be no more than {OLDEST} years ago")


class ClockTimeField(TimeField):
    """A time of day on the 24-hour clock (HH:MM, as a browser's time input sends it)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(
                "Enter the appointment time on the 24-hour clock, like 14:30"
            ) from None


class AppointmentForm(Form):
    """Add an appointment (SPEC section 11)."""

    patient_name = StringField(
        "Patient's full name",
        [
            InputRequired("Enter the patient's full name"),
            Length(max=100, message="Patient's full name must be 100 characters or fewer"),
            OneLine("Patient's full name must not contain line breaks or invisible characters"),
        ],
        filters=[one_line],
    )
    date_of_birth = DatePartsField("Date of birth", [BirthDate()])
    appointment_date = DayField("Appointment date", [InputRequired("Enter the appointment date")])
    appointment_time = ClockTimeField(
        "Appointment time", [InputRequired("Enter the appointment time, like 09:30")]
    )
    email = EmailField(
        "Email address",
        [
            Optional(),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email("Enter an email address in the correct format, like name@example.com"),
        ],
        filters=[one_line],
    )
    language = RadioField("Language", choices=LANGUAGES, default="en")

    def validate_appointment_date(self, field):
        if field.data is None:
            return  # not a real date: DayField said so
        today = _clinic_now().date()
        if field.data < today:
            raise ValidationError("Appointment date must be today or in the future")
        if field.data > today + FURTHEST_AHEAD:
            raise ValidationError("Appointment date must be within the next 2 years")

    def validate_appointment_time(self, field):
        now = _clinic_now()
        if (
            field.data is not None
            and self.appointment_date.data == now.date()
            and field.data <= now.time()
        ):
            raise ValidationError("Appointment time has passed: it must be later today")

    def appointment(self) -> NewAppointment:
        """What was typed, once valid."""
        return NewAppointment(
            patient_name=self.patient_name.data,
            date_of_birth=self.date_of_birth.data,
            appointment_date=self.appointment_date.data,
            appointment_time=self.appointment_time.data,
            email=self.email.data or None,
            language=self.language.data,
        )


class ImportForm(Form):
    """A day's list as CSV (SPEC section 11)."""

    takes_files = True
    appointments_file = FileField(
        "Appointments file (CSV)", [FileRequired("Choose a CSV file of appointments")]
    )


@dataclass
class ImportedFile:
    """The rows of a file that can be added, and what is wrong with the others, by line."""

    appointments: list[NewAppointment] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


class NotAnAppointmentsFile(ValueError):
    """The whole file is refused: nothing of it is imported."""


def read_appointments_file(content: bytes) -> ImportedFile:
    """Each row of the file checked like a typed appointment; raises NotAnAppointmentsFile
    when the file is not UTF-8 text with the expected header."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotAnAppointmentsFile("The file must be saved as CSV UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or tuple(cell.strip() for cell in header) != HEADER:
        raise NotAnAppointmentsFile("The first line must be: " + ",".join(HEADER))
    result = ImportedFile()
    line = reader.line_num + 1  # where the next row starts
    for row in reader:
        if any(cell.strip() for cell in row):
            problem, appointment = _read_row(row)
            if appointment:
                result.appointments.append(appointment)
            else:
                result.errors.append((line, problem))
        line = reader.line_num + 1
    return result


def _read_row(row: list[str]) -> tuple[str, NewAppointment | None]:
    """A row as the add form would take it: the appointment, or the first thing wrong with it."""
    if len(row) != len(HEADER):
        return f"expected {len(HEADER)} columns, found {len(row)}", None
    cells = dict(zip(HEADER, (cell.strip() for cell in row), strict=True))
    birth = _ISO_DATE.fullmatch(cells["date_of_birth"])
    if not birth:
        return "date_of_birth must be a date like 1990-05-17", None
    if cells["language"] not in {choice.value for choice in LANGUAGES}:
        return "language must be en or es", None
    year, month, day = birth.groups()
    form = AppointmentForm(
        formdata=MultiDict(
            {
                "patient_name": cells["name"],
                "date_of_birth-day": day,
                "date_of_birth-month": month,
                "date_of_birth-year": year,
                "appointment_date": cells["appointment_date"],
                "appointment_time": cells["appointment_time"],
                "email": cells["email"],
                "language": cells["language"],
            }
        ),
        meta={"csrf": False},
    )
    if not form.validate():
        name, errors = next((name, errors) for name, errors in form.errors.items() if errors)
        column = "name" if name == "patient_name" else name
        return f"{column}: {errors[0]}", None
    return "", form.appointment()
