"""Field kinds the questionnaire needs beyond WTForms' own."""

from __future__ import annotations

from datetime import date

from wtforms import DateField, Field, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

DATE_PARTS = ("day", "month", "year")


class MultiCheckboxField(SelectMultipleField):
    """Any number of options, shown as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        # The choice check belongs to the validators, with a message in plain words.
        pass


class DayField(DateField):
    """A date typed in one box (YYYY-MM-DD, as a browser's date input sends it)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a real date") from None


class DatePartsField(Field):
    """A date typed as day, month and year in three boxes; keeps what was typed on error.

    `data` is a `date` when the three parts make a real date, else None;
    `parts` holds the raw text of each box for re-display.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.parts = {part: "" for part in DATE_PARTS}
        self.error_part = "day"  # the box an error message links to

    def part_name(self, part: str) -> str:
        return f"{self.name}-{part}"

    def part_id(self, part: str) -> str:
        return f"{self.id}-{part}"

    def process_data(self, value):
        if isinstance(value, str) and value:
            value = date.fromisoformat(value)
        self.data = value if isinstance(value, date) else None
        if self.data:
            self.parts = date_parts(self.data)

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors = []
        self.process_data(data if data is not None else self.default)
        if formdata is not None and any(self.part_name(p) in formdata for p in DATE_PARTS):
            self.parts = {p: formdata.get(self.part_name(p), "").strip()[:8] for p in DATE_PARTS}
            self.data = _real_date(self.parts)
        self.raw_data = [v for v in self.parts.values() if v]


def date_parts(value: date | None) -> dict[str, str]:
    """A date as the three boxes show it (empty boxes for no date)."""
    if value is None:
        return dict.fromkeys(DATE_PARTS, "")
    return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}


def _real_date(parts: dict[str, str]) -> date | None:
    try:
        day, month, year = (int(parts[p]) for p in DATE_PARTS)
        if len(parts["year"]) != 4:
            return None
        return date(year, month, day)
    except ValueError:
        return None
