"""The patient's questionnaire: start, one page per step, check answers, confirmation."""

from intake.wizard.views import bp

__all__ = ["bp"]
