"""Two-factor sign-in (SPEC section 7): enrolling at /clinic/account, the code after the
password, codes never accepted twice, pending sign-ins that sign no one in, INTAKE_REQUIRE_2FA,
a locked account's way in with its code (F5), the reset-2fa command, and the audit log."""

from __future__ import annotations

import functools
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from intake.clinic import services as staff_services
from intake.extensions import db
from intake.models import StaffSession
from intake.tokens import token_hash
from tests.http.clinic_helpers import (
    CLINICIAN,
    CSRF_FIELD,
    FRONTDESK,
    PASSWORD,
    THROTTLED,
    WRONG,
    Staff,
    audited,
    code_at,
    create_user,
    enrolled,
    failures_counted,
    open_sessions,
    quick_hashing,  # noqa: F401 (an autouse fixture: cheap argon2id)
    sent_to_sign_in,
    set_enabled,
    settings_with,
    signed_in_list,
    statuses_at_once,
    submit,
    user_row,
    with_cookie,
    wrong_code,
)
from tests.support import Html, client_at, make_app

WRONG_CODE = "The code is not right. Check your authenticator app and enter the code it shows now"
TOO_SLOW = "Signing in took longer than 5 minutes. Sign in again."


@pytest.fixture
def secret(app, clinician):
    """The clinician has turned two-factor sign-in on; the secret their phone holds."""
    return enrolled(app, clinician)


def stored_sessions(app) -> list[StaffSession]:
    with app.app_context():
        rows = db.session.scalars(select(StaffSession).order_by(StaffSession.id)).all()
        db.session.expunge_all()
        db.session.remove()
    return list(rows)


def shown_secret(page: Html) -> str:
    (code,) = page.find("code")
    return "".join(code["text"].split())


def field_error(page: Html, field: str) -> str:
    return " ".join(page.by_id(f"{field}-error")["text"].split())


# Enrolling at /clinic/account ------------------------------------------------


def test_the_account_page_shows_the_secret_as_text_and_as_a_qr_code(app, client, clinician):
    staff = Staff(client).signed_in()

    page = Html(staff.page("/clinic/account"))

    assert page.find("h1")[0]["text"] == "Your account"
    secret = shown_secret(page)
    assert user_row(app, CLINICIAN).totp_pending_secret == secret
    assert all(len(group) == 4 for group in page.find("code")[0]["text"].split()[:-1])
    (image,) = page.find("img")
    assert image["attrs"]["alt"]
    assert image["attrs"]["src"].startswith("data:image/svg+xml")
    assert "<svg" in unquote(image["attrs"]["src"])
    (label,) = page.find("label", for_="code")
    assert label["text"] == "Authentication code"
    field = page.by_id("code")["attrs"]
    assert (field["inputmode"], field["autocomplete"]) == ("numeric", "one-time-code")
    assert [b["text"] for b in page.find("button", type="submit")][-1] == "Turn on"
    # the secret stays on the server: not in the cookie, nor in any URL of the page
    assert secret not in str(staff.session(app))
    assert all(secret not in url for url, _ in page.links)


def test_a_reload_shows_the_same_secret(app, client, clinician):
    staff = Staff(client).signed_in()
    first = shown_secret(Html(staff.page("/clinic/account")))
    assert shown_secret(Html(staff.page("/clinic/account"))) == first


def test_a_right_code_turns_two_factor_sign_in_on(app, client, clinician, frozen_clock):
    staff = Staff(client).signed_in()
    secret = shown_secret(Html(staff.page("/clinic/account")))

    response = staff.post("/clinic/account", code=code_at(secret, frozen_clock.current))

    assert response.status_code == 302 and response.location == "/clinic/account"
    page = Html(staff.page("/clinic/account"))
    assert "Two-factor sign-in is on" in page.text
    assert not page.find("img") and not page.find("code") and not page.find("input", name="code")
    user = user_row(app, CLINICIAN)
    assert (user.totp_secret, user.totp_pending_secret) == (secret, None)
    assert user.totp_last_step == int(frozen_clock.current.timestamp()) // 30
    assert audited(app, "2fa_enrolled") == [(CLINICIAN, user.id, "2fa_enrolled", "success")]


