"""Which submissions a search of the clinic list matches, found through the keyed search index
(intake.search) without reading a name, fast at a million submissions on both databases.

A query is looked for in two ways, and a submission matching either is listed:
- part of a **name**: the submissions whose index holds every piece of the query;
- part of a **reference**, when the query could be one (letters, digits, dashes and spaces
  only): a whole reference by its unique index, part of one by the index's reference pieces.

Each way is a `Part`. Its pieces are intersected starting from the rarest, so the work is
that of the rarest piece, and counted: a part matching fewer than SELECTIVE submissions is
read out as a set of ids; a more common one (a frequent surname, a single letter) is never
read out whole: the list walks the newest submissions and asks the index which of them match
(`held`), 50 matches being a short walk when they are common.

The index says a submission has every piece, not that the pieces stand together ("ann" and
"nna", the pieces of "anna", are in "Ann Nnamdi" too): what is shown is checked against the
name in clear (`Search.verify`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import aliased

from intake import keys, search
from intake.extensions import db
from intake.models import SearchGram, Submission
from intake.services import is_reference

SELECTIVE = 5000  # a part matching fewer is read out as ids; more, walked (module docstring)
CHUNK = 2000  # ids a statement asks about at once
_REFERENCE_CHARS = re.compile(r"[^A-Z0-9]")
_REFERENCE_LIKE = re.compile(r"[A-Za-z0-9\s-]+")


@dataclass
class Part:
    """One way of matching: all of `grams` (rarest first), or the ids given."""

    grams: list[int] = field(default_factory=list)
    count: int = 0  # submissions in the index holding every gram (tombstones' too)
    ids: set[int] | None = None  # read out when selective

    @property
    def common(self) -> bool:
        return self.ids is None


@dataclass
class Search:
    typed: str  # the query as names are compared (search.normal)
    compact: str  # the query as references are compared: capitals and digits only
    parts: list[Part]

    @property
    def common(self) -> bool:
        return any(part.common for part in self.parts)

    @property
    def count(self) -> int:
        """How many it matches by the index (before the list's filters): the sum of its parts,
        since a name and a reference rarely match the same query."""
        return sum(part.count for part in self.parts)

    def selected(self) -> set[int]:
        """Every id matched, when no part is common."""
        return set().union(*(part.ids or set() for part in self.parts))

    def held(self, submission_id) -> list:
        """For each common part, whether a submission holds all its grams: a column of a
        statement listing submissions. The rarest gram is looked up first and the others
        only while they are found, so most rows cost one lookup in the index."""
        return [
            and_(*(_holds(gram, submission_id) for gram in part.grams))
            for part in self.parts
            if part.common
        ]

    def holds(self, submission_id: int, held: Iterable) -> bool:
        """Whether the index matches a submission, given its `held` columns."""
        if any(held):
            return True
        return any(submission_id in part.ids for part in self.parts if part.ids is not None)

    def matching(self, ids: list[int]) -> set[int]:
        """Those of `ids` (a day's) the index matches."""
        found: set[int] = set()
        for chunk in chunks(ids):
            listed = select(Submission.id).where(Submission.id.in_(chunk)).subquery()
            read = db.session.execute(select(listed.c.id, *self.held(listed.c.id)))
            found.update(row[0] for row in read if self.holds(row[0], row[1:]))
        return found

    def verify(self, submission: Submission) -> bool:
        """The query is really in the name (a word begins with a query of one or two
        characters), or in the reference."""
        if self.compact and self.compact in submission.reference.replace("-", ""):
            return True
        try:
            name = search.normal(submission.patient_name or "")
        except keys.KeyRingError:  # its key is gone: only its reference can match
            return False
        if len(self.typed) >= 3:
            return self.typed in name
        return any(word.startswith(self.typed) for word in name.split())


def find(query: str) -> Search:
    """The parts of a query, each counted, and read out when selective."""
    key = keys.search_key(db.session)
    compact = _REFERENCE_CHARS.sub("", query.upper()) if _REFERENCE_LIKE.fullmatch(query) else ""
    parts = [_counted(search.hashed(key, search.NAME, search.query_pieces(query)))]
    whole = f"{compact[:4]}-{compact[4:]}"
    if is_reference(whole):
        found = db.session.scalar(select(Submission.id).where(Submission.reference == whole))
        parts.append(Part(count=found is not None, ids={found} if found else set()))
    elif compact:
        pieces = search.query_pieces(compact)
        parts.append(_counted(search.hashed(key, search.REFERENCE, pieces)))
    return Search(search.normal(query), compact, parts)


def _counted(grams: set[int]) -> Part:
    """A part: its grams ordered rarest first (each counted up to SELECTIVE), the submissions
    holding them all counted, and read out if fewer than SELECTIVE."""
    if not grams:
        return Part(ids=set())  # nothing to look for: matches nothing
    sizes = {gram: _postings(gram) for gram in grams}
    ordered = sorted(grams, key=lambda gram: (sizes[gram], gram))
    if sizes[ordered[0]] == 0:
        return Part(ordered, 0, set())
    both = _all_of(ordered)
    if sizes[ordered[0]] < SELECTIVE:
        ids = set(db.session.scalars(both))
        return Part(ordered, len(ids), ids)
    count = db.session.scalar(select(func.count()).select_from(both.subquery())) or 0
    if count < SELECTIVE:
        ids = set(db.session.scalars(both))
        return Part(ordered, len(ids), ids)
    return Part(ordered, count)


def _holds(gram: int, submission_id):
    """Whether a submission holds a gram: one lookup of the primary key. (Counted, not
    EXISTS, which PostgreSQL would answer by reading every submission holding the gram.)"""
    held = select(func.count()).where(
        SearchGram.gram == gram, SearchGram.submission_id == submission_id
    )
    return held.scalar_subquery() > 0


def _postings(gram: int) -> int:
    """How many submissions hold a gram, counted up to SELECTIVE (an index range read)."""
    held = select(SearchGram.submission_id).where(SearchGram.gram == gram).limit(SELECTIVE)
    return db.session.scalar(select(func.count()).select_from(held.subquery())) or 0


def _all_of(grams: list[int]) -> Select:
    """The ids holding every gram: the rarest's, each looked up under the others in turn
    (a lookup in the index's primary key each)."""
    first = aliased(SearchGram)
    statement = select(first.submission_id).where(first.gram == grams[0])
    for gram in grams[1:]:
        other = aliased(SearchGram)
        statement = statement.join(
            other, (other.gram == gram) & (other.submission_id == first.submission_id)
        )
    return statement


def chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = list(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]
