"""What the browser tests share: serving the app, the app's own wording, filling a step by
its labels, a fast way to put the browser at any point of the questionnaire, and the page
checks (axe, target size, reflow, zoom)."""

from __future__ import annotations

import contextlib
import re
import threading
from urllib.parse import urlencode

from flask_babel import force_locale, format_date, gettext
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select
from werkzeug.serving import make_server

from intake import languages
from intake.clinic import services as staff
from intake.extensions import db
from intake.models import Draft
from intake.questionnaire import Kind, Question, Step, answer_text, parse_date
from intake.tokens import token_hash
from tests.factories import answers
from tests.support import Patient

REFERENCE = re.compile(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
MIN_TARGET = 44  # CSS pixels, SPEC 8 (stricter than WCAG 2.5.8's 24)


@contextlib.contextmanager
def serving(app):
    """The app on 127.0.0.1 (a free port) in a thread, for as long as the block runs."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


# Wording ------------------------------------------------------------------


class Wording:
    """The patient side's wording in one language, translated by the app itself.

    Read from the catalogue at test time (nothing hard-coded), so the tests follow the
    Spanish translation as it is written; a message not translated yet comes back in
    English, exactly as the page shows it.
    """

    def __init__(self, app, language: str):
        self.app = app
        self.language = language

    def __call__(self, message: str, **variables) -> str:
        with self.app.test_request_context("/"), force_locale(self.language):
            return gettext(message, **variables)

    def label(self, question: Question) -> str:
        """A question's accessible name: its label, and "(optional)" when it is."""
        text = self(question.label)
        return text if question.required else f"{text} {self('(optional)')}"

    def date(self, value) -> str:
        """A date in words as the patient's pages write it in this language."""
        language = languages.find(self.language)
        with self.app.test_request_context("/"), force_locale(self.language):
            return format_date(parse_date(value), language.date_format)

    def answer(self, question: Question, value) -> str:
        """An answer in words, as Check your answers shows it in this language."""
        return answer_text(question, value, self, self.date)


# Every browser of the run is on 127.0.0.1, and on PostgreSQL every test server shares the
# counts: the limits per address would refuse the run's own drafts and sign-ins
# (tests/http/test_rate_limits.py tests them).
ONE_ADDRESS_FOR_EVERY_BROWSER = {"RATE_LIMIT_NEW_DRAFTS": 100_000, "RATE_LIMIT_SIGN_IN": 100_000}


def staff_account(live_app, email: str, password: str, role: str = "clinician") -> str:
    """A staff account on the browser tests' live app; its email."""
    with live_app.app_context():
        staff.create_user(email, password, role)
        db.session.remove()
    return email


def switch_language(page: Page, language: str) -> None:
    """Choose the language with the page's own link (English is the default)."""
    if language != "en":
        page.get_by_role("link", name=languages.find(language).own_name).first.click()
    expect(page.locator("html")).to_have_attribute("lang", language)


# Answers -------------------------------------------------------------------

# Every conditional question of the questionnaire applies: Female (the hormonal question on
# step 2), all seven treatments between the two treatment questions (so each "How well"
# question; antibiotic tablets in both), isotretinoin used before (when stopped, relapse),
# not pregnant (planning), another nerve or muscle disease (which), botulinum toxin before
# (when, and what happened after).
EVERY_CONDITIONAL = answers(
    full_name="Lucía Peña-Ibáñez",
    sex="female",
    hormonal_features=["irregular_periods", "unwanted_hair"],
    severity="moderate",
    treatments_now=["prescription_topical", "antibiotic_tablets", "hormonal", "botox"],
    treatments_before=["pharmacy", "antibiotic_tablets", "isotretinoin", "procedures"],
    response_pharmacy="did_not_help",
    response_prescription_topical="helped_somewhat",
    response_antibiotic_tablets="side_effects",
    response_isotretinoin="cleared",
    response_hormonal="too_soon",
    response_procedures="helped_somewhat",
    response_botox="too_soon",
    isotretinoin_stopped="6_to_12_months",
    isotretinoin_relapse="yes",
    pregnant_breastfeeding="no",
    planning_pregnancy="no",
    conditions=["other_nerve_muscle"],
    nerve_muscle_disease="Charcot-Marie-Tooth (tipo 1A)",
    toxin_ever="yes",
    toxin_last="over_12_months",
    after_toxin=["drooping"],
)


# Filling the questionnaire by label ----------------------------------------


def question_on_page(page: Page, question: Question, t: Wording) -> Locator:
    """A question on the page, by its (translated) accessible name: the group (fieldset and
    legend) of a choice or date question, the field of a text question. Only what is in the
    accessibility tree matches: a hidden conditional question is not found, as for a patient."""
    name = t.label(question)
    if question.kind in (Kind.TEXT, Kind.LONG_TEXT):
        return page.get_by_role("textbox", name=name, exact=True)
    return page.get_by_role("group", name=name, exact=True)


def fill_question(page: Page, question: Question, value, t: Wording) -> None:
    """Answer one question as a patient would, by its label and its options' labels.

    Check boxes are set to match the answer exactly, so this also changes an answer.
    """
    field = question_on_page(page, question, t)
    if question.shown_if is not None:
        # Revealed (in place, or by the server for a trigger on an earlier step) before it
        # can be answered: a patient cannot answer what is not shown.
        expect(field, f"{question.id} is shown before it is answered").to_be_visible()
    if question.kind in (Kind.TEXT, Kind.LONG_TEXT):
        field.fill(value)
    elif question.kind is Kind.DATE:
        year, month, day = value.split("-")
        field.get_by_label(t("Day"), exact=True).fill(str(int(day)))
        field.get_by_label(t("Month"), exact=True).fill(str(int(month)))
        field.get_by_label(t("Year"), exact=True).fill(year)
    elif question.kind is Kind.ONE_OF:
        field.get_by_label(t(question.option_label(value)), exact=True).check()
    else:
        for option in question.options:
            if option.id not in value:
                field.get_by_label(t(option.label), exact=True).uncheck()
        for option_id in value:
            field.get_by_label(t(question.option_label(option_id)), exact=True).check()


def fill_step(page: Page, step: Step, answers: dict, t: Wording) -> None:
    """Answer one step as a patient would, finding every field by its (translated) label, in
    the step's order: a conditional question is answered once its trigger is, whether the
    trigger is on this step (revealed in place by the page's script; when the condition names
    several questions, any of them may reveal it) or on an earlier one (then the server has
    put the question on the page already). Questions not in answers are left as they are.
    """
    for question in step.questions:
        if question.id in answers:
            fill_question(page, question, answers[question.id], t)


def expect_conditionals(page: Page, step: Step, answers: dict, t: Wording) -> None:
    """Each conditional question of the step is shown exactly when the answers (this step's
    and earlier steps') call for it. One whose trigger is on an earlier step is not on the page
    at all when it does not apply; one whose trigger is on this step waits hidden in place."""
    for question in step.questions:
        if question.shown_if is None:
            continue
        field = question_on_page(page, question, t)
        if question.shown_if.is_met(answers):
            expect(field, f"{question.id} is shown").to_be_visible()
        else:
            expect(field, f"{question.id} is not shown").to_be_hidden()
            own = {q.id for q in step.questions}
            if not own.issuperset(question.shown_if.questions):
                expect(page.locator(f'[name="{question.id}"]')).to_have_count(0)
                expect(page.locator(f'input[name="shown"][value="{question.id}"]')).to_have_count(0)


def continue_(page: Page, t: Wording | None = None) -> None:
    page.get_by_role("button", name=t("Continue") if t else "Continue", exact=True).click()


# Putting the browser at a point of the questionnaire, fast ---------------------------


class _Response:
    def __init__(self, response):
        self.status_code = response.status
        self.location = response.headers.get("location")
        self._text = response.text()

    def get_data(self, as_text: bool = False):
        return self._text if as_text else self._text.encode()


class BrowserRequests:
    """The browser context's own HTTP client (same cookies) with the test client's interface,
    so tests.support.Patient can answer steps for the browser without typing every field."""

    def __init__(self, page: Page):
        self.request = page.request

    def get(self, url: str) -> _Response:
        return _Response(self.request.get(url, max_redirects=0))

    def post(self, url: str, data: dict) -> _Response:
        return _Response(
            self.request.post(
                url,
                data=urlencode(data, doseq=True),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                max_redirects=0,
            )
        )


def patient_in(page: Page) -> Patient:
    """A Patient posting the real forms with this browser's cookies (its session, its draft)."""
    return Patient(BrowserRequests(page))


def session_of(app, page: Page) -> dict:
    """What the browser's signed session cookie holds (an opaque draft token, the language)."""
    cookie = next((c for c in page.context.cookies() if c["name"] == "session"), None)
    if cookie is None:
        return {}
    return dict(app.session_interface.get_signing_serializer(app).loads(cookie["value"]))


def draft_answers(app, page: Page) -> dict | None:
    """The answers the server keeps in this browser's draft (None when it has none)."""
    token = session_of(app, page).get("draft")
    if token is None:
        return None
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.token_hash == token_hash(token)))
        answers = None if draft is None else dict(draft.answers)
        db.session.remove()
    return answers