@pytest.mark.parametrize(
    ("typing", "message", "kept"),
    [
        (wrong_code, WRONG_CODE, False),  # a new code is needed: the field is emptied
        (lambda *_: "12 34", "Enter the 6-digit code from your authenticator app", True),
        (lambda *_: "", "Enter the authentication code from your authenticator app", True),
    ],
)
def test_a_wrong_code_at_enrolment_shows_the_error_and_the_same_secret(
    app, client, clinician, frozen_clock, typing, message, kept
):
    staff = Staff(client).signed_in()
    secret = shown_secret(Html(staff.page("/clinic/account")))
    typed = typing(secret, frozen_clock.current)

    response = staff.post("/clinic/account", code=typed)

    assert response.status_code == 200
    page = Html.of(response)
    assert field_error(page, "code") == f"Error: {message}"
    assert page.error_links() == [("#code", message)]
    assert page.title.startswith("Error: Your account")
    assert page.value("code") == (typed if kept else "")
    assert shown_secret(page) == secret
    assert user_row(app, CLINICIAN).totp_secret is None


def test_an_enrolled_account_cannot_be_enrolled_again(app, client, clinician, frozen_clock):
    """A stolen session cannot swap the authenticator: once on, the page takes no new secret."""
    staff = Staff(client).signed_in()
    secret = shown_secret(Html(staff.page("/clinic/account")))
    staff.post("/clinic/account", code=code_at(secret, frozen_clock.current))
    frozen_clock.advance(seconds=30)

    response = staff.post("/clinic/account", code=code_at(secret, frozen_clock.current))

    assert response.status_code == 200 and "Two-factor sign-in is on" in Html.of(response).text
    user = user_row(app, CLINICIAN)
    assert (user.totp_secret, user.totp_pending_secret) == (secret, None)
    with app.app_context():
        assert not staff_services.enrol(user.id, code_at(secret, frozen_clock.current, steps=1))
        db.session.remove()


@pytest.mark.parametrize("role", ["clinician", "frontdesk"])
def test_both_roles_reach_the_account_page_from_the_header(app, client, role):
    email = CLINICIAN if role == "clinician" else FRONTDESK
    create_user(app, email, role)
    staff = Staff(client, email=email).signed_in()
    assert ("/clinic/account", "Your account") in Html(staff.page("/clinic/")).links
    assert "Your account" in Html(staff.page("/clinic/account")).title


def test_the_account_page_needs_a_sign_in(app, client):
    assert sent_to_sign_in(client.get("/clinic/account"), "/clinic/account")


# Signing in with the code ---------------------------------------------------


def test_an_enrolled_account_signs_in_with_its_password_then_its_code(
    app, client, secret, frozen_clock
):
    staff = Staff(client)

    response = staff.sign_in()

    assert response.status_code == 302 and response.location == "/clinic/login/code"
    assert not signed_in_list(client)
    pending_token = staff.session(app)["pending_sign_in"]
    assert "_user_id" not in staff.session(app)
    (waiting,) = stored_sessions(app)
    assert (waiting.pending, waiting.token_hash) == ("code", token_hash(pending_token))
    page = Html(staff.page("/clinic/login/code"))
    assert page.find("label", for_="code")[0]["text"] == "Authentication code"
    assert [b["text"] for b in page.find("button", type="submit")] == ["Continue"]
    assert audited(app) == []  # not signed in yet: nothing to record

    response = staff.enter_code(code_at(secret, frozen_clock.current))

    assert response.status_code == 302 and response.location == "/clinic/"
    assert signed_in_list(client)
    signed_in = staff.session(app)
    assert "pending_sign_in" not in signed_in
    assert signed_in["_user_id"] != pending_token  # a new token: no session fixation
    (row,) = stored_sessions(app)
    assert (row.pending, row.token_hash) == (None, token_hash(signed_in["_user_id"]))
    user_id = user_row(app, CLINICIAN).id
    assert audited(app) == [(CLINICIAN, user_id, "sign_in", "success")]
    assert failures_counted(app, CLINICIAN) == 0


def test_the_code_step_keeps_the_page_asked_for(app, client, secret, frozen_clock):
    reference = submit(app)
    staff = Staff(client)
    response = staff.sign_in(next=f"/clinic/submissions/{reference}")
    assert response.location == f"/clinic/login/code?next=/clinic/submissions/{reference}"

    response = staff.enter_code(
        code_at(secret, frozen_clock.current), next=f"/clinic/submissions/{reference}"
    )

    assert response.location == f"/clinic/submissions/{reference}"


