"""The clinic side: staff sign-in, submissions list, answers, PDFs, audit."""

from intake.clinic.views import bp

__all__ = ["bp"]
