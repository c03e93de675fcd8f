"""Front-desk tablet mode in Chromium (SPEC 8), on a server of its own: the confirmation leaves
by itself, an idle patient is warned and then forgotten, and Back never brings an earlier
patient's answers back. The page's timers and the server's clock are stopped and moved forward
together by the test, so the timers keep their real lengths and nobody waits for them. Without
JavaScript the pages leave by <meta http-equiv="refresh">, which no page clock moves."""

from __future__ import annotations

import contextlib
import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from intake.clinic import services as staff
from intake.extensions import db
from intake.models import Draft, Submission
from intake.questionnaire import STEPS
from intake.tokens import token_hash
from tests.browser.helpers import (
    ONE_ADDRESS_FOR_EVERY_BROWSER,
    REFERENCE,
    Wording,
    axe_violations,
    continue_,
    fill_step,
    patient_in,
    serving,
    session_of,
)
from tests.factories import answers
from tests.support import Clock, close_connections, make_app, quick_password_hasher

# RESET is short: without JavaScript it is a real wait. WARNING and IDLE are the defaults.
RESET, WARNING, IDLE = 2, 120, 180  # seconds
BUSY_EVERY = 20  # seconds between a busy patient's key presses
FRONTDESK = "desk.tablet@clinic.test"
PASSWORD = "a front desk password"
TABLET_BUTTON = "Use this device as a front-desk tablet"


@pytest.fixture(scope="module")
def tablet_app(tmp_path_factory, _migrated_schema):
    app = make_app(
        tmp_path_factory.mktemp("tablet"),
        TABLET_RESET_SECONDS=RESET,
        TABLET_IDLE_WARNING_SECONDS=WARNING,
        TABLET_IDLE_SECONDS=IDLE,
        **ONE_ADDRESS_FOR_EVERY_BROWSER,
    )
    # Cheap argon2 while this module runs (the server runs in this process); the real
    # parameters are tested elsewhere.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(staff, "_hasher", quick_password_hasher())
        with app.app_context():
            staff.create_user(FRONTDESK, PASSWORD, "frontdesk")
            db.session.remove()
        yield app
    close_connections(app)


@pytest.fixture(scope="module")
def tablet_server(tablet_app):
    with serving(tablet_app) as url:
        yield url


class Clocks:
    """The page's clock (Date.now, setTimeout, setInterval in every page of the device) and the
    server's (intake.clock.now), stopped, and moved forward together only by the test."""

    def __init__(self, page: Page, server: Clock):
        self.page, self.server = page, server
        # Ahead of real time: the page's clock, running until paused, may only move forward.
        server.current = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=1)
        page.clock.pause_at(server.current)

    def advance(self, seconds: int) -> None:
        """Time passes: the server's clock first, so that whatever the page's timers send on
        the way finds the server no earlier than the page."""
        self.server.advance(seconds=seconds)
        self.page.clock.run_for(seconds * 1000)

    @contextlib.contextmanager
    def running(self, at_most: int = 10):
        """Real time on the page for a while (axe waits on its timers), then both clocks stopped
        again, at_most seconds on (more than that fails: the page's clock would go back)."""
        self.page.clock.resume()
        yield
        self.server.advance(seconds=at_most)
        self.page.clock.pause_at(self.server.current)

    def page_is_in_step(self) -> bool:
        """The page's own Date.now() is the server's time: its clock is the one being moved."""
        return self.page.evaluate("Date.now()") == self.server.current.timestamp() * 1000


@pytest.fixture
def device(browser, tablet_server) -> Page:
    """The tablet to be, a browser of its own; `clocks` stops its clock before any page loads."""
    context = browser.new_context(base_url=tablet_server, viewport={"width": 768, "height": 1024})
    yield context.new_page()
    context.close()


@pytest.fixture
def clocks(device, frozen_clock) -> Clocks:
    return Clocks(device, frozen_clock)


@pytest.fixture
def tablet(device, clocks, tablet_server) -> Page:
    """A device that front desk has just turned into a tablet: signed out, on the start page,
    its clock and the server's stopped until the test moves them."""
    return turned_into_a_tablet(device, tablet_server)


@pytest.fixture
def tablet_without_script(browser, tablet_server) -> Page:
    """A tablet whose browser runs no JavaScript: real time, on the page and the server."""
    context = browser.new_context(
        base_url=tablet_server, viewport={"width": 768, "height": 1024}, java_script_enabled=False
    )
    yield turned_into_a_tablet(context.new_page(), tablet_server)
    context.close()


