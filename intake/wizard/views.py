"""Thin views: load the draft, validate with the step's form, delegate writes, redirect."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from markupsafe import Markup

from forms.questionnaire import (
    ConfirmForm,
    StoredAnswers,
    first_invalid_step,
    form_for,
    stored_step_form,
)
from intake import clock, i18n, questionnaire, ratelimit, summaries, tablet
from intake.appointments import services as appointments
from intake.questionnaire import STEPS, Step
from intake.web import local_path
from intake.wizard import drafts

bp = Blueprint("wizard", __name__)


def _returning_to_check() -> bool:
    return request.args.get("return") == "check"


def _return_to_check_query() -> dict[str, Any]:
    """The query that keeps a change from check answers returning there."""
    return {"return": "check"} if _returning_to_check() else {}


@bp.app_context_processor
def tablet_settings():
    return {"tablet": tablet.is_tablet(), "tablet_timers": tablet.timers()}


@bp.get("/")
def start_page():
    has_draft = not tablet.is_tablet() and drafts.current() is not None
    return render_template("wizard/start.html", has_draft=has_draft, steps=STEPS)


@bp.get("/language/<code>")
def language(code: str):
    """English or Español, for the rest of the visit; back to the page the patient was on."""
    i18n.choose(code)
    return redirect(local_path(request.args.get("next")) or url_for(".start_page"))


@bp.post("/start")
def start():
    """Resume this browser's live draft where it stopped, or begin a new one.

    On a front-desk tablet every start is a new patient.
    """
    if tablet.is_tablet():
        drafts.forget_browser_draft()
    draft = drafts.current()
    if draft is None:
        _new_draft()
        return redirect(url_for(".step", slug=STEPS[0].slug))
    ask_again_from = drafts.bring_up_to_date(draft)
    if ask_again_from is not None:
        return _ask_again(ask_again_from)
    unfinished = first_invalid_step(STEPS, draft.answers)
    if unfinished is None:
        return redirect(url_for(".check_answers"))
    return redirect(url_for(".step", slug=unfinished.slug))


@bp.route("/questions/<slug>", methods=["GET", "POST"])
def step(slug: str):
    current = questionnaire.step(slug) or abort(404)
    if request.method == "POST":
        return _answer_step(current)
    draft = drafts.current()
    if draft is None:
        return redirect(url_for(".confirmation" if _submitted() else ".start_page"))
    ask_again_from = drafts.bring_up_to_date(draft)
    if ask_again_from is not None:
        return _ask_again(ask_again_from)
    if not request.args.get("check"):
        return _render_step(
            current,
            StoredAnswers(current, draft.answers),
            questions_changed=bool(request.args.get("changed")),
        )
    form = stored_step_form(current, draft.answers)
    form.validate()
    # A question that applies now because of an answer changed since (on another step) was
    # never asked: it is added, not an error.
    revealed = [q.id for q in form.questions() if q.shown_if and q.id not in draft.answers]
    for question_id in revealed:
        form[question_id].errors = []
    return _render_step(current, form, revealed=revealed)


def _ask_again(step: Step):
    """The draft was begun on an older questionnaire version: back to the first step whose
    questions changed, saying why."""
    return redirect(url_for(".step", slug=step.slug, changed=1))


def _answer_step(current: Step):
    """Validate the step's answers, then save them: the draft is read only inside that write
    (and before it only for a step whose questions depend on another step's answers)."""
    form = _posted_form(current)
    form.validate()
    revealed = _newly_revealed(form)
    for question_id in revealed:
        form[question_id].errors = []
    if any(field.errors for field in form) or form.sent_files:
        if drafts.current() is None and _submitted():
            return redirect(url_for(".confirmation"))
        return _render_step(current, form, revealed=revealed)
    # A question the patient has not seen yet is asked now; nothing of it is kept unvalidated.
    answers = {k: v for k, v in form.answers().items() if k not in revealed}
    saved = _save(current, answers)
    if not saved.kept:
        return redirect(url_for(".confirmation"))
    if saved.ask_again_from is not None:
        return _ask_again(saved.ask_again_from)
    if revealed:
        return _render_step(current, form, revealed=revealed)
    return redirect(_next_url(current))


def _posted_form(current: Step):
    """The step's form as posted; a step whose questions depend on another step's answers also
    reads the draft for them."""
    form = form_for(current)(formdata=request.form)
    if current.reads_other_steps:
        draft = drafts.current()
        form.other_answers = draft.answers if draft is not None else {}
    return form


def _submitted() -> bool:
    """This browser has already submitted its draft (Back after Submit, or a resent page)."""
    return drafts.submission_of_browser() is not None


def _newly_revealed(form) -> list[str]:
    """Conditional questions that apply now but were not on the page the patient saw (no JavaScript)."""
    shown = set(request.form.getlist("shown"))
    return [q.id for q in form.questions() if q.shown_if and q.id not in shown]


def _save(current: Step, answers: dict) -> drafts.Saved:
    """Save a step. A draft that expired while the page was open (or sat idle on a tablet) is
    replaced, keeping these answers; nothing is saved when this browser has submitted."""
    token = drafts.browser_token()
    if token is not None:
        saved = drafts.save_step(token, current, answers, drafts.lifetime())
        if saved.kept:
            if saved.appointment_id is not None:
                appointments.mark_in_progress(saved.appointment_id)
            return saved
    if _submitted():
        return drafts.Saved(False)
    return drafts.save_step(_new_draft(), current, answers, drafts.lifetime())


def _new_draft() -> str:
    """A new draft for this browser, counted against the client address's limit (429 over it)."""
    ratelimit.enforce("new_drafts")
    return drafts.start_for_browser()


def _next_url(current: Step) -> str:
    following = questionnaire.next_step(current)
    if _returning_to_check() or following is None:
        return url_for(".check_answers")
    return url_for(".step", slug=following.slug)


def _render_step(
    current: Step,
    form,
    revealed: tuple | list = (),
    resend: bool = False,
    questions_changed: bool = False,
):
    previous = questionnaire.previous_step(current)
    if _returning_to_check():
        back_url = url_for(".check_answers")
    elif previous:
        back_url = url_for(".step", slug=previous.slug)
    else:
        back_url = url_for(".start_page")
    return render_template(
        "wizard/step.html",
        step=current,
        total=len(STEPS),
        form=form,
        visible=form.visible_ids(),
        revealed=revealed,
        resend=resend,
        questions_changed=questions_changed,
        back_url=back_url,
        action=url_for(".step", slug=current.slug, **_return_to_check_query()),
    )


@bp.route("/check-answers", methods=["GET", "POST"])
def check_answers():
    draft = drafts.current()
    if draft is None:
        return redirect(url_for(".confirmation" if _submitted() else ".start_page"))
    ask_again_from = drafts.bring_up_to_date(draft)
    if ask_again_from is not None:
        return _ask_again(ask_again_from)
    unfinished = first_invalid_step(STEPS, draft.answers)
    if unfinished is not None:
        return redirect(url_for(".step", slug=unfinished.slug, check=1, **{"return": "check"}))
    form = ConfirmForm()
    changed = False
    if form.validate_on_submit():
        try:
            reference = drafts.submit(
                drafts.browser_token(),
                request.form.get("checked", ""),
                language=i18n.current_language(),
            )
        except drafts.DraftChanged:
            changed = True  # another tab changed an answer: show them again before storing
        else:
            summaries.store_after_submit(reference, current_app.config["TIMEZONE"])
            return redirect(url_for(".confirmation"))
    return render_template(
        "wizard/check.html",
        form=form,
        groups=questionnaire.answered_steps(draft.answers, gettext, i18n.patient_date),
        checked=drafts.fingerprint(draft.answers),
        changed=changed,
    )


@bp.get("/confirmation")
def confirmation():
    submission = drafts.submission_of_browser()
    if submission is None:
        return redirect(url_for(".start_page"))
    if tablet.is_tablet():
        shown_for = clock.now() - submission.submitted_at
        if shown_for > timedelta(seconds=tablet.timers()["reset"]):
            return redirect(url_for(".tablet_reset_page"))
    reference = Markup('<strong class="reference">%s</strong>') % submission.reference
    return render_template("wizard/confirmation.html", reference_markup=reference)


@bp.get("/tablet/reset")
def tablet_reset_page():
    """The button that starts again; a link, from this site or another, changes nothing."""
    return render_template("wizard/tablet_reset.html")


@bp.post("/tablet/reset")
def tablet_reset():
    """Forget this browser's patient: draft deleted, session cookie renewed, site data cleared."""
    drafts.forget_browser_draft()
    session.clear()
    response = redirect(url_for(".start_page"))
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.post("/tablet/still-here")
def tablet_still_here():
    """The patient is active on the page (JavaScript reports it): their draft is not idle."""
    token = drafts.browser_token()
    if token is not None and drafts.current() is not None:
        drafts.touch(token, drafts.lifetime())
    return "", 204


def after_csrf_failure():
    """An expired or missing form token: the page again with what was typed, never a bare 400."""
    if request.endpoint == "wizard.step":
        current = questionnaire.step(request.view_args["slug"]) or abort(404)
        return _render_step(current, _posted_form(current), resend=True)
    if request.endpoint == "wizard.check_answers" and drafts.current() is not None:
        return redirect(url_for(".check_answers"))
    if request.endpoint == "wizard.tablet_reset":
        return redirect(url_for(".tablet_reset_page"))
    return redirect(url_for(".start_page"))
