"""Who may do what on the clinic side: every clinic URL and method, for each kind of visitor."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.http.clinic_helpers import (
    CLINICIAN,
    FRONTDESK,
    Staff,
    audit_rows,
    create_user,
    open_sessions,
    quick_hashing,  # noqa: F401 (an autouse fixture: cheap argon2id)
    set_enabled,
    signed_in_list,
    stored_submission,
    submit,
    urls_in,
)
from tests.support import Html

# Logout comes last: it ends the session the other requests use.
REQUESTS = (
    ("GET", "/clinic/"),
    ("POST", "/clinic/"),  # the search form
    ("GET", "/clinic/submissions/{ref}"),
    ("POST", "/clinic/submissions/{ref}/reviewed"),
    ("GET", "/clinic/submissions/{ref}/summary.pdf"),
    ("POST", "/clinic/logout"),
)
SIGN_IN = "sign in"  # 302 to /clinic/login?next=<the URL asked for>
EXPECTED = {
    "anonymous": [SIGN_IN] * 6,
    "frontdesk": ["200", "200", "403", "403", "403", "-> /clinic/login"],
    "clinician": [
        "200",
        "200",
        "200",
        "-> /clinic/submissions/{ref}",
        "200 pdf",
        "-> /clinic/login",
    ],
    "disabled": [SIGN_IN] * 6,
}


def outcome(response, path: str) -> str:
    """A request's result in a word, so a whole row of the matrix compares at once."""
    if response.status_code == 302:
        location = urlsplit(response.location)
        if location.path == "/clinic/login" and location.query:
            next_url = parse_qs(location.query).get("next")
            return SIGN_IN if next_url == [path] else f"sign in, next={next_url}"
        return f"-> {location.path}"
    if response.status_code == 200 and response.mimetype == "application/pdf":
        return "200 pdf"
    return str(response.status_code)


@pytest.mark.parametrize("visitor", EXPECTED)
def test_access_matrix(app, client, visitor):
    reference = submit(app, pdf=True, pregnant_breastfeeding="yes")
    staff = Staff(client, email=FRONTDESK if visitor == "frontdesk" else CLINICIAN)
    if visitor != "anonymous":
        create_user(app, staff.email, "frontdesk" if visitor == "frontdesk" else "clinician")
        staff.signed_in()
    token = staff.csrf_token()  # read while still signed in, as an open page would hold it
    if visitor == "disabled":
        set_enabled(app, CLINICIAN, False)

    results = []
    for method, url in REQUESTS:
        path = url.format(ref=reference)
        if method == "POST":
            response = client.post(path, data={"csrf_token": token})
        else:
            response = client.get(path)
        results.append(outcome(response, path))

    requests = [f"{method} {url}" for method, url in REQUESTS]
    expected = [e.format(ref=reference) for e in EXPECTED[visitor]]
    assert dict(zip(requests, results, strict=True)) == dict(zip(requests, expected, strict=True))
    reviewed = stored_submission(app, reference).reviewed_at is not None
    assert reviewed is (visitor == "clinician")
    assert not signed_in_list(client)
    assert open_sessions(app) == 0


WRONG_METHODS = (
    ("PUT", "/clinic/"),
    ("POST", "/clinic/submissions/{ref}"),
    ("GET", "/clinic/submissions/{ref}/reviewed"),
    ("POST", "/clinic/submissions/{ref}/summary.pdf"),
    ("GET", "/clinic/logout"),
    ("PUT", "/clinic/login"),
)


@pytest.mark.parametrize("visitor", ["anonymous", "clinician"])
def test_a_wrong_method_is_405(app, client, visitor):
    reference = submit(app)
    staff = Staff(client)
    if visitor == "clinician":
        create_user(app, CLINICIAN, "clinician")
        staff.signed_in()
    token = staff.csrf_token()  # sent along, so only the method can be the reason for refusal

    results = {
        (method, url): client.open(
            url.format(ref=reference), method=method, data={"csrf_token": token}
        ).status_code
        for method, url in WRONG_METHODS
    }

    assert results == {request: 405 for request in WRONG_METHODS}
    assert stored_submission(app, reference).reviewed_at is None
    assert signed_in_list(client) is (visitor == "clinician")


