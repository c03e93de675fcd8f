"""Staff sessions: renewed at sign-in, ended on the server at sign-out, idle and absolute limits."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from intake.extensions import db
from intake.models import StaffSession
from tests.http.clinic_helpers import (
    CLINICIAN,
    PASSWORD,
    REFUSED_SIGN_IN,
    Staff,
    create_user,
    open_sessions,
    quick_hashing,  # noqa: F401 (an autouse fixture: cheap argon2id)
    reset_password,
    sent_to_sign_in,
    set_enabled,
    settings_with,
    signed_in_list,
    submit,
    with_cookie,
)
from tests.support import make_app


def test_sign_in_starts_a_new_session_with_nothing_carried_over(app, client, patient, clinician):
    staff = Staff(client)
    patient.start()  # "Start now" on a shared tablet puts a draft token in the session
    assert "draft" in staff.session(app)
    token_before = staff.csrf_token()
    cookie_before = staff.cookie()

    response = staff.sign_in()

    assert response.status_code == 302
    after = staff.session(app)
    assert "draft" not in after
    assert after.get("_user_id")
    assert staff.cookie() != cookie_before
    # the CSRF secret is new too: a token read before sign-in no longer works
    assert client.post("/clinic/logout", data={"csrf_token": token_before}).status_code == 400


def test_each_sign_in_gets_its_own_session(app, clinician):
    first = Staff(app.test_client()).signed_in()
    second = Staff(app.test_client()).signed_in()
    assert first.session(app)["_user_id"] != second.session(app)["_user_id"]
    first.sign_out()
    assert not signed_in_list(first.client)
    assert signed_in_list(second.client)  # signing out one device leaves the other


def test_a_wrong_password_shows_an_error_at_the_field_and_signs_nobody_in(app, client, clinician):
    staff = Staff(client)

    response = staff.sign_in(password="not the password at all")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert (
        f'id="password-error"><span class="visually-hidden">Error:</span> {REFUSED_SIGN_IN}' in page
    )
    assert 'aria-describedby="password-error"' in page
    assert f'href="#password">{REFUSED_SIGN_IN}</a>' in page  # the error summary links to it
    assert "<title>Error: Sign in" in page
    assert f'value="{CLINICIAN}"' in page  # the email is kept, the password is not
    assert "not the password at all" not in page
    assert "_user_id" not in staff.session(app)
    assert sent_to_sign_in(client.get("/clinic/"))
    assert open_sessions(app) == 0


def test_a_disabled_account_is_refused_like_a_wrong_password(app, client, clinician):
    set_enabled(app, CLINICIAN, False)
    response = Staff(client).sign_in()
    assert response.status_code == 200
    assert REFUSED_SIGN_IN in response.get_data(as_text=True)
    assert not signed_in_list(client)


def test_the_email_is_not_case_sensitive(app, client, clinician):
    response = Staff(client).sign_in(email="  Dr.GREY@Clinic.Test ")
    assert response.status_code == 302
    assert signed_in_list(client)


def test_sign_in_sends_you_on_to_the_page_you_asked_for(app, client, clinician):
    reference = submit(app)
    asked = client.get(f"/clinic/submissions/{reference}")
    assert sent_to_sign_in(asked, f"/clinic/submissions/{reference}")

    response = Staff(client).sign_in(next=f"/clinic/submissions/{reference}")

    assert response.status_code == 302
    assert response.location == f"/clinic/submissions/{reference}"


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",  # browsers read a backslash as a slash: //evil.example/
        "javascript:alert(1)",
    ],
)
def test_sign_in_never_sends_you_off_the_site(app, client, clinician, elsewhere):
    response = Staff(client).sign_in(next=elsewhere)
    assert response.status_code == 302
    assert _on_this_site(response.location), response.location


def _on_this_site(location: str) -> bool:
    """As a browser resolves it: backslashes count as slashes; a path only, not "//host"."""
    as_browser_reads_it = location.replace("\\", "/")
    parts = urlsplit(as_browser_reads_it)
    return (
        not parts.scheme
        and not parts.netloc
        and as_browser_reads_it.startswith("/")
        and not as_browser_reads_it.startswith("//")
    )


# Ending sessions on the server ---------------------------------------------


def test_a_cookie_copied_before_sign_out_is_refused_after(app, client, clinician):
    reference = submit(app)
    staff = Staff(client).signed_in()
    copy = staff.cookie()
    assert with_cookie(app, copy).get("/clinic/").status_code == 200

    response = staff.sign_out()

    assert response.status_code == 302 and response.location == "/clinic/login"
    assert sent_to_sign_in(with_cookie(app, copy).get("/clinic/"))
    assert sent_to_sign_in(with_cookie(app, copy).get(f"/clinic/submissions/{reference}"))
    assert open_sessions(app) == 0


def test_idle_for_15_minutes_ends_the_session_for_good(app, client, clinician, frozen_clock):
    staff = Staff(client).signed_in()
    copy = staff.cookie()

    frozen_clock.advance(minutes=15, seconds=31)
    assert sent_to_sign_in(client.get("/clinic/"))

    frozen_clock.advance(minutes=-15, seconds=-31)  # even with the clock back
    assert sent_to_sign_in(with_cookie(app, copy).get("/clinic/"))
    assert open_sessions(app) == 0


def test_just_under_15_minutes_idle_is_still_signed_in(app, client, clinician, frozen_clock):
    Staff(client).signed_in()
    frozen_clock.advance(minutes=14, seconds=59)
    assert client.get("/clinic/").status_code == 200


def test_activity_keeps_the_session_alive(app, client, clinician, frozen_clock):
    Staff(client).signed_in()
    frozen_clock.advance(minutes=10)
    assert client.get("/clinic/").status_code == 200
    frozen_clock.advance(minutes=10)
    assert client.get("/clinic/").status_code == 200
    frozen_clock.advance(minutes=14)
    assert client.get("/clinic/").status_code == 200


def test_a_session_ends_after_12_hours_whatever_the_activity(app, client, clinician, frozen_clock):
    Staff(client).signed_in()
    for _ in range(71):  # every 10 minutes up to 11 h 50 min
        frozen_clock.advance(minutes=10)
        assert client.get("/clinic/").status_code == 200

    frozen_clock.advance(minutes=10, seconds=1)

    assert sent_to_sign_in(client.get("/clinic/"))
    frozen_clock.advance(hours=-1)
    assert sent_to_sign_in(client.get("/clinic/"))


def test_disabling_an_account_ends_its_open_sessions(app, client, clinician):
    copy = Staff(client).signed_in().cookie()

    set_enabled(app, CLINICIAN, False)
    assert sent_to_sign_in(client.get("/clinic/"))

    set_enabled(app, CLINICIAN, True)  # enabling again does not bring old sessions back
    assert sent_to_sign_in(with_cookie(app, copy).get("/clinic/"))
    assert open_sessions(app) == 0


def test_a_password_reset_ends_open_sessions_and_the_old_password(app, client, clinician):
    copy = Staff(client).signed_in().cookie()

    reset_password(app, CLINICIAN, "a brand new passphrase")

    assert sent_to_sign_in(with_cookie(app, copy).get("/clinic/"))
    fresh = Staff(app.test_client())
    assert fresh.sign_in(password=PASSWORD).status_code == 200  # refused
    assert fresh.sign_in(password="a brand new passphrase").status_code == 302


def test_the_session_records_sign_in_and_last_activity_on_the_server(
    app, client, clinician, frozen_clock
):
    signed_in_at = frozen_clock.current
    Staff(client).signed_in()
    frozen_clock.advance(minutes=5)
    client.get("/clinic/")
    with app.app_context():
        row = db.session.scalar(select(StaffSession))
        assert (row.created_at, row.last_seen_at, row.ended_at) == (
            signed_in_at,
            frozen_clock.current,
            None,
        )
        db.session.remove()


# Cookie flags --------------------------------------------------------------


def _session_set_cookie(response) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert len(headers) == 1, response.headers
    return headers[0]


def test_the_session_cookie_is_httponly_and_samesite_lax(app, client, clinician):
    header = _session_set_cookie(Staff(client).sign_in())
    attributes = [part.strip().lower() for part in header.split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "secure" not in attributes  # plain HTTP in development: a Secure cookie would be lost


def test_the_session_cookie_is_secure_when_configured(app, tmp_path):
    secure_app = make_app(tmp_path, SESSION_COOKIE_SECURE=True)  # on the database of `app`
    create_user(secure_app, CLINICIAN, "clinician")
    header = _session_set_cookie(Staff(secure_app.test_client()).sign_in())
    attributes = [part.strip().lower() for part in header.split(";")]
    assert "secure" in attributes and "httponly" in attributes
    assert "samesite=lax" in attributes


@pytest.mark.parametrize(("value", "secure"), [("1", True), ("0", False), (None, False)])
def test_secure_cookies_follow_the_environment(tmp_path, monkeypatch, value, secure):
    settings = settings_with(monkeypatch, tmp_path, "INTAKE_SECURE_COOKIES", value)
    assert settings["SESSION_COOKIE_SECURE"] is secure
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"
