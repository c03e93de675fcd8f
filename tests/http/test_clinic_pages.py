"""The clinic pages: the submissions list (search, filters, pages), a submission's answers, its PDF."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
from markupsafe import escape
from sqlalchemy import event, select

from intake import questionnaire
from intake.assessment import assess
from intake.clinic import matches
from intake.database import write_transaction
from intake.extensions import db
from intake.models import Submission
from intake.questionnaire import answered_steps, date_text
from tests.factories import answers, answers_2026_1
from tests.http.clinic_helpers import (
    CLINICIAN,
    CSRF_FIELD,
    FRONTDESK,
    Staff,
    create_user,
    forms_in,
    quick_hashing,  # noqa: F401 (an autouse fixture: cheap argon2id)
    stored_pdf,
    stored_submission,
    submit,
    submit_answered_in,
    submit_many,
    urls_in,
    user_row,
)

REFERENCE = r"[A-Z0-9]{4}-[A-Z0-9]{4}"


@pytest.fixture
def clinician(app, client):
    """A clinician's account and browser, not yet signed in."""
    create_user(app, CLINICIAN, "clinician")
    return Staff(client)


def row_of(page: str, reference: str) -> str:
    """The table row of one submission."""
    rows = [row for row in re.findall(r"<tr>.*?</tr>", page, re.S) if reference in row]
    assert len(rows) == 1, f"{reference}: {len(rows)} rows"
    return " ".join(re.sub(r"<[^>]+>", " ", rows[0]).split())


def listed(page: str) -> list[str]:
    """The references in the list, in the order shown."""
    return re.findall(rf'class="reference-cell">(?:<a [^>]*>)?({REFERENCE})<', page)


