"""Fixtures of the HTTP tests (the helpers are in tests/http/clinic_helpers.py)."""

from __future__ import annotations

import pytest

from tests.http.clinic_helpers import CLINICIAN, create_user


@pytest.fixture
def clinician(app):
    """A clinician's account, signing in with clinic_helpers.PASSWORD; its email."""
    create_user(app, CLINICIAN, "clinician")
    return CLINICIAN
