"""The current time, in one place, so tests can move the clock instead of sleeping."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo


def now() -> datetime:
    """The current time in UTC, timezone-aware."""
    return datetime.now(timezone.utc)


def today(clinic_timezone: str) -> date:
    """Today's date where the clinic is."""
    return now().astimezone(ZoneInfo(clinic_timezone)).date()
