"""The invitation email through a real SMTP server (aiosmtpd on 127.0.0.1): what arrives is
read back: headers, both parts, the link, the patient's language; never the date of birth;
a hostile name stays text. Refusals and a missing setting are recorded, never raised."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest
from flask import render_template_string
from sqlalchemy import select

from intake.appointments import mail, services
from intake.extensions import db
from intake.models import Appointment, AuditEvent
from tests import mail_server

NEW = services.NewAppointment(
    patient_name="Ana López",
    date_of_birth=date(1990, 5, 17),
    appointment_date=date(2026, 12, 4),
    appointment_time=time(9, 30),
    email="ana@example.org",
    language="en",
)


@pytest.fixture(autouse=True)
def clinic_name(app):
    app.config["CLINIC_NAME"] = "Sunrise Dermatology"


def invite(new=NEW) -> tuple[int, str]:
    appointment_id = services.add(new, None)
    assert appointment_id is not None
    return appointment_id, services.issue_invitation(appointment_id, None, "Europe/London")


def parts(message):
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def test_the_invitation_arrives_in_english_with_the_link_and_no_date_of_birth(smtp_server):
    appointment_id, token = invite()
    assert mail.send_invitation(appointment_id, token)
    [(recipients, message)] = smtp_server.inbox.received
    assert recipients == ["ana@example.org"]
    assert message["To"] == "ana@example.org"
    assert message["From"] == "Clinic <intake@clinic.example>"
    assert message["Subject"] == "Please answer before your visit to Sunrise Dermatology"
    assert message["Content-Language"] == "en"
    assert message["Message-ID"].endswith("@clinic.example>")
    text, html = parts(message)
    link = f"http://127.0.0.1:5000/i/{token}"
    for body in (text, html):
        assert link in body
        assert "Sunrise Dermatology" in body
        assert "4 December 2026 at 09:30" in body
        assert "Ana López" in body
        for date_of_birth in ("1990", "17 May", "05-17", "17/05"):
            assert date_of_birth not in body
    assert f'<a href="{link}">' in html
    row = db.session.get(Appointment, appointment_id)
    assert (row.email_status, row.email_error) == ("sent", None)
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "invitation_email")
    ).one()
    assert (event.appointment_id, event.outcome) == (appointment_id, "sent")


def test_a_spanish_appointment_gets_its_email_in_spanish(smtp_server):
    appointment_id, token = invite(replace(NEW, language="es"))
    assert mail.send_invitation(appointment_id, token)
    [message] = smtp_server.inbox.messages
    assert message["Content-Language"] == "es"
    assert message["Subject"] == "Responda antes de su visita a Sunrise Dermatology"
    text, html = parts(message)
    for body in (text, html):
        assert "4 de diciembre de 2026 a las 09:30" in body
        assert "Please answer" not in body
    assert '<html lang="es">' in html


def test_a_hostile_name_is_text_in_the_html_and_as_typed_in_the_plain_text(smtp_server):
    hostile = '<script>alert("x")</script> & Co'
    appointment_id, token = invite(replace(NEW, patient_name=hostile))
    assert mail.send_invitation(appointment_id, token)
    text, html = parts(smtp_server.inbox.messages[0])
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in html
    assert hostile in text


def test_a_refused_recipient_is_recorded_with_the_reply_but_not_the_address(in_app, tmp_path):
    with mail_server.running(tmp_path, refuse=frozenset({"ana@example.org"})) as smtp_server:
        smtp_server.configure(in_app)
        appointment_id, token = invite()
        assert mail.send_invitation(appointment_id, token) is False
        assert smtp_server.inbox.messages == []
    row = db.session.get(Appointment, appointment_id)
    assert row.email_status == "refused"
    assert row.email_error == ("550 5.1.1 [address]: Recipient address rejected: User unknown")
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "invitation_email")
    ).one()
    assert event.outcome == "refused"


def test_a_server_that_is_not_there_is_a_refusal_not_an_error(in_app):
    in_app.config.update(SMTP_URL="smtp://127.0.0.1:1", MAIL_FROM="intake@clinic.example")
    appointment_id, token = invite()
    assert mail.send_invitation(appointment_id, token) is False
    row = db.session.get(Appointment, appointment_id)
    assert row.email_status == "refused"
    assert row.email_error == "could not reach the mail server: ConnectionRefusedError"


def test_without_an_smtp_url_the_refusal_names_the_setting(in_app):
    in_app.config.update(SMTP_URL=None, MAIL_FROM="intake@clinic.example")
    appointment_id, token = invite()
    assert mail.send_invitation(appointment_id, token) is False
    row = db.session.get(Appointment, appointment_id)
    assert (row.email_status, row.email_error) == (
        "refused",
        "email is not configured: set INTAKE_SMTP_URL",
    )


@pytest.mark.parametrize("scheme", ["smtp+starttls", "smtps"])
def test_tls_and_a_login_with_percent_encoded_credentials(in_app, tmp_path, scheme):
    with mail_server.running(tmp_path, scheme=scheme) as smtp_server:
        smtp_server.configure(in_app)
        appointment_id, token = invite()
        assert mail.send_invitation(appointment_id, token)
        [message] = smtp_server.inbox.messages
    assert token in parts(message)[0]


def test_a_certificate_the_client_does_not_trust_is_refused(in_app, tmp_path):
    with mail_server.running(tmp_path, scheme="smtp+starttls") as smtp_server:
        smtp_server.configure(in_app)
        in_app.config["SMTP_CA_FILE"] = None  # the system's CAs: the self-signed one fails
        appointment_id, token = invite()
        assert mail.send_invitation(appointment_id, token) is False
        assert smtp_server.inbox.messages == []
    assert db.session.get(Appointment, appointment_id).email_error == (
        "could not reach the mail server: SSLCertVerificationError"
    )


def test_the_smtp_url_is_read_with_its_credentials_percent_decoded():
    server = mail.smtp_server("smtp+starttls://a%40b.example:p%3Aw%2F@mail.example")
    assert server == mail.SmtpServer("smtp+starttls", "mail.example", 587, "a@b.example", "p:w/")
    assert mail.smtp_server("smtps://mail.example").port == 465
    with pytest.raises(mail.NotSent, match="INTAKE_SMTP_URL must be"):
        mail.smtp_server("http://mail.example")


def test_sent_from_an_english_page_the_spanish_email_leaves_the_page_in_english(
    in_app, smtp_server
):
    """The clinic's page goes on in English after a Spanish email is written mid-request."""
    appointment_id, token = invite(replace(NEW, language="es"))
    greeting = "{{ _('Hello %(name)s,', name='Ana') }}"
    with in_app.test_request_context("/clinic/login"):
        assert render_template_string(greeting) == "Hello Ana,"
        assert mail.send_invitation(appointment_id, token)
        assert render_template_string(greeting) == "Hello Ana,"
    text = smtp_server.inbox.messages[0].get_body(("plain",)).get_content()
    assert text.startswith("Hola, Ana López:")


def test_an_address_that_cannot_be_a_header_is_a_refusal(smtp_server):
    appointment_id, token = invite(replace(NEW, email="ana@example.org\r\nBcc: x@evil.example"))
    assert mail.send_invitation(appointment_id, token) is False
    assert smtp_server.inbox.messages == []
    assert db.session.get(Appointment, appointment_id).email_error == (
        "the appointment's email address cannot be used in a message"
    )
