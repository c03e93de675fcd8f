"""Sign-in throttling per account, counted in the database so every worker and machine agrees."""

from __future__ import annotations

import functools
import threading
import time

import pytest
from sqlalchemy import select

from intake.clinic import services as staff_services
from intake.extensions import db
from intake.models import SignInThrottle
from tests.http.clinic_helpers import (
    CLINICIAN,
    CSRF_FIELD,
    FRONTDESK,
    PASSWORD,
    REFUSED_SIGN_IN,
    THROTTLED,
    WRONG,
    Staff,
    audit_rows,
    audited,
    create_user,
    failures_counted,
    open_sessions,
    quick_hashing,  # noqa: F401 (an autouse fixture: cheap argon2id)
    signed_in_list,
    statuses_at_once,
    user_row,
)
from tests.support import client_at, make_app

NOBODY = "nobody@clinic.test"


@pytest.fixture
def second_app(app, tmp_path):
    """Another instance (another worker or machine) on the same database as `app`."""
    return make_app(tmp_path)


def fail(staff: Staff, times: int, email: str | None = None) -> None:
    for attempt in range(times):
        response = staff.sign_in(email=email, password=WRONG)
        assert response.status_code == 200, (attempt, response.status_code)
        assert REFUSED_SIGN_IN in response.get_data(as_text=True)


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert THROTTLED in response.get_data(as_text=True)


def test_five_failures_refuse_even_the_right_password(app, client, clinician):
    staff = Staff(client)
    fail(staff, 5)

    response = staff.sign_in()

    assert_throttled(response)
    assert "_user_id" not in staff.session(app)
    assert not signed_in_list(client)
    assert open_sessions(app) == 0


def test_four_failures_then_the_right_password_signs_in(app, client, clinician):
    staff = Staff(client)
    fail(staff, 4)
    assert staff.sign_in().status_code == 302
    assert signed_in_list(client)


def test_a_success_starts_the_count_again(app, client, clinician):
    staff = Staff(client)
    fail(staff, 4)
    staff.signed_in().sign_out()
    fail(staff, 4)
    assert staff.sign_in().status_code == 302


def test_the_lock_lasts_15_minutes(app, client, clinician, frozen_clock):
    staff = Staff(client)
    fail(staff, 5)

    frozen_clock.advance(minutes=14, seconds=59)
    assert_throttled(staff.sign_in())

    frozen_clock.advance(seconds=2)
    assert staff.sign_in().status_code == 302


def test_failures_spread_over_more_than_15_minutes_do_not_lock(
    app, client, clinician, frozen_clock
):
    staff = Staff(client)
    for _ in range(5):  # at 0, 4, 8, 12 and 16 minutes: never 5 within 15 minutes
        fail(staff, 1)
        frozen_clock.advance(minutes=4)
    assert staff.sign_in().status_code == 302


def test_any_five_failures_within_15_minutes_lock(app, client, clinician, frozen_clock):
    """Five failures in 90 seconds lock, even when the first failure was long before them."""
    staff = Staff(client)
    fail(staff, 1)  # at 0:00
    frozen_clock.advance(minutes=14)
    fail(staff, 3)  # at 14:00
    frozen_clock.advance(minutes=1, seconds=30)
    fail(staff, 2)  # at 15:30: five failures since 14:00

    assert_throttled(staff.sign_in())


def test_the_count_is_per_account(app, client, clinician):
    create_user(app, FRONTDESK, "frontdesk")
    fail(Staff(client), 5)

    other = Staff(app.test_client(), email=FRONTDESK)
    assert other.sign_in().status_code == 302
    assert_throttled(Staff(app.test_client()).sign_in())


def test_the_count_follows_the_account_not_the_browser(app, clinician):
    for _ in range(5):  # each attempt from a new browser
        fail(Staff(app.test_client()), 1)
    assert_throttled(Staff(app.test_client()).sign_in())


def test_the_email_case_does_not_escape_the_count(app, client, clinician):
    staff = Staff(client)
    for email in ("dr.grey@clinic.test", "DR.GREY@clinic.test", "Dr.Grey@Clinic.Test",
                  " dr.grey@clinic.test", "dr.grey@CLINIC.TEST"):  # fmt: skip
        fail(staff, 1, email=email)
    assert_throttled(staff.sign_in())


def _comparable(page: str, email: str) -> str:
    """A page with what differs by design (CSRF token, the email typed) taken out."""
    return CSRF_FIELD.sub('name="csrf_token" value=""', page).replace(email, "EMAIL")


def test_unknown_emails_are_throttled_the_same_way(app, clinician):
    # Two people at two addresses: 12 sign-ins from one would meet the limit per address.
    known = Staff(client_at(app, "192.0.2.1"))
    unknown = Staff(client_at(app, "192.0.2.2"), email=NOBODY)

    known_failure = known.sign_in(password=WRONG)
    unknown_failure = unknown.sign_in(password=WRONG)
    assert known_failure.status_code == unknown_failure.status_code == 200
    assert _comparable(known_failure.get_data(as_text=True), CLINICIAN) == _comparable(
        unknown_failure.get_data(as_text=True), NOBODY
    )

    fail(known, 4)
    fail(unknown, 4)
    known_refusal, unknown_refusal = known.sign_in(), unknown.sign_in()
    assert_throttled(known_refusal)
    assert_throttled(unknown_refusal)
    assert _comparable(known_refusal.get_data(as_text=True), CLINICIAN) == _comparable(
        unknown_refusal.get_data(as_text=True), NOBODY
    )


# Every lock is audited (F5) ---------------------------------------------------


