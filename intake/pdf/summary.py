"""The clinician's pre-consultation summary (SPEC section 6): plain data in, PDF bytes out."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Table,
)

from intake import content, questionnaire
from intake.assessment import (
    CONSIDERATIONS_HEADING,
    NO_CONSIDERATIONS_TEXT,
    NO_FLAGS_TEXT,
    Assessment,
    Flag,
    assess,
)
from intake.pdf import drawings, styles
from intake.questionnaire import Kind, Level, Question, Questionnaire

TITLE = "Pre-consultation summary: acne and botulinum toxin"
FOOTER_NOTICE = "Patient-reported information: confirm at consultation"
NOT_PROVIDED = "Not provided"
CONTINUED = "\n(continued)"
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

    return _build(data, q, _story(data, q, answers, assessment, submitted_at, documents))


def _story(data, q, answers, assessment, submitted_at, documents) -> list:
    """Page 1, the consult sheet; then every answer; then the relevant passages."""
    return [
        *_consult_sheet(data, q, answers, assessment, submitted_at, documents),
        PageBreak(),
        Paragraph(ALL_ANSWERS_HEADING, styles.TITLE),
        *(element for step in q.steps for element in _answers_section(step, answers, assessment)),
        *_relevant_passages(documents, answers, assessment),
    ]


def _build(data: SummaryInput, q: Questionnaire, story: list) -> bytes:
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


class _PageMark(Flowable):
    """Takes no room; tells the canvas the page it lands on (where a text that page 1 cuts
    short goes on)."""

    def __init__(self, key: str):
        super().__init__()
        self.key = key
        self.width = self.height = 0

    def wrap(self, availWidth, availHeight):
        return 0, 0

    def draw(self):
        self.canv.marks.setdefault(self.key, self.canv.getPageNumber())


class _ContinuedNote(Flowable):
    """A line "(continued on page N)" whose N is the page a _PageMark with the same key lands
    on, later in the document: the canvas writes it when every page is known, as it does "Page
    N of M", so the document is built once."""

    TEXT = "(continued on page {page})"

    def __init__(self, key: str):
        super().__init__()
        self.key = key

    def wrap(self, availWidth, availHeight):
        self.width, self.height = availWidth, styles.SHEET_LEADING
        return self.width, self.height

    def draw(self):
        x, y = self.canv.absolutePosition(0, 2)
        self.canv.notes.append((self.canv.getPageNumber(), x, y, self.key))


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
        self.marks: dict[str, int] = {}  # key -> the page its _PageMark landed on
        self.notes: list[tuple[int, float, float, str]] = []  # _ContinuedNote: page, x, y, key

    def showPage(self):
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._held_pages)
        for number, page in enumerate(self._held_pages, start=1):
            self.__dict__.update(page)
            self._draw_notes(number)
            self._draw_footer(number, total)
            super().showPage()
        super().save()

    def _draw_notes(self, number: int) -> None:
        for page, x, y, key in self.notes:
            if page == number:
                self.setFillColor(styles.INK)
                self.setFont(styles.FONT_BOLD, styles.SHEET_SIZE)
                self.drawString(x, y, _ContinuedNote.TEXT.format(page=self.marks[key]))

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


NAME_QUESTION = "full_name"  # the first step's question printed large, as the header's name
APPOINTMENT_QUESTION = "appointment_date"  # the age is at this date, or else at submission
LOCATIONS_QUESTION = "locations"
DISTRIBUTION_LABEL = "Distribution"
TREATMENT_HEADINGS = ("Treatment", "Now", "Before", "How well it worked")
ISOTRETINOIN_STOPPED_LABEL = "Isotretinoin stopped"
ISOTRETINOIN_RELAPSE_LABEL = "Acne came back after isotretinoin"


# Page 1, the consult sheet (SPEC section 6).

SHEET_FLAGS_HEADING = "Before any injection"
GLANCE_HEADING = "The acne at a glance"
TREATMENTS_HEADING = "Treatments"
NO_TREATMENTS_TEXT = "No acne treatments used now or before."
GOALS_HEADING = "Goals and questions"
EVIDENCE_HEADING = "Evidence note"
VISIT_HEADING = "At the visit"
ALL_ANSWERS_HEADING = "All answers"
SEX_QUESTION = "sex"
GOALS_QUESTION = "goals"
QUESTIONS_QUESTION = "questions_for_dermatologist"
QUESTIONS_ON_SHEET = 300  # characters of the patient's questions on page 1
# The acne's answers beside the map, in SPEC order, each with its short label.
GLANCE_FACTS = (
    ("severity", "Severity now"),
    ("duration", "Duration"),
    ("marks", "Marks or scars"),
    ("flares", "Flares"),
    ("impact", "Effect on daily life"),
    ("picking", "Picks or squeezes"),
)
BOX = "\u2610"  # a box to tick, drawn by DejaVu Sans
# The clinician's pen, in two columns: what is scored on the left, what is counted and
# planned on the right; the last row is room to write the plan.
AT_THE_VISIT = (
    (
        f"IGA   {BOX} 0    {BOX} 1    {BOX} 2    {BOX} 3    {BOX} 4",
        "Lesion counts   comedones _____   papules/pustules _____",
    ),
    (
        f"Fitzpatrick type   {BOX} I   {BOX} II   {BOX} III   {BOX} IV   {BOX} V   {BOX} VI",
        "nodules _____      Sebum reading _____________",
    ),
    (f"{BOX} Off-label consent documented", "Plan"),
    ("", ""),
)


