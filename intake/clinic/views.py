"""Clinic pages: sign-in (with two-factor codes), the account page, the submissions list, a
submission's answers and its PDF, and its hand-off (SPEC section 12): Mark as filed in the
patient record, Place legal hold (and Release legal hold), Delete now with a reason and a
confirmation. Each is a POST with its form token, then a redirect to the submission's page,
which says what was done (?done=<key>, never anything of the patient's). A deleted
submission's page is its tombstone; its PDF and FHIR export are gone (410)."""

from __future__ import annotations

from functools import wraps
from typing import NoReturn

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from forms.clinic import AuthenticationCodeForm, SignInWithCodeForm, SubmissionFilterForm
from forms.records import DeletionForm
from intake import clock, ratelimit, records, summaries, tablet
from intake.appointments import services as appointments
from intake.clinic import queries, second_factor, services
from intake.clinic.auth import role_required
from intake.extensions import db
from intake.models import Submission, User
from intake.web import local_path

bp = Blueprint("clinic", __name__, url_prefix="/clinic")

STAFF = ("clinician", "frontdesk")


@bp.context_processor
def staff_member():
    return {"current_user": current_user._get_current_object()}


PENDING_SIGN_IN = "pending_sign_in"  # the token of a sign-in waiting for its code or enrolment
REFUSED_SIGN_IN = "Email or password is incorrect"
LOCKED = (
    "Too many failed sign-ins for this account. Try again in 15 minutes, "
    "or sign in with your authentication code as well."
)
WRONG_CODE = "The code is not right. Check your authenticator app and enter the code it shows now"
TOO_SLOW = "Signing in took longer than 5 minutes. Sign in again."


@bp.route("/login", methods=["GET", "POST"])
@ratelimit.limited("sign_in")
def login():
    if current_user.is_authenticated:
        return redirect(url_for(".submissions"))
    form = SignInWithCodeForm()
    with_code = "code" in request.form  # the form a locked account's page shows
    if not form.validate_on_submit():
        return _sign_in_page(form, with_code)
    result = services.sign_in(
        form.email.data,
        form.password.data,
        code=form.code.data,
        require_2fa=current_app.config["REQUIRE_2FA"],
    )
    if result.outcome == "throttled":
        return _locked_page(form)
    if result.outcome == "failure":
        form.password.errors = [REFUSED_SIGN_IN]
        form.code.data = ""
        return _sign_in_page(form, with_code)
    if result.outcome == "success":
        return _signed_in(result)
    session.clear()  # a new session at sign-in: nothing carries over from before
    session[PENDING_SIGN_IN] = result.token
    step = ".login_code" if result.outcome == services.CODE else ".login_enrol"
    return redirect(url_for(step, next=local_path(request.args.get("next"))))


def _sign_in_page(form, with_code: bool = False, notice: str | None = None):
    return render_template("clinic/login.html", form=form, with_code=with_code, notice=notice)


def _locked_page(form):
    """Refused: the account is locked. The same page whatever was typed, so it tells nothing."""
    form.code.data = ""
    page = render_template("clinic/login.html", form=form, with_code=True, refusal=LOCKED)
    return page, 429


def _signed_in(result: services.SignIn):
    session.clear()  # a new session at sign-in: nothing carries over from before
    login_user(result.user)
    response = redirect(local_path(request.args.get("next")) or url_for(".submissions"))
    tablet.turn_off(response)  # staff signed in: this device is no longer a patients' tablet
    return response


def waiting_for(step: str):
    """A step of a sign-in whose password was right (services.CODE or services.ENROL): the
    view gets the pending sign-in's token and user; without one, the sign-in page."""

    def decorator(view):
        @wraps(view)
        def wrapped():
            token = session.get(PENDING_SIGN_IN)
            if token is None:
                return redirect(url_for(".login", next=local_path(request.args.get("next"))))
            user = services.pending_sign_in(token, step)
            return _start_again() if user is None else view(token, user)

        return wrapped

    return decorator


def _start_again():
    """The pending sign-in ended (too slow, or the account changed): sign in from the start."""
    session.pop(PENDING_SIGN_IN, None)
    return _sign_in_page(SignInWithCodeForm(formdata=None), notice=TOO_SLOW)


