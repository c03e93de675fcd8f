"""Sample patients for `flask --app app demo`: each shows different flags, considerations and
passages of the current questionnaire (2026.2)."""

from __future__ import annotations

import itertools
import os
import random
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import partial
from time import perf_counter

from sqlalchemy import Date, DateTime, Time, func, select, text
from sqlalchemy.exc import IntegrityError

from intake import clock, keys, questionnaire, search, services
from intake.appointments.services import NewAppointment, natural_key
from intake.database import UTCDateTime, write_transaction
from intake.extensions import db
from intake.keys import RecordKey
from intake.models import APPOINTMENT_STATES, Appointment, Submission, User


def sample_answers(today: date) -> list[dict]:
    """Four made-up patients, their dates relative to today so they stay valid."""
    appointment = (today + timedelta(days=7)).isoformat()
    common = {
        "appointment_date": appointment,
        "locations": ["forehead", "cheeks", "chin_jawline"],
        "marks": "marks_only",
        "impact": "a_lot",
        "picking": "sometimes",
        "conditions": ["none"],
        "face": ["none"],
        "medicines": ["none"],
        "planned_operation": "no",
        "toxin_ever": "no",
        "cows_milk_allergy": "no",
        "fainting": "no",
    }
    return [
        {  # oily, inflammatory acne for years, no safety flag
            **common,
            "full_name": "Amelia Hart",
            "date_of_birth": "1993-05-14",
            "sex": "female",
            "hormonal_features": ["none"],
            "pregnant_breastfeeding": "no",
            "planning_pregnancy": "no",
            "phone": "07700 900 982",
            "spot_types": ["blackheads_whiteheads", "red_bumps"],
            "duration": "over_5_years",
            "severity": "moderate",
            "flares": ["stress", "hot_humid"],
            "face_feel": "oily_all_over",
            "blotting": "more_than_three",
            "pores": "nose_and_cheeks",
            "shine": "yes",
            "treatments_now": ["prescription_topical"],
            "treatments_before": ["pharmacy", "antibiotic_tablets"],
            "response_prescription_topical": "too_soon",
            "response_pharmacy": "did_not_help",
            "response_antibiotic_tablets": "helped_somewhat",
            "treatment_notes": "Lymecycline for 3 months in 2024.\nAdapalene gel made my skin peel.",
            "goals": ["less_oily", "fewer_breakouts", "learn_botox"],
            "questions_for_dermatologist": "How long does the effect last, and how many sessions?",
        },
        {  # pregnant, bleeding risk, drooping after toxin before: defer and cautions
            **common,
            "full_name": "Αλεξάνδρα Παπαδοπούλου",
            "date_of_birth": "1988-11-02",
            "sex": "female",
            "hormonal_features": ["irregular_periods", "unwanted_hair"],
            "spot_types": ["red_bumps", "pus_filled"],
            "duration": "1_to_5_years",
            "severity": "mild",
            "face_feel": "oily_forehead_nose",
            "blotting": "once",
            "pores": "nose_only",
            "shine": "no",
            "treatments_now": ["none"],
            "treatments_before": ["botox"],
            "response_botox": "helped_somewhat",
            "pregnant_breastfeeding": "yes",
            "medicines": ["blood_thinners", "anti_inflammatories"],
            "toxin_ever": "yes",
            "toxin_last": "4_to_12_months",
            "after_toxin": ["drooping"],
            "goals": ["less_redness"],
        },
        {  # a teenager with nodular scarring acne on the trunk, on isotretinoin
            **common,
            "full_name": "Nguyễn Minh Khoa",
            "date_of_birth": (today - timedelta(days=16 * 365 + 30)).isoformat(),
            "sex": "male",
            "spot_types": ["nodules", "pus_filled"],
            "locations": ["back", "chest", "shoulders"],
            "duration": "1_to_5_years",
            "severity": "severe",
            "marks": "scars",
            "impact": "very_much",
            "picking": "often",
            "face_feel": "normal",
            "blotting": "never",
            "pores": "no",
            "shine": "no",
            "treatments_now": ["isotretinoin"],
            "treatments_before": ["antibiotic_tablets"],
            "response_isotretinoin": "too_soon",
            "response_antibiotic_tablets": "did_not_help",
            "pregnant_breastfeeding": "not_applicable",
            "fainting": "yes",
            "goals": ["marks_scars", "fewer_breakouts"],
        },
        {  # neuromuscular disease, recent toxin, uncertain allergy and pregnancy status
            **common,
            "full_name": "Анна Сергеевна Иванова",
            "date_of_birth": "1979-02-28",
            "sex": "not_said",
            "spot_types": ["not_sure"],
            "duration": "under_6_months",
            "severity": "almost_clear",
            "marks": "not_sure",
            "face_feel": "tight_dry",
            "blotting": "never",
            "pores": "no",
            "shine": "no",
            "treatments_now": ["none"],
            "treatments_before": ["none"],
            "conditions": ["myasthenia_gravis"],
            "toxin_ever": "yes",
            "toxin_last": "last_4_months",
            "after_toxin": ["none"],
            "cows_milk_allergy": "not_sure",
            "pregnant_breastfeeding": "not_sure",
            "planning_pregnancy": "no",
            "allergies": "Latex; cow's milk <unsure>",
            "goals": ["learn_botox"],
        },
    ]


