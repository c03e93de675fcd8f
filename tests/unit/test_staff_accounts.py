"""Staff accounts from the command line: create-user, disable-user, enable-user, reset-password."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import func, select

from intake.extensions import db
from intake.models import User
from tests.http.clinic_helpers import user_row

EMAIL = "dr.grey@clinic.test"
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"


def typed_twice(password: str, again: str | None = None) -> str:
    return f"{password}\n{password if again is None else again}\n"


def user(app, email: str = EMAIL) -> User | None:
    return user_row(app, email)


def user_count(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(User))
        db.session.remove()
    return count


def matches(password_hash: str, password: str) -> bool:
    try:
        return PasswordHasher().verify(password_hash, password)
    except VerificationError:
        return False


def create(runner, email: str = EMAIL, role: str = "clinician", input: str | None = None):
    return runner.invoke(
        args=["create-user", email, "--role", role], input=input or typed_twice(PASSWORD)
    )


def test_create_user_asks_twice_hidden_and_stores_an_argon2id_hash(app, runner):
    result = create(runner)

    assert result.exit_code == 0, result.output
    assert f"Created {EMAIL} (clinician)" in result.output
    assert "Password:" in result.output and "Repeat for confirmation:" in result.output
    assert PASSWORD not in result.output  # hidden: not echoed
    stored = user(app)
    assert stored.role == "clinician" and stored.is_enabled
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    assert matches(stored.password_hash, PASSWORD)


def test_create_user_stores_the_email_in_lower_case(app, runner):
    assert create(runner, email="Desk@Clinic.TEST", role="frontdesk").exit_code == 0
    stored = user(app, "desk@clinic.test")
    assert stored is not None and stored.role == "frontdesk"


def test_create_user_refuses_passwords_that_differ(app, runner):
    result = create(runner, input=typed_twice(PASSWORD, "correct horse batterY"))
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert user_count(app) == 0


@pytest.mark.parametrize("password", ["elevenchars", "short", " " * 3])
def test_create_user_refuses_a_password_under_12_characters(app, runner, password):
    result = create(runner, input=typed_twice(password))
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    assert user_count(app) == 0


def test_twelve_characters_is_enough(app, runner):
    result = create(runner, input=typed_twice("twelve chars"))
    assert result.exit_code == 0, result.output


def test_create_user_refuses_an_email_already_used_in_any_case(app, runner):
    assert create(runner).exit_code == 0
    result = create(runner, email=EMAIL.upper(), role="frontdesk")
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert user_count(app) == 1
    assert user(app).role == "clinician"


@pytest.mark.parametrize("role", ["admin", "Clinician", ""])
def test_create_user_refuses_an_unknown_role(app, runner, role):
    result = create(runner, role=role)
    assert result.exit_code != 0
    assert "clinician" in result.output and "frontdesk" in result.output
    assert user_count(app) == 0


def test_create_user_needs_a_role(app, runner):
    result = runner.invoke(args=["create-user", EMAIL], input=typed_twice(PASSWORD))
    assert result.exit_code != 0
    assert user_count(app) == 0


def test_create_user_refuses_something_that_is_not_an_email(app, runner):
    result = create(runner, email="drgrey")
    assert result.exit_code != 0
    assert user_count(app) == 0


def test_disable_and_enable_a_user(app, runner):
    create(runner)

    result = runner.invoke(args=["disable-user", EMAIL.upper()])
    assert result.exit_code == 0, result.output
    assert "Disabled" in result.output
    assert user(app).is_enabled is False

    result = runner.invoke(args=["enable-user", EMAIL])
    assert result.exit_code == 0, result.output
    assert "Enabled" in result.output
    assert user(app).is_enabled is True


def test_reset_password_replaces_the_hash(app, runner):
    create(runner)
    old_hash = user(app).password_hash

    result = runner.invoke(args=["reset-password", EMAIL], input=typed_twice(NEW_PASSWORD))

    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output
    stored = user(app)
    assert stored.password_hash != old_hash and stored.password_hash.startswith("$argon2id$")
    assert matches(stored.password_hash, NEW_PASSWORD)
    assert not matches(stored.password_hash, PASSWORD)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (typed_twice("too short"), "at least 12 characters"),
        (typed_twice(NEW_PASSWORD, PASSWORD), "do not match"),
    ],
)
def test_reset_password_refuses_a_bad_new_password_and_keeps_the_old(app, runner, typed, message):
    create(runner)
    old_hash = user(app).password_hash

    result = runner.invoke(args=["reset-password", EMAIL], input=typed)

    assert result.exit_code != 0
    assert message in result.output
    assert user(app).password_hash == old_hash


@pytest.mark.parametrize(
    ("command", "typed"),
    [("disable-user", None), ("enable-user", None), ("reset-password", typed_twice(NEW_PASSWORD))],
)
def test_account_commands_fail_clearly_for_an_unknown_email(app, runner, command, typed):
    result = runner.invoke(args=[command, "nobody@clinic.test"], input=typed)
    assert result.exit_code != 0
    assert "no user has the email nobody@clinic.test" in result.output
    assert user_count(app) == 0
