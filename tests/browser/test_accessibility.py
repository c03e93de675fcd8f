"""WCAG 2.2 A/AA in Chromium: axe-core on every page, touch targets, reflow, zoom, focus.

Every patient page (start, each step empty and with errors, each step that has conditional
questions with all of them shown, without and with their errors, check answers with and
without its error, confirmation) in English and in Spanish, and the clinic's sign-in, list and detail pages (always English: the clinic side
is not translated, whatever language the browser chose on the patient side).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from intake.clinic import services as staff
from intake.extensions import db
from intake.questionnaire import STEPS
from tests.browser.helpers import (
    EVERY_CONDITIONAL,
    MIN_TARGET,
    REFERENCE,
    Wording,
    axe_violations,
    continue_,
    fill_step,
    overflow,
    patient_in,
    question_on_page,
    small_targets,
    switch_language,
)
from tests.factories import answers
from tests.support import Patient, quick_password_hasher

LANGUAGES = ["en", "es"]
CLINICIAN = "dr.axe@clinic.test"
PASSWORD = "an accessible clinic password"

# Every conditional question applies, so check answers shows all the conditional rows too.
ANSWERS = EVERY_CONDITIONAL

# The steps with conditional questions: shown on the page (revealed in place by their
# triggers on the step, or put there by the server for step 1's answer), then with errors.
CONDITIONAL_STEPS = [step for step in STEPS if any(q.shown_if for q in step.questions)]

PATIENT_PAGES = [
    "start",
    *[f"{step.slug}" for step in STEPS],
    *[f"{step.slug}:errors" for step in STEPS],
    *[f"{step.slug}:revealed" for step in CONDITIONAL_STEPS],
    *[f"{step.slug}:revealed-errors" for step in CONDITIONAL_STEPS],
    "check-answers",
    "check-answers:errors",
    "confirmation",
]
CLINIC_PAGES = ["clinic-login", "clinic-login:errors", "clinic-list", "clinic-detail"]


@pytest.fixture(scope="module")
def clinic_reference(live_app):
    """A clinician account and one submission with flags, for the clinic pages.

    Cheap argon2 parameters while this module runs (the server runs in this process):
    every clinic page here signs in, and the real parameters are tested elsewhere.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(staff, "_hasher", quick_password_hasher())
        with live_app.app_context():
            staff.create_user(CLINICIAN, PASSWORD, "clinician")
            db.session.remove()
        yield Patient(live_app.test_client()).complete(
            answers(
                full_name="Axe Patient",
                pregnant_breastfeeding="not_sure",
                planning_pregnancy="no",
                medicines=["blood_thinners"],
            )
        )


@pytest.fixture(scope="module")
def patient_tab(browser, base_url, live_app):
    """One browser tab per language, kept for the module (a new context for every page
    would make the suite slow); each test starts it again as a new visitor."""
    pages = {}

    def tab(language: str) -> tuple[Page, Wording]:
        if language not in pages:
            pages[language] = browser.new_context(base_url=base_url).new_page()
        page = pages[language]
        page.set_viewport_size({"width": 1280, "height": 720})
        return page, Wording(live_app, language)

    yield tab
    for page in pages.values():
        page.context.close()