# Synthetic submissions at scale (`flask --app app demo --count N`) ---------------------------

# Made-up names in the scripts the PDF's font prints (Latin with accents, Greek, Cyrillic,
# Vietnamese). Drawn with weights falling with the rank, so some names are common (a search
# finds thousands) and most combinations rare.
FIRST_NAMES = (
    "Amelia", "Oliver", "Isla", "Noah", "Freya", "Arthur", "Ivy", "Leo", "Maya", "Theo",
    "Zoë", "Rohan", "Aisha", "Callum", "Niamh", "Mateo", "Lucía", "Sofía", "Jonas", "Inès",
    "Björn", "Siobhán", "Dagny", "Emeka", "Chiara", "Tomás", "Ingrid", "Kwame", "Priya",
    "Farah", "Élodie", "Łucja", "Mirela", "Yusuf", "Keziah", "Anouk", "Ottilie", "Ruairí",
    "Αλεξάνδρα", "Νικόλαος", "Ελένη", "Γιώργος", "Κατερίνα",
    "Анна", "Дмитрий", "Ольга", "Сергей", "Наталья", "Иван",
    "Minh", "Thảo", "Khoa", "Lan", "Phương", "Đức",
)  # fmt: skip
LAST_NAMES = (
    "Hart", "Okafor", "Brennan", "Lindqvist", "Moreau", "Castellano", "Whitlock", "Abara",
    "Fairweather", "Kowalczyk", "Delacroix", "Haverford", "Quennell", "Ashdown", "Marchetti",
    "Oyelaran", "Trevanion", "Søndergaard", "Nakamura", "Ferreira", "Rourke", "Penhallow",
    "Vasquez", "Albrecht", "Mbeki", "Thistlewood", "Calloway", "Ó Briain", "Dunmore",
    "Pemberton", "Kilbride", "Varga", "Østergård", "Iturbe", "Lachance", "Quigley",
    "Brontë", "Ångström", "Glenister", "Rosenthal", "Teague", "Yilmaz", "Corrigan",
    "Παπαδοπούλου", "Ιωαννίδης", "Κωνσταντίνου", "Γεωργίου", "Σταματοπούλου",
    "Иванова", "Смирнов", "Кузнецова", "Соколов", "Лебедева", "Морозов",
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ",
)  # fmt: skip
LANGUAGES = ("en", "es")
APPOINTMENT_TIMES = tuple(time(hour, minute) for hour in range(8, 18) for minute in (0, 15, 30, 45))


def _rank_weights(count: int) -> list[float]:
    return [1 / (rank + 1) ** 0.5 for rank in range(count)]


@dataclass(frozen=True)
class Synthetic:
    """What `add_synthetic` wrote."""

    submissions: int
    appointments: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.submissions / self.seconds if self.seconds else float("inf")


