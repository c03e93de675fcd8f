"""Render a summary and read it back as text, the way a clinician copying from the PDF would."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime, timezone

import pypdf
import pytest

from intake.pdf.summary import SummaryInput, render_summary
from intake.questionnaire import QUESTIONS

REFERENCE = "ABCD-2345"
SUBMITTED_AT = datetime(2026, 11, 26, 14, 5, tzinfo=timezone.utc)
SECTION_HEADINGS = {
    "Safety flags", "Acne", "Oily skin", "Previous treatments",
    "Health and safety", "Goals and questions", "Relevant passages",
}  # fmt: skip
PAGE_FURNITURE = re.compile(
    r"Patient-reported information: confirm at consultation|Page \d+ of \d+|"
    r"Reference [A-Z0-9-]+|Questionnaire acne-botox-preconsult 2026\.1"
)


@dataclass
class Rendered:
    data: bytes
    reader: pypdf.PdfReader
    pages: list[str]  # extracted text, one string per page

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    @property
    def lines(self) -> list[str]:
        return [line.strip() for line in self.text.splitlines()]

    @property
    def words(self) -> str:
        """The text with every run of whitespace (line breaks included) as one space."""
        return " ".join(self.text.split())

    @property
    def body(self) -> str:
        """The words without footers, and without the heading and question repeated where a
        long answer continues on the next page, so text split across pages reads as one."""
        kept = []
        for number, page in enumerate(self.pages):
            for line in page.splitlines():
                repeated_heading = number > 0 and line.strip() in SECTION_HEADINGS
                if not (repeated_heading or PAGE_FURNITURE.fullmatch(line.strip())):
                    kept.append(line)
        text = " ".join(" ".join(kept).split())
        for question in QUESTIONS.values():
            text = text.replace(f" {question.label} (continued) ", " ")
        return text

    @property
    def flat(self) -> str:
        """The body with all whitespace removed: a word wrapped over lines reads as one again."""
        return "".join(self.body.split())


def render_pdf(answers: dict, documents=None, **fields) -> Rendered:
    data = render_summary(
        SummaryInput(
            **{
                "reference": REFERENCE,
                "answers": answers,
                "submitted_at": SUBMITTED_AT,
                "timezone": "Europe/London",
                "language": "English",
                **fields,
            }
        ),
        documents,
    )
    reader = pypdf.PdfReader(io.BytesIO(data))
    return Rendered(data, reader, [page.extract_text() for page in reader.pages])


@pytest.fixture
def render():
    return render_pdf
