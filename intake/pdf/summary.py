"""The clinician's pre-consultation summary (SPEC section 6): plain data in, PDF bytes out."""

from __future__ import annotations

import functools
import io
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Table

from intake import content, questionnaire
from intake.assessment import NO_FLAGS_TEXT, Assessment, assess
from intake.pdf import styles
from intake.questionnaire import DateRule, Kind, Question

TITLE = "Pre-consultation summary: acne and botulinum toxin"
FOOTER_NOTICE = "Patient-reported information: confirm at consultation"
QUESTIONNAIRE_LINE = (
    f"Questionnaire {questionnaire.QUESTIONNAIRE_ID} {questionnaire.QUESTIONNAIRE_VERSION}"
)
NOT_PROVIDED = "Not provided"
CONTINUED = "\n(continued)"


@dataclass(frozen=True)
class SummaryInput:
    reference: str
    answers: dict
    submitted_at: datetime  # aware, UTC
    timezone: str  # the clinic's IANA time zone, e.g. "Europe/London"
    language: str  # the language the patient used, in words: "English", "Spanish"


def render_summary(data: SummaryInput, documents: Sequence | None = None) -> bytes:
    """The clinician's summary of one submission as PDF bytes; no request, no files written."""
    if data.submitted_at.tzinfo is None:
        raise ValueError("submitted_at must be timezone-aware: a naive time would print wrong")
    answers = questionnaire.applicable_answers(data.answers)
    submitted_at = data.submitted_at.astimezone(ZoneInfo(data.timezone))
    assessment = assess(answers, submitted_at.date())
    if documents is None:
        documents = content.load_documents()

    first_step, *other_steps = questionnaire.STEPS
    story = [
        *_identification(data, first_step, answers, assessment, submitted_at),
        *_safety_flags(assessment),
        *(
            element
            for step in other_steps
            for element in _answers_section(step, answers, _finding(step, assessment))
        ),
        *_relevant_passages(documents, answers, assessment),
    ]
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=styles.PAGE_SIZE,
        pageTemplates=[PageTemplate("summary", [_body_frame()])],
        title=f"Pre-consultation summary {data.reference}",
        subject=TITLE,
        author="Patient pre-consultation questionnaire",
        creator="intake",
        initialFontName=styles.FONT,  # otherwise every page also carries an unused Helvetica
        initialFontSize=styles.BODY_SIZE,
        initialLeading=styles.BODY_LEADING,
        invariant=1,  # same input, same bytes: no timestamp, fixed document id
    )
    document.build(story, canvasmaker=functools.partial(FooterCanvas, reference=data.reference))
    return buffer.getvalue()


def _body_frame() -> Frame:
    return Frame(
        styles.MARGIN_X,
        styles.MARGIN_BOTTOM,
        styles.FRAME_WIDTH,
        styles.PAGE_HEIGHT - styles.MARGIN_TOP - styles.MARGIN_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )


class FooterCanvas(Canvas):
    """Holds every page back until the end, so each footer can say "Page N of M"."""

    def __init__(self, *args, reference: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._reference = reference
        self._held_pages: list[dict] = []

    def showPage(self):
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._held_pages)
        for number, page in enumerate(self._held_pages, start=1):
            self.__dict__.update(page)
            self._draw_footer(number, total)
            super().showPage()
        super().save()

    def _draw_footer(self, number: int, total: int) -> None:
        left, right = styles.MARGIN_X, styles.PAGE_WIDTH - styles.MARGIN_X
        top = styles.MARGIN_BOTTOM - 8
        self.saveState()
        self.setStrokeColor(styles.RULE)
        self.setLineWidth(0.5)
        self.line(left, top, right, top)
        self.setFillColor(styles.INK)
        self.setFont(styles.FONT_BOLD, styles.FOOTER_SIZE)
        self.drawString(left, top - 10, FOOTER_NOTICE)
        self.drawRightString(right, top - 10, f"Page {number} of {total}")
        self.setFont(styles.FONT, styles.FOOTER_SIZE)
        self.drawString(left, top - 20, f"Reference {self._reference}")
        self.drawRightString(right, top - 20, QUESTIONNAIRE_LINE)
        self.restoreState()


# The answer sections' headings where they are not the step's own title, and the findings
# derived from a step's answers, printed at the top of its section.
SECTION_TITLES = {
    "your-acne": "Acne",
    "your-visit": "Goals and questions",
}
NAME_QUESTION = "full_name"  # the first step's question printed large, as the header's name


def _finding(step: questionnaire.Step, assessment: Assessment) -> tuple[str, str] | None:
    findings = assessment.findings
    if step.slug == "your-acne":
        return "Acne pattern (derived)", findings.acne_pattern
    if step.slug == "oily-skin":
        score = f"Score {findings.oiliness_score} of {findings.oiliness_max} ({findings.oiliness_category})"
        return "Oiliness (derived)", score
    return None