def open_patient_page(page: Page, name: str, t: Wording) -> None:
    """Bring the tab to one state of the patient side as a new visitor in t's language."""
    page.context.clear_cookies()
    page.goto("/")
    switch_language(page, t.language)
    if name == "start":
        return
    patient = patient_in(page)  # the browser's own cookies: its session and its draft
    slug, _, state = name.partition(":")
    step = next((step for step in STEPS if step.slug == slug), None)
    if step is not None:
        patient.start()
        if state.startswith("revealed"):
            patient.answer_step("about-you", ANSWERS)  # Female: step 2's hormonal question
        page.goto(f"/questions/{slug}")
        if state.startswith("revealed"):
            reveal_every_conditional(page, step, t)
        if state.endswith("errors"):
            continue_(page, t)
            expect(page.get_by_role("alert")).to_be_focused()
            if state.startswith("revealed"):  # still shown, now with their own errors
                for question in step.questions:
                    if question.shown_if and question.required:
                        expect(question_on_page(page, question, t)).to_be_visible()
                        expect(page.locator(f"#{question.id}-error")).to_be_visible()
    else:
        patient.answer_all(ANSWERS)
        if slug == "check-answers":
            page.goto("/check-answers")
            if state == "errors":
                page.get_by_role("button", name=t("Submit"), exact=True).click()
                expect(page.get_by_role("alert")).to_be_focused()
        else:
            assert patient.submit().status_code == 302
            page.goto("/confirmation")
            expect(page.get_by_text(REFERENCE)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", t.language)


def reveal_every_conditional(page: Page, step, t: Wording) -> None:
    """Answer only the step's own triggers, as ANSWERS does (the page's script reveals their
    questions in place), and see every conditional question of the step shown, unanswered."""
    own = {question.id for question in step.questions}
    triggers = {
        trigger
        for question in step.questions
        if question.shown_if
        for trigger in question.shown_if.questions
        if trigger in own
    }
    fill_step(page, step, {k: v for k, v in ANSWERS.items() if k in triggers}, t)
    for question in step.questions:
        if question.shown_if:
            expect(question_on_page(page, question, t)).to_be_visible()


def open_clinic_page(page: Page, name: str, language: str, reference: str) -> None:
    """A clinic page, in a fresh browser whose patient side was set to `language` first."""
    page.goto("/")
    switch_language(page, language)
    page.goto("/clinic/login")
    if name == "clinic-login:errors":
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_be_focused()
    elif name != "clinic-login":
        page.get_by_label("Email").fill(CLINICIAN)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Submissions")).to_be_visible()
        if name == "clinic-detail":
            page.get_by_role("link", name=reference).click()
            expect(page.get_by_role("heading", name="Axe Patient")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def layout_problems(page: Page) -> list[str]:
    """Every layout problem of the current page, each prefixed with where it was seen.

    - Touch targets (SPEC 8): each link, button, radio, check box and text field is at
      least 44 by 44 CSS pixels, measured on the tablet's 768 by 1024 portrait screen.
      No exception is taken, not even WCAG 2.5.8's for links inside a sentence: these
      pages have none.
    - Reflow (WCAG 1.4.10): no sideways scrolling, nothing clipped, at 768x1024 (the
      front-desk tablet, portrait) and at 375x800 (a phone).
    - Zoom to 200% (WCAG 1.4.4), both ways browsers offer:
      * page zoom: Chromium zoomed to 200% in a 1280x720 window lays the page out in a
        640x360 CSS-pixel viewport at devicePixelRatio 2. That is reproduced exactly with
        CDP Emulation.setDeviceMetricsOverride (640x360, deviceScaleFactor 2). (Pinch zoom,
        Emulation.setPageScaleFactor, would reflow nothing, so it would prove nothing.)
      * text-only zoom (the browser's font size setting): the root font size set to 200%
        at 1280 and at 768 px wide; every text size in the stylesheet is in rem, so all
        the text doubles while the viewport stays.
      In each case: no sideways scrolling and no box clipping its content.
    """
    problems = []
    page.set_viewport_size({"width": 768, "height": 1024})
    problems += [f"target under {MIN_TARGET}px at 768x1024: {item}" for item in small_targets(page)]
    problems += [f"768x1024: {item}" for item in overflow(page)]
    page.set_viewport_size({"width": 375, "height": 800})
    problems += [f"375x800: {item}" for item in overflow(page)]

    for width in (1280, 768):
        page.set_viewport_size({"width": width, "height": 800})
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        problems += [f"text zoomed 200% at {width}px: {item}" for item in overflow(page)]
        page.evaluate("document.documentElement.style.fontSize = ''")

    cdp = page.context.new_cdp_session(page)
    cdp.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": 640, "height": 360, "deviceScaleFactor": 2, "mobile": False},
    )
    assert page.evaluate("[window.innerWidth, window.devicePixelRatio]") == [640, 2]
    problems += [f"page zoomed 200% (640 CSS px): {item}" for item in overflow(page)]
    cdp.send("Emulation.clearDeviceMetricsOverride")
    cdp.detach()
    page.set_viewport_size({"width": 1280, "height": 720})
    return problems


def _params(pages, languages=LANGUAGES):
    return [
        pytest.param(language, name, id=f"{language}-{name}")
        for language in languages
        for name in pages
    ]


@pytest.mark.parametrize(("language", "name"), _params(PATIENT_PAGES))
def test_patient_page(patient_tab, language, name):
    """axe-core finds nothing (WCAG 2.2 A/AA); targets, reflow and zoom as layout_problems says."""
    page, t = patient_tab(language)
    open_patient_page(page, name, t)
    report = axe_violations(page)
    problems = layout_problems(page)
    assert report is None and not problems, "\n".join([report or "axe: no violations", *problems])


@pytest.mark.parametrize(("language", "name"), _params(CLINIC_PAGES))
def test_clinic_page(page: Page, clinic_reference, language, name):
    """The same on the clinic pages, which stay in English whatever the patient side chose
    (so their layout, the same in both cases, is measured once)."""
    open_clinic_page(page, name, language, clinic_reference)
    report = axe_violations(page)
    problems = layout_problems(page) if language == "en" else []
    assert report is None and not problems, "\n".join([report or "axe: no violations", *problems])


# Focus visible ---------------------------------------------------------------

_LOOK = """(element) => {
  const style = getComputedStyle(element);
  return {
    outline: [style.outlineStyle, style.outlineWidth, style.outlineColor].join(' '),
    outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
    outlineColor: style.outlineColor, boxShadow: style.boxShadow,
  };
}"""

_TRANSPARENT = ("transparent", "rgba(0, 0, 0, 0)")


def _indicator(focused: dict, unfocused: dict) -> str | None:
    """What makes focus visible, or None: a visible outline (not none, at least 2px, not
    transparent) or a box-shadow, that the element does not have when it is not focused."""
    if (
        focused["outlineStyle"] != "none"
        and focused["outlineWidth"] >= 2
        and focused["outlineColor"] not in _TRANSPARENT
        and focused["outline"] != unfocused["outline"]
    ):
        return "outline"
    if focused["boxShadow"] != "none" and focused["boxShadow"] != unfocused["boxShadow"]:
        return "box-shadow"
    return None


def tab_through(page: Page, limit: int = 120) -> list[str]:
    """Tab from the top of the page to its end; returns the problems seen on the way."""
    # Start from the top whatever took focus on load (an error summary does): focus a
    # stand-in placed before everything else, which Tab then leaves for the skip link.
    page.evaluate(
        """() => { const top = document.createElement('span'); top.tabIndex = -1;
                   document.body.prepend(top); top.focus(); }"""
    )
    unfocused = {}
    for index, element in enumerate(
        page.locator("a[href], button, input:not([type=hidden]), textarea, select").all()
    ):
        element.evaluate("(e, i) => e.dataset.focusIndex = i", index)
        if element.is_visible():
            unfocused[str(index)] = element.evaluate(_LOOK)
    problems, seen = [], []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate_handle("document.activeElement")
        index = focused.evaluate("e => e.dataset ? e.dataset.focusIndex : undefined")
        if index is None or index in seen:
            break  # left the page (back to the browser) or wrapped round
        if not seen:
            assert "skip-link" in focused.evaluate("e => e.className"), (
                "Tab starts at the skip link"
            )
        seen.append(index)
        look = focused.evaluate(_LOOK)
        described = focused.evaluate("e => e.outerHTML.slice(0, 100)")
        in_view = focused.evaluate(
            """e => { const b = e.getBoundingClientRect();
                      return b.bottom > 0 && b.top < innerHeight && b.right > 0 && b.left < innerWidth; }"""
        )
        if index not in unfocused:  # the skip link: shown only when focused
            unfocused[index] = {"outline": "", "boxShadow": "none"}
        if _indicator(look, unfocused[index]) is None:
            problems.append(f"no visible focus on {described}: {look}")
        if not in_view:
            problems.append(f"focused but out of view: {described}")
    assert len(seen) >= 3, f"Tab reached only {len(seen)} elements"
    return problems


@pytest.mark.parametrize(
    "name",
    [
        "start",
        "about-you",
        "your-acne:errors",
        "your-treatments:revealed",
        "health-and-safety:revealed-errors",
        "check-answers",
    ],
)
def test_focus_is_always_visible(patient_tab, name):
    page, t = patient_tab("en")
    page.set_viewport_size({"width": 768, "height": 1024})
    open_patient_page(page, name, t)
    problems = tab_through(page)
    assert not problems, "\n".join(problems)
