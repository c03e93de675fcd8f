"""Flask-WTF forms built from the questionnaire definition."""
