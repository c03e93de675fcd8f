"""The invitation email and its reminders (SPEC section 11), sent through a real SMTP server.

One message per send: plain text and HTML alternatives in the appointment's language (with a
Content-Language header), holding the clinic's name, the appointment's date and time and the
link; never clinical content, never the date of birth. The patient's name in it is data,
escaped in the HTML. The outcome is kept on the appointment (`email_status`, `email_error`:
the server's reply, never the address) and audited by the appointment's id.

`INTAKE_SMTP_URL` names the server: `smtp://host:port` (a local relay, no TLS),
`smtp+starttls://user:password@host:587` or `smtps://user:password@host:465` (credentials
percent-encoded); `INTAKE_SMTP_CA_FILE`, optional, a CA bundle to trust instead of the
system's (a clinic's own relay with its own certificate).
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

from flask import current_app
from flask_babel import gettext

from intake import clock, i18n
from intake.appointments import services
from intake.clinic.services import appointment_event
from intake.database import write_transaction
from intake.extensions import db
from intake.models import Appointment

SMTP_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
SMTP_TIMEOUT = 10  # seconds; a hung server must not hang a page or a tick for long
ERROR_LENGTH = 200  # Appointment.email_error's column


class NotSent(Exception):
    """Why a message did not go: the SMTP server's reply, or the setting that is missing."""


@dataclass(frozen=True)
class SmtpServer:
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None


