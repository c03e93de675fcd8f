"""The form of a deletion on request (SPEC section 12): a clinician says why."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, Length

from forms.base import Form
from forms.validators import OneLine
from intake.models import Submission

# The tombstone's column (intake.records checks it too); not imported from intake.records,
# which the clinic blueprint's import of this form would make circular.
REASON_MAX: int = Submission.__table__.c.deletion_reason.type.length  # type: ignore[attr-defined]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class DeletionForm(Form):
    """**Delete now** with its required **Reason**, kept on the tombstone. Control and format
    characters are refused, not dropped, so what is kept is what the clinician sees."""

    reason = StringField(
        "Reason",
        [
            DataRequired("Enter the reason for deleting this submission"),
            Length(max=REASON_MAX, message=f"Reason must be {REASON_MAX} characters or fewer"),
            OneLine("Reason must not contain line breaks or invisible characters"),
        ],
        filters=[_strip],
    )
