"""The invitation letter (SPEC section 11): one page, in the patient's language, with the
appointment, the link as a QR code and as text, and how to use a desk code instead.

Plain data in, PDF bytes out, like intake/pdf/summary.py, whose fonts and styles it shares."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, time

from flask_babel import gettext
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from intake import i18n
from intake.models import Appointment
from intake.pdf import styles
from intake.pdf.summary import markup

QR_SIZE = 60 * mm  # large enough for an old phone's camera from arm's length
HEADING = ParagraphStyle("letter-heading", styles.TITLE, fontSize=20, leading=25, spaceAfter=10)
TEXT = ParagraphStyle("letter-text", styles.ANSWER, fontSize=12, leading=16, spaceAfter=8)
LINK = ParagraphStyle("letter-link", TEXT, fontName=styles.FONT_BOLD, fontSize=10.5)


@dataclass(frozen=True)
class LetterInput:
    patient_name: str
    appointment_date: date
    appointment_time: time
    language: str
    link: str

    @classmethod
    def of(cls, appointment: Appointment, link: str) -> LetterInput:
        return cls(
            appointment.patient_name,
            appointment.appointment_date,
            appointment.appointment_time,
            appointment.language,
            link,
        )


def render_letter(data: LetterInput) -> bytes:
    """The letter as PDF bytes (an app context is needed: the wording is in the catalogues)."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=styles.PAGE_SIZE,
        leftMargin=styles.MARGIN_X,
        rightMargin=styles.MARGIN_X,
        topMargin=styles.MARGIN_TOP,
        bottomMargin=styles.MARGIN_BOTTOM,
        title="Invitation",
        creator="intake",
        initialFontName=styles.FONT,
        invariant=1,
    )
    with i18n.in_language(data.language):
        document.build(_story(data))
    return buffer.getvalue()


def _story(data: LetterInput) -> list:
    when = gettext(
        "Your appointment is on %(date)s at %(time)s.",
        date=i18n.date_in_words(data.appointment_date, data.language),
        time=data.appointment_time.strftime("%H:%M"),
    )
    return [
        Paragraph(markup(gettext("Before your appointment")), HEADING),
        Paragraph(markup(data.patient_name), styles.NAME),
        Spacer(0, 4 * mm),
        Paragraph(markup(when), TEXT),
        Paragraph(
            markup(
                gettext(
                    "Please answer the clinic's questions before your visit. Scan the code with "
                    "your phone's camera, or type the link below into a web browser."
                )
            ),
            TEXT,
        ),
        _qr_code(data.link),
        Paragraph(markup(data.link), LINK),
        Paragraph(
            markup(
                gettext(
                    "You will be asked for your date of birth. The link works until the end "
                    "of your appointment day."
                )
            ),
            TEXT,
        ),
        Spacer(0, 4 * mm),
        Paragraph(markup(gettext("No phone or computer?")), styles.NAME),
        Paragraph(
            markup(
                gettext(
                    "Ask at the front desk for a desk code. Type it on the clinic's tablet, "
                    "then your date of birth. A desk code works once, for 15 minutes."
                )
            ),
            TEXT,
        ),
    ]


def _qr_code(link: str) -> Drawing:
    """The link as a QR code, drawn by ReportLab's own encoder."""
    widget = QrCodeWidget(link, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        QR_SIZE, QR_SIZE, transform=[QR_SIZE / (right - left), 0, 0, QR_SIZE / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    return drawing
