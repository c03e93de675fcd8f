"""What the browser tests share: serving the app, the app's own wording, filling a step by
its labels, a fast way to put the browser at any point of the questionnaire, and the page
checks (axe, target size, reflow, zoom)."""

from __future__ import annotations

import contextlib
import re
import threading
from urllib.parse import urlencode

from flask_babel import force_locale, gettext
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from intake import languages
from intake.questionnaire import Kind, Question, Step
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


def switch_language(page: Page, language: str) -> None:
    """Choose the language with the page's own link (English is the default)."""
    if language != "en":
        page.get_by_role("link", name=languages.find(language).own_name).first.click()
    expect(page.locator("html")).to_have_attribute("lang", language)


# Filling the questionnaire by label ----------------------------------------


def fill_step(page: Page, step: Step, answers: dict, t: Wording) -> None:
    """Answer one step as a patient would, finding every field by its (translated) label.

    Check boxes are set to match the answers exactly, so this also changes an answer.
    """
    for question in step.questions:
        if question.id not in answers:
            continue
        value = answers[question.id]
        name = t.label(question)
        if question.kind in (Kind.TEXT, Kind.LONG_TEXT):
            page.get_by_label(name, exact=True).fill(value)
            continue
        group = page.get_by_role("group", name=name, exact=True)
        if question.kind is Kind.DATE:
            year, month, day = value.split("-")
            group.get_by_label(t("Day"), exact=True).fill(str(int(day)))
            group.get_by_label(t("Month"), exact=True).fill(str(int(month)))
            group.get_by_label(t("Year"), exact=True).fill(year)
        elif question.kind is Kind.ONE_OF:
            group.get_by_label(t(question.option_label(value)), exact=True).check()
        else:
            for option in question.options:
                if option.id not in value:
                    group.get_by_label(t(option.label), exact=True).uncheck()
            for option_id in value:
                group.get_by_label(t(question.option_label(option_id)), exact=True).check()


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
