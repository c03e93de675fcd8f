"""Filters of typed text: control characters are never typed on purpose, and PostgreSQL refuses
NUL."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def one_line(value):
    """One line of text: no control characters, no tabs or line breaks, no outer spaces."""
    if not isinstance(value, str):
        return value
    return _CONTROL.sub("", value.replace("\r", " ").replace("\n", " ").replace("\t", " ")).strip()


def several_lines(value):
    """Several lines of text: line breaks as \\n, no other control characters, no outer spaces."""
    if not isinstance(value, str):
        return value
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
