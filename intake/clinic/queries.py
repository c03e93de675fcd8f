"""Reads of the clinic side: the submissions list with search, date filters and pages."""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, func, literal, select, tuple_

from intake import keys, questionnaire
from intake.assessment import Assessment, Level, assess
from intake.clinic import matches
from intake.database import UTCDateTime
from intake.extensions import db
from intake.models import AuditEvent, Submission
from intake.services import find_submission, is_reference

log = logging.getLogger(__name__)

PAGE_SIZE = 50


@dataclass(frozen=True)
class Row:
    """A submission in the list, with its safety flags counted by level (never the clinical
    considerations, which are not flags)."""

    submission: Submission
    contraindications: int
    defers: int
    cautions: int
    name: str | None = None
    # Its key is not in the key store (a record restored from a backup older than its
    # deletion, say): shown as such, so one such row never takes the whole list down.
    unreadable: bool = False

    @property
    def flag_count(self) -> int:
        return self.contraindications + self.defers + self.cautions


@dataclass(frozen=True)
class Page:
    """One page of the list, and where its first and last rows stand in the order (the
    positions the form sends back with Previous page and Next page)."""

    rows: list[Row]
    total: int
    number: int

    @property
    def count(self) -> int:
        return page_count(self.total)

    @property
    def first(self) -> str:
        return position_of(self.rows[0].submission) if self.rows else ""

    @property
    def last(self) -> str:
        return position_of(self.rows[-1].submission) if self.rows else ""


@dataclass(frozen=True)
class Shown:
    """The page a Previous or Next button was pressed on: its number, and the positions of its
    first and last rows (as the form sends them back; anything else is None)."""

    number: int
    first: tuple[datetime, int] | None
    last: tuple[datetime, int] | None


def shown_in(form) -> Shown | None:
    """The page a list's form was sent from (its hidden fields), if it says so plainly."""
    number = form.get("shown_page", type=int)
    if number is None or not 0 < number < 10**9:
        return None
    return Shown(
        number, parse_position(form.get("shown_first")), parse_position(form.get("shown_last"))
    )


def page_count(total: int) -> int:
    """Pages of PAGE_SIZE rows; one, empty, when nothing matches."""
    return max(1, -(-total // PAGE_SIZE))


def position_of(submission: Submission) -> str:
    """Where a submission stands in the list's order (newest first: submitted, then id)."""
    return f"{submission.submitted_at.strftime('%Y-%m-%dT%H:%M:%S.%f')}~{submission.id}"


_POSITION = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6})~(\d{1,18})")


def parse_position(text: str | None) -> tuple[datetime, int] | None:
    """A position as position_of writes it; None for anything else (a crafted form)."""
    match = _POSITION.fullmatch(text or "")
    if match is None:
        return None
    try:
        moment = datetime.strptime(match[1], "%Y-%m-%dT%H:%M:%S.%f")
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc), int(match[2])


def submissions_page(
    query: str = "",
    submitted_on: date | None = None,
    appointment_on: date | None = None,
    page: int = 1,
    clinic_timezone: str = "UTC",
    shown: Shown | None = None,
) -> Page:
    """Newest first, 50 a page; `query` matches part of a name or of a reference (see
    intake.clinic.matches). Tombstones are not listed.

    Pages are reached without an OFFSET walk: the first page is the newest 50; the page after
    or before the one shown starts from its last or first row (`shown`); the last page is the
    oldest rows, read from the other end. A page number past the last shows the last; one
    that no button could have sent (no position to start from) shows the first."""
    listed = _Filters(
        _day_in_utc(submitted_on, clinic_timezone) if submitted_on else None, appointment_on
    )
    conditions = listed.conditions()
    found = matches.find(query) if query.strip() else None
    if found is None:
        listing: _Listing = _Walk(conditions, None)
        total = db.session.scalar(select(func.count(Submission.id)).where(*conditions)) or 0
    elif found.common and not listed.narrowed:
        # A common name over the whole list: counted by the index, pages walked.
        listing, total = _Walk(conditions, found), found.count
    else:
        # A few thousand at most (the day's when filtered): all ordered here.
        ids = found.selected() if not found.common else None
        listing = _Sorted(_positions(listed, ids, found), found)
        total = len(listing.positions)
    last_page = page_count(total)
    page = min(max(1, page), last_page)
    if page == 1:
        rows = listing.take(PAGE_SIZE)
    elif shown is not None and shown.last and page == shown.number + 1:
        rows = listing.take(PAGE_SIZE, after=shown.last)
    elif shown is not None and shown.first and page == shown.number - 1:
        rows = listing.take(PAGE_SIZE, after=shown.first, newest_first=False)
    elif page == last_page:
        rows = listing.take(total - (last_page - 1) * PAGE_SIZE, newest_first=False)
    else:
        page, rows = 1, listing.take(PAGE_SIZE)
    return Page([_row(s, clinic_timezone) for s in rows], total, page)


def _row(submission: Submission, clinic_timezone: str) -> Row:
    try:
        name = submission.patient_name
        counts = _flag_counts(assessment_of(submission, clinic_timezone))
    except keys.KeyRingError as error:
        log.error("submission %s cannot be opened: %s", submission.reference, error)
        return Row(submission, 0, 0, 0, unreadable=True)
    return Row(submission, *counts, name=name)


Position = tuple[datetime, int]


class _Listing:
    """The submissions of a page, in the list's order, from a position (exclusive) on."""

    def take(self, want: int, after: Position | None = None, newest_first: bool = True):
        raise NotImplementedError


