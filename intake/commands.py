"""Command-line tasks: `flask --app app export-pdf` and `flask --app app demo`."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from intake import clock, questionnaire, services, summaries
from intake.demo import sample_answers


def init_app(app: Flask) -> None:
    app.cli.add_command(export_pdf)
    app.cli.add_command(demo)


@click.command("export-pdf")
@click.argument("reference")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, allow_dash=True))
@with_appcontext
def export_pdf(reference: str, file: str) -> None:
    """Write a submission's PDF summary to FILE (- for standard output)."""
    pdf = summaries.pdf_for(reference.strip().upper(), current_app.config["TIMEZONE"])
    if pdf is None:
        raise click.ClickException(f"No submission has the reference {reference!r}.")
    if file == "-":
        sys.stdout.buffer.write(pdf)
        return
    Path(file).write_bytes(pdf)
    click.echo(f"Wrote {file} ({len(pdf):,} bytes)")


@click.command("demo")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder for the PDFs (default: the instance folder's demo-pdfs).",
)
@with_appcontext
def demo(out: str | None) -> None:
    """Create sample submissions through the real submit path and write their PDFs."""
    folder = Path(out or Path(current_app.instance_path) / "demo-pdfs")
    folder.mkdir(parents=True, exist_ok=True)
    zone = current_app.config["TIMEZONE"]
    lifetime = current_app.config["DRAFT_LIFETIME_HOURS"]
    for answers in sample_answers(clock.today(zone)):
        reference = _submit(answers, lifetime)
        summaries.store_after_submit(reference, zone)
        path = folder / f"{reference}.pdf"
        path.write_bytes(summaries.pdf_for(reference, zone))
        click.echo(str(path))


def _submit(answers: dict, lifetime_hours: int) -> str:
    lifetime = timedelta(hours=lifetime_hours)
    token = services.start_draft(lifetime)
    for step in questionnaire.STEPS:
        services.save_step(
            token, step, {q.id: answers[q.id] for q in step.questions if q.id in answers}, lifetime
        )
    stored = services.find_draft(token).answers
    return services.submit(token, stored, language="en")
