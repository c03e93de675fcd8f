"""The consult sheet's drawings (SPEC section 6, page 1, item 3): the location map and the
oiliness bar, read back as text and as pixels, the way a clinician reads a printout."""

from __future__ import annotations

import io
from datetime import date

import pypdf
import pytest
from PIL import Image
from pypdf.generic import ContentStream
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate, Table

from intake import questionnaire
from intake.assessment import FACE, OILINESS_CATEGORIES, TRUNK, derive_findings
from intake.pdf import styles
from intake.pdf.drawings import (
    AREAS,
    SELF_REPORTED,
    LocationMap,
    OilinessBar,
    location_map,
)
from tests import factories
from tests.pdf.conftest import PAGE_DPI, page_image

ITEMS = (("Face feel", 2), ("Blotting", 3), ("Pores", 1), ("Shine", 0))
ITEMS_LINE = "Face feel 2 \u00b7 Blotting 3 \u00b7 Pores 1 \u00b7 Shine 0"
DPI = PAGE_DPI  # the pixels per inch page_image renders at
ORIGIN = (40.0, 300.0)  # where a drawing sits on its test page, points from the bottom left
DARK, LIGHT = 180, 230  # luminance: a shaded area is below DARK, a plain one above LIGHT


def oiliness_bar(score=6, category="Oily", items=ITEMS, width=85 * mm, maximum=9) -> OilinessBar:
    return OilinessBar(score, maximum, category, items, width)


def build(*flowables) -> bytes:
    """A one-page A4 PDF with these flowables side by side in a table, as the consult sheet
    would place them, with the summary's settings (embedded font, invariant)."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=styles.PAGE_SIZE,
        leftMargin=styles.MARGIN_X,
        rightMargin=styles.MARGIN_X,
        initialFontName=styles.FONT,
        invariant=1,
    )
    document.build([Table([list(flowables)], hAlign="LEFT")])
    return buffer.getvalue()


def draw_at_origin(flowable) -> bytes:
    """A one-page PDF with the flowable drawn at ORIGIN."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=styles.PAGE_SIZE, invariant=1)
    flowable.wrapOn(canvas, styles.FRAME_WIDTH, styles.PAGE_HEIGHT)
    flowable.drawOn(canvas, *ORIGIN)
    canvas.save()
    return buffer.getvalue()


def luminance(image: Image.Image, point: tuple[float, float]) -> int:
    """The grey level (0 black, 255 white) at a point of the drawing at ORIGIN."""
    x, y = ORIGIN[0] + point[0], ORIGIN[1] + point[1]
    return image.getpixel((int(x * DPI / 72), int((styles.PAGE_HEIGHT - y) * DPI / 72)))


def text_of(data: bytes) -> str:
    (page,) = pypdf.PdfReader(io.BytesIO(data)).pages
    return page.extract_text()


# The location map


def test_the_areas_are_the_options_of_every_questionnaire_version():
    for version in questionnaire.VERSIONS.values():
        options = version.question("locations").options
        assert {option.id: str(option.label) for option in options} == AREAS
    assert tuple(AREAS) == FACE + TRUNK


def test_the_map_fits_its_place_on_page_1():
    drawing = LocationMap([], 87 * mm)
    width, height = drawing.wrap(styles.FRAME_WIDTH, styles.PAGE_HEIGHT)
    assert width == pytest.approx(87 * mm)
    assert 35 * mm < height <= 45 * mm
    assert location_map(["nose"]).wrap(0, 0) == LocationMap(["nose"]).wrap(0, 0)


def test_every_area_is_labelled_in_words_found_by_text_extraction():
    text = text_of(build(LocationMap(["cheeks", "back"], 87 * mm)))
    for label in (*AREAS.values(), "Front", "Back"):
        assert label in text
    assert "Shaded: chosen by the patient" in text


def test_the_labels_of_chosen_areas_are_bold():
    data = build(LocationMap(["cheeks", "chin_jawline", "shoulders"], 87 * mm))
    fonts: dict[str, str] = {}

    def visit(text, cm, tm, font, size):
        if text.strip() and font is not None:
            fonts[text.strip()] = font["/BaseFont"].split("+")[-1]

    pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    bold = {"Cheeks", "Chin and jawline", "Shoulders"}
    for label in AREAS.values():
        expected = styles.FONT_BOLD if label in bold else styles.FONT
        assert fonts[label] == expected, label


