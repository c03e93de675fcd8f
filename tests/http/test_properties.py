"""Property tests: whatever is posted, no step answers 500; valid answers come back unchanged."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import select

from intake import services
from intake.extensions import db
from intake.models import Submission
from intake.questionnaire import STEPS
from tests.factories import answers, field_names, formdata
from tests.support import Patient

FIXTURES_OK = settings(
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any text a browser could send: unicode, control characters, markup, very long.
any_text = st.one_of(
    st.text(max_size=50),
    st.text(max_size=3000),
    st.sampled_from(
        ["<script>alert(1)</script>", "\x00", "&amp;", "%s%n", "' OR 1=1 --", "\ud7ff"]
    ),
)


@st.composite
def hostile_posts(draw):
    """A step's valid answers with some fields replaced by anything, so hostile text also
    reaches the paths that save (a wholly random post rarely gets past validation)."""
    step = draw(st.sampled_from(STEPS))
    data = formdata(step, answers())
    replaced = draw(
        st.dictionaries(
            st.sampled_from(field_names(step)), st.lists(any_text, max_size=3), max_size=4
        )
    )
    return step, {**data, **replaced}


@FIXTURES_OK
@given(post=hostile_posts())
def test_any_text_posted_to_any_step_never_causes_a_server_error(app, post):
    step, data = post
    # Every example is a new patient from the test client's one address.
    app.config["RATE_LIMIT_NEW_DRAFTS"] = FIXTURES_OK.max_examples
    patient = Patient(app.test_client())
    patient.start()
    response = patient.post_step(step.slug, data)
    assert response.status_code in (200, 302), response.status_code
    page = patient.client.get(f"/questions/{step.slug}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page  # patient text is never markup


# Names and free text in the scripts the PDF's font covers, as a patient might type them.
letters = st.characters(
    categories=["Lu", "Ll", "Nd"], max_codepoint=0x04FF, exclude_characters="\u0149\u01c5\u01c8"
)
words = st.text(alphabet=letters, min_size=1, max_size=12)
names = st.lists(words, min_size=1, max_size=4).map(" ".join).filter(lambda n: len(n) <= 100)
notes = st.lists(words, min_size=1, max_size=30).map(" ".join)


def option_ids(question_id: str) -> list[str]:
    return next(q for s in STEPS for q in s.questions if q.id == question_id).options


@st.composite
def valid_answers(draw):
    chosen = {}
    for question_id in ("spot_types", "locations", "goals"):
        ids = [o.id for o in option_ids(question_id)]
        chosen[question_id] = sorted(draw(st.sets(st.sampled_from(ids), min_size=1)), key=ids.index)
    return answers(
        full_name=draw(names),
        treatment_notes=draw(notes),
        questions_for_dermatologist=draw(notes),
        severity=draw(st.sampled_from([o.id for o in option_ids("severity")])),
        **chosen,
    )


@settings(
    deadline=None, max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(given_answers=valid_answers())
def test_valid_answers_come_back_unchanged_on_the_check_page_in_storage_and_in_the_pdf(
    app, given_answers
):
    patient = Patient(app.test_client())
    patient.answer_all(given_answers)
    check_page = patient.client.get("/check-answers").get_data(as_text=True)
    for text in (given_answers["full_name"], given_answers["treatment_notes"]):
        assert text in check_page
    reference = patient.complete_after_answers()
    with app.app_context():
        stored = db.session.scalar(select(Submission).where(Submission.reference == reference))
        assert stored.answers == given_answers
        pdf_text = " ".join(
            page.extract_text() for page in PdfReader(io.BytesIO(services.pdf_of(stored))).pages
        )
        db.session.remove()
    flat = "".join(pdf_text.split())
    for text in (given_answers["full_name"], given_answers["questions_for_dermatologist"]):
        assert "".join(text.split()) in flat