# Sections, in SPEC order.


def _identification(
    data: SummaryInput,
    step: questionnaire.Step,
    answers: dict,
    assessment: Assessment,
    submitted_at,
):
    """The title, then the first step's answers (the name large), with the submission's own
    reference, time and language beside them."""
    submitted = f"{_date_text(submitted_at.date())}, {submitted_at:%H:%M} ({data.timezone})"
    name = Paragraph(
        _markup(answers.get(NAME_QUESTION) or NOT_PROVIDED, styles.FONT_BOLD), styles.NAME
    )

    def label(text: str) -> str:
        return _lines(text, styles.FONT, styles.HEADER_LABEL_SIZE, styles.HEADER_COLUMNS[0] - 10)

    def value(text: str) -> str:
        return _lines(text, styles.FONT, styles.BODY_SIZE, styles.HEADER_COLUMNS[1] - 10)

    def answer(q: Question) -> list:
        given = answers.get(q.id)
        if q.date_rule is DateRule.BIRTH:  # the age, worked out on the day of submission
            shown = _date_text(given)
            if given:
                shown = f"{shown} (age {assessment.findings.age})"
            return [label(f"{q.label} and age"), value(shown)]
        return [label(q.label), _answer_cell(q, given, value)]

    about = [answer(q) for q in step.visible_questions(answers) if q.id != NAME_QUESTION]
    submission = [
        [label("Reference"), value(data.reference)],
        [label("Submitted at"), value(submitted)],
        [label("Language"), value(data.language)],
    ]
    rows = [[label(questionnaire.question(NAME_QUESTION).label), name, "", ""]]
    rows += [
        [*left, *right]
        for left, right in itertools.zip_longest(about, submission, fillvalue=["", ""])
    ]
    table = SectionTable(
        rows, colWidths=styles.HEADER_COLUMNS, style=styles.HEADER_TABLE, hAlign="LEFT"
    )
    return [Paragraph(TITLE, styles.TITLE), table]


def _safety_flags(assessment: Assessment):
    flags = assessment.flags
    if not flags:
        rows = [["Safety flags", ""], [NO_FLAGS_TEXT, ""]]
        return [_section_table(rows, styles.FLAG_COLUMNS, styles.NO_FLAGS_TABLE)]

    counts: dict[str, int] = {}
    for flag in flags:
        counts[flag.level.value] = counts.get(flag.level.value, 0) + 1
    summary = ", ".join(
        f"{count} {level.lower()}{'' if count == 1 else 's'}" for level, count in counts.items()
    )
    rows, row_styles = [[f"Safety flags: {summary}", ""]], []
    for row, flag in enumerate(flags, start=1):
        badge, badge_text, tint = styles.LEVEL_COLOURS[flag.level.value]
        detail = (
            f'<font name="{styles.FONT_BOLD}" size="{styles.FLAG_TEXT_SIZE}">{_markup(flag.text)}</font>'
            f"<br/>Raised by: {_markup('; '.join(flag.raised_by))}"
            f"<br/>Basis: {_markup(flag.basis)}"
        )
        rows.append([flag.level.value, Paragraph(detail, styles.FLAG)])
        row_styles += [
            ("BACKGROUND", (0, row), (0, row), badge),
            ("TEXTCOLOR", (0, row), (0, row), badge_text),
            ("BACKGROUND", (1, row), (1, row), tint),
        ]
    return [_section_table(rows, styles.FLAG_COLUMNS, [*styles.FLAG_TABLE, *row_styles])]


def _answers_section(
    step: questionnaire.Step, answers: dict, finding: tuple[str, str] | None = None
):
    """One step's questions that apply, each with its answer (or "Not provided")."""
    rows = [[SECTION_TITLES.get(step.slug, step.title), ""]]
    style = styles.ANSWER_TABLE
    if finding is not None:
        label, value = finding
        rows.append([
            _wrap(label, styles.FONT_BOLD, styles.LABEL_SIZE, 0),
            _wrap(value, styles.FONT_BOLD, styles.BODY_SIZE, 1),
        ])  # fmt: skip
        style = [*style, *styles.FINDING_ROW]
    rows += [_answer_row(q, answers.get(q.id)) for q in step.visible_questions(answers)]
    return [_section_table(rows, styles.ANSWER_COLUMNS, style)]


