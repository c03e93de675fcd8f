"""Appointments, their invitations, desk codes and reminders (SPEC section 11)."""
