"""The clinician's PDF summary of a submission."""

from intake.pdf.summary import SummaryInput, render_summary

__all__ = ["SummaryInput", "render_summary"]