def _consult_sheet(data, q, answers, assessment, submitted_at, documents):
    return [
        Paragraph(TITLE, styles.SHEET_TITLE),
        _sheet_header(data, q, answers, assessment, submitted_at),
        _sheet_flags(assessment),
        _at_a_glance(q, answers, assessment),
        *_sheet_treatments(assessment),
        *_sheet_considerations(assessment),
        _goals_and_questions(q, answers),
        *_evidence_and_visit(documents, assessment),
    ]


def _sheet_header(data, q, answers, assessment, submitted_at) -> Table:
    """Name; age and sex; date of birth; appointment; reference; submitted; language. The
    phone number is in All answers, not here."""
    submitted = f"{_date_text(submitted_at.date())}, {submitted_at:%H:%M} ({data.timezone})"
    on = "appointment" if answers.get(APPOINTMENT_QUESTION) else "submission"
    age = f"{assessment.findings.age} at {on}"
    if SEX_QUESTION in q.questions:
        sex = answers.get(SEX_QUESTION)
        age += f", {q.question(SEX_QUESTION).option_label(sex) if sex else NOT_PROVIDED}"
    name = Paragraph(
        markup(answers.get(NAME_QUESTION) or NOT_PROVIDED, styles.FONT_BOLD), styles.SHEET_NAME
    )
    rows = [
        ["Name", name, "Reference", data.reference],
        ["Age and sex" if SEX_QUESTION in q.questions else "Age", age, "Submitted at", submitted],
        ["Date of birth", _date_text(answers.get("date_of_birth")), "Language", data.language],
        ["Appointment date", _date_text(answers.get(APPOINTMENT_QUESTION)), "", ""],
    ]
    rows = [
        [_lines(cell, styles.FONT, styles.SHEET_SIZE, width - 8) if isinstance(cell, str) else cell
         for cell, width in zip(row, styles.SHEET_HEADER_COLUMNS, strict=True)]
        for row in rows
    ]  # fmt: skip
    return Table(rows, colWidths=styles.SHEET_HEADER_COLUMNS, style=styles.SHEET_HEADER)


def _sheet_flags(assessment: Assessment) -> Table:
    """Every safety flag, grouped by level, the level as a word, with Raised by and basis."""
    flags = assessment.flags
    if not flags:
        rows = [[SHEET_FLAGS_HEADING, ""], [NO_FLAGS_TEXT, ""]]
        style = [
            *styles.SHEET_FLAG_TABLE,
            ("SPAN", (0, 1), (-1, 1)),
            ("FONTNAME", (0, 1), (-1, 1), styles.FONT_BOLD),
            ("BOX", (0, 1), (-1, 1), 0.8, styles.INK),
        ]
        return _section_table(rows, styles.SHEET_FLAG_COLUMNS, style)
    counts = ", ".join(
        f"{level.value} {len(raised)}" for level in Level if (raised := assessment.flags_at(level))
    )
    rows, row_styles = [[f"{SHEET_FLAGS_HEADING}: {counts}", ""]], []
    width = styles.SHEET_FLAG_COLUMNS[0] - 6
    for row, flag in enumerate(flags, start=1):
        assert flag.level is not None  # a safety flag always has a level
        badge, badge_text, tint = styles.LEVEL_COLOURS[flag.level.value]
        level = _lines(flag.level.value, styles.FONT_BOLD, styles.SHEET_SIZE, width)
        rows.append([level, Paragraph(_flag_detail(flag), styles.SHEET_FLAG)])
        row_styles += [
            ("BACKGROUND", (0, row), (0, row), badge),
            ("TEXTCOLOR", (0, row), (0, row), badge_text),
            ("BACKGROUND", (1, row), (1, row), tint),
        ]
        if row > 1 and flag.level is not flags[row - 2].level:  # a new level's group begins
            row_styles += styles.level_group_rule(row)
    return _section_table(rows, styles.SHEET_FLAG_COLUMNS, [*styles.SHEET_FLAG_TABLE, *row_styles])