def add_synthetic(count: int, today: date, batch: int | None = None) -> Synthetic:
    """`count` made-up submissions spread over the last two years, about half with an
    appointment date, a third of them reviewed; and appointments on the days around today
    for the Clinic day, some of them answered by one of these submissions. Written in bulk,
    each batch one transaction (on SQLite large, 50,000: each batch rewrites much of the
    search index's B-tree, whatever its size; on PostgreSQL 5,000, which measured faster):
    sealed under a key of their own per record exactly as the
    submit path seals them, indexed for search, no PDF (rendered when first asked for)."""
    started = perf_counter()
    writer = _BulkWriter(db.session, today)
    batch = batch or (5_000 if writer.postgresql else 50_000)
    with writer.large_cache():
        appointments = writer.add_appointments(count)
        written = 0
        while written < count:
            size = min(batch, count - written)
            writer.add_submissions(size)
            written += size
    return Synthetic(written, appointments, perf_counter() - started)


class _BulkWriter:
    """Rows made in Python and inserted many at a time: on PostgreSQL by COPY, on SQLite by
    executemany. Ids are taken up front (a sequence's values, or past the largest id under
    the write lock) so the search index and the keys can name them."""

    def __init__(self, session, today: date):
        self.session = session
        self.today = today
        self.ring = keys.ring()
        self.search_key = keys.search_key(session)
        session.commit()  # the search key, made if new, is kept whatever follows
        self.postgresql = session.get_bind().dialect.name == "postgresql"
        self.random = random.Random()
        self.firsts = FIRST_NAMES
        self.lasts = LAST_NAMES
        self.first_weights = list(itertools.accumulate(_rank_weights(len(FIRST_NAMES))))
        self.last_weights = list(itertools.accumulate(_rank_weights(len(LAST_NAMES))))
        # The sample patients' answers as JSON, but for the three answers drawn for each row
        self.templates = [
            _json({k: v for k, v in answers.items() if k not in _DRAWN})[1:-1]
            for answers in map(questionnaire.applicable_answers, sample_answers(today))
        ]
        self.grams: dict[tuple[str, str], int] = {}
        self.name_grams: dict[str, set[int]] = {}
        self.reviewer_id = _demo_reviewer()
        self.answering: list[tuple[int, str, date]] = []  # appointments a submission answers
        end = datetime.combine(today, time(18), timezone.utc)
        self.span = (end - timedelta(days=730), end)

    # Names, keys, seals, grams ------------------------------------------------------------

    def name(self) -> str:
        first = self.random.choices(self.firsts, cum_weights=self.first_weights)[0]
        last = self.random.choices(self.lasts, cum_weights=self.last_weights)[0]
        return f"{first} {last}"

    def record_key(self) -> tuple[dict, bytes]:
        key_id = secrets.randbits(63) or 1
        key = os.urandom(32)
        wrapped_by, wrapped = self.ring.wrap(key_id, key)
        return {"id": key_id, "ring_key_id": wrapped_by, "wrapped": wrapped}, key

    def grams_of(self, submission_id: int, name: str, reference: str) -> list[tuple[int, int]]:
        """search.index_rows, with each name's grams and each piece's hash kept: the names
        repeat, and the pieces of references are at most 32 ** 3."""
        name_grams = self.name_grams.get(name)
        if name_grams is None:
            name_grams = self.name_grams[name] = self.hashed(search.NAME, name)
        found = name_grams | self.hashed(search.REFERENCE, reference.replace("-", ""))
        return [(gram, submission_id) for gram in found]

    def hashed(self, kind: str, text: str) -> set[int]:
        found = set()
        for piece in search.pieces(text):
            gram = self.grams.get((kind, piece))
            if gram is None:
                gram = self.grams[kind, piece] = keys.keyed_hash(self.search_key, kind, piece)
            found.add(gram)
        return found

    # Appointments -------------------------------------------------------------------------

    def add_appointments(self, count: int) -> int:
        """A fortnight either side of today, a day's share of `count` each (5 to 200); those
        past answered, and today's in every state."""
        per_day = max(5, min(200, count // 730))
        days = [self.today + timedelta(days=offset) for offset in range(-14, 15)]
        with write_transaction():
            self.cache_more()
            self._add_appointments(count, per_day, days)
        return per_day * len(days)

    def _add_appointments(self, count: int, per_day: int, days: list[date]) -> None:
        rows, keyrows = [], []
        now = clock.now()
        ids = self.new_ids(Appointment.__table__, per_day * len(days))
        for day in days:
            for number in range(per_day):
                appointment_id = ids.pop()
                keyrow, key = self.record_key()
                keyrows.append(keyrow)
                name = self.name()
                born = date(1950, 1, 1) + timedelta(days=self.random.randrange(365 * 58))
                at = APPOINTMENT_TIMES[number % len(APPOINTMENT_TIMES)]
                state = self.appointment_state(day, answerable=len(self.answering) < count)
                email = f"patient{appointment_id}@example.invalid" if number % 3 else None
                place = partial(keys.place_of, Appointment)
                rows.append(
                    {
                        "id": appointment_id,
                        "key_id": keyrow["id"],
                        "patient_name_sealed": keys.seal(key, place("patient_name"), name.encode()),
                        "date_of_birth_sealed": keys.seal(
                            key, place("date_of_birth"), born.isoformat().encode()
                        ),
                        "email_sealed": email and keys.seal(key, place("email"), email.encode()),
                        "appointment_date": day,
                        "appointment_time": at,
                        "language": LANGUAGES[number % 4 == 0],
                        "natural_key": natural_key(
                            self.session,
                            NewAppointment(name, born, day, at, email, LANGUAGES[number % 4 == 0]),
                        ),
                        "state": state,
                        "state_changed_at": now,
                        "created_at": now,
                        "created_by_id": None,
                        "email_status": "sent" if email and state != "not_invited" else None,
                        "email_error": None,
                    }
                )
                if state in ("submitted", "reviewed"):
                    self.answering.append((appointment_id, name, day))
        self.write(RecordKey.__table__, keyrows)
        self.write(Appointment.__table__, rows)

    def appointment_state(self, day: date, answerable: bool) -> str:
        """Answered only while there are submissions enough to answer them."""
        if day < self.today:
            answered = ("submitted", "reviewed", "reviewed") if answerable else ()
            return self.random.choice((*answered, "expired", "cancelled"))
        if day == self.today:
            return self.random.choice((*APPOINTMENT_STATES[: 6 if answerable else 4], "cancelled"))
        return self.random.choice(("not_invited", "invited", "invited", "opened"))

    # Submissions --------------------------------------------------------------------------

    def add_submissions(self, size: int) -> None:
        """One batch, in one transaction; a reference drawn twice (here or by a patient
        submitting meanwhile) makes the batch go again with new ones."""
        answering = list(self.answering)
        for _ in range(5):
            try:
                self.answering = list(answering)
                with write_transaction():
                    self.cache_more()
                    self._add_submissions(size)
                return
            except IntegrityError:
                continue
        raise RuntimeError("could not draw unique references")

    def _add_submissions(self, size: int) -> None:
        start, end = self.span
        seconds = (end - start).total_seconds()
        moments = sorted(
            start + timedelta(seconds=self.random.random() * seconds) for _ in range(size)
        )
        references = self.references(size)
        ids = self.new_ids(Submission.__table__, size)
        ids.reverse()
        rows, keyrows, grams = [], [], []
        answers_place, name_place = (
            keys.place_of(Submission, "answers"),
            keys.place_of(Submission, "patient_name"),
        )
        for submitted_at, reference in zip(moments, references, strict=True):
            submission_id = ids.pop()
            keyrow, key = self.record_key()
            keyrows.append(keyrow)
            appointment_id = None
            appointment: date | None
            if self.answering:  # the appointments answered come first
                appointment_id, name, day = self.answering.pop()
                submitted_at = datetime.combine(day, time(7), timezone.utc) - timedelta(
                    minutes=self.random.randrange(1, 3 * 24 * 60)
                )
                appointment = day
            else:
                name = self.name()
                appointment = (
                    submitted_at.date() + timedelta(days=self.random.randrange(1, 30))
                    if self.random.random() < 0.5
                    else None
                )
            drawn = {
                "full_name": name,
                "date_of_birth": (
                    date(1950, 1, 1) + timedelta(days=self.random.randrange(365 * 58))
                ).isoformat(),
            }
            if appointment is not None:
                drawn["appointment_date"] = appointment.isoformat()
            answers = f"{_json(drawn)[:-1]},{self.random.choice(self.templates)}}}"
            reviewed = self.reviewer_id is not None and self.random.random() < 0.35
            rows.append(
                {
                    "id": submission_id,
                    "reference": reference,
                    "draft_token_hash": secrets.token_hex(32),
                    "questionnaire_id": questionnaire.QUESTIONNAIRE_ID,
                    "questionnaire_version": questionnaire.QUESTIONNAIRE_VERSION,
                    "language": "en",
                    "submitted_at": submitted_at,
                    "key_id": keyrow["id"],
                    "answers_sealed": keys.seal(key, answers_place, answers.encode()),
                    "patient_name_sealed": keys.seal(key, name_place, name.encode()),
                    "appointment_date": appointment,
                    "reviewed_at": submitted_at + timedelta(hours=2) if reviewed else None,
                    "reviewed_by_id": self.reviewer_id if reviewed else None,
                    "appointment_id": appointment_id,
                }
            )
            grams += self.grams_of(submission_id, name, reference)
        self.write(RecordKey.__table__, keyrows)
        self.write(Submission.__table__, rows)
        self.write_grams(grams)

    def references(self, size: int) -> list[str]:
        """New references, none drawn twice here nor already stored."""
        drawn: set[str] = set()
        while len(drawn) < size:
            drawn.update(services.new_reference() for _ in range(size - len(drawn)))
            ordered = sorted(drawn)
            for chunk in (ordered[i : i + 900] for i in range(0, len(ordered), 900)):
                drawn -= set(
                    self.session.scalars(
                        select(Submission.reference).where(Submission.reference.in_(chunk))
                    )
                )
        return list(drawn)

    # Writing ------------------------------------------------------------------------------

    @contextmanager
    def large_cache(self):
        """On SQLite, a page cache of 256 MiB while the index is written (its inserts land
        all over its B-tree; see cache_more), then SQLite's default again."""
        try:
            yield
        finally:
            if not self.postgresql:
                self.session.execute(text("PRAGMA cache_size=-2000"))
                self.session.commit()

    def cache_more(self) -> None:
        """In each batch's transaction, on the connection it runs on."""
        if not self.postgresql:
            self.session.execute(text("PRAGMA cache_size=-262144"))

    def new_ids(self, table, size: int) -> list[int]:
        """`size` ids no other writer will take: the table's sequence on PostgreSQL; on
        SQLite, past the largest, under the write lock held until the batch commits."""
        if self.postgresql:
            return list(
                self.session.scalars(
                    text(
                        "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                        "FROM generate_series(1, :size)"
                    ),
                    {"table": table.name, "size": size},
                )
            )
        largest = self.session.scalar(select(func.max(table.c.id))) or 0
        return list(range(largest + 1, largest + 1 + size))

    def write_grams(self, grams: list[tuple[int, int]]) -> None:
        driver = self.session.connection().connection.driver_connection
        if self.postgresql:
            with driver.cursor().copy("COPY search_grams (gram, submission_id) FROM STDIN") as copy:
                for row in grams:
                    copy.write_row(row)
            return
        grams.sort()  # in the index's order: each page of its B-tree is written once
        driver.executemany("INSERT INTO search_grams (gram, submission_id) VALUES (?, ?)", grams)

    def write(self, table, rows: list[dict]) -> None:
        """Straight to the driver: the ORM's and Core's per-row work would cost more than the
        rows. Values as the column types store them (UTC datetimes without their zone)."""
        if not rows:
            return
        columns = list(rows[0])
        stored = [
            isinstance(table.c[column].type, Date | DateTime | Time | UTCDateTime)
            for column in columns
        ]
        values = [
            [_stored(row[c]) if s else row[c] for c, s in zip(columns, stored, strict=True)]
            for row in rows
        ]
        driver = self.session.connection().connection.driver_connection
        name = f"{table.schema}.{table.name}" if table.schema else table.name
        if self.postgresql:
            with driver.cursor().copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return
        marks = ", ".join("?" * len(columns))
        driver.executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", values)


_DRAWN = ("full_name", "date_of_birth", "appointment_date")


def _json(value: dict) -> str:
    """As keys.JSON encodes answers, as text (spliced into a template's text)."""
    return keys.JSON.encode(value).decode()


def _stored(value):
    """A value as intake.database.UTCDateTime and SQLite's date and time columns keep it."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def _demo_reviewer() -> int | None:
    """Who reviewed the reviewed ones: the first clinician; none, none are reviewed."""
    return db.session.scalar(select(User.id).where(User.role == "clinician").order_by(User.id))
