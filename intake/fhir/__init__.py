"""FHIR R4 export: the questionnaire as a Questionnaire, a submission as a QuestionnaireResponse.

`resources` builds the resources from plain data (no Flask); `views` serves them.
"""
