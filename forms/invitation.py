"""The forms of an invited patient: the date of birth that opens their questionnaire, and the
desk code that starts their invitation on a front-desk tablet."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext
from wtforms import StringField
from wtforms.validators import Regexp

from forms.base import Form
from forms.fields import DatePartsField
from forms.questionnaire import clinic_today
from forms.validators import DateRules, Required
from intake import questionnaire
from intake.questionnaire.model import _

DATE_OF_BIRTH = questionnaire.question("date_of_birth")
DESK_CODE = re.compile(r"[A-HJ-NP-Z2-9]{6}")


def desk_code_filter(value):
    """A code as front desk reads it out: any case, spaces ignored."""
    return "".join(value.split()).upper() if isinstance(value, str) else value


class _PageForm(Form):
    class Meta:
        # CSRFProtect checks every POST before the view (or the view is exempt, see
        # intake/appointments/patient_views.py): no token field of the form's own.
        csrf = False


class DateOfBirthForm(_PageForm):
    """The patient's date of birth, checked like the questionnaire's (a real past date), then
    compared with the appointment's."""

    date_of_birth = DatePartsField(
        DATE_OF_BIRTH.label,
        [Required(DATE_OF_BIRTH.required_message), DateRules(DATE_OF_BIRTH, clinic_today)],
    )


class DeskCodeForm(_PageForm):
    """A desk code: 6 characters from A-HJ-NP-Z2-9."""

    desk_code = StringField(
        lazy_gettext("Desk code"),
        [
            Required(_("Enter the desk code front desk gave you")),
            Regexp(
                DESK_CODE,
                message=lazy_gettext(
                    "A desk code is 6 letters and numbers, like K7M2QX: check what you typed"
                ),
            ),
        ],
        filters=[desk_code_filter],
    )

    def typed(self) -> str:
        """What the patient typed, as they typed it, to show again with an error."""
        raw = self.desk_code.raw_data
        return raw[0] if raw else ""

    def refuse(self) -> None:
        """The code is unknown, used or past its 15 minutes (which, the page does not say)."""
        self.desk_code.errors = [
            lazy_gettext(
                "That desk code does not work. Check it, or ask front desk for a new one: "
                "a code works once, for 15 minutes"
            )
        ]
