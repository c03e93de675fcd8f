"""Intake: the pre-consultation questionnaire for acne patients considering botulinum toxin.

The app factory is `intake.app.create_app`; this package imports nothing, so its domain
modules (questionnaire, assessment, content) load without Flask.
"""
