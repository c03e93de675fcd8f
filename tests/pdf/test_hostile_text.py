"""Patient text is data: whatever is typed prints literally, runs nothing, fetches nothing, and
is never cut, however long: in All answers, and on the consult sheet (page 1) where it is shown
there too."""

from __future__ import annotations

import socket

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from intake.pdf import styles
from tests import factories

# Every question a patient types into. Each is printed in All answers; three are on the consult
# sheet too: the name in the header, the disease named in "Raised by" of the flag it raises, and
# the first 300 characters of the patient's questions.
NAME = "full_name"
DISEASE = "nerve_muscle_disease"
QUESTIONS = "questions_for_dermatologist"
MAX_LENGTH = {
    NAME: 100,
    "treatment_notes": 1000,
    "other_medicines": 1000,
    "allergies": 1000,
    QUESTIONS: 2000,
    DISEASE: 200,
}
FREE_TEXT = tuple(MAX_LENGTH)
QUESTIONS_ON_SHEET = 300
CUT_SHORT = "\u2026"  # after the first 300 characters
# Written by the canvas once every page is known (as "Page N of M" is): last in the page's text.
CONTINUED = "(continuedonpage"
MISSING_GLYPH = "\ufffd"

# The shape of CVE-2023-33733: ReportLab < 3.6.13 evaluated a <font color> attribute as Python.
CVE_2023_33733 = (
    "<para><font color=\"[ [ getattr(pow, Word('__globals__'))['os'].system('touch PROOF') "
    "for Word in [ orgTypeFun( 'Word', (str,), { 'mutated': 1, 'startswith': lambda self, x: 1 == 0, "
    "'__eq__': lambda self, x: self.mutate() and self.mutated < 0 and str(self) == x, "
    "'mutate': lambda self: {setattr(self, 'mutated', self.mutated - 1)}, "
    "'__hash__': lambda self: hash(str(self)) } ) ] ] for orgTypeFun in [type(type(1))] ] "
    "and 'red'\">exploit</font></para>"
)

LITERAL = {
    "reportlab markup": '<b>bold</b> <i>italic</i> <u>under</u> <font size="40">big</font> <para>p</para> <br/>',
    "unbalanced tags": "<i>never closed <b> </font> <para",
    "entities": "Fish & chips &amp; &lt;tag&gt; &#169; &nbsp; &unknown; A&B",
    "quotes and backslashes": "\"double\" 'single' \\ \\n `tick` ${x} {{ y }} %s",
    "greek, cyrillic, vietnamese": "Αλέξανδρος — Анна — Nguyễn Thị Minh Khai",
    "emoji the font can draw": "Feeling \U0001f600 about it \u263a \u2764",
}


def flat(text: str) -> str:
    return "".join(text.split())


def on_sheet(field: str, text: str) -> str | None:
    """What the consult sheet prints of a typed text (None: nothing)."""
    if field == QUESTIONS:
        return text[:QUESTIONS_ON_SHEET]
    return text if field in (NAME, DISEASE) else None


def assert_printed_whole(pdf, field: str, text: str) -> None:
    """The text once in All answers, whole; on the sheet once, as much of it as the sheet shows
    (the patient's questions say where they continue); nowhere else."""
    answers_part, sheet = flat(pdf.all_answers), flat(pdf.sheet)
    assert answers_part.count(flat(text)) == 1
    shown = on_sheet(field, text)
    if shown is None:
        assert flat(text) not in sheet
        assert pdf.flat.count(flat(text)) == 1
        return
    assert sheet.count(flat(shown)) == 1
    if shown != text:
        assert f"{flat(shown)}{CUT_SHORT}" in sheet
        assert sheet.count(CONTINUED) == 1
    else:
        assert pdf.flat.count(flat(text)) == 2
        if field == QUESTIONS:
            assert CONTINUED not in sheet


def answer_lines(pdf) -> list[str]:
    """The lines of All answers and the passages: the pages after the consult sheet."""
    return [
        line.strip() for page in pdf.pages[len(pdf.sheet_pages) :] for line in page.splitlines()
    ]