def _relevant_passages(documents: Iterable, answers: dict, assessment: Assessment):
    rows, style = [["Relevant passages"]], list(styles.PASSAGE_TABLE)

    def add(line: styles.Line, text: str) -> None:
        style.extend(_line_style(line, len(rows)))
        rows.append([_lines(text, line.font, line.size, styles.FRAME_WIDTH - line.indent - 6)])

    for document in documents:
        passages = content.select_passages(document, answers, assessment)
        if passages:
            add(styles.PASSAGE_NOTE, document.note)
        for passage in passages:
            first = len(rows)
            add(styles.PASSAGE_HEADING, document.heading)
            for mark in passage.marks:
                add(styles.PASSAGE_MARK, mark)
            add(styles.PASSAGE_TEXT, passage.text)
            add(styles.PASSAGE_REASON, passage.because)
            style.append(("NOSPLIT", (0, first), (0, len(rows) - 1)))
    if len(rows) == 1:
        add(styles.PASSAGE_NOTE, "No passages selected.")
    return [_section_table(rows, (styles.FRAME_WIDTH,), style)]


# Building blocks.


def _section_table(rows: list, widths: Sequence[float], style: list) -> Table:
    return SectionTable(rows, colWidths=widths, style=style, repeatRows=1, hAlign="LEFT")


class SectionTable(Table):
    """A table whose short rows move whole to the next page, and whose tall rows (long free
    text) split, the rest carrying its question again, marked "(continued)"."""

    def split(self, availWidth, availHeight):
        self._calc(availWidth, availHeight)
        row = self._row_to_split(availHeight)
        if row is None:
            self.splitByRow, self.splitInRow = 1, 0
            return super().split(availWidth, availHeight)
        self.splitByRow, self.splitInRow = 0, styles.MIN_ROW_SPLIT
        parts = super().split(availWidth, availHeight)
        label = self._cellvalues[row][0]
        if len(parts) == 2 and isinstance(label, str) and label:
            rest = parts[1]._cellvalues[self.repeatRows]
            if rest[0] == "":
                rest[0] = f"{label.removesuffix(CONTINUED)}{CONTINUED}"
        return parts

    def _row_to_split(self, availHeight: float) -> int | None:
        """The tall row that straddles the foot of the page, if enough of it fits to split."""
        used = 0
        for row, height in enumerate(self._rowHeights):
            if used + height > availHeight:
                fits = availHeight - used >= styles.MIN_ROW_SPLIT
                return row if height > styles.TALL_ROW and fits else None
            used += height
        return None


def _line_style(line: styles.Line, row: int) -> list:
    """The table commands that give one row a Line style."""
    cells = (0, row), (-1, row)
    commands = [
        ("FONTNAME", *cells, line.font),
        ("FONTSIZE", *cells, line.size),
        ("LEADING", *cells, line.leading),
        ("TEXTCOLOR", *cells, line.colour),
        ("LEFTPADDING", *cells, line.indent),
        ("TOPPADDING", *cells, line.above),
        ("BOTTOMPADDING", *cells, line.below),
    ]
    if line.background is not None:
        commands.append(("BACKGROUND", *cells, line.background))
    return commands


def _answer_row(q: Question, value) -> list:
    label = _wrap(q.label, styles.FONT, styles.LABEL_SIZE, 0)
    return [
        label,
        _answer_cell(q, value, lambda line: _wrap(line, styles.FONT, styles.BODY_SIZE, 1)),
    ]


def _answer_cell(q: Question, value, wrap: Callable[[str], str]):
    """An answer as a table cell: the patient's own words in a Paragraph (it wraps anything),
    our wording (options, dates) as lines that `wrap` breaks to the column."""
    if value is None or value == "" or value == []:
        return NOT_PROVIDED
    if q.kind in (Kind.TEXT, Kind.LONG_TEXT):
        return Paragraph(_markup(value), styles.ANSWER)
    if q.kind is Kind.ANY_OF:
        lines = [q.option_label(option) for option in value]
    else:
        lines = [questionnaire.answer_text(q, value)]
    return "\n".join(wrap(line) for line in lines)


def _lines(text: str, font: str, size: float, width: float) -> str:
    """Text broken into lines for a plain cell, much cheaper than a Paragraph. Only for our own
    wording: patient text goes in a Paragraph, which also splits words longer than a line."""
    return "\n".join(simpleSplit(text, font, size, width))


def _wrap(text: str, font: str, size: float, column: int) -> str:
    return _lines(text, font, size, styles.ANSWER_COLUMNS[column] - 2 * styles.CELL_PADDING_X)


def _markup(text: str, font: str = styles.FONT) -> str:
    """Any text as Paragraph markup that prints literally: patient text is data, never markup."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    undrawable = set(text) - styles.DRAWABLE[font]
    if undrawable:
        text = "".join(
            styles.MISSING_GLYPH if c in undrawable and not c.isspace() else c for c in text
        )
    return escape(text).replace("\n", "<br/>")


def _date_text(value) -> str:
    return questionnaire.date_text(value) if value else NOT_PROVIDED