def test_the_drawings_are_vector_graphics_not_images():
    data = build(LocationMap(list(AREAS), 87 * mm), oiliness_bar(width=65 * mm))
    reader = pypdf.PdfReader(io.BytesIO(data))
    (page,) = reader.pages
    assert "/XObject" not in page["/Resources"]
    operators = {operator for _, operator in ContentStream(page.get_contents(), reader).operations}
    assert b"Do" not in operators and b"INLINE IMAGE" not in operators
    assert {b"c", b"S", b"B*", b"Tj"} <= operators  # curves, stroked and filled, and text


def test_an_unknown_area_is_refused():
    with pytest.raises(ValueError, match="elbow"):
        LocationMap(["nose", "elbow"])
    with pytest.raises(ValueError):
        LocationMap("nose")  # a string is not a list of areas


CHOICES = {
    "none": [],
    "all": list(AREAS),
    "face only": list(FACE),
    "trunk only": list(TRUNK),
    **{f"only {area}": [area] for area in AREAS},
    "forehead, nose and back": ["back", "nose", "forehead"],
}


@pytest.mark.parametrize("chosen", CHOICES.values(), ids=CHOICES.keys())
def test_chosen_areas_are_shaded_and_the_others_white(tmp_path, chosen):
    drawing = LocationMap(chosen, 87 * mm)
    image = page_image(draw_at_origin(drawing), tmp_path)
    for area, points in drawing.area_samples().items():
        for point in points:
            level = luminance(image, point)
            if area in chosen:
                assert level < DARK, f"{area} at {point} is not shaded ({level})"
            else:
                assert level > LIGHT, f"{area} at {point} is not white ({level})"


@pytest.mark.parametrize("shift", [0.0, 0.25, 0.5], ids=["on the grid", "1/4 pt", "1/2 pt"])
@pytest.mark.parametrize("width", [87 * mm, 85 * mm], ids=["87 mm", "85 mm"])
def test_the_sample_points_are_clear_of_every_line(tmp_path, shift, width):
    """Wherever the map lands on the pixel grid, the 3 by 3 pixels around each sample point all
    read as the area's own fill: sampling a rendered page reads the area, not an outline."""
    for chosen, shaded in ((list(AREAS), True), ([], False)):
        drawing = LocationMap(chosen, width)
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=styles.PAGE_SIZE, invariant=1)
        drawing.wrapOn(canvas, styles.FRAME_WIDTH, styles.PAGE_HEIGHT)
        drawing.drawOn(canvas, ORIGIN[0] + shift, ORIGIN[1] + shift)
        canvas.save()
        folder = tmp_path / str(shaded)
        folder.mkdir()
        image = page_image(buffer.getvalue(), folder)
        for area, points in drawing.area_samples().items():
            for x, y in points:
                column = round((ORIGIN[0] + shift + x) * DPI / 72)
                row = round((styles.PAGE_HEIGHT - ORIGIN[1] - shift - y) * DPI / 72)
                levels = [
                    image.getpixel((column + dx, row + dy))
                    for dx in (-1, 0, 1)
                    for dy in (-1, 0, 1)
                ]
                if shaded:
                    assert max(levels) < DARK, (area, x, y, levels)
                else:
                    assert min(levels) > LIGHT, (area, x, y, levels)


@pytest.mark.parametrize("width", [70 * mm, 120 * mm], ids=["70 mm", "120 mm"])
def test_the_area_points_scale_with_the_width(tmp_path, width):
    drawing = LocationMap(["cheeks", "chest", "shoulders"], width)
    assert drawing.wrap(0, 0)[0] == pytest.approx(width)
    image = page_image(draw_at_origin(drawing), tmp_path)
    points = drawing.area_points()
    assert points.keys() == AREAS.keys()
    for area, point in points.items():
        level = luminance(image, point)
        assert level < DARK if area in ("cheeks", "chest", "shoulders") else level > LIGHT, area


# The oiliness bar


def test_the_bar_fits_its_place_on_page_1():
    width, height = oiliness_bar().wrap(styles.FRAME_WIDTH, styles.PAGE_HEIGHT)
    assert width == pytest.approx(85 * mm)
    assert 18 * mm <= height <= 25 * mm


