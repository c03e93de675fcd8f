"""Reads of the clinic side: the submissions list with search, date filters and pages."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from intake import questionnaire
from intake.assessment import Assessment, Level, assess
from intake.extensions import db
from intake.models import AuditEvent, Submission
from intake.services import find_submission, is_reference

PAGE_SIZE = 50
_REFERENCE_CHARS = re.compile(r"[^A-Z0-9]")


@dataclass(frozen=True)
class Row:
    """A submission in the list, with its safety flags counted by level (never the clinical
    considerations, which are not flags)."""

    submission: Submission
    contraindications: int
    defers: int
    cautions: int

    @property
    def flag_count(self) -> int:
        return self.contraindications + self.defers + self.cautions


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int
    number: int

    @property
    def count(self) -> int:
        return page_count(self.total)


def page_count(total: int) -> int:
    """Pages of PAGE_SIZE rows; one, empty, when nothing matches."""
    return max(1, -(-total // PAGE_SIZE))


def submissions_page(
    query: str = "",
    submitted_on: date | None = None,
    appointment_on: date | None = None,
    page: int = 1,
    clinic_timezone: str = "UTC",
) -> Page:
    """Newest first, 50 a page; `query` matches part of a name or of a reference. A page past
    the last shows the last (so an offset never overflows the database's integers)."""
    statement = select(Submission)
    if query.strip():
        statement = statement.where(_matches(query))
    if submitted_on:
        start, end = _day_in_utc(submitted_on, clinic_timezone)
        statement = statement.where(Submission.submitted_at >= start, Submission.submitted_at < end)
    if appointment_on:
        statement = statement.where(Submission.appointment_date == appointment_on)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    page = min(max(1, page), page_count(total))
    submissions = db.session.scalars(
        statement.order_by(Submission.submitted_at.desc(), Submission.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    rows = [Row(s, *_flag_counts(assessment_of(s, clinic_timezone))) for s in submissions]
    return Page(rows, total, page)


def assessment_of(submission: Submission, clinic_timezone: str) -> Assessment:
    """Findings, flags and considerations as the PDF states them (age at the appointment or
    at submission), by the rules of the questionnaire version the patient answered."""
    submitted_on = submission.submitted_at.astimezone(ZoneInfo(clinic_timezone)).date()
    answered_in = questionnaire.find(submission.questionnaire_version)
    return assess(answered_in.applicable_answers(submission.answers), submitted_on, answered_in)


def find(reference: str) -> Submission | None:
    """A submission by its reference, typed in any case; anything else is looked up nowhere."""
    reference = reference.upper()
    return find_submission(reference) if is_reference(reference) else None


def _matches(query: str):
    """Part of a name (any case, any script), or part of a reference with or without its dash."""
    words = query.strip().casefold()
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    conditions = [Submission.name_key.like(f"%{escaped}%", escape="\\")]
    compact = _REFERENCE_CHARS.sub("", query.upper())
    if compact:
        conditions.append(func.replace(Submission.reference, "-", "").like(f"%{compact}%"))
    return or_(*conditions)


def _day_in_utc(day: date, clinic_timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(clinic_timezone)
    start = datetime.combine(day, time.min, zone)
    end = datetime.combine(day + timedelta(days=1), time.min, zone)
    return start, end


def _flag_counts(assessment: Assessment) -> tuple[int, int, int]:
    levels = [flag.level for flag in assessment.flags]
    return (
        levels.count(Level.CONTRAINDICATION),
        levels.count(Level.DEFER),
        levels.count(Level.CAUTION),
    )


def audit_events(since: date | None, clinic_timezone: str) -> list[AuditEvent]:
    """The audit log, oldest first, optionally from a clinic-time date on."""
    statement = select(AuditEvent).order_by(AuditEvent.at, AuditEvent.id)
    if since:
        start = datetime.combine(since, time.min, ZoneInfo(clinic_timezone))
        # On the first day of the calendar, east of UTC, it has no UTC time: every event is after.
        with contextlib.suppress(OverflowError):
            statement = statement.where(AuditEvent.at >= start.astimezone(timezone.utc))
    return list(db.session.scalars(statement))
