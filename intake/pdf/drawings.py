"""The consult sheet's two drawings (SPEC section 6, page 1, item 3), in ReportLab's own vector
graphics: no raster image, every word real text (found by text extraction), readable printed in
black and white.

- `LocationMap`: outline drawings of the face and of the front and back of the trunk, each area
  the patient chose shaded, every one of the eight areas labelled in words.
- `OilinessBar`: the self-reported oiliness score on a 0 to 9 bar with its four categories.

Both are fixed-size Flowables: they go in a frame or a table cell like any other, draw the same
bytes every time, and cost a fraction of a millisecond each.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.pathobject import PDFPathObject
from reportlab.platypus import Flowable

from intake.assessment import OILINESS_BANDS
from intake.pdf.styles import FONT, FONT_BOLD, INK, MUTED

# The eight areas of the question "locations": option id -> the label printed beside it.
AREAS = {
    "forehead": "Forehead",
    "cheeks": "Cheeks",
    "nose": "Nose",
    "chin_jawline": "Chin and jawline",
    "neck": "Neck",
    "chest": "Chest",
    "back": "Back",
    "shoulders": "Shoulders",
}

CHOSEN_FILL = colors.Color(0.55, 0.55, 0.55)  # mid grey: prints and scans as clearly not white
PLAIN_FILL = colors.white
BAND_FILL = colors.Color(0.88, 0.88, 0.88)  # every other band of the oiliness bar
FIGURE_LINE = 0.9  # the outline of the head and of the torsos
AREA_LINE = 0.5  # the outline of each area
FEATURE_LINE = 0.6  # eyes, brows, mouth, ears
LEADER_LINE = 0.4
LABEL_SIZE = 6.5

Point = tuple[float, float]
Segment = tuple[Point, ...]  # one point: a line to it; three: a Bézier curve (two controls, end)


# ---------------------------------------------------------------------------------------------
# Paths. Shapes are written in points, as (start, segments); a symmetric outline is written as
# its right half, from the axis round to the axis, and mirrored.


Shape = tuple[Point, tuple[Segment, ...]]


def _shape(start: Point, segments: Sequence[Sequence[Point]]) -> Shape:
    """A shape as nested tuples of floats: hashable, so its path is built only once."""
    return (float(start[0]), float(start[1])), tuple(
        tuple((float(x), float(y)) for x, y in segment) for segment in segments
    )


def _mirrored(start: Point, segments: Sequence[Segment]) -> Shape:
    """A closed outline from its right half: the half, then the half reversed on the left."""
    points = [start] + [segment[-1] for segment in segments]
    back: list[Segment] = []
    for index in range(len(segments) - 1, -1, -1):
        segment, begin = segments[index], points[index]
        reversed_points = (*segment[-2::-1], begin)
        back.append(tuple((-x, y) for x, y in reversed_points))
    return _shape(start, (*segments, *back))


def _flipped(start: Point, segments: Sequence[Segment]) -> Shape:
    """The same shape on the other side of the axis."""
    return _shape((-start[0], start[1]), [[(-x, y) for x, y in segment] for segment in segments])


# Paths are built once, then drawn again and again: formatting their numbers is most of what a
# drawing costs.


@functools.cache
def _path(shape: Shape, dx: float = 0, close: bool = True) -> PDFPathObject:
    start, segments = shape
    path = PDFPathObject()
    path.moveTo(start[0] + dx, start[1])
    for segment in segments:
        if len(segment) == 1:
            path.lineTo(segment[0][0] + dx, segment[0][1])
        else:
            (x1, y1), (x2, y2), (x3, y3) = segment
            path.curveTo(x1 + dx, y1, x2 + dx, y2, x3 + dx, y3)
    if close:
        path.close()
    return path


@functools.cache
def _polyline(points: tuple[Point, ...]) -> PDFPathObject:
    path = PDFPathObject()
    path.moveTo(*points[0])
    for point in points[1:]:
        path.lineTo(*point)
    return path


@functools.cache
def _ellipse(x: float, y: float, rx: float, ry: float) -> PDFPathObject:
    path = PDFPathObject()
    path.ellipse(x - rx, y - ry, 2 * rx, 2 * ry)
    path.close()
    return path


# ---------------------------------------------------------------------------------------------
# The location map, drawn at its natural size (about 87 by 39 mm) and scaled to the width asked.

MAP_WIDTH = 248.0
MAP_HEIGHT = 112.0

# The face: x from its axis, y from the map's foot.
FACE_X = 93.0
HEAD = _mirrored(
    (0, 28),
    [
        ((8, 28), (15, 32), (18, 40)),  # chin to the angle of the jaw
        ((21, 46), (23, 54), (23, 64)),  # jaw to cheekbone
        ((23, 82), (13, 93), (0, 93)),  # temple to crown
    ],
)
NECK = _shape(
    (-9, 36),
    [((-8.5, 26), (-9.5, 19), (-11, 14)), ((11, 14),), ((9.5, 19), (8.5, 26), (9, 36))],
)
RIGHT_EAR = _shape(
    (22.6, 65),
    [((27, 63.5), (28.2, 70), (27.6, 73)), ((27, 76.5), (25, 78.5), (22.9, 77))],
)
RIGHT_BROW = _shape((4.5, 68.6), [((8, 70.2), (12, 70.4), (15, 68.8))])
RIGHT_EYE = _shape(
    (5.2, 64.2),
    [((7.5, 66.5), (11.5, 66.5), (13.8, 64.2)), ((11.5, 62.4), (7.5, 62.4), (5.2, 64.2))],
)
PUPIL_X, EYE_Y = 9.5, 64.2
RIGHT_NECK_SIDE = _shape((9, 30), (((8.6, 24), (9.5, 19), (11, 14)),))
EARS = RIGHT_EAR, _flipped(*RIGHT_EAR)
BROWS = RIGHT_BROW, _flipped(*RIGHT_BROW)
EYES = RIGHT_EYE, _flipped(*RIGHT_EYE)
NECK_SIDES = RIGHT_NECK_SIDE, _flipped(*RIGHT_NECK_SIDE)
MOUTH = _shape((-6, 40.6), [((-3, 38.6), (3, 38.6), (6, 40.6))])
# Areas of the face. The forehead and the chin reach past the head and are clipped to it.
FOREHEAD = _shape(
    (-30, 69),
    [
        ((-24, 72),),
        ((-18, 83), (-10, 86), (0, 86)),  # the hairline
        ((10, 86), (18, 83), (24, 72)),
        ((30, 69),),
        ((15, 74.6), (-15, 74.6), (-30, 69)),  # above the brows
    ],
)
CHIN = _shape(
    (-30, 48),
    [
        ((-21, 48),),
        ((-16, 36), (-8, 35.5), (0, 35.5)),  # below the mouth
        ((8, 35.5), (16, 36), (21, 48)),
        ((30, 48),),
        ((30, 20),),
        ((-30, 20),),
    ],
)
RIGHT_CHEEK = _shape(
    (15, 57.5),
    [
        ((18.6, 57.5), (21.3, 54.6), (21.3, 51.5)),
        ((21.3, 48), (18.6, 45.5), (15, 45.5)),
        ((11.4, 45.5), (8.7, 48), (8.7, 51.5)),
        ((8.7, 54.6), (11.4, 57.5), (15, 57.5)),
    ],
)
LEFT_CHEEK = _flipped(*RIGHT_CHEEK)
NOSE = _mirrored(
    (0, 66),
    [
        ((1.6, 66),),
        ((2, 58), (5, 52.5), (5, 50)),
        ((5, 47.5), (3, 46.6), (0, 46.6)),
    ],
)

# The torsos: x from each one's axis, y from the map's foot.
FRONT_X, BACK_X = 148.0, 225.5
TORSO_HEAD = (101.0, 6.0, 7.3)  # height of the centre, and radii, of the head above each torso
THROAT = _shape((-2.6, 90.6), (((-1.3, 88.6), (1.3, 88.6), (2.6, 90.6)),))
TORSO = _mirrored(
    (0, 96),
    [
        ((3.6, 96),),
        ((3.9, 90),),  # the neck
        ((7.5, 88.8), (13, 88.6), (16.8, 86.6)),  # the slope of the shoulder
        ((19.6, 85), (21, 82.5), (21.2, 79)),  # the point of the shoulder
        ((21.6, 70), (22.2, 60), (22, 50)),  # the outside of the arm
        ((18, 49.5),),
        ((17.8, 58), (16.6, 66), (15.6, 72)),  # up the inside of the arm
        ((14.6, 64), (13.2, 57), (13.3, 50)),  # down the side to the waist
        ((13.4, 40), (15.5, 32), (15.2, 14)),  # the hip
        ((0, 14),),
    ],
)
RIGHT_SHOULDER = _shape(
    (4.5, 90.5),
    [
        ((8, 85.5), (14, 81.5), (23, 78.5)),
        ((30, 78.5),),
        ((30, 100),),
        ((4.5, 100),),
    ],
)
LEFT_SHOULDER = _flipped(*RIGHT_SHOULDER)
CHEST = _shape(
    (-10.5, 82),
    [
        ((-5, 84), (5, 84), (10.5, 82)),  # below the collarbones
        ((13, 79.5), (14, 76), (13.4, 72.5)),
        ((12, 67.5), (5, 66.5), (0, 69)),
        ((-5, 66.5), (-12, 67.5), (-13.4, 72.5)),
        ((-14, 76), (-13, 79.5), (-10.5, 82)),
    ],
)
BACK = _shape(
    (-10.5, 82),
    [
        ((-5, 83.5), (5, 83.5), (10.5, 82)),
        ((13.5, 79), (14.2, 73), (13.6, 66)),
        ((13, 58), (12.5, 53), (11.5, 49)),
        ((5, 46.5), (-5, 46.5), (-11.5, 49)),
        ((-12.5, 53), (-13, 58), (-13.6, 66)),
        ((-14.2, 73), (-13.5, 79), (-10.5, 82)),
    ],
)

# Labels: (area, x, baseline, align, leader end). The face's are in a column on its left; the
# trunk's between the two torsos.
FACE_LABEL_X = 63.0
TRUNK_LABEL_X = (FRONT_X + BACK_X) / 2
_LABELS: tuple[tuple[str, float, float, str, tuple[Point, ...]], ...] = (
    ("forehead", FACE_LABEL_X, 79.0, "right", ((FACE_X - 12, 81.2),)),
    ("cheeks", FACE_LABEL_X, 58.0, "right", ((FACE_X - 17, 54),)),
    ("nose", FACE_LABEL_X, 41.0, "right", ((FACE_X - 7, 43.2), (FACE_X - 2.5, 48.5))),
    ("chin_jawline", FACE_LABEL_X, 31.0, "right", ((FACE_X - 10, 33.2),)),
    ("neck", FACE_LABEL_X, 18.0, "right", ((FACE_X - 5, 20.2),)),
    ("shoulders", TRUNK_LABEL_X, 97.0, "centre", ((FRONT_X + 14, 84.5), (BACK_X - 14, 84.5))),
    ("chest", TRUNK_LABEL_X, 74.0, "centre", ((FRONT_X + 7, 76.2),)),
    ("back", TRUNK_LABEL_X, 62.0, "centre", ((BACK_X - 8, 64.2),)),
)
CAPTIONS = (("Front", FRONT_X), ("Back", BACK_X))
CAPTION_BASELINE = 4.0
LEGEND = "Shaded: chosen by the patient"

# For each area, points (map coordinates at natural size) inside every one of its shapes, clear
# of every line and word (by 1.9 points at least: a pixel of a 100 dpi rendering there is the
# area's own fill): the first of each is `LocationMap.area_points()`.
AREA_SAMPLES: dict[str, tuple[Point, ...]] = {
    "forehead": ((FACE_X + 6, 80),),
    "cheeks": ((FACE_X - 15, 49), (FACE_X + 15, 51.5)),
    "nose": ((FACE_X, 52),),
    "chin_jawline": ((FACE_X + 4, 32),),
    "neck": ((FACE_X + 3, 24),),
    "chest": ((FRONT_X - 7, 76),),
    "back": ((BACK_X + 7, 70),),
    "shoulders": (
        (FRONT_X - 16, 84),
        (FRONT_X + 17, 83.5),
        (BACK_X + 16, 84),
        (BACK_X - 17, 83.5),
    ),
}


class LocationMap(Flowable):
    """The face, and the front and back of the trunk, each area the patient chose shaded.

    `chosen` holds option ids of the question "locations" (ValueError for any other). The map is
    drawn at its natural size (MAP_WIDTH by MAP_HEIGHT points, about 87 by 39 mm) scaled to
    `width` points wide; `area_points()` is in the same scaled coordinates."""

    def __init__(self, chosen: Iterable[str], width: float = MAP_WIDTH):
        super().__init__()
        self.chosen = frozenset(chosen)
        unknown = self.chosen - AREAS.keys()
        if unknown:
            raise ValueError(f"not an area of the location map: {', '.join(sorted(unknown))}")
        if width <= 0:
            raise ValueError("the location map needs a width")
        self.scale = width / MAP_WIDTH
        self.width = width
        self.height = MAP_HEIGHT * self.scale

    def wrap(self, availWidth, availHeight):
        return self.width, self.height

    def area_points(self) -> dict[str, Point]:
        """A point inside each area (points from the flowable's bottom left), clear of lines."""
        return {area: points[0] for area, points in self.area_samples().items()}

    def area_samples(self) -> dict[str, tuple[Point, ...]]:
        """Points inside every shape of each area (both cheeks, all four shoulders)."""
        s = self.scale
        return {
            area: tuple((x * s, y * s) for x, y in points) for area, points in AREA_SAMPLES.items()
        }

    def draw(self):
        canv = self.canv
        canv.saveState()
        canv.scale(self.scale, self.scale)
        canv.setLineJoin(1)
        canv.setLineCap(1)
        self._draw_face(canv)
        for x in (FRONT_X, BACK_X):
            self._draw_torso(canv, x, front=x == FRONT_X)
        self._draw_labels(canv)
        canv.restoreState()

    def _area(self, canv, area: str, shape: Shape, dx: float) -> None:
        canv.setFillColor(CHOSEN_FILL if area in self.chosen else PLAIN_FILL)
        canv.drawPath(_path(shape, dx), stroke=1, fill=1)

    def _draw_face(self, canv) -> None:
        canv.setStrokeColor(INK)
        canv.setLineWidth(AREA_LINE)
        self._area(canv, "neck", NECK, FACE_X)
        head = _path(HEAD, FACE_X)
        canv.setFillColor(PLAIN_FILL)
        canv.drawPath(head, stroke=0, fill=1)  # the chin in front of the neck
        canv.saveState()
        canv.clipPath(head, stroke=0, fill=0)
        self._area(canv, "forehead", FOREHEAD, FACE_X)
        self._area(canv, "chin_jawline", CHIN, FACE_X)
        canv.restoreState()
        for cheek in (LEFT_CHEEK, RIGHT_CHEEK):
            self._area(canv, "cheeks", cheek, FACE_X)
        self._area(canv, "nose", NOSE, FACE_X)

        canv.setLineWidth(FIGURE_LINE)
        canv.drawPath(head, stroke=1, fill=0)
        for side in NECK_SIDES:
            canv.drawPath(_path(side, FACE_X, close=False), stroke=1, fill=0)
        canv.setLineWidth(FEATURE_LINE)
        for feature in (*EARS, *BROWS, MOUTH):
            canv.drawPath(_path(feature, FACE_X, close=False), stroke=1, fill=0)
        canv.setFillColor(PLAIN_FILL)
        for eye in EYES:
            canv.drawPath(_path(eye, FACE_X), stroke=1, fill=1)
        canv.setFillColor(INK)
        for x in (-PUPIL_X, PUPIL_X):
            canv.drawPath(_ellipse(FACE_X + x, EYE_Y, 1.1, 1.1), stroke=0, fill=1)

    def _draw_torso(self, canv, x: float, front: bool) -> None:
        canv.setStrokeColor(INK)
        canv.setLineWidth(AREA_LINE)
        outline = _path(TORSO, x)
        canv.setFillColor(PLAIN_FILL)
        canv.drawPath(outline, stroke=0, fill=1)
        canv.saveState()
        canv.clipPath(outline, stroke=0, fill=0)
        for shoulder in (LEFT_SHOULDER, RIGHT_SHOULDER):
            self._area(canv, "shoulders", shoulder, x)
        canv.restoreState()
        self._area(canv, "chest" if front else "back", CHEST if front else BACK, x)

        canv.setLineWidth(FEATURE_LINE)
        if front:  # the hollow of the throat and the navel
            canv.drawPath(_path(THROAT, x, close=False), stroke=1, fill=0)
            canv.drawPath(_ellipse(x, 36, 1.1, 1.1), stroke=1, fill=0)
        else:  # the spine, below the back
            canv.setDash(1.5, 1.5)
            canv.drawPath(_polyline(((x, 44), (x, 20))), stroke=1, fill=0)
            canv.setDash()
        canv.setLineWidth(FIGURE_LINE)
        canv.drawPath(outline, stroke=1, fill=0)
        canv.setFillColor(PLAIN_FILL)
        canv.drawPath(_ellipse(x, *TORSO_HEAD), stroke=1, fill=1)

    def _draw_labels(self, canv) -> None:
        canv.setLineWidth(LEADER_LINE)
        canv.setStrokeColor(MUTED)
        canv.setFillColor(INK)
        for area, x, baseline, align, leader in _LABELS:
            font = FONT_BOLD if area in self.chosen else FONT
            text = AREAS[area]
            width = stringWidth(text, font, LABEL_SIZE)
            left = x - width if align == "right" else x - width / 2
            middle = baseline + LABEL_SIZE * 0.34
            if align == "right":
                lines = [((x + 2, middle), *leader)]
            else:  # one leader out of each side
                lines = [
                    ((left - 2 if end[0] < x else left + width + 2, middle), end) for end in leader
                ]
            for line in lines:
                canv.drawPath(_polyline(line), stroke=1, fill=0)
                canv.drawPath(_ellipse(*line[-1], 0.9, 0.9), stroke=0, fill=1)
            canv.setFont(font, LABEL_SIZE)
            canv.drawString(left, baseline, text)
        canv.setFillColor(MUTED)
        canv.setFont(FONT, LABEL_SIZE)
        for caption, x in CAPTIONS:
            canv.drawCentredString(x, CAPTION_BASELINE, caption)
        canv.drawString(10, CAPTION_BASELINE, LEGEND)
        canv.setStrokeColor(INK)
        canv.setLineWidth(AREA_LINE)
        canv.setFillColor(CHOSEN_FILL)
        canv.rect(0.5, CAPTION_BASELINE - 0.5, 7, 5, stroke=1, fill=1)


def location_map(chosen: Iterable[str], width: float = MAP_WIDTH) -> LocationMap:
    return LocationMap(chosen, width)


# ---------------------------------------------------------------------------------------------
# The oiliness bar.

SELF_REPORTED = "self-reported, not a sebum measurement"
BAR_WIDTH = 85 * mm
BAR_HEIGHT = 10.0
TITLE_SIZE = 8.0
NOTE_SIZE = 6.5
NUMBER_SIZE = 6.0
ITEM_SIZE = 6.5
ITEM_SEPARATOR = " \u00b7 "  # a middle dot


class OilinessBar(Flowable):
    """The self-reported oiliness score from 0 to `maximum`, marked on a bar of its categories,
    with each item's points: (short label, points), adding up to the score. `width` points wide;
    the height follows from the width and the items (about 21 mm at 85 mm wide).

    ValueError for what cannot be drawn truthfully: a score outside 0 to `maximum`, a category
    that is not the score's, items whose points do not add up to the score."""

    def __init__(
        self,
        score: int,
        maximum: int,
        category: str,
        items: Sequence[tuple[str, int]] = (),
        width: float = BAR_WIDTH,
    ):
        super().__init__()
        if maximum < 1:
            raise ValueError(f"the oiliness maximum must be at least 1, not {maximum}")
        if not 0 <= score <= maximum:
            raise ValueError(f"oiliness score {score} is outside 0 to {maximum}")
        shown = [(low, name) for low, name in OILINESS_BANDS if low <= maximum]
        highs = [low - 1 for low, _ in shown[1:]] + [maximum]
        bands = [(low, high, name) for (low, name), high in zip(shown, highs, strict=True)]
        own = next(name for low, high, name in bands if low <= score <= high)
        if category != own:
            raise ValueError(f"oiliness score {score} is {own!r}, not {category!r}")
        if items and sum(points for _, points in items) != score:
            raise ValueError(f"the items' points do not add up to the score {score}")
        self.score, self.maximum, self.category = score, maximum, category
        self.bands = bands
        self.width = width

        self.title = _score_title(score, maximum, category)
        # Beside the score in words when it fits whatever the score: the height depends only
        # on the width and the items.
        widest = max(
            stringWidth(_score_title(value, maximum, name), FONT_BOLD, TITLE_SIZE)
            for low, high, name in bands
            for value in (low, high)
        )
        self.note_beside = widest + 10 + stringWidth(SELF_REPORTED, FONT, NOTE_SIZE) <= width
        items_text = ITEM_SEPARATOR.join(f"{label} {points}" for label, points in items)
        self.item_lines = simpleSplit(items_text, FONT, ITEM_SIZE, width) if items_text else []

        # Laid out from the foot up.
        self.item_baselines = [1.5 + 8.5 * i for i in range(len(self.item_lines))][::-1]
        self.number_baseline = 1.5 + 8.5 * len(self.item_lines) + (1.5 if self.item_lines else 0)
        self.bar_bottom = self.number_baseline + NUMBER_SIZE + 3.5
        self.bar_top = self.bar_bottom + BAR_HEIGHT
        self.marker_top = self.bar_top + 6.5
        self.note_baseline = self.marker_top + 3.5
        self.title_baseline = self.note_baseline + (0 if self.note_beside else NOTE_SIZE + 3.5)
        self.height = self.title_baseline + TITLE_SIZE
        # The bar itself, inset so the first and last numbers fit under their ticks.
        self.bar_left, self.bar_right = 4.0, width - 4.0
        self.marker_x = self.x_of(score)

    def x_of(self, value: float) -> float:
        """The x (points from the flowable's left) of a score on the bar."""
        return self.bar_left + (self.bar_right - self.bar_left) * value / self.maximum

    def wrap(self, availWidth, availHeight):
        return self.width, self.height

    def draw(self):
        canv = self.canv
        canv.saveState()
        # Bands: shaded one in two, divided by lines, each named inside the bar.
        for index, (low, high, name) in enumerate(self.bands):
            left = self.x_of(max(low - 0.5, 0))
            right = self.x_of(min(high + 0.5, self.maximum))
            canv.setFillColor(BAND_FILL if index % 2 else colors.white)
            canv.rect(left, self.bar_bottom, right - left, BAR_HEIGHT, stroke=0, fill=1)
            font = FONT_BOLD if name == self.category else FONT
            size = NUMBER_SIZE
            while size > 4 and stringWidth(name, font, size) > right - left - 2:
                size -= 0.5
            canv.setFillColor(INK)
            canv.setFont(font, size)
            canv.drawCentredString((left + right) / 2, self.bar_bottom + 3.2, name)
        canv.setStrokeColor(INK)
        canv.setLineWidth(0.6)
        for _, high, _ in self.bands[:-1]:
            x = self.x_of(high + 0.5)
            canv.line(x, self.bar_bottom, x, self.bar_top)
        canv.setLineWidth(0.8)
        canv.rect(
            self.bar_left, self.bar_bottom, self.bar_right - self.bar_left, BAR_HEIGHT, stroke=1
        )
        # Ticks and numbers under the bar.
        canv.setLineWidth(0.5)
        canv.setFont(FONT, NUMBER_SIZE)
        for value in range(self.maximum + 1):
            x = self.x_of(value)
            canv.line(x, self.bar_bottom, x, self.bar_bottom - 2.2)
            canv.drawCentredString(x, self.number_baseline, str(value))
        # The score: a solid triangle pointing down at the bar, its number beside.
        x, top = self.marker_x, self.marker_top
        triangle = canv.beginPath()
        triangle.moveTo(x, self.bar_top + 0.4)
        triangle.lineTo(x - 3.6, top)
        triangle.lineTo(x + 3.6, top)
        triangle.close()
        canv.drawPath(triangle, stroke=0, fill=1)
        canv.setFont(FONT_BOLD, NUMBER_SIZE + 1)
        number = str(self.score)
        if x + 5 + stringWidth(number, FONT_BOLD, NUMBER_SIZE + 1) <= self.width:
            canv.drawString(x + 5, self.bar_top + 1.6, number)
        else:
            canv.drawRightString(x - 5, self.bar_top + 1.6, number)
        # Text: the score in words, what it is (and is not), each item's points.
        canv.setFont(FONT_BOLD, TITLE_SIZE)
        canv.drawString(0, self.title_baseline, self.title)
        canv.setFillColor(MUTED)
        canv.setFont(FONT, NOTE_SIZE)
        if self.note_beside:
            canv.drawRightString(self.width, self.title_baseline, SELF_REPORTED)
        else:
            canv.drawString(0, self.note_baseline, SELF_REPORTED)

        canv.setFillColor(INK)
        canv.setFont(FONT, ITEM_SIZE)
        for line, baseline in zip(self.item_lines, self.item_baselines, strict=True):
            canv.drawString(0, baseline, line)
        canv.restoreState()


def _score_title(score: int, maximum: int, category: str) -> str:
    return f"Score {score} of {maximum}: {category}"
