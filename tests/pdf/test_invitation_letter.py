"""The invitation letter: one page, in the appointment's language, whose QR code (read back by a
real decoder from the printed page) is exactly the link the page also prints as text; asking
for it issues a new link and revokes the earlier one."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date, datetime, time, timezone

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from intake.appointments import services
from intake.extensions import db
from intake.models import AuditEvent, Invitation
from intake.tokens import token_hash
from tests.http.clinic_helpers import (
    CSRF_FIELD,
    FRONTDESK,
    Staff,
    create_user,
    quick_hashing,  # noqa: F401 (an autouse fixture: cheap argon2id)
)

PUBLIC_URL = "https://intake.clinic.example"
LINK = re.compile(re.escape(PUBLIC_URL) + r"/i/[A-Za-z0-9_-]{43}")


@pytest.fixture
def desk(app, client, frozen_clock):
    frozen_clock.current = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)
    app.config["PUBLIC_URL"] = PUBLIC_URL
    create_user(app, FRONTDESK, "frontdesk")
    return Staff(client, FRONTDESK).signed_in()


def appointment(app, name: str = "Ana María López", language: str = "en") -> int:
    new = services.NewAppointment(
        name, date(1990, 5, 17), date(2026, 12, 4), time(9, 30), None, language
    )
    with app.app_context():
        appointment_id = services.add(new, None)
        db.session.remove()
    assert appointment_id
    return appointment_id


def letter(staff: Staff, appointment_id: int) -> bytes:
    token = CSRF_FIELD.search(staff.page("/clinic/day")).group(1)
    response = staff.client.post(
        f"/clinic/appointments/{appointment_id}/letter.pdf", data={"csrf_token": token}
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="invitation-letter.pdf"'
    return response.data


def qr_codes_on_page_one(pdf: bytes, tmp_path) -> list[str]:
    """What a phone would read: page 1 printed at 150 dpi by poppler, decoded by zbar."""
    (tmp_path / "letter.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile",
         str(tmp_path / "letter.pdf"), str(tmp_path / "page")],
        check=True,
    )  # fmt: skip
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", str(tmp_path / "page.png")],
        capture_output=True,
        text=True,
        check=True,
    )
    return decoded.stdout.splitlines()


def text_of(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), " ".join(page.extract_text() for page in reader.pages)


def live_hashes(app, appointment_id: int) -> list[str]:
    with app.app_context():
        hashes = db.session.scalars(
            select(Invitation.token_hash).where(
                Invitation.appointment_id == appointment_id, Invitation.revoked_at.is_(None)
            )
        ).all()
        db.session.remove()
    return list(hashes)


def test_the_qr_code_is_the_link_printed_on_one_page(app, desk, tmp_path):
    appointment_id = appointment(app)
    pdf = letter(desk, appointment_id)
    pages, text = text_of(pdf)
    (link,) = LINK.findall(text.replace("\n", ""))
    assert qr_codes_on_page_one(pdf, tmp_path) == [link]
    assert pages == 1
    assert "Ana María López" in text
    assert "Your appointment is on 4 December 2026 at 09:30." in text
    assert "desk code" in text
    assert live_hashes(app, appointment_id) == [token_hash(link.rsplit("/", 1)[1])]


def test_each_letter_has_a_new_link_and_the_earlier_one_stops_working(app, desk, tmp_path):
    appointment_id = appointment(app)
    first = qr_codes_on_page_one(letter(desk, appointment_id), tmp_path)[0]
    second = qr_codes_on_page_one(letter(desk, appointment_id), tmp_path)[0]
    assert first != second
    assert live_hashes(app, appointment_id) == [token_hash(second.rsplit("/", 1)[1])]
    with app.app_context():
        letters = db.session.scalars(
            select(AuditEvent.appointment_id).where(AuditEvent.action == "invitation_letter")
        ).all()
        db.session.remove()
    assert letters == [appointment_id, appointment_id]
    assert "the earlier link stops working" in desk.page("/clinic/day?date=2026-12-04")


def test_a_spanish_appointment_gets_a_spanish_letter(app, desk, tmp_path):
    pdf = letter(desk, appointment(app, language="es"))
    pages, text = text_of(pdf)
    assert pages == 1
    assert "Su cita es el 4 de diciembre de 2026 a las 09:30." in text
    assert "código de mostrador" in text and "Your appointment" not in text
    assert len(qr_codes_on_page_one(pdf, tmp_path)) == 1


def test_the_name_is_printed_as_text_never_markup(app, desk):
    name = '<font size="40">Big</font> & <b>Bold</b>'
    pages, text = text_of(letter(desk, appointment(app, name=name)))
    assert pages == 1 and name in text


def test_without_a_public_address_the_letter_names_the_setting_and_keeps_the_old_link(app, desk):
    appointment_id = appointment(app)
    with app.app_context():
        old = services.issue_invitation(appointment_id, None, "Europe/London")
        db.session.remove()
    app.config["PUBLIC_URL"] = None  # as in production before INTAKE_PUBLIC_URL is set
    token = CSRF_FIELD.search(desk.page("/clinic/day")).group(1)

    response = desk.client.post(
        f"/clinic/appointments/{appointment_id}/letter.pdf", data={"csrf_token": token}
    )

    assert response.status_code == 503 and response.mimetype == "text/html"
    assert "INTAKE_PUBLIC_URL" in response.get_data(as_text=True)
    assert live_hashes(app, appointment_id) == [token_hash(old)]  # the patient's link still works