def _at_a_glance(q: Questionnaire, answers: dict, assessment: Assessment) -> Table:
    """The pattern and the acne's answers, the oiliness bar; beside them the location map with
    the distribution in words."""
    rules, findings = q.findings, assessment.findings
    label_width, value_width = (w - 3 for w in styles.SHEET_FACT_COLUMNS)
    facts = [[
        _lines(rules.pattern_label, styles.FONT, styles.SHEET_SMALL, label_width),
        _lines(findings.acne_pattern, styles.FONT_BOLD, styles.SHEET_SIZE, value_width),
    ]]  # fmt: skip
    for question_id, label in GLANCE_FACTS:
        if question_id in q.questions:
            question = q.question(question_id)
            facts.append([
                _lines(label, styles.FONT, styles.SHEET_SMALL, label_width),
                _answer_cell(
                    question,
                    answers.get(question_id),
                    lambda line: _lines(line, styles.FONT, styles.SHEET_SIZE, value_width),
                ),
            ])  # fmt: skip
    oiliness_step = q.step(rules.oiliness_step)
    assert oiliness_step is not None
    bar = drawings.OilinessBar(
        findings.oiliness_score,
        findings.oiliness_max,
        findings.oiliness_category,
        [(OILINESS_ITEM_NAMES.get(item.question, item.question), item.points)
         for item in findings.oiliness_items],
        styles.SHEET_HALF,
    )  # fmt: skip
    left = [
        Table(facts, colWidths=styles.SHEET_FACT_COLUMNS, style=styles.SHEET_FACTS, hAlign="LEFT"),
        bar,
    ]
    chosen = answers.get(LOCATIONS_QUESTION) or []
    distribution = findings.distribution or "Not derived in this version"
    right = [
        drawings.LocationMap(chosen, styles.SHEET_HALF),
        Paragraph(markup(f"{DISTRIBUTION_LABEL}: {distribution}", styles.FONT_BOLD),
                  styles.SHEET_TEXT),
    ]  # fmt: skip
    rows = [[GLANCE_HEADING, ""], [left, right]]
    return Table(
        rows,
        colWidths=(styles.SHEET_HALF + 4 * mm, styles.SHEET_HALF),
        # Moved whole when page 1 is full: the heading never stays behind on its own.
        style=[*styles.SHEET_PAIR, *styles.SHEET_ROW, ("NOSPLIT", (0, 0), (-1, -1))],
        hAlign="LEFT",
    )


# The oiliness items' short names on the bar (the questions' own wording is in All answers).
OILINESS_ITEM_NAMES = {
    "Two hours after washing, with no products on, how does your face feel?": "Face feel",
    "How often do you blot or wash your face because of oil during the day?": "Blotting",
    "Do your pores look enlarged?": "Pores",
    "A few hours after washing, does your face look shiny?": "Shine",
    "Does make-up or sunscreen look shiny or slide off within a few hours?": "Make-up shine",
}


def _sheet_treatments(assessment: Assessment) -> list:
    rules, findings = assessment.questionnaire.findings, assessment.findings
    if not rules.treatments:
        return []  # 2026.1 asked no treatments table's questions: its answers are in All answers
    rows: list = [[TREATMENTS_HEADING, "", "", ""]]
    style = list(styles.SHEET_TREATMENTS)
    if not findings.treatments:
        rows.append([NO_TREATMENTS_TEXT, "", "", ""])
        style.append(("SPAN", (0, 1), (-1, 1)))
        return [_section_table(rows, styles.SHEET_TREATMENT_COLUMNS, style)]

    def cell(text: str, column: int, font: str = styles.FONT) -> str:
        return _lines(text, font, styles.SHEET_SIZE, styles.SHEET_TREATMENT_COLUMNS[column] - 6)

    rows.append([cell(text, n, styles.FONT_BOLD) for n, text in enumerate(TREATMENT_HEADINGS)])
    rows += [
        [cell(t.name, 0), cell("Yes" if t.now else "No", 1), cell("Yes" if t.before else "No", 2),
         cell(t.response or NOT_PROVIDED, 3)]
        for t in findings.treatments
    ]  # fmt: skip
    if findings.isotretinoin_stopped:
        relapse = findings.isotretinoin_relapse or NOT_PROVIDED
        line = (
            f"{ISOTRETINOIN_STOPPED_LABEL}: {findings.isotretinoin_stopped}. "
            f"{ISOTRETINOIN_RELAPSE_LABEL}: {relapse}."
        )
        style.append(("SPAN", (0, len(rows)), (-1, len(rows))))
        rows.append(
            [_lines(line, styles.FONT, styles.SHEET_SIZE, styles.FRAME_WIDTH - 6), "", "", ""]
        )
    return [_section_table(rows, styles.SHEET_TREATMENT_COLUMNS, style)]