def test_a_wrong_code_shows_the_error_at_the_field_and_is_counted(
    app, client, secret, frozen_clock
):
    staff = Staff(client)
    staff.sign_in()
    response = staff.enter_code(wrong_code(secret, frozen_clock.current))

    assert response.status_code == 200
    page = Html.of(response)
    assert field_error(page, "code") == f"Error: {WRONG_CODE}"
    assert page.error_links() == [("#code", WRONG_CODE)]
    assert page.value("code") == ""
    assert not signed_in_list(client)
    assert failures_counted(app, CLINICIAN) == 2  # the password step, and this code
    user_id = user_row(app, CLINICIAN).id
    assert audited(app) == [(CLINICIAN, user_id, "sign_in_code", "failure")]
    # the right code still works after a wrong one
    assert staff.enter_code(code_at(secret, frozen_clock.current)).status_code == 302
    assert failures_counted(app, CLINICIAN) == 0


def test_wrong_codes_lock_the_account_like_wrong_passwords(app, client, secret, frozen_clock):
    staff = Staff(client)
    staff.sign_in()  # counted 1
    for attempt in range(4):  # counted 2 to 5: the fifth locks
        wrong = wrong_code(secret, frozen_clock.current, attempt)
        assert staff.enter_code(wrong).status_code == 200

    response = staff.enter_code(code_at(secret, frozen_clock.current))

    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)
    assert not signed_in_list(client)
    assert "pending_sign_in" not in staff.session(app)
    assert open_sessions(app) == 0
    user_id = user_row(app, CLINICIAN).id
    assert audited(app, "account_locked") == [(CLINICIAN, user_id, "account_locked", "locked")]
    assert audited(app)[-1] == (CLINICIAN, None, "sign_in", "throttled")


def test_a_code_is_never_accepted_twice(app, secret, frozen_clock):
    now = frozen_clock.current
    Staff(app.test_client()).signed_in_with_code(secret, now)

    replay = Staff(app.test_client())
    replay.sign_in()
    assert replay.enter_code(code_at(secret, now)).status_code == 200  # the same code again
    assert replay.enter_code(code_at(secret, now, steps=-1)).status_code == 200  # an older one
    assert not signed_in_list(replay.client)

    frozen_clock.advance(seconds=30)  # the next code, once it is shown
    assert replay.enter_code(code_at(secret, frozen_clock.current)).status_code == 302


def test_two_workers_given_the_same_code_at_once_accept_it_once(
    app, tmp_path, secret, frozen_clock
):
    people = [Staff(instance.test_client()) for instance in (app, make_app(tmp_path))]
    for person in people:
        person.sign_in()
    code = code_at(secret, frozen_clock.current)
    forms = [{"csrf_token": person.csrf_token(), "code": code} for person in people]

    statuses = statuses_at_once(
        [
            functools.partial(person.client.post, "/clinic/login/code", data=form)
            for person, form in zip(people, forms, strict=True)
        ]
    )

    assert sorted(statuses, key=str) == [200, 302]
    assert [signed_in_list(person.client) for person in people].count(True) == 1


def test_a_newer_code_used_first_makes_the_current_one_too_old(app, secret, frozen_clock):
    now = frozen_clock.current
    first = Staff(app.test_client())
    first.sign_in()
    assert first.enter_code(code_at(secret, now, steps=1)).status_code == 302

    second = Staff(app.test_client())
    second.sign_in()
    assert second.enter_code(code_at(secret, now)).status_code == 200


@pytest.mark.parametrize(
    ("steps", "accepted"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)]
)
def test_codes_are_accepted_one_time_step_either_side_only(
    app, client, secret, frozen_clock, steps, accepted
):
    staff = Staff(client)
    staff.sign_in()
    response = staff.enter_code(code_at(secret, frozen_clock.current, steps=steps))
    assert (response.status_code == 302) is accepted
    assert signed_in_list(client) is accepted


# A pending sign-in signs no one in ------------------------------------------------


