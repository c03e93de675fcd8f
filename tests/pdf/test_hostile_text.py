"""Patient text is data: whatever is typed prints literally, runs nothing, fetches nothing, and
is never cut, however long."""

from __future__ import annotations

import socket

import pytest

from tests import factories

# Every question a patient types into. The disease named is printed twice: as its answer, and
# in "Raised by" of the flag it raises.
DISEASE = "nerve_muscle_disease"
MAX_LENGTH = {
    "full_name": 100,
    "treatment_notes": 1000,
    "other_medicines": 1000,
    "allergies": 1000,
    "questions_for_dermatologist": 2000,
    DISEASE: 200,
}
FREE_TEXT = tuple(MAX_LENGTH)
PRINTED_TIMES = {field: 2 if field == DISEASE else 1 for field in FREE_TEXT}
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


def answers(**texts) -> dict:
    """Answers with these typed texts; naming a nerve or muscle disease ticks its condition."""
    if DISEASE in texts:
        texts["conditions"] = ["other_nerve_muscle"]
    return factories.answers(**texts)


@pytest.mark.parametrize("field", FREE_TEXT)
@pytest.mark.parametrize("text", LITERAL.values(), ids=LITERAL.keys())
def test_text_prints_literally(render, field, text):
    pdf = render(answers(**{field: text}))

    assert pdf.flat.count(flat(text)) == PRINTED_TIMES[field]
    assert MISSING_GLYPH not in pdf.text


@pytest.mark.parametrize("field", FREE_TEXT)
def test_cve_2023_33733_payload_prints_and_runs_nothing(render, tmp_path, field):
    proof = tmp_path / "pwned"
    payload = CVE_2023_33733.replace("PROOF", str(proof))

    pdf = render(answers(**{field: payload}))

    assert not proof.exists()
    assert pdf.flat.count(flat(payload)) == PRINTED_TIMES[field]


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
    assert pdf.flat.count(flat(payload)) == PRINTED_TIMES[field]
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

    lines = pdf.lines
    assert "First line" in lines
    assert "Second line" in lines
    assert "Third <br/> line" in lines


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
    assert pdf.flat.count(replaced) == PRINTED_TIMES[field]


def long_word(length: int) -> str:
    """One word with numbered pieces, so a lost or repeated piece shows: w0000w0001..."""
    return "".join(f"w{i:04d}" for i in range(length // 5 + 1))[:length]


@pytest.mark.parametrize("field", [field for field in FREE_TEXT if field != DISEASE])
def test_a_word_as_long_as_the_field_wraps_and_loses_nothing(render, field):
    word = long_word(MAX_LENGTH[field])

    pdf = render(answers(**{field: word}))

    assert word in pdf.flat
    pieces = [line for line in pdf.lines if len(line) > 5 and line in word]
    assert sum(map(len, pieces)) == len(word)
    assert len(pieces) >= len(word) // 80  # wrapped: no line is wider than the column
    assert max(map(len, pieces)) <= 80


def test_a_disease_name_as_long_as_the_field_wraps_in_its_answer_and_in_raised_by(render):
    word = long_word(MAX_LENGTH[DISEASE])

    pdf = render(answers(**{DISEASE: word}))

    assert pdf.flat.count(word) == 2
    assert f"Anothernerveormuscledisease({word})" in pdf.flat  # Raised by
    assert max(len(line) for line in pdf.lines if word[:5] in line or line in word) <= 100


def test_every_field_at_its_maximum_length_loses_nothing(render):
    texts = {
        "full_name": ("Αλέξανδρος Παπαδόπουλος-Nguyễn & <b>Анна</b> " * 3)[:100],
        "treatment_notes": ("Doxycycline 100 mg <daily> & adapalene 0.1%;\n" * 30)[:1000],
        "other_medicines": ('Zinc <b>50 mg</b> & "vitamin D" → daily;\n' * 40)[:1000],
        "allergies": ('Penicillin → rash; latex & "elastoplast"; <i>nuts</i>\n' * 30)[:1000],
        "questions_for_dermatologist": (
            "Is it safe with my pill? What does it cost & how long? " * 60
        )[:2000],
        DISEASE: ("Hereditary <neuropathy> & myopathy; Ωμέγα " * 6)[:200],
    }
    assert all(len(texts[field]) == MAX_LENGTH[field] for field in FREE_TEXT)

    pdf = render(answers(**texts))

    for field in FREE_TEXT:
        assert pdf.flat.count(flat(texts[field])) == PRINTED_TIMES[field], field
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
