from sqlalchemy import select

from intake.models import Draft, Submission
from tests.factories import answers


def test_a_whole_walk_stores_one_submission(app, patient):
    expected = answers()
    reference = patient.complete(expected)
    with app.app_context():
        from intake.extensions import db

        stored = db.session.scalars(select(Submission)).all()
        assert [s.reference for s in stored] == [reference]
        assert stored[0].answers == expected
        assert db.session.scalars(select(Draft)).all() == []
