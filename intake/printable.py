"""Text from outside (a typed email, a row an older release stored) kept to one printable line:
control and format characters never reach the audit log or an operator's terminal as such."""

from __future__ import annotations

import unicodedata

# Controls (line breaks, ESC, NUL), format characters (zero-width, bidirectional overrides),
# line and paragraph separators: each can split a line, or make it read as something else.
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})


def is_invisible(char: str) -> bool:
    return unicodedata.category(char) in _INVISIBLE


def has_invisible(text: str) -> bool:
    """True when the text holds a control or format character."""
    return any(map(is_invisible, text))


def one_line(text: str) -> str:
    """The text with each control or format character written as its escape (\\n, \\x1b,
    \\u202e): one line, nothing for a terminal to obey, and the same again when escaped twice."""
    return "".join(_escape(char) if is_invisible(char) else char for char in text)


def _escape(char: str) -> str:
    return char.encode("unicode_escape").decode("ascii")