@bp.route("/login/code", methods=["GET", "POST"])
@ratelimit.limited("sign_in")
@waiting_for(services.CODE)
def login_code(token: str, user):
    """After a right password: the authentication code, within 5 minutes."""
    form = AuthenticationCodeForm()
    if not form.validate_on_submit():
        return render_template("clinic/code.html", form=form)
    result = services.sign_in_with_code(token, form.code.data)
    if result.outcome == "throttled":
        session.pop(PENDING_SIGN_IN)
        return _locked_page(SignInWithCodeForm(formdata=None, email=user.email))
    if result.outcome == "failure":
        form.code.errors, form.code.data = [WRONG_CODE], ""
        return render_template("clinic/code.html", form=form)
    return _start_again() if result.outcome == "expired" else _signed_in(result)


@bp.route("/login/enrol", methods=["GET", "POST"])
@ratelimit.limited("sign_in")
@waiting_for(services.ENROL)
def login_enrol(token: str, user):
    """After a right password, where two-factor sign-in is required: enrol, then signed in."""
    form = AuthenticationCodeForm()
    if form.validate_on_submit():
        result = services.enrol_and_sign_in(token, form.code.data)
        if result.outcome != "failure":
            return _start_again() if result.outcome == "expired" else _signed_in(result)
        form.code.errors, form.code.data = [WRONG_CODE], ""
    return _enrolment_page(user, form, signing_in=True)


@bp.route("/account", methods=["GET", "POST"])
@role_required(*STAFF)
def account():
    """Your account: turn two-factor sign-in on (turning it off is the operator's reset-2fa)."""
    user = current_user._get_current_object()
    if user.totp_secret:
        return render_template("clinic/account.html", enrolled=True)
    form = AuthenticationCodeForm()
    if form.validate_on_submit():
        if services.enrol(user.id, form.code.data):
            return redirect(url_for(".account"))
        form.code.errors, form.code.data = [WRONG_CODE], ""
    return _enrolment_page(user, form, signing_in=False)


def _enrolment_page(user, form, signing_in: bool):
    """The secret to enrol, as text and as a QR code, and the field for its first code."""
    secret = services.enrolment_secret(user.id)
    uri = second_factor.provisioning_uri(user.email, secret)
    return render_template(
        "clinic/account.html",
        form=form,
        enrolled=False,
        signing_in=signing_in,
        secret=second_factor.grouped(secret),
        qr_code=second_factor.qr_code(uri),
    )


@bp.post("/logout")
@login_required
def logout():
    services.sign_out(current_user._get_current_object())
    logout_user()
    session.clear()
    return redirect(url_for(".login"))


@bp.post("/tablet")
@role_required(*STAFF)
def tablet_mode():
    """Sign this device out of the clinic and hand it to patients as a front-desk tablet."""
    user = current_user._get_current_object()
    services.audit(user, "tablet_mode")
    services.sign_out(user)
    logout_user()
    session.clear()
    response = redirect(url_for("wizard.start_page"))
    tablet.turn_on(response)
    return response


@bp.route("/", methods=["GET", "POST"])
@role_required(*STAFF)
def submissions():
    """Newest first; search and pages arrive by POST so a name never goes into a URL."""
    form = SubmissionFilterForm()
    filtering = form.validate_on_submit()
    page = queries.submissions_page(
        query=(form.q.data or "") if filtering else "",
        submitted_on=form.submitted.data if filtering else None,
        appointment_on=form.appointment.data if filtering else None,
        page=request.form.get("page", 1, type=int),
        clinic_timezone=current_app.config["TIMEZONE"],
        shown=queries.shown_in(request.form),
    )
    refused = form.is_submitted() and not filtering  # shown again with the field's error
    html = render_template(
        "clinic/list.html",
        form=form,
        page=page,
        today=clock.today(current_app.config["TIMEZONE"]),
    )
    return html, 400 if refused else 200


@bp.get("/submissions/<reference>")
@role_required("clinician", action="view_answers")
def submission(reference: str):
    found = queries.find(reference) or abort(404)
    if found.is_deleted:
        return _tombstone_page(found)
    services.audit(current_user, "view_answers", found.reference)
    assessment = queries.assessment_of(found, current_app.config["TIMEZONE"])
    answered_in = assessment.questionnaire
    return render_template(
        "clinic/detail.html",
        submission=found,
        assessment=assessment,
        groups=answered_in.answered_steps(answered_in.applicable_answers(found.answers)),
        deletion_form=DeletionForm(formdata=None),
        done=_done(),
    )


@bp.post("/submissions/<reference>/reviewed")
@role_required("clinician", action="mark_reviewed")
def mark_reviewed(reference: str):
    found = _live(reference)
    user = current_user._get_current_object()
    services.mark_reviewed(found.reference, user)
    if found.appointment_id is not None:  # the Clinic day shows the appointment as reviewed
        appointments.advance(found.appointment_id, "reviewed", user)
    return redirect(url_for(".submission", reference=found.reference))


