"""Clinic pages: sign-in, the submissions list, a submission's answers and its PDF."""

from __future__ import annotations

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

from forms.clinic import SignInForm, SubmissionFilterForm
from intake import clock, summaries, tablet
from intake.clinic import queries, services
from intake.clinic.auth import role_required
from intake.web import local_path

bp = Blueprint("clinic", __name__, url_prefix="/clinic")

STAFF = ("clinician", "frontdesk")


@bp.context_processor
def staff_member():
    return {"current_user": current_user._get_current_object()}


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for(".submissions"))
    form = SignInForm()
    if not form.validate_on_submit():
        return render_template("clinic/login.html", form=form)
    result = services.sign_in(form.email.data, form.password.data)
    if result.outcome == "throttled":
        message = "Too many failed sign-ins for this account. Try again in 15 minutes."
        return render_template("clinic/login.html", form=form, refusal=message), 429
    if result.outcome == "failure":
        form.password.errors = ["Email or password is incorrect"]
        return render_template("clinic/login.html", form=form), 200
    session.clear()  # a new session at sign-in: nothing carries over from before
    login_user(result.user)
    response = redirect(local_path(request.args.get("next")) or url_for(".submissions"))
    tablet.turn_off(response)  # staff signed in: this device is no longer a patients' tablet
    return response


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
    services.audit(current_user, "view_answers", found.reference)
    assessment = queries.assessment_of(found, current_app.config["TIMEZONE"])
    answered_in = assessment.questionnaire
    return render_template(
        "clinic/detail.html",
        submission=found,
        assessment=assessment,
        groups=answered_in.answered_steps(answered_in.applicable_answers(found.answers)),
    )


@bp.post("/submissions/<reference>/reviewed")
@role_required("clinician", action="mark_reviewed")
def mark_reviewed(reference: str):
    found = queries.find(reference) or abort(404)
    services.mark_reviewed(found.reference, current_user._get_current_object())
    return redirect(url_for(".submission", reference=found.reference))


@bp.get("/submissions/<reference>/summary.pdf")
@role_required("clinician", action="download_pdf")
def summary_pdf(reference: str):
    found = queries.find(reference) or abort(404)
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
