"""Flask-WTF forms: one per questionnaire step, built from its definition, and the clinic's."""
