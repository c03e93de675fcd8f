"""The invited patient's pages: the invitation link (/i/TOKEN) and a front-desk tablet's desk
code, each asking the date of birth before the appointment's questionnaire opens.

Opening a link (GET) only reads: mail scanners open links, so it changes nothing and sets no
cookie. Every /i/ response says `Referrer-Policy: no-referrer`, so the token reaches no other
site. Without a referrer, Flask-WTF's form token check (which wants one over HTTPS) cannot
pass, and a GET that sets no cookie cannot hand out a form token anyway: the two /i/ POSTs
are exempt from it. They stay safe from forgery: the unguessable token in the URL is itself
what another site would have to know, and intake.crosssite refuses cross-site POSTs first.
The desk code pages, on this site's own tablet, keep the form token.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext

from forms.invitation import DATE_OF_BIRTH, DateOfBirthForm, DeskCodeForm
from forms.questionnaire import first_invalid_step
from intake import i18n, ratelimit, tablet
from intake.appointments import services
from intake.extensions import csrf
from intake.questionnaire import STEPS
from intake.wizard import drafts

bp = Blueprint("invitation", __name__)

LINK_PREFIX = services.INVITATION_PATH
LINK = f"{LINK_PREFIX}<token>"
DESK_CODE_SESSION_KEY = "desk_code"  # the id of the desk code this tablet used, nothing else


@bp.after_app_request
def no_referrer_for_links(response):
    """No /i/ page sends its address (the token) as a referrer. Registered with the blueprints,
    before intake.web's headers, so it runs after them and has the last word."""
    if request.path.startswith(LINK_PREFIX):
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get(LINK)
def opening(token: str):
    """The clinic's start page for this appointment; reads only."""
    invited = _answerable_link(token)
    if not isinstance(invited, services.Invited):
        return invited
    return render_template("invitation/start.html", token=token, steps=STEPS)


@bp.post(LINK)
@csrf.exempt
def start(token: str):
    """Start now: the date of birth question."""
    invited = _answerable_link(token)
    if not isinstance(invited, services.Invited):
        return invited
    return _date_of_birth_page(DateOfBirthForm(formdata=None), _link_check_url(token))


@bp.post(f"{LINK}/date-of-birth")
@csrf.exempt
def link_date_of_birth(token: str):
    """The date of birth given after the link: only the right one opens the questionnaire."""
    invited = _answerable_link(token)
    if not isinstance(invited, services.Invited):
        return invited
    return _check_date_of_birth(invited, _link_check_url(token))


@bp.post("/desk-code")
def desk_code():
    """Start with a code, on a front-desk tablet: a valid code is used up, then the date of
    birth is asked like the link's."""
    if not tablet.is_tablet():
        abort(404)
    ratelimit.enforce("identity_checks")
    form = DeskCodeForm()
    if form.validate():
        desk_code_id = services.use_desk_code(form.desk_code.data)
        if desk_code_id is not None:
            session[DESK_CODE_SESSION_KEY] = desk_code_id
            return redirect(url_for(".desk_code_date_of_birth"))
        form.refuse()
    return render_template(
        "wizard/start.html", has_draft=False, steps=STEPS, desk_form=form, has_errors=True
    )


@bp.route("/desk-code/date-of-birth", methods=["GET", "POST"])
def desk_code_date_of_birth():
    """The date of birth after a desk code, while the code's 15 minutes last."""
    desk_code_id = session.get(DESK_CODE_SESSION_KEY)
    invited = services.desk_code_invitation(desk_code_id) if tablet.is_tablet() else None
    if desk_code_id is None or invited is None or not invited.is_open:
        return redirect(url_for("wizard.start_page"))
    if invited.reference is not None:
        return _already_sent(invited)
    action = url_for(".desk_code_date_of_birth")
    if request.method == "GET":
        return _date_of_birth_page(DateOfBirthForm(formdata=None), action)
    return _check_date_of_birth(invited, action)


def _check_date_of_birth(invited: services.Invited, action: str):
    """Counted against the address's limit, then against the invitation's five tries."""
    ratelimit.enforce("identity_checks")
    form = DateOfBirthForm()
    if not form.validate():
        return _date_of_birth_page(form, action)
    outcome = services.check_date_of_birth(invited.invitation_id, form.date_of_birth.data)
    if outcome != "right":
        form.date_of_birth.errors = [_MESSAGES[outcome]()]
        return _date_of_birth_page(form, action)
    session.pop(DESK_CODE_SESSION_KEY, None)
    return _open_questionnaire(invited, form.date_of_birth.data)


def _open_questionnaire(invited: services.Invited, date_of_birth: date):
    """The appointment's draft in this browser (begun or resumed), the invitation opened, the
    page language the invitation's unless the patient chose one; then where they stopped."""
    if i18n.SESSION_KEY not in session:
        i18n.choose(invited.language)
    drafts.open_appointment_draft_for_browser(
        invited.appointment_id,
        {
            "full_name": invited.patient_name,
            "date_of_birth": date_of_birth.isoformat(),
            "appointment_date": invited.appointment_date.isoformat(),
        },
    )
    services.advance(invited.appointment_id, "opened")
    draft = drafts.current()
    unfinished = first_invalid_step(STEPS, draft.answers) if draft is not None else STEPS[0]
    if unfinished is None:
        return redirect(url_for("wizard.check_answers"))
    return redirect(url_for("wizard.step", slug=unfinished.slug))


def _answerable_link(token: str):
    """The link's invitation while it may be answered; else the page that says why, in the
    invitation's language unless the patient chose one."""
    invited = services.invitation_for(token)
    if invited is None:
        return _gone()
    i18n.suggest(invited.language)
    if invited.reference is not None:
        return _already_sent(invited)
    if not invited.is_open:
        return _gone()
    return invited


def _link_check_url(token: str) -> str:
    return url_for(".link_date_of_birth", token=token)


def _date_of_birth_page(form: DateOfBirthForm, action: str):
    """The question; its form carries a form token except after a link (see above)."""
    return render_template(
        "invitation/date_of_birth.html",
        form=form,
        question=DATE_OF_BIRTH,
        action=action,
        form_token=not request.path.startswith(LINK_PREFIX),
    )


def _already_sent(invited: services.Invited):
    """After Submit: that, and the reference, nothing else (SPEC section 11)."""
    return render_template("invitation/already_sent.html", reference=invited.reference)


def _gone():
    """Unknown, revoked, expired or cancelled: one page, one status, so a guess learns nothing."""
    return render_template("invitation/gone.html"), 404


def _wrong() -> str:
    return gettext(
        "The date of birth does not match the one your clinic has for this appointment. "
        "Check it and try again: after 5 wrong tries, this is locked for 15 minutes"
    )


def _locked() -> str:
    return gettext(
        "For your security, this is locked for 15 minutes after 5 wrong dates of birth. "
        "Try again later, or ask your clinic for help"
    )


_MESSAGES = {"wrong": _wrong, "locked": _locked}