class _Walk(_Listing):
    """Through the index of the list's order (ix_submissions_live); with a search, a stretch at
    a time, whose matches the search index says and their names confirm."""

    def __init__(self, conditions, found: matches.Search | None):
        self.conditions = conditions
        self.found = found

    def take(self, want: int, after: Position | None = None, newest_first: bool = True):
        position = (Submission.submitted_at, Submission.id)
        order = [column.desc() if newest_first else column.asc() for column in position]
        taken: list[Submission] = []
        stretch = want if self.found is None else self._first_stretch(want)
        read_so_far, matched_so_far = 0, 0
        while len(taken) < want:
            statement = select(*position).where(*self.conditions)
            if after is not None:
                statement = statement.where(_beyond(after, newest_first))
            statement = statement.order_by(*order).limit(stretch)
            read: list[Position]
            if self.found is None:
                read = [(row[0], row[1]) for row in db.session.execute(statement)]
                ids = [id_ for _, id_ in read]
            else:
                # The stretch, and for each row whether the index matches it, in one statement.
                walked = statement.subquery()
                held = self.found.held(walked.c.id)
                rows = db.session.execute(select(walked.c.submitted_at, walked.c.id, *held))
                matched = sorted(
                    (tuple(row) for row in rows), key=lambda row: row[:2], reverse=newest_first
                )
                read = [(row[0], row[1]) for row in matched]
                ids = [row[1] for row in matched if self.found.holds(row[1], row[2:])]
                read_so_far, matched_so_far = read_so_far + len(read), matched_so_far + len(ids)
            taken += _loaded(ids, self.found, want - len(taken))
            if len(read) < stretch:
                break
            after = read[-1]
            if self.found is not None:
                # As far again as the matches so far say the rest of the page is, and a bit.
                rate = max(matched_so_far, 1) / read_so_far
                stretch = max(200, min(20_000, int((want - len(taken)) / rate * 1.3)))
        return taken if newest_first else taken[::-1]

    def _first_stretch(self, want: int) -> int:
        """As far as the search's count says `want` matches are, and a bit."""
        assert self.found is not None
        rate = self.found.count / max(1, db.session.scalar(select(func.max(Submission.id))) or 1)
        return max(200, min(20_000, int(want / max(rate, 1e-6) * 1.3)))


def _beyond(after: Position, newest_first: bool):
    """After a position in the list's order (older, newest first; newer, oldest first)."""
    at, id_ = after
    key = tuple_(Submission.submitted_at, Submission.id)
    there = tuple_(literal(at, UTCDateTime()), literal(id_, Integer()))
    return key < there if newest_first else key > there


class _Sorted(_Listing):
    """Matches few enough to be ordered here, by their positions."""

    def __init__(self, positions: list[Position], found: matches.Search):
        self.positions = positions  # newest first
        self.found = found

    def take(self, want: int, after: Position | None = None, newest_first: bool = True):
        if newest_first:
            ids = [id_ for at, id_ in self.positions if after is None or (at, id_) < after]
            return _loaded(ids, self.found, want)
        ids = [id_ for at, id_ in reversed(self.positions) if after is None or (at, id_) > after]
        return _loaded(ids, self.found, want)[::-1]


@dataclass(frozen=True)
class _Filters:
    """What the list shows: not deleted, submitted on a day (its start and end in UTC),
    with an appointment on a date."""

    submitted: tuple[datetime, datetime] | None
    appointment_on: date | None

    @property
    def narrowed(self) -> bool:
        """To a day: few enough to read through."""
        return self.submitted is not None or self.appointment_on is not None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [Submission.deleted_at.is_(None)]
        if self.submitted:
            start, end = self.submitted
            conditions += [Submission.submitted_at >= start, Submission.submitted_at < end]
        if self.appointment_on:
            conditions.append(Submission.appointment_date == self.appointment_on)
        return conditions

    def admit(self, row) -> bool:
        """The same test, here: SQLite would rather walk an index of the conditions than look
        up a few ids by their primary key."""
        if row.deleted_at is not None:
            return False
        if self.submitted and not self.submitted[0] <= row.submitted_at < self.submitted[1]:
            return False
        return self.appointment_on is None or row.appointment_date == self.appointment_on


def _positions(listed: _Filters, ids: set[int] | None, found: matches.Search) -> list[Position]:
    """The positions of the matches the list shows, newest first: of `ids`, or of every
    submission the list shows (a day's: the filters are given) that the search index matches."""
    position = (Submission.submitted_at, Submission.id)
    rows: list[Position] = []
    if ids is None:
        read = db.session.execute(select(*position).where(*listed.conditions())).all()
        matched = found.matching([row.id for row in read])
        rows = [(row.submitted_at, row.id) for row in read if row.id in matched]
    else:
        columns = (*position, Submission.deleted_at, Submission.appointment_date)
        for chunk in matches.chunks(ids):
            found_rows = db.session.execute(select(*columns).where(Submission.id.in_(chunk)))
            rows += [(row.submitted_at, row.id) for row in found_rows if listed.admit(row)]
    return sorted(rows, reverse=True)


def _loaded(ids: list[int], found: matches.Search | None, want: int) -> list[Submission]:
    """Up to `want` of these submissions, in this order, those the search confirms: read a
    few more than are still wanted at a time (a row the search refuses is rare)."""
    taken: list[Submission] = []
    start = 0
    while len(taken) < want and start < len(ids):
        chunk = ids[start : start + min(matches.CHUNK, want - len(taken) + 10)]
        start += len(chunk)
        statement = select(Submission).where(Submission.id.in_(chunk))
        rows = {s.id: s for s in db.session.scalars(statement)}
        for id_ in chunk:
            submission = rows.get(id_)
            if submission is not None and (found is None or found.verify(submission)):
                taken.append(submission)
                if len(taken) == want:
                    break
    return taken


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