def smtp_server(url: str | None) -> SmtpServer:
    """INTAKE_SMTP_URL read into its parts; a missing or malformed one says what to set."""
    if not url:
        raise NotSent("email is not configured: set INTAKE_SMTP_URL")
    parts = urlsplit(url)
    if parts.scheme not in SMTP_PORTS or not parts.hostname:
        raise NotSent(
            "INTAKE_SMTP_URL must be smtp://host:port, smtp+starttls://user:password@host:587 "
            "or smtps://user:password@host:465"
        )
    return SmtpServer(
        scheme=parts.scheme,
        host=parts.hostname,
        port=parts.port or SMTP_PORTS[parts.scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def send_invitation(appointment_id: int, token: str) -> bool:
    """Email the invitation link; whether the server accepted it. Never raises for a refusal:
    the appointment shows it, with Resend."""
    return send(appointment_id, token, "invitation")


def send_reminder(appointment_id: int, token: str) -> bool:
    """Email a reminder, with the link that replaced the earlier one; as send_invitation."""
    return send(appointment_id, token, "reminder")


@dataclass(frozen=True)
class Settings:
    server: SmtpServer
    ca_file: str | None
    sender: str
    public_url: str


def settings() -> Settings:
    """What sending needs, from the app's config; NotSent naming the first setting missing."""
    config = current_app.config
    server = smtp_server(config.get("SMTP_URL"))
    if not config.get("MAIL_FROM"):
        raise NotSent("email is not configured: set INTAKE_MAIL_FROM (the sender's address)")
    if not config.get("PUBLIC_URL"):
        raise NotSent("links cannot be made: set INTAKE_PUBLIC_URL")
    return Settings(server, config.get("SMTP_CA_FILE"), config["MAIL_FROM"], config["PUBLIC_URL"])


def ready() -> str | None:
    """Why no email can go now (a setting missing, the server unreachable or refusing our
    login), or None. A tick asks before it replaces any patient's link with a new one."""
    try:
        current = settings()
        with _session(current.server, current.ca_file):
            pass
    except NotSent as error:
        return str(error)
    return None


def send(appointment_id: int, token: str, kind: str) -> bool:
    """Build, send and record one message of `kind` (invitation or reminder)."""
    appointment = db.session.get_one(Appointment, appointment_id)
    try:
        if not appointment.email:
            raise NotSent("the appointment has no email address")
        current = settings()
        link = services.invitation_url(token, current.public_url)
        message = build_message(appointment, link, kind, current.sender)
        with _session(current.server, current.ca_file) as smtp:
            smtp.send_message(message)
    except NotSent as error:
        _record(appointment_id, kind, str(error))
        return False
    _record(appointment_id, kind, None)
    return True


def build_message(appointment: Appointment, link: str, kind: str, sender: str) -> EmailMessage:
    """The message in the appointment's language: text and HTML, nothing clinical."""
    with i18n.in_language(appointment.language):
        context = {
            "clinic": current_app.config["CLINIC_NAME"],
            "name": appointment.patient_name,
            "day": i18n.date_in_words(appointment.appointment_date, appointment.language),
            "time": appointment.appointment_time.strftime("%H:%M"),
            "link": link,
            "is_reminder": kind == "reminder",
        }
        subject = (
            gettext("Reminder: please answer before your visit to %(clinic)s", **context)
            if kind == "reminder"
            else gettext("Please answer before your visit to %(clinic)s", **context)
        )
        context.update(subject=subject, language=appointment.language)
        text = _render("email/invitation.txt", context)
        html = _render("email/invitation.html", context)
    message = EmailMessage()
    message["From"] = sender
    try:
        message["To"] = appointment.email
    except ValueError:  # a line break or the like: the header would be refused anyway
        raise NotSent("the appointment's email address cannot be used in a message") from None
    message["Subject"] = subject
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to it
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = appointment.language  # after: set_content clears Content-*
    return message


def _render(name: str, context: dict) -> str:
    """A template without the pages' context processors (no request here in `tick`);
    the environment autoescapes .html, so the patient's name stays text."""
    return current_app.jinja_env.get_template(name).render(context)


@contextmanager
def _session(server: SmtpServer, ca_file: str | None) -> Iterator[smtplib.SMTP]:
    """A connection to the server, over TLS and logged in as the URL says; whatever goes
    wrong in it, NotSent with the server's reply (or why it could not be reached)."""
    tls = ssl.create_default_context(cafile=ca_file)
    try:
        with _connect(server, tls) as smtp:
            if server.scheme == "smtp+starttls":
                smtp.starttls(context=tls)
            if server.username:
                smtp.login(server.username, server.password or "")
            yield smtp
    except smtplib.SMTPRecipientsRefused as error:
        code, reply = next(iter(error.recipients.values()))  # one recipient per message
        raise NotSent(_reply(code, reply)) from None
    except smtplib.SMTPResponseException as error:
        raise NotSent(_reply(error.smtp_code, error.smtp_error)) from None
    except smtplib.SMTPException as error:  # no STARTTLS, no AUTH, no SMTPUTF8, hung up
        raise NotSent(f"the mail server did not take it: {type(error).__name__}") from None
    except OSError as error:  # refused connection, TLS certificate, time-out
        raise NotSent(f"could not reach the mail server: {type(error).__name__}") from None


def _connect(server: SmtpServer, tls: ssl.SSLContext) -> smtplib.SMTP:
    if server.scheme == "smtps":
        return smtplib.SMTP_SSL(server.host, server.port, timeout=SMTP_TIMEOUT, context=tls)
    return smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT)


ADDRESS = re.compile(r"<?[^\s<>]+@[^\s<>]+>?")


def _reply(code: int, text: bytes | str) -> str:
    """The server's code and words on one line, never the address it was about (servers
    often quote it: "550 5.1.1 <x@example.org>: unknown user")."""
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return " ".join(ADDRESS.sub("[address]", f"{code} {words}").split())


def _record(appointment_id: int, kind: str, error: str | None) -> None:
    """The outcome on the appointment and in the audit log (by id, no address)."""
    with write_transaction() as session:
        appointment = session.get_one(Appointment, appointment_id)
        appointment.email_status = "refused" if error else "sent"
        appointment.email_error = None if error is None else error[:ERROR_LENGTH]
        session.add(
            appointment_event(
                None,
                f"{kind}_email",
                appointment_id,
                clock.now(),
                outcome="refused" if error else "sent",
            )
        )
