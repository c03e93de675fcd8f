"""Source documents and the rules that pick the passages the clinician's summary quotes.

A document is ``NAME.txt``: a title line, then paragraphs separated by blank lines (P1, P2, ...).
Beside it, ``NAME.rules.yaml`` says which passages to quote and why, for each questionnaire
version, so a clinic can add a document (or update the evidence note) without touching Python:

    id: a stable document id
    versions:
      "2026.2":                         the questionnaire version these rules read
        heading: the heading over the passages (default "Relevant passages of '<title>'")
        evidence_note: {text: ..., date: YYYY-MM-DD}   opens the section (date optional)
        answer_names: {question id: the words naming its answer after "Included because:"}
        passages:
          P1: {include: RULE, evidence: TEXT, marks: [{text: ..., when: RULE}]}

Every passage needs a rule in every version listed; a submission answered in a version the
document has no rules for quotes nothing of it. RULE is described in
intake/questionnaire/rules.py. A passage included for every patient (``include: always``)
has no "Included because" line; ``evidence`` is printed under the passage whenever it is
quoted, a mark only when its rule holds.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from intake import questionnaire
from intake.questionnaire.model import Rule
from intake.questionnaire.rules import (
    Constant,
    RulesError,
    check_against,
    expect_keys,
    from_yaml,
)

__all__ = ["RulesError"]

_DEFAULT_HEADING = "Relevant passages of '{title}'"


@dataclass(frozen=True)
class Passage:
    key: str  # "P2"
    text: str  # verbatim paragraph text


@dataclass(frozen=True)
class SelectedPassage:
    key: str
    text: str
    reasons: tuple[str, ...]  # the answers that selected it, in words; () when always quoted
    marks: tuple[str, ...]  # the evidence mark, then e.g. "Relevant to this patient's risks"

    @property
    def because(self) -> str | None:
        """The line printed under the passage; None for a passage quoted for every patient."""
        return "Included because: " + "; ".join(self.reasons) if self.reasons else None


@dataclass(frozen=True)
class Mark:
    text: str
    when: Rule


@dataclass(frozen=True)
class PassageRule:
    include: Rule
    evidence: str = ""
    marks: tuple[Mark, ...] = ()


@dataclass(frozen=True)
class EvidenceNote:
    text: str
    updated: date | None = None


@dataclass(frozen=True)
class RuleSet:
    """A document's rules for one questionnaire version."""

    heading: str
    note: EvidenceNote
    rules: tuple[PassageRule, ...]  # one per passage, same order


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    passages: tuple[Passage, ...]
    versions: dict[str, RuleSet]

    def rules_for(self, version: str) -> RuleSet | None:
        return self.versions.get(version)


FOLDER = Path(__file__).parent  # the documents the PDF quotes: the shipped one, and a clinic's


def load_documents(folder: Path | None = None) -> tuple[Document, ...]:
    """Every document with its rules in a folder, in name order; by default FOLDER's, loaded
    once per process."""
    return _load_folder_once(FOLDER) if folder is None else _load_folder(folder)


def find_document(document_id: str, documents: tuple[Document, ...] | None = None) -> Document:
    """One document by its id, among `documents` (by default FOLDER's)."""
    for document in load_documents() if documents is None else documents:
        if document.id == document_id:
            return document
    raise KeyError(f"no document with id {document_id!r}")


def select_passages(document: Document, answers: dict, assessment) -> tuple[SelectedPassage, ...]:
    """The passages relevant to this patient, in source order, each saying why, by the rules
    of the version the answers were given in."""
    rule_set = document.rules_for(assessment.questionnaire.version)
    if rule_set is None:
        return ()
    selected = []
    for passage, rule in zip(document.passages, rule_set.rules, strict=True):
        holds, reasons = rule.include.check(answers, assessment)
        if holds:
            marks = tuple(m.text for m in rule.marks if m.when.check(answers, assessment)[0])
            if isinstance(rule.include, Constant):
                reasons = ()
            evidence = (rule.evidence,) if rule.evidence else ()
            selected.append(SelectedPassage(passage.key, passage.text, reasons, evidence + marks))
    return tuple(selected)


@functools.cache
def _load_folder_once(folder: Path) -> tuple[Document, ...]:
    return _load_folder(folder)


