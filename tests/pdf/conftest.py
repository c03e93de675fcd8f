"""Render a summary and read it back as text, the way a clinician copying from the PDF would."""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone

import pypdf
import pytest
from PIL import Image

from intake import questionnaire
from intake.pdf.summary import SummaryInput, render_summary

REFERENCE = "ABCD-2345"
SUBMITTED_AT = datetime(2026, 11, 26, 14, 5, tzinfo=timezone.utc)
FLAGS_HEADING = "Before any injection"  # on page 1, with the count of flags at each level
ALL_ANSWERS = "All answers"
# The headings repeated at the top of a page a section continues on: page 1's, and All
# answers' (each step's own title, in every version).
SECTION_HEADINGS = {
    FLAGS_HEADING, "Treatments", "Clinical considerations", "Goals and questions",
    *(step.title for version in questionnaire.VERSIONS.values() for step in version.steps),
    "Relevant passages", "Relevant passages of 'Can Botox Injections Reduce Acne?'",
    "From 'Can Botox Injections Reduce Acne?'",
}  # fmt: skip
PAGE_FURNITURE = re.compile(
    r"Patient-reported information: confirm at consultation|Page \d+ of \d+|"
    r"Reference [A-Z0-9-]+|Questionnaire acne-botox-preconsult 20\d\d\.\d+"
)
# Every question of every version: a long answer continuing on the next page repeats it.
LABELS = {
    q.label for version in questionnaire.VERSIONS.values() for q in version.questions.values()
}


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
    def sheet_pages(self) -> list[str]:
        """The consult sheet's pages: page 1, and the pages it continues on before All
        answers (which always begins a page)."""
        first = next(
            n for n, page in enumerate(self.pages) if page.lstrip().startswith(ALL_ANSWERS + "\n")
        )
        return self.pages[:first]

    @property
    def page_1(self) -> str:
        """Page 1's words, every run of whitespace as one space."""
        return " ".join(self.pages[0].split())

    @property
    def sheet(self) -> str:
        """The body up to the heading "All answers": the consult sheet, however many pages."""
        body = self.body
        return body[: body.index(f"{ALL_ANSWERS} ")]

    @property
    def all_answers(self) -> str:
        """The body from the heading "All answers" on (the answers, then the passages)."""
        body = self.body
        return body[body.index(f"{ALL_ANSWERS} ") :]

    @property
    def body(self) -> str:
        """The words without footers, and without the heading and question repeated where a
        section or a long answer continues on the next page, so text split across pages reads
        as one."""
        kept, seen = [], set()
        for page in self.pages:
            for line in page.splitlines():
                line = line.strip()
                heading = line.split(":")[0] if line.startswith(f"{FLAGS_HEADING}:") else line
                if heading in seen or PAGE_FURNITURE.fullmatch(line):
                    continue
                if heading in SECTION_HEADINGS:
                    seen.add(heading)
                kept.append(line)
        text = " ".join(" ".join(kept).split())
        for label in LABELS:
            text = text.replace(f" {label} (continued) ", " ")
        return text

    @property
    def flat(self) -> str:
        """The body with all whitespace removed: a word wrapped over lines reads as one again."""
        return "".join(self.body.split())


def render_pdf(answers: dict, documents=None, **fields) -> Rendered:
    """The PDF of these answers; `fields` replace SummaryInput's (questionnaire_version too)."""
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


PAGE_DPI = 100  # page images for pixel checks


def page_image(data: bytes, folder, page: int = 1) -> Image.Image:
    """One page of a PDF as poppler renders it (pdftoppm), in grey levels 0 (black) to 255."""
    path = folder / "rendered.pdf"
    path.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", str(PAGE_DPI), "-png", "-f", str(page), "-l", str(page), path,
         folder / "page"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    (png,) = folder.glob("page*.png")
    return Image.open(png).convert("L")
