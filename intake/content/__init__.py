"""Source documents and the rules that pick the passages the clinician's summary quotes.

A document is ``NAME.txt``: a title line, then paragraphs separated by blank lines (P1, P2, ...).
Beside it, ``NAME.rules.yaml`` says which passages to quote and why, so a clinic can add a
document without touching Python:

    id: a stable document id
    heading: the heading over the passages (default "From '<title>'")
    note: the line that opens the section
    answer_names: {question id: the words naming its answer after "Included because:"}
    passages: {P1: {include: CONDITION, marks: [{text: ..., when: CONDITION}]}, ...}

Every passage needs a rule. A CONDITION is one of:

    always | never
    {answer: QUESTION, equals: OPTION}             the answer is (or includes) that option
    {answer: QUESTION, includes_any: [OPTION...]}  the answer includes any of them
    {answer: QUESTION, excludes: [OPTION...]}      the answer includes none of them
    {finding: NAME, in: [VALUE...]}                acne_pattern, oiliness_category, oiliness_score, age
    {finding: NAME, under: N} or {finding: NAME, at_least: N}   oiliness_score, age
    {flag: [FLAG ID...]}                           any of these safety flags is raised
    {any: [CONDITION...]}, {all: [CONDITION...]}, {not: CONDITION}

A condition on a question with no answer does not hold. Any mapping may add ``reason: TEXT``
to replace the words it gives after "Included because:".
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import yaml

from intake.assessment import (
    ACNE_PATTERNS,
    FLAG_TEXTS,
    OILINESS_CATEGORIES,
    OILINESS_MAX,
    Assessment,
    Findings,
)
from intake.questionnaire import QUESTIONS, Question, chosen_options

EVERY_PATIENT = "included for every patient"


class RulesError(ValueError):
    """A rules file that cannot be trusted to pick passages; the message says where and why."""


@dataclass(frozen=True)
class Passage:
    key: str  # "P2"
    text: str  # verbatim paragraph text


@dataclass(frozen=True)
class SelectedPassage:
    key: str
    text: str
    reasons: tuple[str, ...]  # the answers that selected it, in words
    marks: tuple[str, ...]  # e.g. "Relevant to this patient's risks"

    @property
    def because(self) -> str:
        """The line printed under the passage."""
        return "Included because: " + "; ".join(self.reasons)


class Condition(Protocol):
    def check(self, answers: dict, assessment: Assessment) -> tuple[bool, tuple[str, ...]]:
        """Whether it holds and, when it does, in words what made it hold."""

    def describe(self, answers: dict, assessment: Assessment) -> tuple[str, ...]:
        """In words, what the patient answered: the reason a `not` gives."""


@dataclass(frozen=True)
class Mark:
    text: str
    when: Condition


@dataclass(frozen=True)
class PassageRule:
    include: Condition
    marks: tuple[Mark, ...] = ()


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    heading: str
    note: str
    passages: tuple[Passage, ...]
    rules: tuple[PassageRule, ...]  # one per passage, same order


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


def select_passages(
    document: Document, answers: dict, assessment: Assessment
) -> tuple[SelectedPassage, ...]:
    """The passages relevant to this patient, in source order, each saying why."""
    selected = []
    for passage, rule in zip(document.passages, document.rules, strict=True):
        holds, reasons = rule.include.check(answers, assessment)
        if holds:
            marks = tuple(m.text for m in rule.marks if m.when.check(answers, assessment)[0])
            selected.append(SelectedPassage(passage.key, passage.text, reasons, marks))
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
    _expect_keys(raw, {"id", "note", "passages"}, {"heading", "answer_names"}, where)
    names = raw.get("answer_names") or {}
    if not isinstance(names, dict):
        raise RulesError(f"{where}: answer_names must map question ids to words")
    for question_id in names:
        _question(question_id, f"{where}: answer_names")
    return Document(
        id=str(raw["id"]),
        title=title,
        heading=str(raw.get("heading") or f"From '{title}'"),
        note=str(raw["note"]),
        passages=passages,
        rules=_passage_rules(raw["passages"], passages, names, where),
    )


def _passage_rules(
    raw, passages: tuple[Passage, ...], names: dict, where: str
) -> tuple[PassageRule, ...]:
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
        _expect_keys(entry, {"include"}, {"marks"}, at)
        marks = []
        for mark in entry.get("marks") or []:
            _expect_keys(mark, {"text", "when"}, set(), f"{at}: mark")
            marks.append(Mark(str(mark["text"]), _condition(mark["when"], names, f"{at}: mark")))
        rules.append(PassageRule(_condition(entry["include"], names, at), tuple(marks)))
    return tuple(rules)


def _expect_keys(raw, required: set[str], optional: set[str], where: str) -> None:
    if not isinstance(raw, dict):
        raise RulesError(
            f"{where}: expected a mapping with {', '.join(sorted(required))}, got {raw!r}"
        )
    if missing := required - raw.keys():
        raise RulesError(f"{where}: missing {', '.join(sorted(missing))}")
    if unknown := raw.keys() - required - optional:
        raise RulesError(f"{where}: unknown key {', '.join(sorted(map(str, unknown)))}")


def _condition(raw, names: dict, where: str) -> Condition:
    """A condition from its YAML form, checked against the questionnaire and the assessment."""
    if raw in ("always", "never"):
        return _Constant(raw == "always")
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: a condition is always, never or a mapping, not {raw!r}")
    raw = dict(raw)
    reason = raw.pop("reason", None)
    condition = _test(raw, names, where)
    return condition if reason is None else _Reasoned(condition, str(reason))


def _test(raw: dict, names: dict, where: str) -> Condition:
    if "answer" in raw:
        return _answer_condition(raw, names, where)
    if "finding" in raw:
        return _finding_condition(raw, where)
    kind = next((k for k in ("any", "all", "not", "flag") if k in raw), None)
    if kind is None:
        raise RulesError(f"{where}: unknown condition {raw!r}")
    _expect_keys(raw, {kind}, set(), where)
    if kind == "not":
        return _Not(_condition(raw["not"], names, f"{where}: not"))
    if kind == "flag":
        flag_ids = _values(raw, "flag", where)
        for flag_id in flag_ids:
            if flag_id not in FLAG_TEXTS:
                raise RulesError(
                    f"{where}: unknown flag {flag_id!r} (flags: {', '.join(FLAG_TEXTS)})"
                )
        return _FlagRaised(flag_ids)
    if not isinstance(raw[kind], list) or not raw[kind]:
        raise RulesError(f"{where}: {kind} needs a list of conditions")
    parts = tuple(_condition(part, names, f"{where}: {kind}") for part in raw[kind])
    return _AnyOf(parts) if kind == "any" else _AllOf(parts)


def _values(raw: dict, key: str, where: str) -> tuple:
    """One value or a list of them, never none."""
    values = tuple(raw[key]) if isinstance(raw[key], list) else (raw[key],)
    if not values:
        raise RulesError(f"{where}: {key} needs at least one value")
    return values


def _only_test(raw: dict, subject: str, tests: tuple[str, ...], where: str) -> str:
    present = [t for t in tests if t in raw]
    if len(present) != 1:
        raise RulesError(f"{where}: {subject} needs exactly one of {', '.join(tests)}")
    _expect_keys(raw, {subject, present[0]}, set(), where)
    return present[0]


def _question(question_id, where: str) -> Question:
    if question_id not in QUESTIONS:
        raise RulesError(f"{where}: unknown question {question_id!r}")
    return QUESTIONS[question_id]


def _answer_condition(raw: dict, names: dict, where: str) -> Condition:
    test = _only_test(raw, "answer", ("equals", "includes_any", "excludes"), where)
    question = _question(raw["answer"], where)
    known = [o.id for o in question.options]
    option_ids = _values(raw, test, where)
    for option_id in option_ids:
        if option_id not in known:
            raise RulesError(
                f"{where}: question {question.id!r} has no option {option_id!r}"
                f" (options: {', '.join(known) or 'none'}; quote yes and no in YAML)"
            )
    name = names.get(question.id) or question.label
    return _AnswerIncludes(question, name, option_ids, is_excluding=test == "excludes")


def _oiliness_words(findings: Findings) -> str:
    return f"oiliness {findings.oiliness_score} of {OILINESS_MAX} ({findings.oiliness_category})"


_FINDING_WORDS = {
    "acne_pattern": lambda findings: f"acne pattern: {findings.acne_pattern}",
    "oiliness_category": _oiliness_words,
    "oiliness_score": _oiliness_words,
    "age": lambda findings: f"age {findings.age}",
}
_FINDING_VALUES = {"acne_pattern": ACNE_PATTERNS, "oiliness_category": OILINESS_CATEGORIES}
_FINDING_TESTS = {
    "in": lambda value, reference: value in reference,
    "under": lambda value, reference: value < reference,
    "at_least": lambda value, reference: value >= reference,
}


def _finding_condition(raw: dict, where: str) -> Condition:
    name = raw["finding"]
    if name not in _FINDING_WORDS:
        raise RulesError(
            f"{where}: unknown finding {name!r} (findings: {', '.join(_FINDING_WORDS)})"
        )
    allowed = _FINDING_VALUES.get(name)
    test = _only_test(raw, "finding", ("in",) if allowed else tuple(_FINDING_TESTS), where)
    values = _values(raw, test, where)
    if test != "in" and len(values) != 1:
        raise RulesError(f"{where}: {test} takes one number")
    for value in values:
        valid = (
            value in allowed if allowed else isinstance(value, int) and not isinstance(value, bool)
        )
        if not valid:
            expected = ", ".join(allowed) if allowed else "a whole number"
            raise RulesError(f"{where}: {name} cannot be {value!r} (expected {expected})")
    return _FindingIs(name, test, values if test == "in" else values[0])


@dataclass(frozen=True)
class _Constant:
    holds: bool

    def check(self, answers: dict, assessment: Assessment) -> tuple[bool, tuple[str, ...]]:
        return self.holds, (EVERY_PATIENT,) if self.holds else ()

    def describe(self, answers: dict, assessment: Assessment) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class _AnswerIncludes:
    question: Question
    name: str
    option_ids: tuple[str, ...]
    is_excluding: bool

    def check(self, answers: dict, assessment: Assessment) -> tuple[bool, tuple[str, ...]]:
        chosen = chosen_options(answers, self.question.id)
        matched = [o for o in chosen if o in self.option_ids]
        if self.is_excluding:
            return bool(chosen) and not matched, self._words(chosen)
        return bool(matched), self._words(matched)

    def describe(self, answers: dict, assessment: Assessment) -> tuple[str, ...]:
        return self._words(chosen_options(answers, self.question.id))

    def _words(self, option_ids: list[str]) -> tuple[str, ...]:
        labels = ", ".join(self.question.option_label(o) for o in option_ids) or "not answered"
        return (f"{self.name}: {labels}",)


@dataclass(frozen=True)
class _FindingIs:
    name: str
    test: str
    reference: object

    def check(self, answers: dict, assessment: Assessment) -> tuple[bool, tuple[str, ...]]:
        value = getattr(assessment.findings, self.name)
        return _FINDING_TESTS[self.test](value, self.reference), self.describe(answers, assessment)

    def describe(self, answers: dict, assessment: Assessment) -> tuple[str, ...]:
        return (_FINDING_WORDS[self.name](assessment.findings),)


@dataclass(frozen=True)
class _FlagRaised:
    flag_ids: tuple[str, ...]

    def check(self, answers: dict, assessment: Assessment) -> tuple[bool, tuple[str, ...]]:
        raised = [flag.text for flag in assessment.flags if flag.id in self.flag_ids]
        return bool(raised), tuple(f"safety flag: {text}" for text in raised)

    def describe(self, answers: dict, assessment: Assessment) -> tuple[str, ...]:
        raised = {flag.id for flag in assessment.flags}
        return tuple(
            f"{'safety flag' if flag_id in raised else 'no safety flag'}: {FLAG_TEXTS[flag_id]}"
            for flag_id in self.flag_ids
        )


@dataclass(frozen=True)
class _AnyOf:
    parts: tuple[Condition, ...]

    def check(self, answers: dict, assessment: Assessment) -> tuple[bool, tuple[str, ...]]:
        verdicts = [part.check(answers, assessment) for part in self.parts]
        return any(holds for holds, _ in verdicts), tuple(
            reason for holds, reasons in verdicts if holds for reason in reasons
        )

    def describe(self, answers: dict, assessment: Assessment) -> tuple[str, ...]:
        return tuple(words for part in self.parts for words in part.describe(answers, assessment))


@dataclass(frozen=True)
class _AllOf(_AnyOf):
    def check(self, answers: dict, assessment: Assessment) -> tuple[bool, tuple[str, ...]]:
        verdicts = [part.check(answers, assessment) for part in self.parts]
        return all(holds for holds, _ in verdicts), tuple(
            reason for _, reasons in verdicts for reason in reasons
        )


@dataclass(frozen=True)
class _Not:
    part: Condition

    def check(self, answers: dict, assessment: Assessment) -> tuple[bool, tuple[str, ...]]:
        return not self.part.check(answers, assessment)[0], self.describe(answers, assessment)

    def describe(self, answers: dict, assessment: Assessment) -> tuple[str, ...]:
        return self.part.describe(answers, assessment)


@dataclass(frozen=True)
class _Reasoned:
    part: Condition
    reason: str

    def check(self, answers: dict, assessment: Assessment) -> tuple[bool, tuple[str, ...]]:
        return self.part.check(answers, assessment)[0], (self.reason,)

    def describe(self, answers: dict, assessment: Assessment) -> tuple[str, ...]:
        return (self.reason,)
