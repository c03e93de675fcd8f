"""The base of every form: text comes from the posted form fields, never from a file part or a
JSON body, which would reach a validator as a file or a number instead of text."""

from __future__ import annotations

from flask import has_request_context, request
from flask_wtf import FlaskForm

_POSTED = object()


class Form(FlaskForm):
    """A FlaskForm bound to `request.form` alone (Flask-WTF adds `request.files` and JSON); a
    request that sent files is never valid, unless the form takes files (`takes_files`: the
    appointments import alone, whose file field Flask-WTF reads from `request.files`)."""

    takes_files = False

    def __init__(self, formdata=_POSTED, **kwargs):
        reads_request = has_request_context() and (formdata is _POSTED or formdata is request.form)
        self.sent_files = reads_request and bool(request.files) and not self.takes_files
        if formdata is _POSTED and self.takes_files:
            super().__init__(**kwargs)  # Flask-WTF's own: the form's fields and its files
            return
        if formdata is _POSTED:
            formdata = (request.form or None) if self.is_submitted() else None
        super().__init__(formdata=formdata, **kwargs)

    def validate(self, extra_validators=None) -> bool:
        """Every field's errors; never valid when an answer came as a file."""
        return super().validate(extra_validators) and not self.sent_files