def words_of(page: str) -> str:
    """A page's text as read: tags taken out, characters unescaped, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def rule_text(rule_id: str, version: str = "2026.2") -> str:
    """The wording of a safety flag or clinical consideration in a questionnaire version."""
    answered_in = questionnaire.find(version)
    return next(
        r.text for r in (*answered_in.flags, *answered_in.considerations) if r.id == rule_id
    )


def under_18_today() -> str:
    return (date.today() - timedelta(days=16 * 365)).isoformat()


def clinic_time(moment: datetime) -> str:
    local = moment.astimezone(ZoneInfo("Europe/London"))
    return f"{date_text(local.date())}, {local:%H:%M}"


# The list ---------------------------------------------------------------


def test_the_list_shows_each_submission_with_its_flag_counts_by_level(app, clinician):
    appointment = date.today() + timedelta(days=3)
    every_level = submit(
        app,
        full_name="Every Level",
        conditions=["skin_infection"],  # contraindication
        pregnant_breastfeeding="yes",  # defer
        medicines=["blood_thinners"],  # caution
        picking="often",  # a clinical consideration: never counted
        appointment_date=appointment.isoformat(),
    )
    cautions = submit(
        app,
        full_name="Two Cautions",
        pregnant_breastfeeding="not_sure",
        planning_pregnancy="no",
        medicines=["blood_thinners"],
    )
    only_considerations = dict(spot_types=["nodules"], marks="scars", picking="often")
    considered = assess(answers(**only_considerations), date.today())
    assert len(considered.considerations) == 2 and not considered.flags
    considerations = submit(app, full_name="Considerations Only", **only_considerations)
    clean = submit(app, full_name="No Flags", appointment_date=None)
    page = clinician.signed_in().page("/clinic/")

    row = row_of(page, every_level)
    assert row.startswith(f"{every_level} Every Level {date_text(appointment)}")
    assert "1 contraindication 1 defer 1 caution Not yet" in row
    assert "2 cautions" in row_of(page, cautions)
    assert "contraindication" not in row_of(page, cautions)
    assert "defer" not in row_of(page, cautions)
    assert row_of(page, considerations).endswith("None Not yet")
    assert row_of(page, clean).startswith(f"{clean} No Flags Not given")
    assert row_of(page, clean).endswith("None Not yet")
    assert "4 submissions" in page


def test_the_list_counts_an_older_submission_by_its_own_version(app, clinician):
    """The same acne and pregnancy: in 2026.1 a contraindication and a caution; in 2026.2 a
    defer, and the acne a clinical consideration, which is not counted."""
    old = submit_answered_in(
        app,
        "2026.1",
        answers_2026_1(full_name="Old Record", spot_types=["nodules"], pregnancy="yes"),
    )
    new = submit(
        app,
        full_name="New Record",
        spot_types=["nodules"],
        sex="female",
        hormonal_features=["none"],
        pregnant_breastfeeding="yes",
    )
    page = clinician.signed_in().page("/clinic/")
    assert row_of(page, old).endswith("1 contraindication 1 caution Not yet")
    assert row_of(page, new).endswith("1 defer Not yet")


def test_a_reviewed_submission_shows_as_reviewed(app, clinician):
    reviewed, waiting = submit(app), submit(app)
    clinician.signed_in().post(f"/clinic/submissions/{reviewed}/reviewed")
    page = clinician.page("/clinic/")
    assert row_of(page, reviewed).endswith("Yes")
    assert row_of(page, waiting).endswith("Not yet")


def test_today_is_marked(app, clinician):
    today = datetime.now(ZoneInfo("Europe/London")).date()
    reference = submit(app, appointment_date=today.isoformat())
    page = clinician.signed_in().page("/clinic/")
    assert f"{date_text(today)} Today" in row_of(page, reference)


@pytest.mark.parametrize("query", ["zoë", "ZOË", "Zoë Brontë", "oë bro", "BRONTË"])
def test_search_by_part_of_a_name_ignores_case_and_keeps_accents(app, clinician, query):
    found = submit(app, full_name="Zoë Brontë")
    submit(app, full_name="Zoe Bronte")
    submit(app, full_name="Ada Lovelace")
    page = clinician.signed_in().search(q=query)
    assert listed(page) == [found]
    assert "1 submission" in page


def test_search_by_name_in_other_scripts(app, clinician):
    greek = submit(app, full_name="Αλεξάνδρα Παπαδοπούλου")
    submit(app, full_name="Ada Lovelace")
    page = clinician.signed_in().search(q="αλεξάνδρα")
    assert listed(page) == [greek]


def test_search_by_reference_with_or_without_the_dash_in_any_case(app, clinician):
    wanted, other = submit(app), submit(app)
    clinician.signed_in()
    for query in (wanted, wanted.lower(), wanted.replace("-", ""), wanted.replace("-", "").lower(),
                  f"  {wanted} "):  # fmt: skip
        assert listed(clinician.search(q=query)) == [wanted], query
    assert listed(clinician.search(q=other)) == [other]


def test_search_by_part_of_a_reference_as_shown(app, clinician):
    """Staff may type only some of the characters they see, dash included ("CD-23" of ABCD-2345)."""
    wanted = submit(app)
    clinician.signed_in()
    for part in (wanted[:4], wanted[5:], wanted[2:7], wanted[2:7].replace("-", "")):
        assert listed(clinician.search(q=part)) == [wanted], part


def test_search_wildcards_are_taken_literally(app, clinician):
    submit(app, full_name="Ada Lovelace")
    clinician.signed_in()
    # no letters or digits, so none of these can match part of a (random) reference
    for query in ("%", "_", "%%", "_%_", "\\"):
        page = clinician.search(q=query)
        assert listed(page) == [], query
        assert "No submissions match." in page


def test_filter_by_the_clinic_date_of_submission(app, clinician, frozen_clock):
    # London is on BST in July: 23:30 UTC on 1 July is 00:30 on 2 July in the clinic.
    frozen_clock.current = datetime(2026, 7, 1, 22, 30, tzinfo=timezone.utc)
    first = submit(app)
    frozen_clock.current = datetime(2026, 7, 1, 23, 30, tzinfo=timezone.utc)
    second = submit(app)
    frozen_clock.current = datetime(2026, 7, 3, 9, 0, tzinfo=timezone.utc)
    third = submit(app)
    clinician.signed_in()

    assert listed(clinician.search(submitted="2026-07-01")) == [first]
    assert listed(clinician.search(submitted="2026-07-02")) == [second]
    assert listed(clinician.search(submitted="2026-07-03")) == [third]
    assert listed(clinician.search(submitted="2026-06-30")) == []


def test_filter_by_appointment_date(app, clinician):
    day = date.today() + timedelta(days=20)
    on_the_day = submit(app, appointment_date=day.isoformat())
    submit(app, appointment_date=(day + timedelta(days=1)).isoformat())
    submit(app, appointment_date=None)
    page = clinician.signed_in().search(appointment=day.isoformat())
    assert listed(page) == [on_the_day]


def test_filters_combine_with_search(app, clinician):
    day = date.today() + timedelta(days=20)
    wanted = submit(app, full_name="Grace Hopper", appointment_date=day.isoformat())
    submit(app, full_name="Grace Hopper", appointment_date=(day + timedelta(days=1)).isoformat())
    submit(app, full_name="Ada Lovelace", appointment_date=day.isoformat())
    page = clinician.signed_in().search(q="grace", appointment=day.isoformat())
    assert listed(page) == [wanted]


def test_a_date_that_is_not_a_date_is_an_error_not_a_crash(app, clinician):
    submit(app)
    response = clinician.signed_in().post("/clinic/", submitted="2026-02-30")
    assert response.status_code == 400
    assert "Enter a real date" in response.get_data(as_text=True)


def test_fifty_a_page_newest_first_with_a_link_to_the_next(app, clinician, frozen_clock):
    references = submit_many(app, 51, clock=frozen_clock)
    frozen_clock.advance(minutes=1)
    first_page = clinician.signed_in().page("/clinic/")

    assert listed(first_page) == references[::-1][:50]
    assert "51 submissions, page 1 of 2" in first_page
    assert "Previous page" not in first_page
    assert 'form="filters" name="page" value="2">Next page</button>' in first_page

    second_page = clinician.search(page="2")

    assert listed(second_page) == [references[0]]
    assert "page 2 of 2" in second_page
    assert "Previous page" in second_page and "Next page" not in second_page


def test_page_buttons_keep_the_search_and_filters(app, clinician, frozen_clock):
    """The page buttons belong to the search form, so the next page is of the same search."""
    day = date.today() + timedelta(days=9)
    references = submit_many(app, 52, clock=frozen_clock, appointment_date=day.isoformat())
    submit(app, appointment_date=(day + timedelta(days=1)).isoformat())
    first_page = clinician.signed_in().search(q="patient", appointment=day.isoformat())
    assert "52 submissions, page 1 of 2" in first_page
    assert f'value="{day.isoformat()}"' in first_page and 'value="patient"' in first_page
    second_page = clinician.search(q="patient", appointment=day.isoformat(), page="2")
    assert listed(second_page) == references[:2][::-1]


@pytest.fixture(params=["selective", "common"])
def how_found(request, monkeypatch):
    """A name matching fewer than matches.SELECTIVE submissions is read out as ids and ordered;
    a more common one is walked newest first. Every test using this runs both ways."""
    if request.param == "common":
        monkeypatch.setattr(matches, "SELECTIVE", 1)
    return request.param


def shown_fields(page: str) -> dict:
    """The hidden fields a page's Previous and Next buttons send back (the page shown, and
    the positions of its first and last rows)."""
    return dict(re.findall(r'<input type="hidden" name="(shown_\w+)" value="([^"]*)">', page))


def test_next_and_previous_pages_go_on_from_the_rows_shown(app, clinician, frozen_clock):
    """Keyset pages: the form sends the positions of the rows shown, never an offset."""
    newest_first = submit_many(app, 120, clock=frozen_clock)[::-1]
    clinician.signed_in()
    first = clinician.search()
    assert listed(first) == newest_first[:50] and "120 submissions, page 1 of 3" in first
    second = clinician.search(page="2", **shown_fields(first))
    assert listed(second) == newest_first[50:100] and "page 2 of 3" in second
    assert "Previous page" in second and "Next page" in second
    third = clinician.search(page="3", **shown_fields(second))
    assert listed(third) == newest_first[100:] and "page 3 of 3" in third
    back = clinician.search(page="2", **shown_fields(third))
    assert listed(back) == newest_first[50:100] and "page 2 of 3" in back
    assert listed(clinician.search(page="1", **shown_fields(back))) == newest_first[:50]


def test_a_submission_arriving_meanwhile_does_not_shift_the_next_page(app, clinician, frozen_clock):
    newest_first = submit_many(app, 120, clock=frozen_clock)[::-1]
    first = clinician.signed_in().search()
    submit_many(app, 3, clock=frozen_clock)
    second = clinician.search(page="2", **shown_fields(first))
    assert listed(second) == newest_first[50:100]
    assert "123 submissions, page 2 of 3" in second


def test_a_page_no_button_could_send_shows_the_first(app, clinician, frozen_clock):
    """Page 2 of 3 without the rows it follows: there is nowhere to start from but the top.
    (Past the last, the last page is shown: tests/http/test_odd_requests.py.)"""
    newest_first = submit_many(app, 120, clock=frozen_clock)[::-1]
    clinician.signed_in()
    crafted = [
        {},
        {"shown_page": "7", "shown_first": "x", "shown_last": "2026-01-01T00:00:00.000000~1"},
        {"shown_page": "1", "shown_last": "2026-13-01T00:00:00.000000~1"},
        {"shown_page": "1", "shown_last": "2026-01-01T00:00:00.000000~" + "9" * 30},
        {"shown_page": "9" * 30, "shown_last": "2026-01-01T00:00:00.000000~1"},
    ]
    for fields in crafted:
        page = clinician.search(page="2", **fields)
        assert listed(page) == newest_first[:50], fields
        assert "120 submissions, page 1 of 3" in page, fields


def test_the_list_reads_no_pdf_and_walks_no_offset(app, clinician, frozen_clock, how_found):
    """SPEC section 12: a list never reads PDF bytes; pages never OFFSET through rows."""
    submit_many(app, 60, clock=frozen_clock)
    submit(app, pdf=True, full_name="Grace Hopper")
    statements: list[tuple[str, object]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        clinician.signed_in()
        first = clinician.search()
        clinician.search(page="2", **shown_fields(first))
        clinician.search(page=str(10**18))
        found = clinician.search(q="patient")
        clinician.search(q="patient", page="2", **shown_fields(found))
        clinician.search(q="grace", submitted=date.today().isoformat())
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    listing = [(s, p) for s, p in statements if "FROM submissions" in s]
    assert listing
    assert not [s for s, _ in statements if "submission_pdfs" in s]
    # SQLite's dialect writes "LIMIT ? OFFSET ?" for every LIMIT: each such offset must be 0.
    offsets = [
        parameters[statement[: match.end()].count("?") - 1]
        for statement, parameters in listing
        for match in re.finditer(r"\bOFFSET (\?|\S+)", statement)
    ]
    assert set(offsets) <= {0}, offsets


def test_a_deleted_submission_is_not_listed_nor_found(app, clinician):
    kept = submit(app, full_name="Grace Hopper")
    deleted = submit(app, full_name="Grace Hopper")
    with app.app_context():
        with write_transaction() as session:
            tombstone = session.scalar(select(Submission).where(Submission.reference == deleted))
            tombstone.deleted_at = datetime.now(timezone.utc)
        db.session.remove()
    clinician.signed_in()
    for page in (
        clinician.page("/clinic/"),
        clinician.search(q="grace"),
        clinician.search(q=deleted),
    ):
        assert deleted not in listed(page)
    assert listed(clinician.search(q="grace")) == [kept]
    assert "1 submission" in clinician.search(q="hopper")


def test_a_query_of_one_or_two_characters_finds_a_word_beginning_with_it(app, clinician, how_found):
    """The index keeps the first one and two characters of each word (intake.search): a short
    query finds the names with a word that begins with it, not every name holding it."""
    zoe = submit(app, full_name="Zoë Brontë")
    ozone = submit(app, full_name="Ozone Lazo")
    clinician.signed_in()
    # (No reference holds an O, so none of these can match the start of a reference.)
    for query in ("zo", "ZO", "Zo"):  # in Ozone and Lazo too, but no word of theirs begins so
        assert listed(clinician.search(q=query)) == [zoe], query
    assert listed(clinician.search(q="o")) == [ozone]  # in Zoë too, but not at a word's start
    assert listed(clinician.search(q="oë")) == []  # not a word's start


def test_pieces_of_a_query_that_are_not_together_in_a_name_do_not_match(app, clinician):
    """ "anna" is indexed as "ann" and "nna"; "Ann Nnamdi" has both, but not "anna"."""
    joanna = submit(app, full_name="Joanna Smith")
    submit(app, full_name="Ann Nnamdi")
    page = clinician.signed_in().search(q="anna")
    assert listed(page) == [joanna]


def test_a_name_with_no_letter_a_reference_could_have_is_not_looked_for_in_references(
    app, clinician
):
    """Before, "Đức Võ" also searched the references for "CV" (its letters A to Z)."""
    wanted = submit(app, full_name="Đức Võ")
    others = [submit(app, full_name="Ada Lovelace") for _ in range(30)]
    clinician.signed_in()
    assert listed(clinician.search(q="Đức Võ")) == [wanted]
    assert set(listed(clinician.search(q="lovelace"))) == set(others)


def test_a_search_pages_and_filters_alike_however_common_the_name(
    app, clinician, frozen_clock, how_found
):
    day = date.today() + timedelta(days=9)
    patients = submit_many(app, 110, clock=frozen_clock)[::-1]
    on_the_day = submit_many(app, 3, clock=frozen_clock, appointment_date=day.isoformat())[::-1]
    submit(app, full_name="Ada Lovelace", appointment_date=day.isoformat())
    everyone = on_the_day + patients
    clinician.signed_in()

    first = clinician.search(q="patient")
    assert listed(first) == everyone[:50] and "113 submissions, page 1 of 3" in first
    second = clinician.search(q="patient", page="2", **shown_fields(first))
    assert listed(second) == everyone[50:100]
    third = clinician.search(q="patient", page="3", **shown_fields(second))
    assert listed(third) == everyone[100:]
    assert (
        listed(clinician.search(q="patient", page="2", **shown_fields(third))) == everyone[50:100]
    )
    last = clinician.search(q="patient", page=str(10**18))
    assert listed(last) == everyone[100:] and "page 3 of 3" in last

    filtered = clinician.search(q="patient", appointment=day.isoformat())
    assert listed(filtered) == on_the_day and "3 submissions" in filtered
    assert listed(clinician.search(q="PATIENT 10")) == [everyone[n] for n in range(3, 13)]


def test_patient_text_is_escaped_on_the_list_and_the_answers(app, clinician):
    hostile_name = "<script>alert(1)</script>"
    hostile_notes = '<img src=x onerror="alert(2)">'
    reference = submit(
        app,
        full_name=hostile_name,
        treatment_notes=hostile_notes,
        conditions=["other_nerve_muscle"],
        nerve_muscle_disease="<b>x</b>",
    )
    clinician.signed_in()
    for url in ("/clinic/", f"/clinic/submissions/{reference}"):
        page = clinician.page(url)
        assert hostile_name not in page and "<img src=x" not in page, url
        assert str(escape(hostile_name)) in page, url
    page = clinician.page(f"/clinic/submissions/{reference}")
    assert str(escape(hostile_notes)) in page
    assert "<b>x</b>" not in page
    # The disease named is printed with its flag ("Raised by") and with the answers.
    assert page.count(str(escape("<b>x</b>"))) == 2
    assert f"Another nerve or muscle disease ({escape('<b>x</b>')})" in page


# One submission -----------------------------------------------------------


def test_the_answers_page_shows_flags_considerations_findings_and_answers_by_step(app, clinician):
    given = answers(
        full_name="Grace Hopper",
        sex="female",
        hormonal_features=["unwanted_hair"],
        conditions=["skin_infection"],
        pregnant_breastfeeding="yes",
        medicines=["blood_thinners"],
        picking="often",
        treatments_now=["pharmacy"],
        treatments_before=["isotretinoin"],
        response_isotretinoin="cleared",
        isotretinoin_stopped="over_12_months",
        isotretinoin_relapse="yes",
        treatment_notes="Benzoyl peroxide 5% made it worse.",
    )
    reference = submit(app, **given)
    page = clinician.signed_in().page(f"/clinic/submissions/{reference}")
    text = words_of(page)

    assert "<h1" in page and ">Grace Hopper</h1>" in page
    # Flags level by level, each with its level as a word, then the considerations (no level).
    flags = [
        f"Contraindication {rule_text('skin_infection')}",
        f"Defer {rule_text('pregnancy')}",
        f"Caution {rule_text('bruising')}",
        "Clinical considerations",
        f"{rule_text('hormonal_features')} Raised by: Hormonal features: Unwanted hair",
        f"{rule_text('picking')} Raised by: Picks or squeezes spots: Often",
    ]
    positions = [text.index(flag) for flag in flags]
    assert positions == sorted(positions), flags
    considerations = re.findall(r'<li class="flag flag--consideration">(.*?)</li>', page, re.S)
    assert len(considerations) == 2
    assert not any('class="tag' in item for item in considerations)  # not a flag: no level

    findings = assess(given, date.today()).findings
    assert "Acne pattern (patient-described, not a clinical grade) Comedonal" in text
    assert "Distribution Face only" in text
    assert (
        "Oiliness (self-reported, not a sebum measurement) "
        f"Score {findings.oiliness_score} of 9 ({findings.oiliness_category})"
    ) in text
    assert "A few hours after washing, does your face look shiny? No: 0 points" in text
    assert f"Age {findings.age}" in text
    assert "Questionnaire version 2026.2" in text
    assert "Washes or creams from a pharmacy Yes No Helped somewhat" in text
    assert "Isotretinoin (Roaccutane, Accutane) No Yes Cleared my acne" in text
    assert "Isotretinoin stopped: More than 12 months ago. Acne came back after it: Yes." in text

    position = 0
    for step, rows in answered_steps(given):
        heading = f'<h2 class="heading-m">{step.title}</h2>'
        assert heading in page, step.title
        assert page.index(heading) > position, f"{step.title} out of order"
        position = page.index(heading)
        for question, answer in rows:
            assert str(escape(question.label)) in page, question.id
            if answer is not None:
                assert str(escape(answer)) in page, question.id
    assert "Do you have any of these? Unwanted hair on the face or body" in text


def test_no_flags_and_no_considerations_are_said_so(app, clinician):
    reference = submit(app)
    text = words_of(clinician.signed_in().page(f"/clinic/submissions/{reference}"))
    assert "No safety flags from the patient's answers." in text
    assert "Clinical considerations No clinical considerations from the patient's answers." in text


def _older_submission_page(app, clinician) -> str:
    """The answers page of a 2026.1 record: an under-18 patient, pregnant, with nodules."""
    given = answers_2026_1(
        full_name="Old Record",
        date_of_birth=under_18_today(),
        spot_types=["nodules", "red_bumps"],
        makeup_shine="none_worn",
        treatments=["isotretinoin"],
        isotretinoin_last="last_6_months",
        treatment_response="did_not_help",
        pregnancy="yes",
    )
    reference = submit_answered_in(app, "2026.1", given)
    return words_of(clinician.signed_in().page(f"/clinic/submissions/{reference}"))


def test_an_older_submission_is_shown_with_its_own_findings_and_flags(app, clinician):
    """A 2026.1 record keeps 2026.1's flags, findings and steps, never 2026.2's."""
    text = _older_submission_page(app, clinician)

    assert "Questionnaire version 2026.1" in text
    old = questionnaire.find("2026.1")
    for flag in ("pregnancy", "recent_isotretinoin", "under_18", "nodulocystic_or_scarring"):
        level = next(rule.level.value for rule in old.flags if rule.id == flag)
        assert f"{level} {rule_text(flag, '2026.1')}" in text, flag
    assert "Caution Patient is under 18: guardian consent needed." in text
    assert "Acne pattern Nodulocystic" in text
    assert "Oiliness Score 3 of 9 (Slightly oily)" in text
    assert (
        "Does make-up or sunscreen look shiny or slide off within a few hours? "
        "I don't wear any: 0 points"
    ) in text
    assert "Oily skin" in text and "Previous treatments" in text  # 2026.1's step titles
    # Nothing of 2026.2: its questions, findings, levels, considerations or flag wording.
    for newer in (
        "Sex assigned at birth",
        "Your treatments",
        "shiny?",
        "patient-described",
        "Nodular ",
        "Distribution",
        "Defer",
        "Clinical considerations",
        "Under 18: outside the licensed age",
        rule_text("isotretinoin_recent"),
    ):
        assert newer not in text, newer


def test_an_older_submission_shows_its_own_questions_with_their_answers(app, clinician):
    text = _older_submission_page(app, clinician)
    for wording in (
        "Oily skin Two hours after washing",
        "How often do you blot or wash your face because of oil during the day? Once "
        "Do your pores look enlarged? On my nose only "
        "Does make-up or sunscreen look shiny or slide off within a few hours? I don't wear any",
        "Previous treatments Which acne treatments have you tried? "
        "Isotretinoin (Roaccutane, Accutane)",
        "When did you last take isotretinoin? In the last 6 months",
        "Overall, how well did these treatments work? Did not help",
        "Health and safety Are you pregnant, breastfeeding, or planning a pregnancy in the next "
        "6 months? Yes",
        "Any other allergies or medicines we should know about? Penicillin.",
    ):
        assert wording in text, wording


def test_a_new_submission_is_shown_with_the_current_wording(app, clinician):
    """The counterpart of the 2026.1 record: the same kind of patient answered in 2026.2."""
    given = answers(
        full_name="New Record",
        date_of_birth=under_18_today(),
        spot_types=["nodules", "red_bumps"],
        marks="scars",
        treatments_now=["none"],
        treatments_before=["isotretinoin"],
        response_isotretinoin="did_not_help",
        isotretinoin_stopped="over_12_months",
        isotretinoin_relapse="yes",
    )
    reference = submit(app, **given)
    text = words_of(clinician.signed_in().page(f"/clinic/submissions/{reference}"))

    assert "Questionnaire version 2026.2" in text
    assert f"Caution {rule_text('under_18')}" in text
    assert "Acne pattern (patient-described, not a clinical grade) Nodular" in text
    assert f"Clinical considerations {rule_text('isotretinoin_indicated')}" in text
    assert "A few hours after washing, does your face look shiny? No" in text
    assert "Which acne treatments have you used before and stopped? Isotretinoin" in text
    for older in (
        "guardian consent",
        "Nodulocystic",
        "make-up",
        "Previous treatments",
        "Which acne treatments have you tried?",
        "Contraindication",  # no flag of that level here
    ):
        assert older not in text, older


def test_the_answers_page_offers_the_pdf_and_mark_as_reviewed(app, clinician):
    reference = submit(app)
    page = clinician.signed_in().page(f"/clinic/submissions/{reference}")

    link = re.search(r'<a [^>]*href="([^"]+)"[^>]*>Download PDF</a>', page)
    assert link and link.group(1) == f"/clinic/submissions/{reference}/summary.pdf"
    review_forms = [f for f in forms_in(page) if f.get("action", "").endswith("/reviewed")]
    assert review_forms == [
        {"method": "post", "action": f"/clinic/submissions/{reference}/reviewed"}
    ]
    form_html = page[page.index(f'action="/clinic/submissions/{reference}/reviewed"') :]
    form_html = form_html[: form_html.index("</form>")]
    assert CSRF_FIELD.search(form_html) and "Mark as reviewed</button>" in form_html


def test_mark_as_reviewed_records_who_and_when(app, clinician, frozen_clock):
    reference = submit(app)
    clinician.signed_in()
    frozen_clock.advance(minutes=3)
    reviewed_at = frozen_clock.current
    token = CSRF_FIELD.search(clinician.page(f"/clinic/submissions/{reference}")).group(1)

    response = clinician.post(f"/clinic/submissions/{reference}/reviewed", token=token)

    assert response.status_code == 302
    assert response.location == f"/clinic/submissions/{reference}"
    stored = stored_submission(app, reference)
    assert (stored.reviewed_at, stored.reviewed_by_id) == (reviewed_at, user_row(app, CLINICIAN).id)
    page = clinician.page(f"/clinic/submissions/{reference}")
    assert f"Reviewed by {CLINICIAN}, {clinic_time(reviewed_at)}" in page
    assert "Mark as reviewed</button>" not in page


def test_the_first_review_stands(app, clinician, frozen_clock):
    reference = submit(app)
    clinician.signed_in()
    create_user(app, "dr.second@clinic.test", "clinician")
    second = Staff(app.test_client(), email="dr.second@clinic.test").signed_in()
    first_token = clinician.csrf_token()  # the page was open on both screens
    second_token = second.csrf_token()
    first_at = frozen_clock.current

    clinician.post(f"/clinic/submissions/{reference}/reviewed", token=first_token)
    frozen_clock.advance(minutes=1)
    response = second.post(f"/clinic/submissions/{reference}/reviewed", token=second_token)

    assert response.status_code == 302
    page = second.page(f"/clinic/submissions/{reference}")
    assert f"Reviewed by {CLINICIAN}, {clinic_time(first_at)}" in page
    assert stored_submission(app, reference).reviewed_at == first_at


def test_the_pdf_download_is_the_stored_pdf_as_an_attachment(app, clinician):
    reference = submit(app, pdf=True)
    clinician.signed_in()

    response = clinician.client.get(f"/clinic/submissions/{reference}/summary.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{reference}.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data == stored_pdf(app, reference)
    assert response.data.startswith(b"%PDF")


def test_a_pdf_that_failed_at_submit_is_rendered_stored_and_served(app, clinician):
    reference = submit(app)  # no PDF stored, as when rendering failed at submit
    assert stored_pdf(app, reference) is None
    clinician.signed_in()

    response = clinician.client.get(f"/clinic/submissions/{reference.lower()}/summary.pdf")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="{reference}.pdf"'
    assert response.data == stored_pdf(app, reference)


def test_clinic_pages_are_not_cached(app, clinician):
    reference = submit(app)
    clinician.signed_in()
    for url in ("/clinic/", f"/clinic/submissions/{reference}", "/clinic/login"):
        assert clinician.client.get(url).headers["Cache-Control"] == "no-store", url


# Nothing of a patient's in URLs -------------------------------------------------

SEGMENT = re.compile(rf"[a-z][a-z0-9._-]*|{REFERENCE}")  # a fixed word, or a reference


def carries_only_references(url: str) -> bool:
    """A site path of fixed words and references; a query of nothing but the page number."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return False
    segments = [segment for segment in parts.path.split("/") if segment]
    query = parse_qs(parts.query, keep_blank_values=True)
    static = segments[:1] == ["static"]  # stylesheet and script, with a cache-busting query
    return all(SEGMENT.fullmatch(segment) for segment in segments) and (
        static or set(query) <= {"page"}
    )