def test_a_pending_sign_in_reaches_no_clinic_page(app, client, secret):
    reference = submit(app)
    staff = Staff(client)
    staff.sign_in()

    for url in ("/clinic/", "/clinic/account", f"/clinic/submissions/{reference}",
                f"/clinic/submissions/{reference}/summary.pdf"):  # fmt: skip
        assert sent_to_sign_in(client.get(url), url), url


def test_flask_login_refuses_a_pending_token(app, client, secret):
    """The token of a sign-in waiting for its code, put where Flask-Login looks, is refused."""
    staff = Staff(client)
    staff.sign_in()
    pending_token = staff.session(app)["pending_sign_in"]
    with client.session_transaction() as session:
        session["_user_id"] = pending_token

    assert sent_to_sign_in(client.get("/clinic/"))
    assert sent_to_sign_in(client.get("/clinic/account"))


def test_the_code_step_needs_a_right_password_first(app, client, secret, frozen_clock):
    staff = Staff(client)
    assert sent_to_sign_in(client.get("/clinic/login/code"))
    response = staff.enter_code(code_at(secret, frozen_clock.current))
    assert sent_to_sign_in(response)
    assert not signed_in_list(client)


def test_a_pending_sign_in_lasts_five_minutes(app, client, secret, frozen_clock):
    staff = Staff(client)
    staff.sign_in()
    frozen_clock.advance(minutes=5, seconds=1)

    response = staff.enter_code(code_at(secret, frozen_clock.current))

    assert response.status_code == 200
    page = Html.of(response)
    assert TOO_SLOW in page.text
    assert page.find("h1")[0]["text"] == "Sign in"
    assert not signed_in_list(client)
    assert "pending_sign_in" not in staff.session(app)
    assert [row.ended_at for row in stored_sessions(app)] == [frozen_clock.current]


def test_a_code_just_within_five_minutes_signs_in(app, client, secret, frozen_clock):
    staff = Staff(client)
    staff.sign_in()
    frozen_clock.advance(minutes=4, seconds=59)
    assert staff.enter_code(code_at(secret, frozen_clock.current)).status_code == 302
    assert signed_in_list(client)


def test_a_disabled_account_cannot_finish_its_pending_sign_in(app, client, secret, frozen_clock):
    staff = Staff(client)
    staff.sign_in()
    set_enabled(app, CLINICIAN, False)
    set_enabled(app, CLINICIAN, True)  # enabled again: the sign-in it ended stays ended
    staff.enter_code(code_at(secret, frozen_clock.current))
    assert not signed_in_list(client)


# INTAKE_REQUIRE_2FA ---------------------------------------------------------


@pytest.fixture
def strict_app(app, tmp_path):
    """An instance with INTAKE_REQUIRE_2FA=1, on the database of `app`."""
    return make_app(tmp_path, REQUIRE_2FA=True)


def test_required_two_factor_makes_an_account_enrol_at_sign_in(
    app, strict_app, clinician, frozen_clock
):
    reference = submit(app)
    client = strict_app.test_client()
    staff = Staff(client)

    response = staff.sign_in(next=f"/clinic/submissions/{reference}")

    assert response.location == f"/clinic/login/enrol?next=/clinic/submissions/{reference}"
    assert not signed_in_list(client)
    assert [row.pending for row in stored_sessions(app)] == ["enrol"]
    for url in ("/clinic/", "/clinic/account", f"/clinic/submissions/{reference}"):
        assert sent_to_sign_in(client.get(url)), url
    enrol_url = response.location
    page = Html(staff.page(enrol_url))
    secret = shown_secret(page)
    assert page.find("img")[0]["attrs"]["src"].startswith("data:image/svg+xml")
    assert [b["text"] for b in page.find("button", type="submit")] == ["Turn on"]

    wrong = staff.post(enrol_url, code=wrong_code(secret, frozen_clock.current))
    assert wrong.status_code == 200
    assert field_error(Html.of(wrong), "code") == f"Error: {WRONG_CODE}"
    assert shown_secret(Html.of(wrong)) == secret
    assert not signed_in_list(client)

    response = staff.post(enrol_url, code=code_at(secret, frozen_clock.current))

    assert response.location == f"/clinic/submissions/{reference}"
    assert signed_in_list(client)
    assert user_row(app, CLINICIAN).totp_secret == secret
    user_id = user_row(app, CLINICIAN).id
    assert audited(app, "2fa_enrolled", "sign_in") == [
        (CLINICIAN, user_id, "2fa_enrolled", "success"),
        (CLINICIAN, user_id, "sign_in", "success"),
    ]
    # from now on the code is asked for after the password
    staff.sign_out()
    assert staff.sign_in().location == "/clinic/login/code"