def test_a_lock_is_audited_once_when_it_is_set(app, client, clinician):
    user_id = user_row(app, CLINICIAN).id
    staff = Staff(client, email="Dr.Grey@Clinic.Test")
    fail(staff, 4)
    assert audited(app, "account_locked") == []

    fail(staff, 1)

    assert audited(app)[-2:] == [
        (CLINICIAN, user_id, "sign_in", "failure"),
        (CLINICIAN, user_id, "account_locked", "locked"),
    ]
    assert_throttled(staff.sign_in())
    assert_throttled(staff.sign_in(password=WRONG))
    assert audited(app, "account_locked") == [(CLINICIAN, user_id, "account_locked", "locked")]
    assert audited(app)[-2:] == [(CLINICIAN, None, "sign_in", "throttled")] * 2
    assert all(WRONG not in str(row) and PASSWORD not in str(row) for row in audit_rows(app))


def test_a_fifth_attempt_that_signs_in_sets_no_lock(app, client, clinician):
    staff = Staff(client)
    fail(staff, 4)
    assert staff.sign_in().status_code == 302
    assert audited(app, "account_locked") == []
    assert failures_counted(app, CLINICIAN) == 0


def test_an_unknown_email_is_locked_and_audited_the_same_way(app, client):
    fail(Staff(client, email=NOBODY), 5)
    assert audited(app, "account_locked") == [(NOBODY, None, "account_locked", "locked")]


# Several app instances on one database ---------------------------------------


def test_the_limit_holds_across_two_app_instances(app, second_app, clinician):
    on_first, on_second = Staff(app.test_client()), Staff(second_app.test_client())
    for staff in (on_first, on_second, on_first, on_second, on_first):
        fail(staff, 1)

    assert_throttled(on_second.sign_in())
    assert_throttled(on_first.sign_in())


def test_concurrent_failures_on_two_instances_are_all_counted(app, second_app, clinician):
    """No lost updates: 4 failures at once count 4, and a fifth then locks the account."""
    people = [Staff(instance.test_client()) for instance in (app, second_app, app, second_app)]

    assert sign_in_at_once(people, WRONG) == [200] * 4

    assert failures_counted(app, CLINICIAN) == 4
    fail(people[1], 1)
    assert_throttled(people[0].sign_in())
    assert_throttled(people[1].sign_in())


def sign_in_at_once(people: list[Staff], password: str) -> list[int | str]:
    """Each person posts the sign-in form at the same moment; the statuses, in order."""
    forms = [
        {"csrf_token": person.csrf_token(), "email": CLINICIAN, "password": password}
        for person in people
    ]
    return statuses_at_once(
        [
            functools.partial(person.client.post, "/clinic/login", data=form)
            for person, form in zip(people, forms, strict=True)
        ]
    )


def spy_on_password_checks(monkeypatch, hold: threading.Event | None = None) -> list[str]:
    """Every password check, recorded as it starts. A wrong password's check then waits for
    `hold` (or 0.3 s, as argon2 may on a busy server), so attempts made together are checked
    together."""
    checks: list[str] = []
    check = staff_services._password_matches

    def slow_check(user, password):
        checks.append(password)
        if password == WRONG and hold is not None:
            assert hold.wait(timeout=30)
        elif password == WRONG:
            time.sleep(0.3)
        return check(user, password)

    monkeypatch.setattr(staff_services, "_password_matches", slow_check)
    return checks


def test_twelve_wrong_passwords_at_once_get_five_checks(app, tmp_path, clinician, monkeypatch):
    """F4: the lock is counted before the password is checked, on every instance at once."""
    checks = spy_on_password_checks(monkeypatch)
    instances = [app, *(make_app(tmp_path) for _ in range(11))]  # 12 workers, one database
    # From 12 addresses, as a distributed guess would come: one address is rate-limited first.
    guessers = [Staff(client_at(app, f"192.0.2.{n}")) for n, app in enumerate(instances, 1)]

    statuses = sign_in_at_once(guessers, WRONG)

    assert sorted(statuses, key=str) == [200] * 5 + [429] * 7
    assert len(checks) == 5
    assert_throttled(Staff(app.test_client()).sign_in())
    assert len(checks) == 5  # the right password was not checked either


def test_a_right_password_while_five_are_being_checked_is_refused(
    app, tmp_path, clinician, monkeypatch
):
    """F4: a right guess sent while five wrong ones are still being checked is not let in."""
    hold = threading.Event()
    checks = spy_on_password_checks(monkeypatch, hold)
    guessers = [Staff(make_app(tmp_path).test_client()) for _ in range(5)]
    statuses: list[int | str] = []
    burst = threading.Thread(target=lambda: statuses.extend(sign_in_at_once(guessers, WRONG)))
    burst.start()
    for _ in range(300):
        if len(checks) == 5:
            break
        time.sleep(0.05)
    assert len(checks) == 5  # five wrong passwords are being checked, none has failed yet

    right_guess = Staff(app.test_client()).sign_in()

    hold.set()
    burst.join(timeout=60)
    assert_throttled(right_guess)
    assert statuses == [200] * 5
    assert len(checks) == 5
    assert open_sessions(app) == 0


def test_the_counts_are_in_the_database_not_in_the_process(app, clinician):
    fail(Staff(app.test_client()), 3)
    assert failures_counted(app, CLINICIAN) == 3
    with app.app_context():
        stored = db.session.scalars(select(SignInThrottle.email)).all()
        db.session.remove()
    assert stored == [CLINICIAN]  # stored lower-case, one row per account