def test_clinic_links_carry_no_patient_data_but_the_reference(app, clinician, frozen_clock):
    patient_data = ("quintessa", "marlowe", "07700", "900 123", "900123", "1985")
    submit_many(app, 50, clock=frozen_clock)
    frozen_clock.advance(minutes=1)
    reference = submit(
        app,
        full_name="Quintessa Marlowe-Fairweather",
        phone="07700 900 123",
        date_of_birth="1985-06-01",
    )
    clinician.signed_in()
    create_user(app, FRONTDESK, "frontdesk")
    desk = Staff(app.test_client(), email=FRONTDESK).signed_in()

    checked = set()
    for staff, page_url, page in (
        (clinician, "/clinic/", clinician.page("/clinic/")),
        (clinician, "/clinic/ page 2", clinician.search(page="2")),
        (
            clinician,
            f"/clinic/submissions/{reference}",
            clinician.page(f"/clinic/submissions/{reference}"),
        ),
        (desk, "/clinic/", desk.page("/clinic/")),
        (desk, "/clinic/ page 2", desk.search(page="2")),
    ):
        for url in urls_in(page):
            url = unquote(url.replace("&amp;", "&"))
            checked.add(url)
            if not url.startswith("#"):
                assert carries_only_references(url), (staff.email, page_url, url)
            assert not any(data in url.lower() for data in patient_data), (page_url, url)
    # the links that could carry patient data were among those checked
    assert {
        f"/clinic/submissions/{reference}",
        f"/clinic/submissions/{reference}/summary.pdf",
        f"/clinic/submissions/{reference}/reviewed",
        "/clinic/",
    } <= checked


def test_a_name_search_does_not_put_the_name_in_a_url(app, clinician):
    """Typing a name in the search box must not send it in the address (history, access logs)."""
    submit(app, full_name="Quintessa Marlowe")
    page = clinician.signed_in().page("/clinic/")
    search_form = next(f for f in forms_in(page) if f.get("role") == "search")
    # A browser submits a GET form as /clinic/?q=<the name>: the name is then in the URL.
    assert search_form.get("method", "get").lower() != "get", "the search form sends q in the URL"