def test_an_enrolment_at_sign_in_lasts_five_minutes(app, strict_app, clinician, frozen_clock):
    staff = Staff(strict_app.test_client())
    staff.sign_in()
    secret = shown_secret(Html(staff.page("/clinic/login/enrol")))
    frozen_clock.advance(minutes=5, seconds=1)

    response = staff.post("/clinic/login/enrol", code=code_at(secret, frozen_clock.current))

    assert TOO_SLOW in Html.of(response).text
    assert not signed_in_list(staff.client)
    assert user_row(app, CLINICIAN).totp_secret is None


def test_without_the_setting_an_account_not_enrolled_signs_in_with_its_password(app, clinician):
    staff = Staff(app.test_client())
    assert staff.sign_in().location == "/clinic/"


@pytest.mark.parametrize(("value", "required"), [("1", True), ("0", False), (None, False)])
def test_required_two_factor_follows_the_environment(tmp_path, monkeypatch, value, required):
    settings = settings_with(monkeypatch, tmp_path, "INTAKE_REQUIRE_2FA", value)
    assert settings["REQUIRE_2FA"] is required


# A locked account signs in with its code as well (F5) ------------------------------


def lock(staff: Staff) -> None:
    for _ in range(5):
        assert staff.sign_in(password=WRONG).status_code == 200


def sign_in_with_all_three(staff: Staff, password: str, code: str):
    return staff.post("/clinic/login", email=staff.email, password=password, code=code)


def test_a_locked_account_asks_for_the_code_as_well(app, client, secret):
    staff = Staff(client)
    lock(staff)

    response = staff.sign_in()

    assert response.status_code == 429
    page = Html.of(response)
    assert THROTTLED in page.text
    assert [e["attrs"]["name"] for e in page.find("input") if e["attrs"]["type"] != "hidden"] == [
        "email",
        "password",
        "code",
    ]
    assert page.find("label", for_="code")[0]["text"] == "Authentication code"


def test_a_locked_enrolled_account_signs_in_with_password_and_code(
    app, client, secret, frozen_clock
):
    staff = Staff(client)
    lock(staff)

    response = sign_in_with_all_three(staff, PASSWORD, code_at(secret, frozen_clock.current))

    assert response.status_code == 302 and response.location == "/clinic/"
    assert signed_in_list(client)
    user_id = user_row(app, CLINICIAN).id
    assert audited(app)[-1] == (CLINICIAN, user_id, "sign_in", "success_locked")
    assert failures_counted(app, CLINICIAN) == 0
    # and the code is used up like any other
    other = Staff(app.test_client())
    same_code = code_at(secret, frozen_clock.current)
    assert sign_in_with_all_three(other, PASSWORD, same_code).status_code == 302
    assert other.enter_code(code_at(secret, frozen_clock.current)).status_code == 200


def _comparable(page: str) -> str:
    return CSRF_FIELD.sub('name="csrf_token" value=""', page)