def _sheet_considerations(assessment: Assessment) -> list:
    if not assessment.questionnaire.considerations:
        return []
    rows: list = [[CONSIDERATIONS_HEADING]]
    if assessment.considerations:
        rows += [[Paragraph(_flag_detail(c), styles.SHEET_FLAG)] for c in assessment.considerations]
    else:
        rows.append([NO_CONSIDERATIONS_TEXT])
    style = [
        *styles.SHEET_BOX,
        ("BOX", (0, 1), (-1, -1), 0.8, styles.INK),
        ("LINEBELOW", (0, 1), (-1, -2), 0.3, styles.RULE),
    ]
    return [_section_table(rows, (styles.FRAME_WIDTH,), style)]


def _goals_and_questions(q: Questionnaire, answers: dict) -> Table:
    goals = answers.get(GOALS_QUESTION)
    goals_text = (
        ", ".join(q.question(GOALS_QUESTION).option_label(g) for g in goals)
        if goals
        else NOT_PROVIDED
    )
    asked = answers.get(QUESTIONS_QUESTION) or ""
    shown = markup(asked[:QUESTIONS_ON_SHEET]) if asked else NOT_PROVIDED
    questions: list = [Paragraph(f"<b>Questions:</b> {shown}", styles.SHEET_TEXT)]
    if len(asked) > QUESTIONS_ON_SHEET:
        questions[0] = Paragraph(f"<b>Questions:</b> {shown}\u2026", styles.SHEET_TEXT)
        questions.append(_ContinuedNote("questions"))
    rows = [
        [GOALS_HEADING],
        [Paragraph(f"<b>Goals:</b> {markup(goals_text)}", styles.SHEET_TEXT)],
        [questions],
    ]
    return _section_table(rows, (styles.FRAME_WIDTH,), styles.SHEET_BOX)


def _evidence_and_visit(documents, assessment: Assessment) -> list:
    """The evidence note (of the first document with rules for the version), then the box for
    the clinician's pen."""
    version = assessment.questionnaire.version
    note = next(
        (rules.note for d in documents if (rules := d.rules_for(version)) is not None), None
    )
    sections = []
    if note is not None:
        heading = EVIDENCE_HEADING
        if note.updated is not None:
            heading += f" (updated {questionnaire.date_text(note.updated)})"
        text = Paragraph(f"<b>{heading}</b>  {markup(note.text)}", styles.SHEET_FLAG)
        sections.append(Table([[text]], colWidths=(styles.FRAME_WIDTH,), style=styles.SHEET_NOTE))
    rows = [[VISIT_HEADING, ""], *([left, right] for left, right in AT_THE_VISIT)]
    widths = (styles.FRAME_WIDTH / 2, styles.FRAME_WIDTH / 2)
    sections.append(_section_table(rows, widths, styles.SHEET_VISIT_BOX))
    return sections


def _flag_detail(flag: Flag) -> str:
    """A flag's or consideration's text, then what raised it and its basis run on (page 1 is
    one page), as Paragraph markup. "Raised by" can quote the patient (the nerve or muscle
    disease they named): escaped."""
    return (
        f'<font name="{styles.FONT_BOLD}" size="{styles.SHEET_FLAG_TEXT_SIZE}">'
        f"{markup(flag.text, styles.FONT_BOLD)}</font>"
        f"<br/><b>Raised by:</b> {markup('; '.join(flag.raised_by))}"
        f"  <b>Basis:</b> {markup(flag.basis)}"
    )


def _answers_section(step: questionnaire.Step, answers: dict, assessment: Assessment):
    """One step's questions that apply, each with its full wording and its answer (or "Not
    provided"); an oiliness answer with its points. The patient's questions note the page they
    are on, for page 1 to say where they go on."""
    rows = [[step.title, ""]]
    points = {}
    if step.slug == assessment.questionnaire.findings.oiliness_step:
        points = {item.question: item.points for item in assessment.findings.oiliness_items}
    for q in step.visible_questions(answers):
        row = _answer_row(q, answers.get(q.id), points.get(q.label))
        if q.id == QUESTIONS_QUESTION and answers.get(q.id):
            row[1] = [_PageMark("questions"), row[1]]
        rows.append(row)
    return [_section_table(rows, styles.ANSWER_COLUMNS, styles.ANSWER_TABLE)]


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
        return Paragraph(markup(value), styles.ANSWER)
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


def markup(text: str, font: str = styles.FONT) -> str:
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
