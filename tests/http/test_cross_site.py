"""State changes only on same-site POSTs with a form token (issue 14, F7): a page on another
site can neither post a step in the patient's name (replacing their cookie, showing its own
values) nor start the tablet again with a link. The attacks are made here and shown to fail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from intake.extensions import db
from intake.models import Draft, Submission
from intake.questionnaire import STEPS
from tests.factories import answers, formdata
from tests.http.clinic_helpers import (  # noqa: F401  (quick_hashing is an autouse fixture)
    CLINICIAN,
    Staff,
    audit_rows,
    create_user,
    quick_hashing,
    submit,
)
from tests.http.test_tablet import make_tablet
from tests.support import Html, Patient

ABOUT_YOU = STEPS[0]
ATTACKER = "Injected By Evil Site"
FROM_ANOTHER_SITE = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
# Each alone marks the request: a browser without Fetch Metadata still sends Origin.
ANOTHER_SITES_MARKS = [
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": "https://evil.example"},
    {"Origin": "http://localhost.evil.example"},
    {"Origin": "https://localhost"},  # another scheme: another origin
    {"Origin": "null"},  # an opaque origin: a sandboxed frame, a data: URL
]
SAME_SITES_MARKS = {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}


def stored_drafts(app) -> list[dict]:
    with app.app_context():
        found = [draft.answers for draft in db.session.scalars(select(Draft).order_by(Draft.id))]
        db.session.remove()
    return found


def attackers_post(slug: str = ABOUT_YOU.slug, token: str | None = None) -> dict:
    data = formdata(ABOUT_YOU, answers(full_name=ATTACKER))
    return {**data, "csrf_token": token} if token else data


def assert_refused_untouched(response) -> None:
    """403 with the page that says so: no cookie set or replaced, nothing posted shown."""
    assert response.status_code == 403
    assert "Set-Cookie" not in response.headers
    page = Html.of(response)
    assert page.find("h1")[0]["text"] == "That request came from another website"
    assert ATTACKER not in page.markup
    assert page.find("input") == []  # no form, so no form token either


@pytest.fixture
def patient_with_a_draft(app, patient) -> Patient:
    patient.start()
    assert patient.answer_step(ABOUT_YOU.slug, answers(full_name="Real Patient")).status_code == 302
    return patient


def test_a_cross_site_post_to_a_step_leaves_the_patients_cookie_and_draft(
    app, patient_with_a_draft
):
    """The browser sends no cookie with another site's POST (SameSite=Lax): the answer once
    set a new session cookie in its place, orphaning the draft, and showed the posted values."""
    patient = patient_with_a_draft
    cookie = patient.client.get_cookie("session").value
    the_attackers_page = app.test_client()  # the patient's browser, without the Lax cookie

    response = the_attackers_page.post(
        f"/questions/{ABOUT_YOU.slug}", data=attackers_post(), headers=FROM_ANOTHER_SITE
    )

    assert_refused_untouched(response)
    (draft,) = stored_drafts(app)
    assert draft["full_name"] == "Real Patient"
    assert patient.client.get_cookie("session").value == cookie
    shown = Html.of(patient.client.get(f"/questions/{ABOUT_YOU.slug}"))
    assert shown.value("full_name") == "Real Patient"


@pytest.mark.parametrize("marks", ANOTHER_SITES_MARKS)
def test_a_post_from_another_site_is_refused_even_with_a_good_token(
    app, patient_with_a_draft, marks
):
    """Defence in depth: a token that somehow reached the other site changes nothing."""
    patient = patient_with_a_draft
    token = patient.csrf_token(f"/questions/{ABOUT_YOU.slug}")
    before, cookie = stored_drafts(app), patient.client.get_cookie("session").value

    response = patient.client.post(
        f"/questions/{ABOUT_YOU.slug}", data=attackers_post(token=token), headers=marks
    )

    assert_refused_untouched(response)
    assert stored_drafts(app) == before
    assert patient.client.get_cookie("session").value == cookie


@pytest.mark.parametrize("marks", ANOTHER_SITES_MARKS)
def test_a_post_from_another_site_without_a_token_is_refused_the_same(
    app, patient_with_a_draft, marks
):
    """Flask-WTF refuses it first: its refusal answers as the cross-site check does, not with
    the step again (which would show the posted values and set a form token)."""
    patient = patient_with_a_draft
    before = stored_drafts(app)
    response = patient.client.post(
        f"/questions/{ABOUT_YOU.slug}", data=attackers_post(), headers=marks
    )
    assert_refused_untouched(response)
    assert stored_drafts(app) == before


def test_the_refusal_is_in_the_patients_language(app, patient_with_a_draft):
    patient = patient_with_a_draft
    patient.client.get("/language/es")
    response = patient.client.post(
        f"/questions/{ABOUT_YOU.slug}", data=attackers_post(), headers={"Origin": "https://x.test"}
    )
    page = Html.of(response)
    assert response.status_code == 403 and page.lang == "es"
    assert page.find("h1")[0]["text"] == "Esa solicitud llegó desde otro sitio web"


def test_a_cross_site_post_on_a_tablet_sets_no_cookie(app, client):
    """A tablet's pages carry a form token for their timers; the refusal page does not."""
    make_tablet(app, client)
    Patient(client).start()
    tablet_only = app.test_client()
    tablet_only.set_cookie("intake_tablet", client.get_cookie("intake_tablet").value)
    response = tablet_only.post("/start", data={}, headers=FROM_ANOTHER_SITE)
    assert_refused_untouched(response)
    assert len(stored_drafts(app)) == 1


