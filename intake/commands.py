"""Command-line tasks: PDFs (export-pdf, demo), staff accounts, the audit log, and tick
(reminders and expiry, retention, stale rows)."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from intake import (
    clock,
    files,
    housekeeping,
    key_commands,
    questionnaire,
    records,
    services,
    summaries,
)
from intake.appointments import reminders
from intake.clinic import queries
from intake.clinic import services as staff
from intake.demo import add_synthetic, sample_answers
from intake.models import ROLES, Submission
from intake.printable import one_line
from intake.wizard import drafts


def init_app(app: Flask) -> None:
    for command in (
        export_pdf,
        demo,
        create_user,
        disable_user,
        enable_user,
        reset_password,
        reset_2fa,
        audit,
        purge,
        tick,
    ):
        app.cli.add_command(command)
    key_commands.init_app(app)  # new-data-key, rotate-keys, backup


def _new_password() -> str:
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the user may see.")
@with_appcontext
def create_user(email: str, role: str) -> None:
    """Create a staff account; the password is asked twice, hidden."""
    try:
        user = staff.create_user(email, _new_password(), role)
    except staff.AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {user.email} ({role})")


@click.command("disable-user")
@click.argument("email")
@with_appcontext
def disable_user(email: str) -> None:
    """Disable an account and end its sessions at once."""
    _account_change(lambda: staff.set_enabled(email, False), f"Disabled {email}")


@click.command("enable-user")
@click.argument("email")
@with_appcontext
def enable_user(email: str) -> None:
    """Enable a disabled account again."""
    _account_change(lambda: staff.set_enabled(email, True), f"Enabled {email}")


@click.command("reset-password")
@click.argument("email")
@with_appcontext
def reset_password(email: str) -> None:
    """Set a new password (asked twice, hidden) and end the account's sessions."""
    _account_change(
        lambda: staff.reset_password(email, _new_password()), f"New password set for {email}"
    )


@click.command("reset-2fa")
@click.argument("email")
@with_appcontext
def reset_2fa(email: str) -> None:
    """Turn two-factor sign-in off for a lost authenticator, and end the account's sessions."""
    _account_change(lambda: staff.reset_two_factor(email), f"Two-factor sign-in reset for {email}")


def _account_change(change, done: str) -> None:
    try:
        change()
    except staff.AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(done)


@click.command("audit")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Only events from this date on (YYYY-MM-DD, clinic time).",
)
@with_appcontext
def audit(since) -> None:
    """Print the audit log, one event a line: time, user, action, reference, outcome."""
    zone = current_app.config["TIMEZONE"]
    for event in queries.audit_events(since.date() if since else None, zone):
        when = event.at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S")
        texts = (event.email or "-", event.action, event.reference or "-", event.outcome)
        # Escaped again: rows an older release stored as typed must not break a line either.
        click.echo("  ".join((when, *map(one_line, texts))))


@click.command("purge")
@with_appcontext
def purge() -> None:
    """Delete stale rows (rate-limit counts, sign-in throttles, old sign-ins, expired drafts,
    old invitation links and desk codes); tick does it too."""
    for kind, count in housekeeping.purge_stale(clock.now()).items():
        click.echo(f"{kind}: {count}")


@click.command("tick")
@with_appcontext
def tick() -> None:
    """Send the reminders due now, expire the appointments whose day has ended, delete the
    submissions retention says to (INTAKE_RETAIN_FILED_DAYS, INTAKE_RETAIN_UNFILED_DAYS) and
    purge stale rows; for cron or a systemd timer every 5 or 10 minutes, on any number of
    machines at once. Prints ids and counts only, never a patient's details."""
    report = reminders.tick(current_app.config["TIMEZONE"])
    for reminder_id, why in report.skipped:
        click.echo(f"reminder {reminder_id} skipped: {why}")
    if report.held_back:
        click.echo(f"reminders held back, to go at a later tick: {report.held_back}", err=True)
    for reminder_id in report.failed:
        click.echo(f"reminder {reminder_id} refused by the mail server (see its appointment)")
    click.echo(
        f"reminders sent: {len(report.sent)}, failed: {len(report.failed)}, "
        f"skipped: {len(report.skipped)}; appointments expired: {len(report.expired)}"
    )
    retention = records.apply_retention(
        current_app.config["RETAIN_FILED_DAYS"], current_app.config["RETAIN_UNFILED_DAYS"]
    )
    click.echo(
        f"submissions deleted by retention: filed {len(retention.filed)}, "
        f"never filed {len(retention.unfiled)}; kept under a legal hold: {retention.held}"
    )
    purged = housekeeping.purge_stale(clock.now())
    click.echo("stale rows purged: " + ", ".join(f"{kind} {n}" for kind, n in purged.items()))


@click.command("export-pdf")
@click.argument("reference")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, allow_dash=True))
@with_appcontext
def export_pdf(reference: str, file: str) -> None:
    """Write a submission's PDF summary to FILE (- for standard output)."""
    try:
        pdf = summaries.find_pdf(reference.strip().upper(), current_app.config["TIMEZONE"])
    except summaries.Deleted as deleted:
        raise click.ClickException(str(deleted)) from None
    if pdf is None:
        raise click.ClickException(f"No submission has the reference {reference!r}.")
    if file == "-":
        sys.stdout.buffer.write(pdf)
        return
    files.write_private(file, pdf)
    click.echo(f"Wrote {file} ({len(pdf):,} bytes)")


@click.command("demo")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder for the PDFs (default: the instance folder's demo-pdfs).",
)
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=None,
    help="Add this many synthetic submissions in bulk instead (no PDFs), to try the clinic "
    "at scale.",
)
@with_appcontext
def demo(out: str | None, count: int | None) -> None:
    """Create sample submissions through the real submit path and write their PDFs; or, with
    --count, many synthetic ones written in bulk (their PDFs rendered when first opened)."""
    if count is not None:
        zone = current_app.config["TIMEZONE"]
        done = add_synthetic(count, clock.today(zone))
        click.echo(
            f"Added {done.submissions:,} submissions and {done.appointments:,} appointments "
            f"in {done.seconds:.1f} s: {done.rate:,.0f} submissions a second"
        )
        return
    folder = Path(out or Path(current_app.instance_path) / "demo-pdfs")
    if out is None or not folder.exists():  # an operator's existing folder is left as it is
        files.private_folder(folder)
    zone = current_app.config["TIMEZONE"]
    lifetime = current_app.config["DRAFT_LIFETIME_HOURS"]
    for answers in sample_answers(clock.today(zone)):
        reference = _submit(answers, lifetime)
        summaries.store_after_submit(reference, zone)
        path = folder / f"{reference}.pdf"
        files.write_private(path, summaries.stored_pdf(_stored(reference), zone))
        click.echo(str(path))


def _submit(answers: dict, lifetime_hours: int) -> str:
    lifetime = timedelta(hours=lifetime_hours)
    token = drafts.start(lifetime)
    for step in questionnaire.STEPS:
        drafts.save_step(
            token, step, {q.id: answers[q.id] for q in step.questions if q.id in answers}, lifetime
        )
    draft = drafts.find(token)
    if draft is None:
        raise click.ClickException("the sample draft was not saved")
    return drafts.submit(token, drafts.fingerprint(draft.answers), language="en")


def _stored(reference: str) -> Submission:
    submission = services.find_submission(reference)
    if submission is None:
        raise click.ClickException(f"submission {reference} was not stored")
    return submission
