"""A clinic's second document, as a clinic would add it: NAME.txt and NAME.rules.yaml in the
documents folder beside the shipped one."""

from __future__ import annotations

import shutil
from pathlib import Path

from intake import content

SHIPPED_ID = "can-botox-injections-reduce-acne"

LEAFLET = "Aftercare\n\nFor teenagers.\r\n\r\nFor severe nodular acne.\n  \nWhen not pregnant.\n"
# Rules for questionnaire 2026.2 only: a 2026.1 submission quotes nothing of the leaflet.
LEAFLET_RULES = """
id: aftercare
versions:
  "2026.2":
    evidence_note: {text: Clinic leaflet., date: 2026-10-01}
    answer_names: {severity: severity}
    passages:
      P1: {include: {finding: age, under: 18}}
      P2:
        include:
          all:
            - {finding: acne_pattern, in: [Nodular]}
            - {answer: severity, equals: severe}
      P3:
        include:
          not: {flag: [pregnancy, pregnancy_uncertain]}
        marks:
          - {text: Check consent, when: {finding: age, under: 18}}
          - {text: Oily, when: {finding: oiliness_score, at_least: 6}}
"""


def write_document(folder: Path, rules: str, text: str = LEAFLET, name: str = "leaflet") -> Path:
    (folder / f"{name}.txt").write_bytes(text.encode())
    (folder / f"{name}.rules.yaml").write_text(rules, encoding="utf-8")
    return folder


def folder_with_second_document(folder: Path) -> Path:
    """A copy of the shipped documents folder with the aftercare leaflet added to it."""
    for path in content.FOLDER.glob("*"):
        if path.name.endswith((".txt", ".rules.yaml")):
            shutil.copy(path, folder / path.name)
    return write_document(folder, LEAFLET_RULES, name="zz-aftercare")
