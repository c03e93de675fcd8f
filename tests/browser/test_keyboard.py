"""The whole questionnaire with the keyboard alone (WCAG 2.1.1): Tab, Shift+Tab, Space, arrow
keys and typing. No click, check or fill anywhere; the page is only read to know where focus is."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from intake.extensions import db
from intake.models import Submission
from intake.questionnaire import STEPS, Kind
from tests.browser.helpers import REFERENCE
from tests.factories import answers_with_follow_ups

# Conditional questions included: the one step 1 puts on step 2 (Female), and ones revealed
# in place by a key press (a treatment now and one before, isotretinoin before, toxin before).
ANSWERS = answers_with_follow_ups(
    full_name="Kay Board",
    phone=None,
    locations=["cheeks", "chin_jawline"],
    duration="over_5_years",
    treatments_now=["antibiotic_tablets"],
    response_antibiotic_tablets="did_not_help",
    isotretinoin_stopped="6_to_12_months",
    isotretinoin_relapse="not_sure_yet",
    toxin_last="dont_remember",
    goals=["less_oily", "learn_botox"],
)

_FOCUSED = """() => {
  const e = document.activeElement;
  return {id: e.id, tag: e.tagName, text: (e.innerText || '').trim(), checked: !!e.checked};
}"""


def focused(page: Page) -> dict:
    return page.evaluate(_FOCUSED)


def tab_to(page: Page, wanted, key: str = "Tab", limit: int = 60) -> dict:
    """Press Tab (or Shift+Tab) until the focused element is the one wanted."""
    passed = []
    for _ in range(limit):
        page.keyboard.press(key)
        now = focused(page)
        if wanted(now):
            return now
        passed.append(now["id"] or now["text"][:20] or now["tag"])
    raise AssertionError(f"{key} never reached the element; passed {passed}")


def tab_to_id(page: Page, element_id: str) -> dict:
    return tab_to(page, lambda f: f["id"] == element_id)


def tab_to_button(page: Page, text: str) -> dict:
    return tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == text)


def answer_by_keyboard(page: Page, question, value) -> None:
    if question.kind in (Kind.TEXT, Kind.LONG_TEXT):
        tab_to_id(page, question.id)
        page.keyboard.type(value)
    elif question.kind is Kind.DATE:
        year, month, day = value.split("-")
        tab_to_id(page, f"{question.id}-day")
        page.keyboard.type(str(int(day)))
        for part, typed in (("month", str(int(month))), ("year", year)):
            page.keyboard.press("Tab")
            assert focused(page)["id"] == f"{question.id}-{part}"
            page.keyboard.type(typed)
    elif question.kind is Kind.ONE_OF:
        wanted = [option.id for option in question.options].index(value)
        # Tab enters a radio group on its first option; arrow keys move and select.
        tab_to(page, lambda f: f["id"].startswith(f"{question.id}-"))
        assert focused(page)["id"] == f"{question.id}-0"
        if wanted == 0:
            page.keyboard.press("Space")
        for _ in range(wanted):
            page.keyboard.press("ArrowDown")
        now = focused(page)
        assert now["id"] == f"{question.id}-{wanted}" and now["checked"], now
    else:
        for index, option in enumerate(question.options):
            if option.id in value:
                tab_to_id(page, f"{question.id}-{index}")
                page.keyboard.press("Space")
                assert focused(page)["checked"]


def test_the_whole_questionnaire_with_the_keyboard_only(page: Page, live_app):
    page.goto("/")
    tab_to_button(page, "Start now")
    page.keyboard.press("Enter")
    page.wait_for_url("**/questions/about-you")

    # A failed Continue: the summary takes focus, its link takes focus to the field.
    tab_to_button(page, "Continue")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Enter your full name")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Full name")).to_be_focused()
    page.keyboard.press("Shift+Tab")  # from the field back into the summary, its last link
    expect(
        page.get_by_role("link", name="Select your sex assigned at birth, or Prefer not to say")
    ).to_be_focused()

    for step in STEPS:
        expect(page.get_by_role("heading", level=1)).to_have_text(step.title)
        for question in step.questions:
            if question.id in ANSWERS:
                answer_by_keyboard(page, question, ANSWERS[question.id])
        tab_to_button(page, "Continue")
        page.keyboard.press("Enter")
        following = STEPS.index(step) + 1
        page.wait_for_url(
            f"**/questions/{STEPS[following].slug}"
            if following < len(STEPS)
            else "**/check-answers"
        )

    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    expect(page.get_by_text("Kay Board")).to_be_visible()
    expect(page.get_by_text("6 to 12 months ago")).to_be_visible()
    tab_to_button(page, "Submit")
    page.keyboard.press("Shift+Tab")
    assert focused(page)["id"] == "confirmed"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    page.wait_for_url("**/confirmation")
    reference = page.locator(".reference")
    expect(reference).to_have_text(REFERENCE)
    with live_app.app_context():
        stored = db.session.scalar(
            select(Submission).where(Submission.reference == reference.inner_text())
        )
        assert stored.answers == ANSWERS
        db.session.remove()
