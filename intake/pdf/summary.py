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
from intake.assessment import (
    CONSIDERATIONS_HEADING,
    NO_CONSIDERATIONS_TEXT,
    NO_FLAGS_TEXT,
    Assessment,
    Flag,
    TreatmentRow,
    assess,
)
from intake.pdf import styles
from intake.questionnaire import DateRule, Kind, Level, Question, Questionnaire

TITLE = "Pre-consultation summary: acne and botulinum toxin"
FOOTER_NOTICE = "Patient-reported information: confirm at consultation"
NOT_PROVIDED = "Not provided"
CONTINUED = "\n(continued)"
FLAGS_HEADING = "Safety flags"
PASSAGES_HEADING = "Relevant passages"
NO_PASSAGES_TEXT = "No passages selected."


@dataclass(frozen=True)
class SummaryInput:
    reference: str
    answers: dict
    submitted_at: datetime  # aware, UTC
    timezone: str  # the clinic's IANA time zone, e.g. "Europe/London"
    language: str  # the language the patient used, in words: "English", "Spanish"
    # The questionnaire version the answers were given in: its questions, findings, flags and
    # passage rules are the ones printed, whenever the PDF is rendered.
    questionnaire_version: str = questionnaire.QUESTIONNAIRE_VERSION


def questionnaire_line(q: Questionnaire) -> str:
    """The footer's last line: which questionnaire, in which version, the answers are to."""
    return f"Questionnaire {q.id} {q.version}"