def turned_into_a_tablet(page: Page, tablet_server: str) -> Page:
    page.goto("/clinic/login")
    page.get_by_label("Email").fill(FRONTDESK)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name=TABLET_BUTTON).click()
    page.wait_for_url(f"{tablet_server}/")
    expect(page.get_by_role("button", name="Start now")).to_be_visible()
    return page


def draft_row(app, token: str) -> Draft | None:
    with app.app_context():
        found = db.session.scalar(select(Draft).where(Draft.token_hash == token_hash(token)))
        db.session.remove()
    return found


def assert_back_shows_nothing_of(page: Page, server: str, *secrets: str, steps: int = 10) -> None:
    """Press Back again and again: no page shown holds the earlier patient's data, neither
    from the server nor typed back into the fields by the browser's history.

    (The clinic sign-in page, further back, gets the front desk's own email back: not a
    patient's, so only the patient side's fields are looked at.)
    """
    seen = []
    for _ in range(steps):
        before = page.url
        if page.go_back() is None and page.url == before:
            break  # the start of the history
        if not page.url.startswith(server):
            break
        page.wait_for_load_state()
        seen.append(page.url)
        text = page.content()
        for secret in secrets:
            assert secret not in text, f"{secret!r} shown again at {page.url}"
        if page.url.startswith(f"{server}/clinic/"):
            continue
        fields = page.locator("input.input, textarea").evaluate_all("all => all.map(i => i.value)")
        assert not any(fields), f"answers in the fields at {page.url}: {fields}"
        assert not page.locator("input:checked").count(), f"choices still made at {page.url}"
    assert seen, "Back went nowhere"


def test_front_desk_turns_the_device_into_a_tablet_and_is_signed_out(tablet: Page):
    cookies = {c["name"]: c for c in tablet.context.cookies()}
    assert cookies["intake_tablet"]["httpOnly"]
    expect(tablet.get_by_role("button", name=TABLET_BUTTON)).to_have_count(0)
    tablet.goto("/clinic/")
    expect(tablet.get_by_role("heading", name="Sign in")).to_be_visible()
    assert "intake_tablet" in {c["name"] for c in tablet.context.cookies()}  # still a tablet


def test_after_submitting_the_tablet_returns_to_the_start_and_forgets(
    tablet: Page, clocks: Clocks, tablet_app, tablet_server
):
    t = Wording(tablet_app, "en")
    leaving = answers(full_name="Leaving Patient", treatment_notes="Secret treatment note")
    tablet.get_by_role("button", name="Start now").click()
    for step in STEPS:
        fill_step(tablet, step, leaving, t)
        continue_(tablet, t)
    tablet.get_by_label(re.compile("^I confirm these answers")).check()
    tablet.get_by_role("button", name="Submit").click()

    reference = tablet.locator(".reference")
    expect(reference).to_have_text(REFERENCE)
    reference = reference.inner_text()
    expect(tablet.get_by_text("Please hand the tablet back to the front desk.")).to_be_visible()
    token = session_of(tablet_app, tablet)["draft"]

    # By itself, after the reset time and not before: the page posts its reset form, and the
    # start page comes with a new session and nothing of the patient.
    clocks.advance(RESET - 1)
    assert tablet.url == f"{tablet_server}/confirmation"
    clocks.advance(1)
    tablet.wait_for_url(f"{tablet_server}/")
    expect(tablet.get_by_role("button", name="Start now")).to_be_visible()
    assert session_of(tablet_app, tablet).get("draft") != token
    with tablet_app.app_context():
        stored = db.session.scalar(select(Submission).where(Submission.reference == reference))
        assert stored.answers["full_name"] == "Leaving Patient"
        db.session.remove()

    # Back, at once: the confirmation is not shown again. (Forward again after, so that the
    # history of the earlier patient's pages stays for the next patient's Back.)
    secrets = (reference, "Leaving Patient", "Secret treatment note")
    assert_back_shows_nothing_of(tablet, tablet_server, *secrets, steps=1)
    tablet.go_forward()
    expect(tablet).to_have_url(f"{tablet_server}/")

    # The next patient comes a little later: no warning in the way on the start page (there
    # are no answers to keep), empty fields, and their Back leads to nothing either, though
    # the earlier patient's pages now answer with the new patient's own draft.
    clocks.advance(WARNING + 1)
    assert clocks.page_is_in_step()
    assert tablet.get_by_role("dialog").count() == 0  # now, not "eventually"
    tablet.get_by_role("button", name="Start now").click()
    expect(tablet.get_by_label("Full name")).to_have_value("")
    expect(tablet.get_by_role("group", name="Date of birth").get_by_label("Year")).to_have_value("")
    assert session_of(tablet_app, tablet)["draft"] != token
    assert_back_shows_nothing_of(tablet, tablet_server, *secrets)