def test_the_bar_reads_as_text():
    text = text_of(build(oiliness_bar()))
    assert "Score 6 of 9: Oily" in text
    assert SELF_REPORTED in text
    assert ITEMS_LINE in text
    for category in OILINESS_CATEGORIES:
        assert category in text
    for number in range(10):
        assert str(number) in text


@pytest.mark.parametrize("score", [0, 5, 9])
def test_the_marker_is_at_the_score(score):
    category = {0: "Not oily", 5: "Oily", 9: "Very oily"}[score]
    items = (("Face feel", min(score, 3)), ("Blotting", max(score - 3, 0)))
    bar = oiliness_bar(score, category, items)
    assert bar.marker_x == pytest.approx(bar.bar_left + (bar.bar_right - bar.bar_left) * score / 9)
    assert bar.marker_x == pytest.approx(bar.x_of(score))
    assert 0 <= bar.bar_left < bar.bar_right <= bar.width


def test_the_marker_is_drawn_where_marker_x_says(tmp_path):
    bar = oiliness_bar(5, "Oily", (("Face feel", 2), ("Blotting", 3)))
    image = page_image(draw_at_origin(bar), tmp_path)
    above_the_bar = bar.bar_top + 2.5
    assert luminance(image, (bar.marker_x, above_the_bar)) < DARK
    for other in (0, 2, 8):
        assert luminance(image, (bar.x_of(other), above_the_bar)) > LIGHT


@pytest.mark.parametrize(
    ("score", "maximum", "category", "items", "message"),
    [
        (-1, 9, "Not oily", (), "outside 0 to 9"),
        (10, 9, "Very oily", (), "outside 0 to 9"),
        (6, 0, "Oily", (), "at least 1"),
        (6, 9, "Very oily", (), "is 'Oily'"),
        (6, 9, "Greasy", (), "is 'Oily'"),
        (6, 9, "Oily", ITEMS[:2], "add up"),
    ],
)
def test_a_score_that_cannot_be_drawn_is_refused(score, maximum, category, items, message):
    with pytest.raises(ValueError, match=message):
        OilinessBar(score, maximum, category, items, 85 * mm)


@pytest.mark.parametrize(
    ("face_feel", "blotting", "pores", "shine"),
    [
        ("tight_dry", "never", "no", "no"),
        ("normal", "once", "no", "no"),
        ("normal", "once", "nose_only", "no"),
        ("oily_forehead_nose", "once", "nose_only", "no"),
        ("oily_forehead_nose", "once", "nose_only", "yes"),
        ("oily_all_over", "once", "nose_only", "yes"),
        ("oily_all_over", "two_or_three", "nose_only", "yes"),
        ("oily_all_over", "more_than_three", "nose_and_cheeks", "yes"),
    ],
)
def test_the_bands_agree_with_the_assessment(face_feel, blotting, pores, shine):
    answers = factories.answers(face_feel=face_feel, blotting=blotting, pores=pores, shine=shine)
    findings = derive_findings(answers, date(2026, 11, 26))
    items = [(item.question, item.points) for item in findings.oiliness_items]
    bar = OilinessBar(
        findings.oiliness_score, findings.oiliness_max, findings.oiliness_category, items, 85 * mm
    )
    assert f"Score {findings.oiliness_score} of 9: {findings.oiliness_category}" == bar.title


def test_long_items_wrap_and_the_note_goes_beside_the_score_when_there_is_room():
    narrow = oiliness_bar(items=[(f"A long item label {n}", 0) for n in range(6)] + [("x", 6)])
    assert len(narrow.item_lines) > 1
    assert not narrow.note_beside
    wide = oiliness_bar(width=170 * mm)
    assert wide.note_beside
    assert wide.wrap(0, 0)[1] < oiliness_bar().wrap(0, 0)[1]
    assert SELF_REPORTED in text_of(build(wide))


# Both


def test_the_same_drawings_give_the_same_bytes():
    def render(chosen):
        return build(LocationMap(chosen, 87 * mm), oiliness_bar(width=65 * mm))

    first = render(["back", "nose", "forehead"])
    assert render(["back", "nose", "forehead"]) == first
    assert render(["forehead", "nose", "back"]) == first
    assert render(["forehead", "nose"]) != first
