"""Every font, colour, paragraph and table style of the clinician's PDF, built once at import."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

# Patient text is escaped before it reaches a Paragraph; this is the second lock:
# even an <img> that got through could fetch nothing from any host.
rl_config.trustedHosts = []
rl_config.trustedSchemes = []
# Binary streams: still a valid PDF, and ASCII85-encoding the embedded fonts cost 7% of a render.
rl_config.useA85 = 0


def _to_unicode_cmap(fontname: str, subset) -> str:
    """ReportLab's ToUnicode map, but with characters above U+FFFF written as UTF-16 (as PDF
    requires) instead of five hex digits, so an emoji in patient text is still copied and searched."""
    mappings = [
        f"<{i:02X}> <{chr(v).encode('utf-16-be').hex().upper()}>" for i, v in enumerate(subset)
    ]
    return "\n".join([
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *mappings,
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ])  # fmt: skip


ttfonts.makeToUnicodeCMap = _to_unicode_cmap

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"

if FONT not in pdfmetrics.getRegisteredFontNames():
    pdfmetrics.registerFont(TTFont(FONT, FONTS / "DejaVuSans.ttf"))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, FONTS / "DejaVuSans-Bold.ttf"))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )

# The characters each font can draw; anything else prints as MISSING_GLYPH, not an empty box.
DRAWABLE = {
    name: frozenset(map(chr, pdfmetrics.getFont(name).face.charToGlyph))
    for name in (FONT, FONT_BOLD)
}
MISSING_GLYPH = "\ufffd"

PAGE_SIZE = A4
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 16 * mm
MARGIN_BOTTOM = 22 * mm  # room for the two-line footer
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X

# Colours. Meaning never rests on colour alone: every flag also carries its level as a word.
INK = colors.black
MUTED = colors.HexColor("#404040")
RULE = colors.HexColor("#B0B0B0")
SHADE = colors.HexColor("#EDEDED")
CONTRAINDICATION = colors.HexColor("#B3261E")  # red; prints dark grey
CONTRAINDICATION_TINT = colors.HexColor("#FBE9E7")
DEFER = colors.HexColor("#E06A00")  # orange; prints mid grey
DEFER_TINT = colors.HexColor("#FDEEDF")
CAUTION = colors.HexColor("#F2A900")  # amber; prints light grey
CAUTION_TINT = colors.HexColor("#FFF6DC")
LEVEL_COLOURS = {
    "Contraindication": (CONTRAINDICATION, colors.white, CONTRAINDICATION_TINT),
    "Defer": (DEFER, INK, DEFER_TINT),
    "Caution": (CAUTION, INK, CAUTION_TINT),
}  # level word -> (badge background, badge text, row tint)

BODY_SIZE = 9.5
BODY_LEADING = 12.5
LABEL_SIZE = 8.5
LABEL_LEADING = 11

_BASE = ParagraphStyle(
    "base",
    fontName=FONT,
    fontSize=BODY_SIZE,
    leading=BODY_LEADING,
    textColor=INK,
    splitLongWords=1,  # a 1,000-character word wraps instead of running off the page
)

# Paragraphs: only for patient text (escaped, wraps anything) and text that mixes fonts.
TITLE = ParagraphStyle("title", _BASE, fontName=FONT_BOLD, fontSize=15, leading=19, spaceAfter=6)
ANSWER = _BASE
NAME = ParagraphStyle("name", _BASE, fontName=FONT_BOLD, fontSize=11.5, leading=14.5)
FLAG = ParagraphStyle("flag", _BASE, fontSize=8.5, leading=11)


@dataclass(frozen=True)
class Line:
    """A plain-text table row: our own wording broken into lines, drawn without markup."""

    font: str = FONT
    size: float = BODY_SIZE
    leading: float = BODY_LEADING
    colour: colors.Color = INK
    indent: float = 0
    above: float = 0
    below: float = 0
    background: colors.Color | None = None


PASSAGE_NOTE = Line(size=9, leading=12, colour=MUTED, above=3, below=2)
# The evidence note opens a document's passages: a shaded block, its label bold.
EVIDENCE_NOTE_LABEL = Line(font=FONT_BOLD, size=9, leading=12, indent=4, above=5, background=SHADE)
EVIDENCE_NOTE = Line(size=9, leading=12, indent=4, below=6, background=SHADE)
PASSAGE_TEXT = Line(indent=4 * mm, above=8, below=2)
# Marks (evidence, "Relevant to this patient's risks") under their passage.
PASSAGE_MARK = Line(
    font=FONT_BOLD, size=8.5, leading=11, indent=4 * mm, above=1, below=3, background=CAUTION_TINT
)
PASSAGE_REASON = Line(size=8.5, leading=11, colour=MUTED, indent=4 * mm, above=1, below=2)

FOOTER_SIZE = 7.5

# Every section is one table whose first row is its heading: the heading repeats on each
# page the section runs onto, and can never be left alone at the foot of a page.
SECTION_SIZE = 12
SECTION_ROW = [
    ("SPAN", (0, 0), (-1, 0)),
    ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
    ("FONTSIZE", (0, 0), (-1, 0), SECTION_SIZE),
    ("LEADING", (0, 0), (-1, 0), 15),
    ("TEXTCOLOR", (0, 0), (-1, 0), INK),
    ("LEFTPADDING", (0, 0), (-1, 0), 0),
    ("TOPPADDING", (0, 0), (-1, 0), 12),
    ("BOTTOMPADDING", (0, 0), (-1, 0), 4),
    ("LINEBELOW", (0, 0), (-1, 0), 1.2, INK),
]
# Only a tall row (long free text) is split across pages, and only when at least
# MIN_ROW_SPLIT of it fits; shorter rows move whole to the next page.
TALL_ROW = 12 * BODY_LEADING
MIN_ROW_SPLIT = 4 * BODY_LEADING

# Answer tables: question on the left, the patient's answer on the right.
ANSWER_COLUMNS = (68 * mm, FRAME_WIDTH - 68 * mm)
CELL_PADDING_X = 4
ANSWER_TABLE = [
    ("FONTNAME", (0, 0), (-1, -1), FONT),  # no cell falls back to Helvetica
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("FONTSIZE", (0, 0), (0, -1), LABEL_SIZE),
    ("LEADING", (0, 0), (0, -1), LABEL_LEADING),
    ("TEXTCOLOR", (0, 0), (0, -1), MUTED),
    ("FONTSIZE", (1, 0), (1, -1), BODY_SIZE),
    ("LEADING", (1, 0), (1, -1), BODY_LEADING),
    ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING_X),
    ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING_X),
    ("TOPPADDING", (0, 0), (-1, -1), 3),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
    *SECTION_ROW,
]


def level_group_rule(row: int) -> list:
    """The line above the first flag of a level after the first: groups show in black and white."""
    return [("LINEABOVE", (0, row), (-1, row), 1, INK)]


# Relevant passages: one column, a row per line style.
PASSAGE_TABLE = [
    ("FONTNAME", (0, 0), (-1, -1), FONT),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("RIGHTPADDING", (0, 1), (-1, -1), 0),
    *SECTION_ROW,
]


# Page 1, the consult sheet (SPEC section 6): the same styles, smaller, to fit one page.
SHEET_SIZE = 8
SHEET_LEADING = 10
SHEET_SMALL = 6.8
SHEET_SMALL_LEADING = 8.1
SHEET_HEADING_SIZE = 9.5
SHEET_TITLE = ParagraphStyle(
    "sheet-title", _BASE, fontName=FONT_BOLD, fontSize=13, leading=16, spaceAfter=2
)
SHEET_NAME = ParagraphStyle("sheet-name", _BASE, fontName=FONT_BOLD, fontSize=11, leading=13)
SHEET_TEXT = ParagraphStyle("sheet-text", _BASE, fontSize=SHEET_SIZE, leading=SHEET_LEADING)
SHEET_FLAG = ParagraphStyle("sheet-flag", _BASE, fontSize=SHEET_SMALL, leading=SHEET_SMALL_LEADING)
SHEET_FLAG_TEXT_SIZE = 7.6
SHEET_ROW = [
    ("SPAN", (0, 0), (-1, 0)),
    ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
    ("FONTSIZE", (0, 0), (-1, 0), SHEET_HEADING_SIZE),
    ("LEADING", (0, 0), (-1, 0), 11.5),
    ("TEXTCOLOR", (0, 0), (-1, 0), INK),
    ("LEFTPADDING", (0, 0), (-1, 0), 0),
    ("TOPPADDING", (0, 0), (-1, 0), 4),
    ("BOTTOMPADDING", (0, 0), (-1, 0), 1.5),
    ("LINEBELOW", (0, 0), (-1, 0), 0.9, INK),
]
SHEET_PADDING = [
    ("FONTNAME", (0, 0), (-1, -1), FONT),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ("TOPPADDING", (0, 1), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 1), (-1, -1), 2),
]
SHEET_FLAG_COLUMNS = (27 * mm, FRAME_WIDTH - 27 * mm)
SHEET_FLAG_TABLE = [
    *SHEET_PADDING,
    ("FONTNAME", (0, 1), (0, -1), FONT_BOLD),
    ("FONTSIZE", (0, 1), (0, -1), 7.5),
    ("LEADING", (0, 1), (0, -1), 9),
    ("TOPPADDING", (0, 1), (-1, -1), 1.5),
    ("BOTTOMPADDING", (0, 1), (-1, -1), 2),
    ("LINEBELOW", (0, 1), (-1, -1), 0.8, colors.white),
    *SHEET_ROW,
]
SHEET_BOX = [
    *SHEET_PADDING,
    ("FONTSIZE", (0, 1), (-1, -1), SHEET_SIZE),
    ("LEADING", (0, 1), (-1, -1), SHEET_LEADING),
    *SHEET_ROW,
]
# Facts beside the map: label, value.
SHEET_FACT_COLUMNS = (36 * mm, 46 * mm)
SHEET_FACTS = [
    ("FONTNAME", (0, 0), (-1, -1), FONT),
    ("FONTSIZE", (0, 0), (-1, -1), SHEET_SIZE),
    ("LEADING", (0, 0), (-1, -1), SHEET_LEADING),
    ("FONTSIZE", (0, 0), (0, -1), SHEET_SMALL),
    ("TEXTCOLOR", (0, 0), (0, -1), MUTED),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ("TOPPADDING", (0, 0), (-1, -1), 0.5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
    ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
]
SHEET_TREATMENT_COLUMNS = (90 * mm, 14 * mm, 14 * mm, FRAME_WIDTH - 118 * mm)
# The treatments section: its heading (row 0), the column heads (row 1), a row a treatment.
SHEET_TREATMENTS = [
    ("FONTNAME", (0, 0), (-1, -1), FONT),
    ("FONTNAME", (0, 1), (-1, 1), FONT_BOLD),
    ("FONTSIZE", (0, 0), (-1, -1), SHEET_SIZE),
    ("LEADING", (0, 0), (-1, -1), 9.2),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ("TOPPADDING", (0, 0), (-1, -1), 0.5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ("LINEBELOW", (0, 1), (-1, 1), 0.6, INK),
    ("LINEBELOW", (0, 2), (-1, -1), 0.3, RULE),
    *SHEET_ROW,
]
SHEET_HEADER_COLUMNS = (26 * mm, FRAME_WIDTH / 2 - 26 * mm, 22 * mm, FRAME_WIDTH / 2 - 22 * mm)
SHEET_HEADER = [
    ("FONTNAME", (0, 0), (-1, -1), FONT),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("BOX", (0, 0), (-1, -1), 0.8, INK),
    ("FONTSIZE", (0, 0), (-1, -1), SHEET_SIZE),
    ("LEADING", (0, 0), (-1, -1), SHEET_LEADING),
    *(
        command
        for column in (0, 2)
        for command in (
            ("FONTSIZE", (column, 0), (column, -1), SHEET_SMALL),
            ("TEXTCOLOR", (column, 0), (column, -1), MUTED),
        )
    ),
    ("LINEBEFORE", (2, 0), (2, -1), 0.4, RULE),
    ("LEFTPADDING", (0, 0), (-1, -1), 4),
    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
]
# The two boxes side by side at the foot: the evidence note, and the clinician's own.
SHEET_HALF = (FRAME_WIDTH - 4 * mm) / 2
SHEET_PAIR = [
    ("FONTNAME", (0, 0), (-1, -1), FONT),  # no cell falls back to Helvetica
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ("RIGHTPADDING", (0, 0), (0, -1), 4 * mm),
    ("RIGHTPADDING", (1, 0), (1, -1), 0),
    ("TOPPADDING", (0, 0), (-1, -1), 0),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
]
SHEET_VISIT_BOX = [
    ("FONTNAME", (0, 0), (-1, -1), FONT),
    ("FONTSIZE", (0, 0), (-1, -1), SHEET_SIZE),
    ("LEADING", (0, 0), (-1, -1), SHEET_LEADING),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("BOX", (0, 1), (-1, -1), 0.8, INK),
    ("LEFTPADDING", (0, 0), (-1, -1), 4),
    ("TOPPADDING", (0, 1), (-1, -1), 3),
    ("BOTTOMPADDING", (0, 1), (-1, -1), 2),
    ("BOTTOMPADDING", (0, -1), (-1, -1), 6),  # room to write the plan
    ("NOSPLIT", (0, 0), (-1, -1)),
    *SHEET_ROW,
]
SHEET_NOTE = [
    ("FONTNAME", (0, 0), (-1, -1), FONT),  # no cell falls back to Helvetica
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ("TOPPADDING", (0, 0), (-1, -1), 5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
]