def _load_folder(folder: Path) -> tuple[Document, ...]:
    documents = tuple(_load_document(path) for path in sorted(folder.glob("*.rules.yaml")))
    ids = [document.id for document in documents]
    for document_id in ids:
        if ids.count(document_id) > 1:
            raise RulesError(f"{folder.name}: two documents have the id {document_id!r}")
    return documents


def _load_document(rules_path: Path) -> Document:
    where = rules_path.name
    text_path = rules_path.with_name(rules_path.name.removesuffix(".rules.yaml") + ".txt")
    if not text_path.is_file():
        raise RulesError(f"{where}: no {text_path.name} beside it")
    text = text_path.read_text(encoding="utf-8")
    blocks = [block.strip() for block in re.split(r"\n[ \t]*\n", text) if block.strip()]
    if not blocks:
        raise RulesError(f"{where}: {text_path.name} is empty")
    title, *paragraphs = blocks
    passages = tuple(Passage(f"P{n}", paragraph) for n, paragraph in enumerate(paragraphs, 1))
    try:
        raw = yaml.safe_load(rules_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise RulesError(f"{where}: not valid YAML: {error}") from error
    expect_keys(raw, {"id", "versions"}, set(), where)
    if not isinstance(raw["versions"], dict) or not raw["versions"]:
        raise RulesError(f"{where}: versions must map questionnaire versions to rules")
    versions = {}
    for version, entry in raw["versions"].items():
        version = str(version)
        if version not in questionnaire.VERSIONS:
            known = ", ".join(questionnaire.VERSIONS)
            raise RulesError(f"{where}: unknown questionnaire version {version!r} ({known})")
        versions[version] = _rule_set(
            entry, title, passages, questionnaire.find(version), f"{where}: {version}"
        )
    return Document(id=str(raw["id"]), title=title, passages=passages, versions=versions)


def _rule_set(raw, title: str, passages, version, where: str) -> RuleSet:
    expect_keys(raw, {"evidence_note", "passages"}, {"heading", "answer_names"}, where)
    names = raw.get("answer_names") or {}
    if not isinstance(names, dict):
        raise RulesError(f"{where}: answer_names must map question ids to words")
    for question_id in names:
        if question_id not in version.questions:
            raise RulesError(f"{where}: answer_names: unknown question {question_id!r}")
    return RuleSet(
        heading=str(raw.get("heading") or _DEFAULT_HEADING.format(title=title)),
        note=_evidence_note(raw["evidence_note"], f"{where}: evidence_note"),
        rules=_passage_rules(raw["passages"], passages, names, version, where),
    )


def _evidence_note(raw, where: str) -> EvidenceNote:
    expect_keys(raw, {"text"}, {"date"}, where)
    updated = raw.get("date")
    if updated is not None and not isinstance(updated, date):
        try:
            updated = date.fromisoformat(str(updated))
        except ValueError as error:
            raise RulesError(f"{where}: date must be YYYY-MM-DD, not {updated!r}") from error
    return EvidenceNote(" ".join(str(raw["text"]).split()), updated)


def _passage_rules(raw, passages, names: dict, version, where: str) -> tuple[PassageRule, ...]:
    keys = [p.key for p in passages]
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: passages must map passage keys (P1, P2, ...) to rules")
    for key in raw:
        if key not in keys:
            raise RulesError(
                f"{where}: unknown passage key {key!r} (the text has P1 to P{len(keys)})"
            )
    rules = []
    for key in keys:
        if key not in raw:
            raise RulesError(
                f"{where}: no rule for passage {key} (write 'include: never' to leave it out)"
            )
        entry, at = raw[key], f"{where}: passage {key}"
        expect_keys(entry, {"include"}, {"marks", "evidence"}, at)
        marks = []
        for mark in entry.get("marks") or []:
            expect_keys(mark, {"text", "when"}, set(), f"{at}: mark")
            marks.append(
                Mark(str(mark["text"]), _rule(mark["when"], names, version, f"{at}: mark"))
            )
        rules.append(
            PassageRule(
                _rule(entry["include"], names, version, at),
                str(entry.get("evidence") or ""),
                tuple(marks),
            )
        )
    return tuple(rules)


def _rule(raw, names: dict, version, where: str):
    rule = from_yaml(raw, where, names)
    try:
        check_against(rule, version)
    except RulesError as error:
        raise RulesError(f"{where}: {error}") from None
    return rule