def test_a_locked_account_refuses_everything_else_with_the_same_page(app, frozen_clock):
    """No oracle: enrolled or not, password right or not, code right or not, the page is the
    same, until the password and the code are both right."""
    create_user(app, CLINICIAN, "clinician")
    create_user(app, FRONTDESK, "frontdesk")
    secret = enrolled(app, CLINICIAN)
    # From two addresses: the 17 attempts from one would meet the rate limit of 10 a minute.
    enrolled_staff = Staff(client_at(app, "192.0.2.1"))
    unenrolled_staff = Staff(client_at(app, "192.0.2.2"), FRONTDESK)
    lock(enrolled_staff)
    lock(unenrolled_staff)
    now = frozen_clock.current
    right, wrong = code_at(secret, now), wrong_code(secret, now)

    attempts = [
        (enrolled_staff, lambda s: s.sign_in()),  # right password, no code
        (enrolled_staff, lambda s: sign_in_with_all_three(s, WRONG, right)),
        (enrolled_staff, lambda s: sign_in_with_all_three(s, PASSWORD, wrong)),
        (enrolled_staff, lambda s: sign_in_with_all_three(s, WRONG, wrong)),
        (unenrolled_staff, lambda s: s.sign_in()),
        (unenrolled_staff, lambda s: sign_in_with_all_three(s, PASSWORD, right)),
        (unenrolled_staff, lambda s: sign_in_with_all_three(s, WRONG, wrong)),
    ]
    pages = set()
    for person, attempt in attempts:
        response = attempt(person)
        assert response.status_code == 429
        pages.add(_comparable(response.get_data(as_text=True)).replace(person.email, "EMAIL"))
    assert len(pages) == 1
    assert THROTTLED in pages.pop()
    assert open_sessions(app) == 0
    assert [e for e in audited(app) if e[3] == "throttled"] == [
        (email, None, "sign_in", "throttled") for email in [CLINICIAN] * 4 + [FRONTDESK] * 3
    ]
    # the code refused above with a wrong password was not used up
    assert sign_in_with_all_three(enrolled_staff, PASSWORD, right).status_code == 302


def test_the_password_is_never_checked_alone_while_locked(app, client, secret, monkeypatch):
    staff = Staff(client)
    lock(staff)
    checked = []
    real = staff_services._password_matches
    monkeypatch.setattr(
        staff_services, "_password_matches", lambda *args: checked.append(args) or real(*args)
    )

    assert staff.sign_in().status_code == 429
    assert staff.sign_in(password=WRONG).status_code == 429

    assert checked == []


def test_refused_attempts_while_locked_neither_count_nor_extend_the_lock(
    app, client, secret, frozen_clock
):
    person = Staff(client)
    lock(person)
    for _ in range(3):
        frozen_clock.advance(minutes=4)
        person.sign_in()
        sign_in_with_all_three(person, WRONG, code_at(secret, frozen_clock.current))
    assert failures_counted(app, CLINICIAN) == 0

    frozen_clock.advance(minutes=2, seconds=59)  # 14:59 after the lock
    assert person.sign_in().status_code == 429
    frozen_clock.advance(seconds=2)
    assert person.sign_in().location == "/clinic/login/code"


def test_codes_tried_with_the_right_password_while_locked_are_five_at_most(
    app, client, secret, frozen_clock
):
    """The lock lets the owner in with the code, not anyone with the password guess codes."""
    person = Staff(client)
    lock(person)
    for attempt in range(5):
        wrong = wrong_code(secret, frozen_clock.current, attempt)
        assert sign_in_with_all_three(person, PASSWORD, wrong).status_code == 429

    response = sign_in_with_all_three(person, PASSWORD, code_at(secret, frozen_clock.current))

    assert response.status_code == 429
    assert not signed_in_list(client)


# flask --app app reset-2fa EMAIL --------------------------------------------------


def test_reset_2fa_turns_two_factor_off_and_ends_the_accounts_sessions(
    app, client, runner, secret, frozen_clock
):
    copy = Staff(client).signed_in_with_code(secret, frozen_clock.current).cookie()

    result = runner.invoke(args=["reset-2fa", "Dr.Grey@Clinic.Test"])

    assert result.exit_code == 0, result.output
    assert "Two-factor sign-in reset for Dr.Grey@Clinic.Test" in result.output
    assert sent_to_sign_in(with_cookie(app, copy).get("/clinic/"))
    assert open_sessions(app) == 0
    user = user_row(app, CLINICIAN)
    assert (user.totp_secret, user.totp_pending_secret, user.totp_last_step) == (None, None, None)
    assert audited(app)[-1] == (CLINICIAN, None, "2fa_reset", "success")
    # the password alone signs in again, and a new authenticator can be enrolled
    staff = Staff(app.test_client()).signed_in()
    assert shown_secret(Html(staff.page("/clinic/account"))) != secret


def test_reset_2fa_fails_clearly_for_an_unknown_email(app, runner):
    result = runner.invoke(args=["reset-2fa", "nobody@clinic.test"])
    assert result.exit_code == 1
    assert "Error: no user has the email nobody@clinic.test" in result.output
    assert audited(app) == []