def render_summary(data: SummaryInput, documents: Sequence | None = None) -> bytes:
    """The clinician's summary of one submission as PDF bytes; no request, no files written."""
    if data.submitted_at.tzinfo is None:
        raise ValueError("submitted_at must be timezone-aware: a naive time would print wrong")
    q = questionnaire.find(data.questionnaire_version)
    answers = q.applicable_answers(data.answers)
    submitted_at = data.submitted_at.astimezone(ZoneInfo(data.timezone))
    assessment = assess(answers, submitted_at.date(), q)
    if documents is None:
        documents = content.load_documents()

    first_step, *other_steps = q.steps
    story = [
        *_identification(data, q, first_step, answers, assessment, submitted_at),
        *_safety_flags(assessment),
        *_considerations(assessment),
        *(
            element
            for step in other_steps
            for element in _answers_section(step, answers, assessment)
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
    canvas = functools.partial(
        FooterCanvas, reference=data.reference, questionnaire_line=questionnaire_line(q)
    )
    document.build(story, canvasmaker=canvas)
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

    def __init__(self, *args, reference: str, questionnaire_line: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._reference = reference
        self._questionnaire_line = questionnaire_line
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
        self.drawRightString(right, top - 20, self._questionnaire_line)
        self.restoreState()


# The answer sections' headings where they are not the step's own title.
SECTION_TITLES = {
    "your-acne": "Acne",
    "your-treatments": "Treatments",
    "your-visit": "Goals and questions",
}
NAME_QUESTION = "full_name"  # the first step's question printed large, as the header's name
APPOINTMENT_QUESTION = "appointment_date"  # the age is at this date, or else at submission
# The questions the acne's pattern and distribution are derived from (intake.assessment):
# those findings open the section of the step asking them.
SPOTS_QUESTION = "spot_types"
LOCATIONS_QUESTION = "locations"
DISTRIBUTION_LABEL = "Distribution"
TREATMENT_HEADINGS = ("Treatment", "Now", "Before", "How well it worked")
ISOTRETINOIN_STOPPED_LABEL = "Isotretinoin stopped"
ISOTRETINOIN_RELAPSE_LABEL = "Acne came back after isotretinoin"


# Sections, in SPEC order.


def _identification(
    data: SummaryInput,
    q: Questionnaire,
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

    def answer(question: Question) -> list:
        given = answers.get(question.id)
        if question.date_rule is DateRule.BIRTH:  # with the age, as the findings work it out
            shown = _date_text(given)
            if given:
                on = "appointment" if answers.get(APPOINTMENT_QUESTION) else "submission"
                shown = f"{shown} (age {assessment.findings.age} at {on})"
            return [label(f"{question.label} and age"), value(shown)]
        return [label(question.label), _answer_cell(question, given, value)]

    about = [
        answer(question)
        for question in step.visible_questions(answers)
        if question.id != NAME_QUESTION
    ]
    submission = [
        [label("Reference"), value(data.reference)],
        [label("Submitted at"), value(submitted)],
        [label("Language"), value(data.language)],
    ]
    rows = [[label(q.question(NAME_QUESTION).label), name, "", ""]]
    rows += [
        [*left, *right]
        for left, right in itertools.zip_longest(about, submission, fillvalue=["", ""])
    ]
    table = SectionTable(
        rows, colWidths=styles.HEADER_COLUMNS, style=styles.HEADER_TABLE, hAlign="LEFT"
    )
    return [Paragraph(TITLE, styles.TITLE), table]


def _safety_flags(assessment: Assessment):
    """Every safety flag, level by level, each with its level as a word, what raised it and its
    basis; clinical considerations are not flags and are not counted here."""
    flags = assessment.flags
    if not flags:
        rows = [[FLAGS_HEADING, ""], [NO_FLAGS_TEXT, ""]]
        return [_section_table(rows, styles.FLAG_COLUMNS, styles.NO_FLAGS_TABLE)]

    counts = ", ".join(
        f"{level.value} {len(raised)}" for level in Level if (raised := assessment.flags_at(level))
    )
    rows, row_styles = [[f"{FLAGS_HEADING} ({len(flags)}): {counts}", ""]], []
    for row, flag in enumerate(flags, start=1):
        assert flag.level is not None  # a safety flag always has a level
        badge, badge_text, tint = styles.LEVEL_COLOURS[flag.level.value]
        level = _lines(flag.level.value, styles.FONT_BOLD, styles.LEVEL_SIZE, styles.LEVEL_WIDTH)
        rows.append([level, Paragraph(_flag_detail(flag), styles.FLAG)])
        row_styles += [
            ("BACKGROUND", (0, row), (0, row), badge),
            ("TEXTCOLOR", (0, row), (0, row), badge_text),
            ("BACKGROUND", (1, row), (1, row), tint),
        ]
        if row > 1 and flag.level is not flags[row - 2].level:  # a new level's group begins
            row_styles += styles.level_group_rule(row)
    return [_section_table(rows, styles.FLAG_COLUMNS, [*styles.FLAG_TABLE, *row_styles])]


def _considerations(assessment: Assessment):
    """The clinical considerations in a box of their own after the flags, for a version that
    has them (2026.1 had none)."""
    if not assessment.questionnaire.considerations:
        return []
    if not assessment.considerations:
        rows = [[CONSIDERATIONS_HEADING], [NO_CONSIDERATIONS_TEXT]]
        return [_section_table(rows, (styles.FRAME_WIDTH,), styles.NO_CONSIDERATIONS_TABLE)]
    rows = [
        [CONSIDERATIONS_HEADING],
        *([Paragraph(_flag_detail(c), styles.FLAG)] for c in assessment.considerations),
    ]
    return [_section_table(rows, (styles.FRAME_WIDTH,), styles.CONSIDERATIONS_TABLE)]


def _flag_detail(flag: Flag) -> str:
    """A flag's or consideration's text, what raised it and its basis, as Paragraph markup.
    "Raised by" can quote the patient (the nerve or muscle disease they named): escaped."""
    return (
        f'<font name="{styles.FONT_BOLD}" size="{styles.FLAG_TEXT_SIZE}">'
        f"{_markup(flag.text, styles.FONT_BOLD)}</font>"
        f"<br/>Raised by: {_markup('; '.join(flag.raised_by))}"
        f"<br/>Basis: {_markup(flag.basis)}"
    )


def _answers_section(step: questionnaire.Step, answers: dict, assessment: Assessment):
    """One step's questions that apply, each with its answer (or "Not provided"), opened by
    the findings derived from them."""
    rows = [[SECTION_TITLES.get(step.slug, step.title), ""]]
    findings, finding_style = _findings(step, assessment)
    rows += findings
    points = {}
    if step.slug == assessment.questionnaire.findings.oiliness_step:
        points = {item.question: item.points for item in assessment.findings.oiliness_items}
    rows += [
        _answer_row(q, answers.get(q.id), points.get(q.label))
        for q in step.visible_questions(answers)
    ]
    return [_section_table(rows, styles.ANSWER_COLUMNS, [*styles.ANSWER_TABLE, *finding_style])]


def _findings(step: questionnaire.Step, assessment: Assessment) -> tuple[list, list]:
    """The findings derived from a step's answers (SPEC section 3), labelled as the version
    labels them, as the first rows of its section; and the style of those rows."""
    rules, findings = assessment.questionnaire.findings, assessment.findings
    asked = {q.id for q in step.questions}
    rows: list = []
    spans: list = []

    def row(label: str, value: str) -> None:
        rows.append([
            _wrap(label, styles.FONT_BOLD, styles.LABEL_SIZE, 0),
            _wrap(value, styles.FONT_BOLD, styles.BODY_SIZE, 1),
        ])  # fmt: skip

    if SPOTS_QUESTION in asked:
        row(rules.pattern_label, findings.acne_pattern)
    if LOCATIONS_QUESTION in asked and findings.distribution is not None:
        row(DISTRIBUTION_LABEL, findings.distribution)
    if step.slug == rules.oiliness_step:
        row(
            rules.oiliness_label,
            f"Score {findings.oiliness_score} of {findings.oiliness_max} "
            f"({findings.oiliness_category})",
        )
    if rules.treatments_now in asked and findings.treatments:
        spans.append(len(rows) + 1)
        rows.append([_treatments_table(findings.treatments), ""])
        if findings.isotretinoin_stopped:
            row(ISOTRETINOIN_STOPPED_LABEL, findings.isotretinoin_stopped)
        if findings.isotretinoin_relapse:
            row(ISOTRETINOIN_RELAPSE_LABEL, findings.isotretinoin_relapse)
    if not rows:
        return [], []
    return rows, styles.finding_rows(len(rows), spans)


def _treatments_table(treatments: Sequence[TreatmentRow]) -> Table:
    """Each treatment used now or before: now, before, and how well it worked."""

    def cell(text: str, column: int, font: str = styles.FONT) -> str:
        width = styles.TREATMENT_COLUMNS[column] - 2 * styles.CELL_PADDING_X
        return _lines(text, font, styles.TREATMENT_SIZE, width)

    def yes_no(used: bool) -> str:
        return "Yes" if used else "No"

    rows = [[cell(text, n, styles.FONT_BOLD) for n, text in enumerate(TREATMENT_HEADINGS)]]
    rows += [
        [
            cell(t.name, 0),
            cell(yes_no(t.now), 1),
            cell(yes_no(t.before), 2),
            cell(t.response or NOT_PROVIDED, 3),
        ]
        for t in treatments
    ]
    return Table(rows, colWidths=styles.TREATMENT_COLUMNS, style=styles.TREATMENT_TABLE)


def _relevant_passages(documents: Iterable, answers: dict, assessment: Assessment):
    """For each document with rules for the answers' version and a passage relevant to this
    patient: its heading, its evidence note, then the passages in source order."""
    version = assessment.questionnaire.version
    sections = []
    for document in documents:
        rule_set = document.rules_for(version)
        if rule_set is None:
            continue
        passages = content.select_passages(document, answers, assessment)
        if passages:
            sections.append(_document_passages(rule_set, passages))
    if not sections:
        rows, style = [[PASSAGES_HEADING]], list(styles.PASSAGE_TABLE)
        style += _line_style(styles.PASSAGE_NOTE, 1)
        rows.append([NO_PASSAGES_TEXT])
        sections.append(_section_table(rows, (styles.FRAME_WIDTH,), style))
    return sections


def _document_passages(rule_set: content.RuleSet, passages) -> Table:
    rows, style = [[rule_set.heading]], list(styles.PASSAGE_TABLE)

    def add(line: styles.Line, text: str) -> None:
        style.extend(_line_style(line, len(rows)))
        rows.append([_lines(text, line.font, line.size, styles.FRAME_WIDTH - line.indent - 6)])

    def together(first: int) -> None:
        style.append(("NOSPLIT", (0, first), (0, len(rows) - 1)))

    note = rule_set.note
    label = "Evidence note"
    if note.updated is not None:
        label += f" (updated {questionnaire.date_text(note.updated)})"
    add(styles.EVIDENCE_NOTE_LABEL, label)
    add(styles.EVIDENCE_NOTE, note.text)
    together(1)
    for passage in passages:
        first = len(rows)
        add(styles.PASSAGE_TEXT, passage.text)
        for mark in passage.marks:  # the evidence mark first, then those the answers raise
            add(styles.PASSAGE_MARK, mark)
        if passage.because is not None:  # None: quoted for every patient
            add(styles.PASSAGE_REASON, passage.because)
        together(first)
    return _section_table(rows, (styles.FRAME_WIDTH,), style)


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
        """The tall row that straddles the foot of the page, if enough of it fits to split. A
        row holding a table (the treatments finding) is never split: it moves whole."""
        used = 0
        for row, height in enumerate(self._rowHeights):
            if used + height > availHeight:
                fits = availHeight - used >= styles.MIN_ROW_SPLIT
                nested = any(isinstance(cell, Table) for cell in self._cellvalues[row])
                return row if height > styles.TALL_ROW and fits and not nested else None
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


def _answer_row(q: Question, value, points: int | None = None) -> list:
    label = _wrap(q.label, styles.FONT, styles.LABEL_SIZE, 0)
    return [
        label,
        _answer_cell(q, value, lambda line: _wrap(line, styles.FONT, styles.BODY_SIZE, 1), points),
    ]


def _answer_cell(q: Question, value, wrap: Callable[[str], str], points: int | None = None):
    """An answer as a table cell: the patient's own words in a Paragraph (it wraps anything),
    our wording (options, dates) as lines that `wrap` breaks to the column; an oiliness answer
    with the points it scored."""
    if value is None or value == "" or value == []:
        return NOT_PROVIDED
    if q.kind in (Kind.TEXT, Kind.LONG_TEXT):
        return Paragraph(_markup(value), styles.ANSWER)
    if q.kind is Kind.ANY_OF:
        lines = [q.option_label(option) for option in value]
    else:
        lines = [questionnaire.answer_text(q, value)]
    if points is not None:
        lines[-1] += f" ({points} point{'' if points == 1 else 's'})"
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