# Page checks ---------------------------------------------------------------


def axe_violations(page: Page) -> str | None:
    """axe-core, WCAG 2.0/2.1/2.2 A and AA rules only: None when clean, else the report."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    return None if results.violations_count == 0 else results.generate_report()


_SMALL_TARGETS = """(min) => {
  const selector = 'a[href], button, input:not([type=hidden]), textarea, select, summary, [role=button]';
  const small = [];
  for (const element of document.querySelectorAll(selector)) {
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    if (box.width === 0 && box.height === 0) continue;           // not rendered (hidden)
    if (style.visibility === 'hidden') continue;
    if (box.right <= 0 || box.bottom <= 0) continue;              // parked off-screen (skip link)
    if (element.closest('dialog:not([open])')) continue;
    if (box.width + 0.5 < min || box.height + 0.5 < min) {
      small.push(`${element.outerHTML.slice(0, 120)}: ${box.width.toFixed(1)} x ${box.height.toFixed(1)}`);
    }
  }
  return small;
}"""


def small_targets(page: Page) -> list[str]:
    """Interactive elements smaller than 44 by 44 CSS pixels, described."""
    return page.evaluate(_SMALL_TARGETS, MIN_TARGET)


_OVERFLOW = """() => {
  const root = document.documentElement;
  const found = [];
  if (root.scrollWidth > root.clientWidth) {
    found.push(`page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
  }
  // Content cut off: a box that hides what overflows it (scroll containers such as the
  // clinic's table wrapper scroll on purpose, and the visually hidden text is meant to be clipped).
  for (const element of document.body.querySelectorAll('*')) {
    if (element.closest('.visually-hidden, dialog:not([open]), [hidden]')) continue;
    const style = getComputedStyle(element);
    const clips = (value) => value === 'hidden' || value === 'clip';
    if ((clips(style.overflowX) && element.scrollWidth > element.clientWidth + 1) ||
        (clips(style.overflowY) && element.scrollHeight > element.clientHeight + 1)) {
      found.push(`cut off: ${element.outerHTML.slice(0, 120)}`);
    }
  }
  return found;
}"""


def overflow(page: Page) -> list[str]:
    """Sideways scrolling of the page, and content clipped by its box."""
    return page.evaluate(_OVERFLOW)