def test_an_unknown_reference_is_404_for_a_clinician(app, client):
    submit(app)
    create_user(app, CLINICIAN, "clinician")
    staff = Staff(client).signed_in()
    token = staff.csrf_token()
    requests = [
        (method, url.format(ref=unknown))
        for unknown in ("ZZZZ-ZZZZ", "zzzz-zzzz", "nothing")
        for method, url in (
            ("GET", "/clinic/submissions/{ref}"),
            ("GET", "/clinic/submissions/{ref}/summary.pdf"),
            ("POST", "/clinic/submissions/{ref}/reviewed"),
        )
    ]

    results = {
        (method, path): client.open(path, method=method, data={"csrf_token": token}).status_code
        for method, path in requests
    }

    assert results == {request: 404 for request in requests}


def test_front_desk_list_has_no_flags_and_no_links_to_answers(app, client):
    reference = submit(
        app,
        full_name="Flagged Patient",
        conditions=["skin_infection"],
        pregnant_breastfeeding="yes",
        medicines=["blood_thinners"],
        picking="often",  # a clinical consideration
    )
    create_user(app, FRONTDESK, "frontdesk")
    page = Staff(client, email=FRONTDESK).signed_in().page("/clinic/")

    assert reference in page and "Flagged Patient" in page
    assert "Not yet" in page  # the reviewed column
    assert "Appointment date" in page
    assert "Flags" not in page
    words = Html(page).text.lower()
    for level in ("contraindication", "defer", "caution", "consideration"):
        assert level not in words, level
    assert not [url for url in urls_in(page) if "/submissions/" in url]


def test_a_clinician_list_links_to_the_answers(app, client):
    """The counterpart of the front-desk test, so that one cannot pass on a broken page."""
    reference = submit(app, conditions=["skin_infection"])
    create_user(app, CLINICIAN, "clinician")
    page = Staff(client).signed_in().page("/clinic/")
    assert "Flags" in page and "1 contraindication" in page
    assert f"/clinic/submissions/{reference}" in urls_in(page)


# CSRF ------------------------------------------------------------------


def test_mark_reviewed_without_a_valid_csrf_token_is_refused(app, client):
    reference = submit(app)
    create_user(app, CLINICIAN, "clinician")
    Staff(client).signed_in()
    before = audit_rows(app)

    statuses = [
        client.post(f"/clinic/submissions/{reference}/reviewed", data=data).status_code
        for data in ({}, {"csrf_token": ""}, {"csrf_token": "not-a-token"})
    ]

    assert statuses == [400, 400, 400]
    assert stored_submission(app, reference).reviewed_at is None
    assert audit_rows(app) == before


def test_a_csrf_token_of_another_browser_is_refused(app, client):
    """A token is bound to its session: one read by another visitor (an attacker) does not work."""
    reference = submit(app)
    create_user(app, CLINICIAN, "clinician")
    Staff(client).signed_in()
    foreign = Staff(app.test_client()).csrf_token()

    response = client.post(
        f"/clinic/submissions/{reference}/reviewed", data={"csrf_token": foreign}
    )
    assert response.status_code == 400
    assert stored_submission(app, reference).reviewed_at is None

    response = client.post("/clinic/logout", data={"csrf_token": foreign})
    assert response.status_code == 400
    assert signed_in_list(client)


def test_sign_out_without_a_csrf_token_is_refused_and_the_session_stays(app, client):
    create_user(app, CLINICIAN, "clinician")
    Staff(client).signed_in()
    before = audit_rows(app)

    response = client.post("/clinic/logout", data={})

    assert response.status_code == 400
    assert signed_in_list(client)
    assert open_sessions(app) == 1
    assert audit_rows(app) == before


def test_sign_in_without_a_csrf_token_is_refused_and_nothing_is_recorded(app, client):
    create_user(app, CLINICIAN, "clinician")
    client.get("/clinic/login")  # a session exists, only the token is missing

    response = client.post(
        "/clinic/login", data={"email": CLINICIAN, "password": "correct horse battery"}
    )

    assert response.status_code == 400
    assert not signed_in_list(client)
    assert open_sessions(app) == 0
    assert audit_rows(app) == []