@bp.get("/submissions/<reference>/summary.pdf")
@role_required("clinician", action="download_pdf")
def summary_pdf(reference: str):
    found = _live(reference)
    pdf = summaries.stored_pdf(found, current_app.config["TIMEZONE"])
    services.audit(current_user, "download_pdf", found.reference)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{found.reference}.pdf"',
            "Cache-Control": "no-store",
        },
    )


# Hand-off (SPEC section 12) -----------------------------------------------------------------


def _done_words() -> dict[str, str]:
    """What the submission's page says after each action: ?done=<key>."""
    filed_days = current_app.config["RETAIN_FILED_DAYS"]
    return {
        "filed": (
            "Marked as filed in the patient record. Our copy will be deleted "
            f"{filed_days} days after filing, unless a legal hold is placed."
        ),
        "held": "Legal hold placed. This submission will not be deleted while the hold lasts.",
        "released": "Legal hold released. This submission can be deleted again.",
        "deleted": (
            "Submission deleted. Its answers, PDF and contact details are gone; "
            "this record of it remains."
        ),
    }


def _done() -> str | None:
    return _done_words().get(request.args.get("done", ""))


@bp.post("/submissions/<reference>/filed")
@role_required("clinician", action="mark_filed")
def mark_filed(reference: str):
    return _hand_off(reference, records.mark_filed, "filed")


@bp.post("/submissions/<reference>/hold")
@role_required("clinician", action="place_legal_hold")
def place_hold(reference: str):
    return _hand_off(reference, records.place_hold, "held")


@bp.post("/submissions/<reference>/release-hold")
@role_required("clinician", action="release_legal_hold")
def release_hold(reference: str):
    return _hand_off(reference, records.release_hold, "released")


def _hand_off(reference: str, action, done: str):
    found = _live(reference)
    _carry_out(found, action)
    return _after(found, done)


@bp.post("/submissions/<reference>/delete")
@role_required("clinician", action="delete_submission")
def delete_submission(reference: str):
    """Delete now: the reason first (its page again, with what was typed, when it is
    missing or refused), then a page asking to confirm, then the deletion."""
    found = _live(reference)
    if found.legal_hold_at is not None:  # refused before a reason is asked for, audited
        services.audit(current_user, "delete_submission", found.reference, "held")
        _refuse_held(found)
    form = DeletionForm()
    if not form.validate_on_submit():
        return render_template("clinic/delete.html", submission=found, form=form), 400
    if request.form.get("confirm") != "yes":
        return render_template("clinic/delete_confirm.html", submission=found, form=form)
    _carry_out(found, records.delete_now, form.reason.data)
    return _after(found, "deleted")


def _after(found: Submission, done: str):
    return redirect(url_for(".submission", reference=found.reference, done=done))


def _live(reference: str) -> Submission:
    """A submission not deleted: 404 when unknown, 410 with a page saying so for a tombstone."""
    found = queries.find(reference) or abort(404)
    if found.is_deleted:
        _refuse(
            410,
            found,
            "This submission has been deleted",
            f"Its answers, PDF and contact details were deleted on "
            f"{_clinic_time(found.deleted_at)}. Only the record of its deletion is left.",
        )
    return found


def _carry_out(found: Submission, action, *arguments) -> None:
    """A records action by the signed-in clinician; records.Held, and records.Deleted (another
    clinician, or a tick, got there first), as pages that say so."""
    try:
        action(found.reference, current_user._get_current_object(), *arguments)
    except records.Held:
        _refuse_held(found)
    except records.Deleted:
        _refuse(410, found, "This submission has been deleted", records.ALREADY_DELETED)


def _refuse_held(found: Submission) -> NoReturn:
    _refuse(409, found, "This submission is under a legal hold", records.HELD)


def _refuse(status: int, found: Submission, heading: str, advice: str) -> NoReturn:
    page = render_template("clinic/refused.html", submission=found, heading=heading, advice=advice)
    abort(Response(page, status))


def _clinic_time(moment) -> str:
    return current_app.jinja_env.filters["clinic_time"](moment)


def _tombstone_page(found: Submission):
    """What is left of a deleted submission: its reference, dates, who filed it and why it was
    deleted, and its PDF's hash. Nothing of the patient's, so nothing to audit as a view."""
    deleted_by = db.session.get(User, found.deleted_by_id) if found.deleted_by_id else None
    return render_template(
        "clinic/tombstone.html", submission=found, deleted_by=deleted_by, done=_done()
    )