def sheet_lines(pdf) -> list[str]:
    return [line.strip() for page in pdf.sheet_pages for line in page.splitlines()]


def answers(**texts) -> dict:
    """Answers with these typed texts; naming a nerve or muscle disease ticks its condition."""
    if DISEASE in texts:
        texts["conditions"] = ["other_nerve_muscle"]
    return factories.answers(**texts)


@pytest.mark.parametrize("field", FREE_TEXT)
@pytest.mark.parametrize("text", LITERAL.values(), ids=LITERAL.keys())
def test_text_prints_literally(render, field, text):
    pdf = render(answers(**{field: text}))

    assert_printed_whole(pdf, field, text)
    assert MISSING_GLYPH not in pdf.text


@pytest.mark.parametrize("field", FREE_TEXT)
def test_cve_2023_33733_payload_prints_and_runs_nothing(render, tmp_path, field):
    proof = tmp_path / "pwned"
    payload = CVE_2023_33733.replace("PROOF", str(proof))

    pdf = render(answers(**{field: payload}))

    assert not proof.exists()
    assert len(payload) > QUESTIONS_ON_SHEET  # the questions' first 300 characters on page 1
    assert_printed_whole(pdf, field, payload)


@pytest.fixture
def connections(monkeypatch):
    """Every network connection attempted while rendering (none is let through)."""
    attempts = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


@pytest.mark.parametrize("field", FREE_TEXT)
def test_img_tag_prints_and_fetches_nothing(render, connections, field):
    payload = '<img src="http://127.0.0.1:9/x" width="400" height="400"/> and <img src="file:///etc/passwd"/>'

    pdf = render(answers(**{field: payload}))

    assert connections == []
    assert_printed_whole(pdf, field, payload)
    assert "root:" not in pdf.text


def test_an_img_that_reached_reportlab_could_still_fetch_nothing(connections):
    """The second lock: even unescaped, the trusted-hosts setting refuses every URL."""
    from reportlab.lib.utils import open_for_read

    import intake.pdf.styles  # noqa: F401  (sets ReportLab's trusted hosts)

    with pytest.raises(OSError):
        open_for_read("http://127.0.0.1:9/x")
    assert connections == []


@pytest.mark.parametrize("field", FREE_TEXT)
def test_newlines_break_lines_and_only_newlines(render, field):
    pdf = render(answers(**{field: "First line\nSecond line\r\nThird <br/> line"}))

    lines = answer_lines(pdf)
    assert "First line" in lines
    assert "Second line" in lines
    assert "Third <br/> line" in lines
    if on_sheet(field, "text"):  # on the sheet too, its own line there as well
        assert "Second line" in sheet_lines(pdf)
        assert "Third <br/> line" in " ".join(sheet_lines(pdf))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("שלום עולם", "שלום עולם"),
        ("مرحبا بالعالم", "مرحبا بالعالم"),
    ],
    ids=["hebrew", "arabic"],
)
@pytest.mark.parametrize("field", FREE_TEXT)
def test_right_to_left_text_keeps_every_character(render, field, text, expected):
    # ReportLab lays out right-to-left text only with the rlbidi package, which is not on PyPI
    # for this platform: the letters are kept, and a reader may return them in either direction.
    pdf = render(answers(**{field: f"Name: {text}."}))

    assert flat(expected) in pdf.flat or flat(expected)[::-1] in pdf.flat
    assert "Name:" in pdf.text


@pytest.mark.parametrize("field", FREE_TEXT)
def test_characters_the_font_lacks_print_as_a_replacement_mark_not_nothing(render, field):
    pdf = render(answers(**{field: "Thumbs \U0001f44d up, \x00\x1b done"}))

    replaced = f"Thumbs{MISSING_GLYPH}up,{MISSING_GLYPH}{MISSING_GLYPH}done"
    assert_printed_whole(pdf, field, replaced)