def test_an_idle_patient_is_warned_then_forgotten(
    tablet: Page, clocks: Clocks, tablet_app, tablet_server
):
    t = Wording(tablet_app, "en")
    patient = answers(full_name="Idle Patient")
    tablet.get_by_role("button", name="Start now").click()
    fill_step(tablet, STEPS[0], patient, t)
    continue_(tablet, t)
    token = session_of(tablet_app, tablet)["draft"]

    # A slow patient, busy on one page for longer than the idle time, is not idle: the page
    # tells the server, which keeps the draft.
    for _ in range(2 * IDLE // BUSY_EVERY):
        tablet.keyboard.press("Shift")
        clocks.advance(BUSY_EVERY)
    assert tablet.get_by_role("dialog").count() == 0
    fill_step(tablet, STEPS[1], patient, t)
    continue_(tablet, t)
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Oily skin")
    kept = draft_row(tablet_app, token)
    assert kept is not None, "the busy patient's draft was discarded as idle"
    kept = kept.answers
    assert kept["full_name"] == "Idle Patient" and kept["spot_types"] == patient["spot_types"]

    oily = tablet.get_by_label("Oily all over", exact=True)
    oily.check()  # an answer on the page, not sent yet

    # The warning, after WARNING and not before: a modal dialog, named and described, with
    # focus moved into it.
    dialog = tablet.get_by_role("dialog", name="Are you still there?")
    clocks.advance(WARNING - 1)
    assert dialog.count() == 0
    clocks.advance(1)
    expect(dialog).to_be_visible()
    expect(dialog).to_have_accessible_description(re.compile("your answers will be deleted"))
    expect(dialog.get_by_role("heading", name="Are you still there?")).to_be_focused()
    with clocks.running():
        report = axe_violations(tablet)
    assert report is None, report

    # Continue, with the keyboard: the dialog goes, the answers and the draft stay.
    tablet.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Continue")).to_be_focused()
    tablet.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(oily).to_be_checked()
    expect(oily).to_be_focused()  # back where the patient was
    assert draft_row(tablet_app, token).answers["full_name"] == "Idle Patient"

    # Left alone: warned again, then the start page, and the draft deleted on the server.
    clocks.advance(WARNING)
    expect(dialog).to_be_visible()
    clocks.advance(IDLE - WARNING)
    tablet.wait_for_url(f"{tablet_server}/")
    expect(tablet.get_by_role("button", name="Start now")).to_be_visible()
    assert draft_row(tablet_app, token) is None
    assert session_of(tablet_app, tablet).get("draft") is None

    # The next patient starts, then goes Back through the earlier patient's pages.
    tablet.get_by_role("button", name="Start now").click()
    expect(tablet.get_by_label("Full name")).to_have_value("")
    assert_back_shows_nothing_of(tablet, tablet_server, "Idle Patient")


def test_without_javascript_the_confirmation_leaves_for_the_button_that_starts_again(
    tablet_without_script: Page, tablet_app, tablet_server
):
    """The page's refresh goes to the reset page, which changes nothing by being shown: its
    button posts the reset, with the form token."""
    page = tablet_without_script
    reference = patient_in(page).complete(answers(full_name="Unscripted Patient"))
    token = session_of(tablet_app, page)["draft"]
    page.goto("/confirmation")
    expect(page.locator(".reference")).to_have_text(reference)

    page.wait_for_url(f"{tablet_server}/tablet/reset", timeout=(RESET + 5) * 1000)
    expect(page.get_by_role("heading", name="Start again for the next patient")).to_be_visible()
    assert session_of(tablet_app, page)["draft"] == token
    page.get_by_role("button", name="Start again", exact=True).click()

    page.wait_for_url(f"{tablet_server}/")
    assert session_of(tablet_app, page).get("draft") is None
    page.goto("/confirmation")  # as Back would
    expect(page).to_have_url(f"{tablet_server}/")
    assert reference not in page.content()
