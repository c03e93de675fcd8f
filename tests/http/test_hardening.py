"""Headers on every response, bounded requests, and friendly error pages with no stack trace."""

from __future__ import annotations

import pytest

from intake import clock, config
from intake.clinic import services as staff
from intake.extensions import db
from intake.models import AuditEvent
from tests.factories import answers
from tests.http.clinic_helpers import (
    CLINICIAN,
    CSRF_FIELD,
    Staff,
    audit_rows,
    create_user,
    quick_hashing,  # noqa: F401 (an autouse fixture: cheap argon2id)
)
from tests.support import Html, make_app

PAGES = ("/", "/questions/about-you", "/check-answers", "/clinic/login", "/no-such-page")


def test_every_page_carries_the_security_headers(client, patient):
    patient.start()
    for url in PAGES:
        response = client.get(url)
        headers = response.headers
        policy = headers["Content-Security-Policy"]
        for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in policy, (url, directive)
        assert "'unsafe-inline'" not in policy and "script-src 'self'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cache-Control"] == "no-store", url
        assert len(headers["X-Request-Id"]) >= 8
        assert "Strict-Transport-Security" not in headers  # plain HTTP: no HSTS


def test_pages_have_no_inline_script(client, patient):
    patient.start()
    for url in ("/", "/questions/about-you", "/clinic/login"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>" not in page and " on" + "click=" not in page
        assert '<script src="/static/intake.js" defer></script>' in page


def test_hsts_over_https_and_static_files_may_be_cached(client):
    secure = client.get("/", base_url="https://intake.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    static = client.get("/static/intake.css")
    assert static.headers.get("Cache-Control") != "no-store"
    static.close()


def test_a_request_id_offered_by_the_proxy_is_kept(client):
    assert client.get("/", headers={"X-Request-Id": "abc123-proxy-id"}).headers["X-Request-Id"] == (
        "abc123-proxy-id"
    )
    assert client.get("/", headers={"X-Request-Id": "<bad id>"}).headers["X-Request-Id"] != (
        "<bad id>"
    )


def test_too_much_data_gets_a_friendly_413_in_the_patients_language(app, client, patient):
    patient.start()
    client.get("/language/es")
    huge = {"full_name": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)}
    response = client.post("/questions/about-you", data=huge)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert '<html lang="es">' in page and "Traceback" not in page
    assert "Shorten your answers and try again." not in page  # it is in Spanish


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_server_error_is_a_friendly_page_without_a_stack_trace(app, client, language):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken():
        raise RuntimeError("secret internals")

    app.add_url_rule("/broken", view_func=broken)
    client.get(f"/language/{language}")
    response = client.get("/broken")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in page and "Traceback" not in page
    assert f'<html lang="{language}">' in page
    assert response.headers["Cache-Control"] == "no-store"


def test_clinic_error_pages_are_english_and_plain(app, client):
    create_user(app, CLINICIAN, "clinician")
    staff = Staff(client).signed_in()
    client.get("/language/es")
    response = client.get("/clinic/submissions/ZZZZ-2222")
    assert response.status_code == 404
    assert '<html lang="en">' in response.get_data(as_text=True)
    assert "Page not found" in staff.client.get("/clinic/submissions/ZZZZ-2222").get_data(
        as_text=True
    )


def test_every_free_text_field_is_bounded(app, patient):
    patient.start()
    long_note = "x" * 1001
    response = patient.answer_step("your-treatments", answers(treatment_notes=long_note))
    assert response.status_code == 200
    assert "1,000 characters or fewer" in response.get_data(as_text=True)


# F2: no audit line can be forged through the sign-in email -----------------------------

FORGED_LINE = "2026-11-30 09:12:44  dr.lee@clinic.example  view_answers  ABCD-2345  success"
FORGING_EMAILS = {
    "line break": f"mallory@evil.example\n{FORGED_LINE}",
    "carriage return": f"mallory@evil.example\r{FORGED_LINE}",
    "escape sequences": f"mallory@evil.example\x1b[1A\x1b[2K{FORGED_LINE}",
    "line separator": f"mallory@evil.example\u2028{FORGED_LINE}",
    "bidirectional override": "mallory@evil.example\u202eelpmaxe.cinilc@eel.rd",
    "zero-width space": "dr.lee@clinic.exam\u200bple",
    "NUL": "dr.lee@clinic.example\x00",
}


@pytest.mark.parametrize("email", FORGING_EMAILS.values(), ids=FORGING_EMAILS.keys())
def test_a_sign_in_email_with_control_characters_gets_a_field_error_and_no_audit_line(
    app, client, email
):
    response = Staff(client).sign_in(email=email, password="whatever it is")
    page = Html.of(response)
    assert response.status_code == 200
    assert page.error_links() == [
        ("#email", "Email must not contain line breaks or invisible characters")
    ]
    assert audit_rows(app) == []


def test_a_sign_in_email_longer_than_an_address_can_be_gets_a_field_error(app, client):
    response = Staff(client).sign_in(email="a" * 243 + "@clinic.test", password="whatever it is")
    assert Html.of(response).error_links() == [("#email", "Email must be 254 characters or fewer")]
    assert audit_rows(app) == []


def test_the_audit_log_stores_every_text_on_one_line_whoever_calls_it(app):
    with app.app_context():
        staff.sign_in(FORGING_EMAILS["escape sequences"], "a wrong password")
        db.session.remove()
    (row,) = audit_rows(app)
    assert row["email"] == "mallory@evil.example\\x1b[1a\\x1b[2k" + FORGED_LINE.lower()
    assert (row["action"], row["outcome"]) == ("sign_in", "failure")


def test_the_audit_command_prints_rows_of_older_releases_one_line_each(app, client, runner):
    """Rows stored as typed by an older release: the command escapes them when it prints."""
    create_user(app, CLINICIAN, "clinician")
    Staff(client).signed_in()
    with app.app_context():
        for email in ("line break", "escape sequences", "line separator", "carriage return"):
            db.session.add(
                AuditEvent(
                    at=clock.now(),
                    email=FORGING_EMAILS[email],
                    action="sign_in",
                    reference=None,
                    outcome="failure",
                )
            )
        db.session.commit()
        db.session.remove()

    result = runner.invoke(args=["audit"])

    assert result.exit_code == 0, result.output
    printed = result.stdout_bytes
    assert printed.count(b"\n") == len(audit_rows(app)) == 5
    assert printed.endswith(b"\n")
    assert all(byte >= 0x20 for line in printed.splitlines() for byte in line), printed
    assert b"\x1b" not in printed and "\u2028" not in result.output
    older = [line for line in result.output.splitlines() if "mallory@evil.example\\" in line]
    assert len(older) == 4 and all(line.endswith("  sign_in  -  failure") for line in older)


# F8: the Host header never makes a redirect, and TRUSTED_HOSTS refuses a foreign one ----

FOREIGN = "evil.example"


def redirects(client, headers: dict) -> dict:
    """A response of each kind of redirect the app sends, all to requests with these headers."""
    token = CSRF_FIELD.search(client.get("/", headers=headers).get_data(as_text=True)).group(1)
    return {
        "Werkzeug's slash redirect": client.get("/clinic?x=1", headers=headers),
        "sign-in required": client.get("/clinic/", headers=headers),
        "language chosen": client.get("/language/es?next=/questions/about-you", headers=headers),
        "a new draft": client.post("/start", data={"csrf_token": token}, headers=headers),
        "tablet reset": client.post("/tablet/reset", data={"csrf_token": token}, headers=headers),
    }


@pytest.mark.parametrize("proxy_fix", [False, True], ids=["direct", "behind a proxy"])
def test_no_redirect_carries_a_host_header_or_a_forwarded_host(tmp_path, proxy_fix):
    headers = {
        "Host": FOREIGN,
        "X-Forwarded-Host": FOREIGN,
        "X-Forwarded-Proto": "https",
        "Referer": f"https://{FOREIGN}/",
    }
    found = redirects(make_app(tmp_path, PROXY_FIX=proxy_fix).test_client(), headers)
    locations = {kind: response.location for kind, response in found.items()}
    assert {response.status_code for response in found.values()} <= {302, 308}, locations
    assert locations == {
        "Werkzeug's slash redirect": "/clinic/?x=1",
        "sign-in required": "/clinic/login?next=%2Fclinic%2F",
        "language chosen": "/questions/about-you",
        "a new draft": "/questions/about-you",
        "tablet reset": "/",
    }
    assert FOREIGN not in found["Werkzeug's slash redirect"].get_data(as_text=True)


def test_with_trusted_hosts_a_foreign_host_gets_400(tmp_path):
    app = make_app(tmp_path, TRUSTED_HOSTS=["intake.example"])
    client = app.test_client()
    assert client.get("/", base_url="https://intake.example").status_code == 200
    refused = client.get("/clinic", base_url=f"https://{FOREIGN}")
    assert refused.status_code == 400 and refused.location is None
    assert "does not answer to that host name" in refused.get_data(as_text=True)
    assert refused.headers["X-Frame-Options"] == "DENY"  # the security headers all the same


def test_behind_a_proxy_a_foreign_forwarded_host_gets_400(tmp_path):
    app = make_app(tmp_path, TRUSTED_HOSTS=["intake.example"], PROXY_FIX=True)
    client = app.test_client()
    proxied = {"X-Forwarded-Host": "intake.example"}
    assert client.get("/", base_url="http://10.0.0.5", headers=proxied).status_code == 200
    forged = client.get(
        "/", base_url="http://intake.example", headers={"X-Forwarded-Host": FOREIGN}
    )
    assert forged.status_code == 400


def test_trusted_hosts_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("INTAKE_SECRET_KEY", "from-env")
    monkeypatch.delenv("INTAKE_TRUSTED_HOSTS", raising=False)
    assert config.from_environment(str(tmp_path))["TRUSTED_HOSTS"] is None  # any: development
    monkeypatch.setenv("INTAKE_TRUSTED_HOSTS", " intake.clinic.example, .clinic.example ,")
    assert config.from_environment(str(tmp_path))["TRUSTED_HOSTS"] == [
        "intake.clinic.example",
        ".clinic.example",
    ]