def long_word(length: int) -> str:
    """One word with numbered pieces, so a lost or repeated piece shows: w0000w0001..."""
    return "".join(f"w{i:04d}" for i in range(length // 5 + 1))[:length]


# Where each typed text is on the consult sheet: (font, size, width of its column).
SHEET_COLUMNS = {
    NAME: (styles.FONT_BOLD, styles.SHEET_NAME.fontSize, styles.SHEET_HEADER_COLUMNS[1] - 8),
    QUESTIONS: (styles.FONT, styles.SHEET_TEXT.fontSize, styles.FRAME_WIDTH - 6),
    DISEASE: (styles.FONT, styles.SHEET_SMALL, styles.SHEET_FLAG_COLUMNS[1] - 6),
}


def assert_wrapped_on_the_sheet(pdf, field: str, word: str) -> None:
    """The word's lines on the sheet are each narrower than the column they are printed in."""
    font, size, width = SHEET_COLUMNS[field]
    pieces = [line for line in sheet_lines(pdf) if len(line) > 5 and line in word]
    assert pieces  # broken over lines
    for piece in pieces:
        assert stringWidth(piece, font, size) <= width + 0.01, piece


@pytest.mark.parametrize("field", [field for field in FREE_TEXT if field != DISEASE])
def test_a_word_as_long_as_the_field_wraps_and_loses_nothing(render, field):
    word = long_word(MAX_LENGTH[field])

    pdf = render(answers(**{field: word}))

    assert_printed_whole(pdf, field, word)
    pieces = [line for line in answer_lines(pdf) if len(line) > 5 and line in word]
    assert sum(map(len, pieces)) == len(word)
    assert len(pieces) >= len(word) // 80  # wrapped: no line is wider than the column
    assert max(map(len, pieces)) <= 80
    if field in SHEET_COLUMNS:
        assert_wrapped_on_the_sheet(pdf, field, word)
    if field == NAME:  # the header holds the whole name, nothing lost or repeated
        header = [line for line in sheet_lines(pdf) if len(line) > 5 and line in word]
        assert "".join(header) == word


def test_a_disease_name_as_long_as_the_field_wraps_in_its_answer_and_in_raised_by(render):
    word = long_word(MAX_LENGTH[DISEASE])

    pdf = render(answers(**{DISEASE: word}))

    assert_printed_whole(pdf, DISEASE, word)
    assert f"Anothernerveormuscledisease({word})" in flat(pdf.sheet)  # Raised by, on page 1
    assert max(len(line) for line in answer_lines(pdf) if line in word) <= 100
    assert_wrapped_on_the_sheet(pdf, DISEASE, word)


def test_every_field_at_its_maximum_length_loses_nothing(render):
    texts = {
        NAME: ("Αλέξανδρος Παπαδόπουλος-Nguyễn & <b>Анна</b> " * 3)[:100],
        "treatment_notes": ("Doxycycline 100 mg <daily> & adapalene 0.1%;\n" * 30)[:1000],
        "other_medicines": ('Zinc <b>50 mg</b> & "vitamin D" → daily;\n' * 40)[:1000],
        "allergies": ('Penicillin → rash; latex & "elastoplast"; <i>nuts</i>\n' * 30)[:1000],
        QUESTIONS: ("Is it safe with my pill? What does it cost & how long? " * 60)[:2000],
        DISEASE: ("Hereditary <neuropathy> & myopathy; Ωμέγα " * 6)[:200],
    }
    assert all(len(texts[field]) == MAX_LENGTH[field] for field in FREE_TEXT)

    pdf = render(answers(**texts))

    for field in FREE_TEXT:
        assert_printed_whole(pdf, field, texts[field])
    total = len(pdf.pages)
    assert all(f"Page {n} of {total}" in page for n, page in enumerate(pdf.pages, start=1))


def test_text_longer_than_a_page_continues_onto_the_next_pages(render):
    numbered_lines = "\n".join(f"{n:03d}" for n in range(1, 500))[:2000]

    pdf = render(answers(questions_for_dermatologist=numbered_lines))

    assert flat(numbered_lines) in pdf.flat
    continued = [n for n, page in enumerate(pdf.pages) if "\n400\n" in page or "\n250\n" in page]
    assert len(continued) == 2 and len(pdf.pages) > max(continued) + 1
    for number in continued:  # the rest of an answer says which question it answers
        assert "Questions for your dermatologist (continued)" in " ".join(pdf.pages[number].split())