def test_start_now_from_another_site_starts_nothing(app, client):
    token = Patient(client).csrf_token("/")
    response = client.post("/start", data={"csrf_token": token}, headers=FROM_ANOTHER_SITE)
    assert_refused_untouched(response)
    assert stored_drafts(app) == []


def test_the_sites_own_posts_still_work(app, patient):
    response = patient.client.post(
        "/start", data={"csrf_token": patient.csrf_token("/")}, headers=SAME_SITES_MARKS
    )
    assert response.status_code == 302
    token = patient.csrf_token(f"/questions/{ABOUT_YOU.slug}")
    response = patient.client.post(
        f"/questions/{ABOUT_YOU.slug}",
        data={"csrf_token": token, **formdata(ABOUT_YOU, answers(full_name="Same Site"))},
        headers=SAME_SITES_MARKS,
    )
    assert response.status_code == 302
    assert stored_drafts(app)[0]["full_name"] == "Same Site"


def test_a_same_site_post_without_a_good_token_shows_the_step_again_as_typed(
    app, patient_with_a_draft
):
    """An expired token on the site's own page keeps what was typed (no cross-site marks)."""
    response = patient_with_a_draft.client.post(
        f"/questions/{ABOUT_YOU.slug}",
        data=formdata(ABOUT_YOU, answers(full_name="Typed Again")),
        headers=SAME_SITES_MARKS,
    )
    assert response.status_code == 200
    assert Html.of(response).value("full_name") == "Typed Again"
    assert stored_drafts(app)[0]["full_name"] == "Real Patient"


# The clinic side ---------------------------------------------------------------------------


def test_a_clinic_post_from_another_site_is_refused_even_with_a_good_token(app, client):
    create_user(app, CLINICIAN, "clinician")
    reference = submit(app)
    clinician = Staff(client).signed_in()
    token = clinician.csrf_token()
    events = len(audit_rows(app))

    response = client.post(
        f"/clinic/submissions/{reference}/reviewed",
        data={"csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )

    assert_refused_untouched(response)
    assert len(audit_rows(app)) == events
    with app.app_context():
        assert db.session.scalar(select(Submission.reviewed_at)) is None
        db.session.remove()


def test_a_sign_in_from_another_site_records_nothing(app, client):
    create_user(app, CLINICIAN, "clinician")
    staff = Staff(client)
    token = staff.csrf_token()
    response = client.post(
        "/clinic/login",
        data={"csrf_token": token, "email": CLINICIAN, "password": "a guess"},
        headers=FROM_ANOTHER_SITE,
    )
    assert_refused_untouched(response)
    assert audit_rows(app) == []


# Starting again on the tablet ---------------------------------------------------------------


def test_a_link_to_the_tablet_reset_changes_nothing(app, client):
    """`GET /tablet/reset` once deleted the draft: a link on any site could do it."""
    make_tablet(app, client)
    patient = Patient(client)
    patient.start()
    patient.answer_step(ABOUT_YOU.slug, answers(full_name="Tablet Patient"))
    cookie = client.get_cookie("session").value

    page = client.get("/tablet/reset", headers={"Sec-Fetch-Site": "cross-site"})

    assert page.status_code == 200
    assert stored_drafts(app)[0]["full_name"] == "Tablet Patient"
    assert client.get_cookie("session").value == cookie
    shown = Html.of(page)
    (button,) = [b for b in shown.find("button") if b["text"] == "Start again"]
    (form,) = [f for f in shown.find("form") if any(a is f for a in button["ancestors"])]
    assert form["attrs"]["method"] == "post" and form["attrs"]["action"] == "/tablet/reset"
    assert shown.find("h1")[0]["text"] == "Start again for the next patient"


def test_the_tablet_reset_page_is_in_spanish_for_a_spanish_patient(app, client):
    make_tablet(app, client)
    client.get("/language/es")
    page = Html.of(client.get("/tablet/reset"))
    assert page.find("h1")[0]["text"] == "Empezar de nuevo para el siguiente paciente"
    assert "Empezar de nuevo" in [b["text"] for b in page.find("button")]


def test_the_reset_button_forgets_the_patient(app, client):
    make_tablet(app, client)
    patient = Patient(client)
    patient.start()
    cookie = client.get_cookie("session").value

    token = patient.csrf_token("/tablet/reset")
    response = client.post("/tablet/reset", data={"csrf_token": token})

    assert response.status_code == 302 and response.location.endswith("/")
    assert stored_drafts(app) == []
    assert client.get_cookie("session") is None or client.get_cookie("session").value != cookie


def test_the_reset_without_a_token_changes_nothing_and_shows_the_button_again(app, client):
    make_tablet(app, client)
    Patient(client).start()
    response = client.post("/tablet/reset", data={})
    assert response.status_code == 302 and response.location.endswith("/tablet/reset")
    assert len(stored_drafts(app)) == 1


def test_every_tablet_page_posts_its_reset_instead_of_linking_to_it(app, client):
    """The page's script starts again by posting this form (intake.js)."""
    make_tablet(app, client)
    patient = Patient(client)
    patient.start()
    page = Html.of(client.get(f"/questions/{ABOUT_YOU.slug}"))
    form = page.by_id("tablet-reset")
    assert form["attrs"]["method"] == "post" and form["attrs"]["action"] == "/tablet/reset"
    (token,) = page.inside(form, "input")
    assert token["attrs"]["name"] == "csrf_token" and token["attrs"]["value"]
    assert "/tablet/reset" not in [href for href, _ in page.links]
