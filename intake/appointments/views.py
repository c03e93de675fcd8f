"""The Clinic day (SPEC sections 7 and 11): a day's appointments and their states; adding them
by hand or from a CSV file; each one's Resend, Cancel, Desk code and Invitation letter.

Every change is a POST with its form token. Nothing of a patient's goes into a URL: the page
after a change is addressed by the day and what was done, never by who."""

from __future__ import annotations

import contextlib
import re
from datetime import date
from typing import NoReturn

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from forms.appointments import (
    AppointmentForm,
    ImportForm,
    NotAnAppointmentsFile,
    read_appointments_file,
)
from intake import clock
from intake.appointments import letter, mail, queries, services
from intake.clinic.auth import role_required
from intake.clinic.views import STAFF, staff_member
from intake.models import Appointment

bp = Blueprint("appointments", __name__, url_prefix="/clinic")
bp.context_processor(staff_member)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DONE = {  # what the page says after a change: ?done=<key>
    "added": "Appointment added.",
    "resent": "A new invitation link was issued. The earlier link no longer works.",
    "cancelled": "Appointment cancelled. Its invitation link no longer works.",
}


@bp.get("/day")
@role_required(*STAFF)
def day():
    return _day_page(_shown_day())


@bp.post("/appointments")
@role_required(*STAFF)
def add_appointment():
    """Add one appointment; its invitation goes at once when it has an email address."""
    form = AppointmentForm()
    if not form.validate_on_submit():
        return _day_page(_shown_day(), form=form, status=400)
    appointment_id = services.add(form.appointment(), _user())
    if appointment_id is None:
        return _day_page(_shown_day(), form=form, duplicate=True, status=400)
    if form.email.data:
        _invite(appointment_id)
    return _after(form.appointment_date.data, "added")


@bp.post("/appointments/import")
@role_required(*STAFF)
def import_appointments():
    """A day's list as CSV: each good row added (and invited, with an address), each bad one
    reported by its line. The report is the answer to the POST: posting the same file again
    adds nothing."""
    form = ImportForm()
    if not form.validate_on_submit():
        return _day_page(_shown_day(), import_form=form, status=400)
    try:
        imported = read_appointments_file(form.appointments_file.data.read())
    except NotAnAppointmentsFile as refusal:
        form.appointments_file.errors = [str(refusal)]
        return _day_page(_shown_day(), import_form=form, status=400)
    added = already = 0
    for appointment in imported.appointments:
        appointment_id = services.add(appointment, _user())
        if appointment_id is None:
            already += 1
            continue
        added += 1
        if appointment.email:
            _invite(appointment_id)
    report = {"added": added, "already": already, "errors": imported.errors}
    return _day_page(_shown_day(), import_form=form, report=report)


@bp.post("/appointments/<int:appointment_id>/resend")
@role_required(*STAFF)
def resend(appointment_id: int):
    appointment = _open_appointment(appointment_id)
    if not appointment.email:
        _refuse(409, "This appointment has no email address", "Print its invitation letter.")
    _invite(appointment_id)
    return _after(appointment.appointment_date, "resent")


@bp.post("/appointments/<int:appointment_id>/cancel")
@role_required(*STAFF)
def cancel(appointment_id: int):
    """Asks first (a cancelled appointment cannot be brought back), then cancels."""
    appointment = _open_appointment(appointment_id)
    if request.form.get("confirm") != "yes":
        return render_template("clinic/cancel.html", appointment=appointment)
    services.cancel(appointment_id, _user())
    return _after(appointment.appointment_date, "cancelled")


@bp.post("/appointments/<int:appointment_id>/desk-code")
@role_required(*STAFF)
def desk_code(appointment_id: int):
    """The code is shown once, on the answer to this POST; only its hash is kept."""
    appointment = _open_appointment(appointment_id)
    code = services.new_desk_code(appointment_id, _user())
    return _day_page(appointment.appointment_date, desk_code=(appointment, code))


@bp.post("/appointments/<int:appointment_id>/letter.pdf")
@role_required(*STAFF)
def invitation_letter(appointment_id: int):
    """A printed letter needs a link of its own (tokens are never kept): issuing it revokes the
    earlier link, so this is a POST, never a GET a browser might prefetch."""
    appointment = _open_appointment(appointment_id)
    public_url = current_app.config["PUBLIC_URL"]
    if not public_url:  # checked before a new link revokes the one the patient may hold
        _refuse(503, "Invitation letters are not set up yet", NOT_CONFIGURED)
    token = services.issue_invitation(
        appointment_id, _user(), current_app.config["TIMEZONE"], audited_as="invitation_letter"
    )
    link = services.invitation_url(token, public_url)
    pdf = letter.render_letter(letter.LetterInput.of(appointment, link))
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="invitation-letter.pdf"'},
    )


NOT_CONFIGURED = (
    "Set INTAKE_PUBLIC_URL to the address patients use to reach Intake, then try again."
)


def _invite(appointment_id: int) -> bool:
    """A new invitation link for the appointment (the earlier one revoked), emailed: the one
    place an invitation is sent from. Whether the server took it; a refusal is shown on the
    appointment, with Resend."""
    token = services.issue_invitation(appointment_id, _user(), current_app.config["TIMEZONE"])
    return mail.send_invitation(appointment_id, token)


def _user():
    return current_user._get_current_object()


def _today() -> date:
    return clock.today(current_app.config["TIMEZONE"])


def _shown_day() -> date:
    """The day in ?date= (ISO), or today in clinic time; anything else is a 400 that says why."""
    asked = request.args.get("date")
    if asked is None:
        return _today()
    with contextlib.suppress(ValueError):
        if _ISO_DATE.fullmatch(asked):
            return date.fromisoformat(asked)
    _refuse(
        400,
        "That is not a date",
        "Write the date in the address as year-month-day, like 2026-12-04.",
    )


def _open_appointment(appointment_id: int) -> Appointment:
    """An appointment that can still be answered: links, codes and cancelling are for those."""
    appointment = queries.find(appointment_id) or abort(404)
    if appointment.state not in services.OPEN or appointment.appointment_date < _today():
        _refuse(
            409,
            "This appointment can no longer be changed",
            "It is cancelled, answered or past. Go back to the Clinic day.",
        )
    return appointment


def _refuse(status: int, heading: str, advice: str) -> NoReturn:
    """Stop here with a page that says what is wrong, in words."""
    page = render_template("clinic/problem.html", heading=heading, advice=advice)
    abort(Response(page, status))


def _day_page(on: date, status: int = 200, **shown):
    html = render_template(
        "clinic/day.html",
        day=queries.day(on),
        today=_today(),
        form=shown.pop("form", None) or AppointmentForm(formdata=None),
        import_form=shown.pop("import_form", None) or ImportForm(formdata=None),
        done=DONE.get(request.args.get("done", "")),
        open_states=services.OPEN,
        **shown,
    )
    return html, status


def _after(on: date, done: str):
    """POST/redirect/GET: back to the appointment's day, saying what was done (not to whom)."""
    return redirect(url_for(".day", date=on.isoformat(), done=done))
