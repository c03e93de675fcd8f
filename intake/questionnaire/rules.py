"""Tests of a patient's answers, shared by the safety flags, the clinical considerations and
the passage rules: each says whether it holds and, in words, which answers made it hold.

A rule names questions and options by id; it is checked against a questionnaire version
(`check_against`) when that version or a rules file is loaded, and reads the version's
wording from the assessment it is given when it runs. Rules are written in Python for the
flags (intake/questionnaire/v*.py) and in YAML for passages (`from_yaml`):

    always | never
    {answer: QUESTION or [QUESTION...], equals: OPTION}        the answer is (or includes) it
    {answer: QUESTION or [QUESTION...], includes_any: [OPTION...]}
    {answer: QUESTION or [QUESTION...], excludes: [OPTION...]}  answered, and none of them
    {finding: NAME, in: [VALUE...]}          acne_pattern, distribution, oiliness_category
    {finding: NAME, under: N} or {finding: NAME, at_least: N}   oiliness_score, age
    {flag: [FLAG ID...]}                     any of these safety flags is raised
    {any: [RULE...]}, {all: [RULE...]}, {not: RULE}

A rule on a question with no answer does not hold. Any mapping may add ``reason: TEXT`` to
replace the words it gives ("" gives none).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from intake.questionnaire.model import Questionnaire, Rule, chosen_options

EVERY_PATIENT = "included for every patient"

# The values of the derived findings (SPEC section 3), named once: intake.assessment works
# them out, rules test them, the PDF draws them. The nodular pattern is named by each version.
MIXED = "Mixed comedonal and inflammatory"
INFLAMMATORY = "Inflammatory"
COMEDONAL = "Comedonal"
NOT_DETERMINED = "Not determined"
FACE_ONLY, TRUNK_ONLY, FACE_AND_TRUNK = "Face only", "Trunk only", "Face and trunk"
# Oiliness categories by the lowest score in each.
OILINESS_BANDS = ((0, "Not oily"), (3, "Slightly oily"), (5, "Oily"), (7, "Very oily"))
OILINESS_CATEGORIES = tuple(category for _, category in OILINESS_BANDS)
FINDING_VALUES = {
    "acne_pattern": ("Nodular", "Nodulocystic", MIXED, INFLAMMATORY, COMEDONAL, NOT_DETERMINED),
    "distribution": (FACE_ONLY, TRUNK_ONLY, FACE_AND_TRUNK),
    "oiliness_category": OILINESS_CATEGORIES,
}
NUMBER_FINDINGS = ("oiliness_score", "age")


class RulesError(ValueError):
    """A rule that cannot be trusted; the message says where and why."""


@dataclass(frozen=True)
class Constant:
    holds: bool

    def check(self, answers: dict, assessment) -> tuple[bool, tuple[str, ...]]:
        return self.holds, (EVERY_PATIENT,) if self.holds else ()

    def describe(self, answers: dict, assessment) -> tuple[str, ...]:
        return ()

    def parts(self) -> Iterator:
        yield self


@dataclass(frozen=True)
class Answer:
    """The answer to any of these questions includes (or, excluding, is given and includes
    none of) these options. `detail` is a text question whose answer is printed after."""

    questions: tuple[str, ...]
    option_ids: tuple[str, ...]
    excluding: bool = False
    name: str = ""  # replaces the version's name for the answer
    detail: str = ""

    def check(self, answers: dict, assessment) -> tuple[bool, tuple[str, ...]]:
        if self.excluding:
            given = [q for q in self.questions if chosen_options(answers, q)]
            holds = bool(given) and not any(
                o in self.option_ids for q in given for o in chosen_options(answers, q)
            )
            return holds, self.describe(answers, assessment)
        words = []
        for question_id in self.questions:
            matched = [o for o in chosen_options(answers, question_id) if o in self.option_ids]
            if matched:
                words.append(self._words(question_id, matched, answers, assessment))
        return bool(words), tuple(words)

    def describe(self, answers: dict, assessment) -> tuple[str, ...]:
        return tuple(
            self._words(q, chosen_options(answers, q), answers, assessment)
            for q in self.questions
            if chosen_options(answers, q)
        ) or (self._words(self.questions[0], [], answers, assessment),)

    def _words(self, question_id: str, option_ids: list[str], answers: dict, assessment) -> str:
        questionnaire: Questionnaire = assessment.questionnaire
        question = questionnaire.question(question_id)
        labels = ", ".join(question.option_label(o) for o in option_ids) or "not answered"
        if self.detail and answers.get(self.detail):
            labels += f" ({answers[self.detail]})"
        name = self.name or questionnaire.answer_name(question_id)
        return f"{name} {labels}" if name.endswith("?") else f"{name}: {labels}"

    def parts(self) -> Iterator:
        yield self

    def check_against(self, questionnaire: Questionnaire) -> None:
        for question_id in (*self.questions, *([self.detail] if self.detail else [])):
            if question_id not in questionnaire.questions:
                raise RulesError(
                    f"questionnaire {questionnaire.version} has no question {question_id!r}"
                )
        for question_id in self.questions:
            known = [o.id for o in questionnaire.question(question_id).options]
            for option_id in self.option_ids:
                if option_id not in known:
                    raise RulesError(
                        f"question {question_id!r} of {questionnaire.version} has no option "
                        f"{option_id!r} (options: {', '.join(known) or 'none'}; quote yes "
                        "and no in YAML)"
                    )


_TESTS = {
    "in": lambda value, reference: value in reference,
    "under": lambda value, reference: value is not None and value < reference,
    "at_least": lambda value, reference: value is not None and value >= reference,
}


@dataclass(frozen=True)
class Finding:
    """A derived finding (SPEC section 3) is among these values, or under or at least a number."""

    name: str
    test: str
    reference: object

    def check(self, answers: dict, assessment) -> tuple[bool, tuple[str, ...]]:
        value = getattr(assessment.findings, self.name)
        return _TESTS[self.test](value, self.reference), self.describe(answers, assessment)

    def describe(self, answers: dict, assessment) -> tuple[str, ...]:
        findings = assessment.findings
        if self.name == "age":
            when = "appointment" if "appointment_date" in answers else "submission"
            return (f"Age at {when}: {findings.age}",)
        if self.name in ("oiliness_score", "oiliness_category"):
            return (f"Oiliness: {findings.oiliness_score} of {findings.oiliness_max} "
                    f"({findings.oiliness_category})",)  # fmt: skip
        return (f"{self.name.replace('_', ' ').capitalize()}: {getattr(findings, self.name)}",)

    def parts(self) -> Iterator:
        yield self


@dataclass(frozen=True)
class FlagRaised:
    flag_ids: tuple[str, ...]

    def check(self, answers: dict, assessment) -> tuple[bool, tuple[str, ...]]:
        raised = [flag.text for flag in assessment.flags if flag.id in self.flag_ids]
        return bool(raised), tuple(f"safety flag: {text}" for text in raised)

    def describe(self, answers: dict, assessment) -> tuple[str, ...]:
        raised = {flag.id for flag in assessment.flags}
        texts = {rule.id: rule.text for rule in assessment.questionnaire.flags}
        return tuple(
            f"{'safety flag' if flag_id in raised else 'no safety flag'}: {texts[flag_id]}"
            for flag_id in self.flag_ids
        )

    def parts(self) -> Iterator:
        yield self

    def check_against(self, questionnaire: Questionnaire) -> None:
        known = [rule.id for rule in questionnaire.flags]
        for flag_id in self.flag_ids:
            if flag_id not in known:
                raise RulesError(
                    f"questionnaire {questionnaire.version} has no flag {flag_id!r} "
                    f"(flags: {', '.join(known)})"
                )


@dataclass(frozen=True)
class AnyOf:
    rules: tuple[Rule, ...]

    def check(self, answers: dict, assessment) -> tuple[bool, tuple[str, ...]]:
        verdicts = [rule.check(answers, assessment) for rule in self.rules]
        return any(holds for holds, _ in verdicts), tuple(
            reason for holds, reasons in verdicts if holds for reason in reasons
        )

    def describe(self, answers: dict, assessment) -> tuple[str, ...]:
        return tuple(words for rule in self.rules for words in rule.describe(answers, assessment))

    def parts(self) -> Iterator:
        yield self
        for rule in self.rules:
            yield from rule.parts()


@dataclass(frozen=True)
class AllOf(AnyOf):
    def check(self, answers: dict, assessment) -> tuple[bool, tuple[str, ...]]:
        verdicts = [rule.check(answers, assessment) for rule in self.rules]
        return all(holds for holds, _ in verdicts), tuple(
            reason for _, reasons in verdicts for reason in reasons
        )


@dataclass(frozen=True)
class Not:
    rule: Rule

    def check(self, answers: dict, assessment) -> tuple[bool, tuple[str, ...]]:
        return not self.rule.check(answers, assessment)[0], self.describe(answers, assessment)

    def describe(self, answers: dict, assessment) -> tuple[str, ...]:
        return self.rule.describe(answers, assessment)

    def parts(self) -> Iterator:
        yield self
        yield from self.rule.parts()


@dataclass(frozen=True)
class Reasoned:
    """A rule whose words are given: `reason`, or none when it is empty."""

    rule: Rule
    reason: str

    def check(self, answers: dict, assessment) -> tuple[bool, tuple[str, ...]]:
        return self.rule.check(answers, assessment)[0], self.describe(answers, assessment)

    def describe(self, answers: dict, assessment) -> tuple[str, ...]:
        return (self.reason,) if self.reason else ()

    def parts(self) -> Iterator:
        yield self
        yield from self.rule.parts()


# Building rules in Python ----------------------------------------------------------------------


def answer(question: str | tuple[str, ...], *option_ids: str, detail: str = "") -> Answer:
    """The answer includes any of these options."""
    questions = (question,) if isinstance(question, str) else question
    return Answer(questions, option_ids, detail=detail)


def answer_excludes(question: str | tuple[str, ...], *option_ids: str) -> Answer:
    """Answered, and none of these options chosen."""
    questions = (question,) if isinstance(question, str) else question
    return Answer(questions, option_ids, excluding=True)


def finding(name: str, *, is_in: tuple = (), under: int | None = None) -> Finding:
    if is_in:
        return _checked_finding(name, "in", tuple(is_in), "")
    return _checked_finding(name, "under", under, "")


def any_of(*rules) -> AnyOf:
    return AnyOf(rules)


def all_of(*rules) -> AllOf:
    return AllOf(rules)


def unless(rule) -> Reasoned:
    """Holds when `rule` does not; names nothing (an exception, not a cause)."""
    return Reasoned(Not(rule), "")


def check_against(rule, questionnaire: Questionnaire) -> None:
    for part in rule.parts():
        checker = getattr(part, "check_against", None)
        if checker is not None:
            checker(questionnaire)


# Reading rules from YAML -------------------------------------------------------------------------


def from_yaml(raw, where: str, names: dict | None = None):
    """A rule from its YAML form; `names` are the words naming answers in its reasons."""
    names = names or {}
    if raw in ("always", "never"):
        return Constant(raw == "always")
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: a rule is always, never or a mapping, not {raw!r}")
    raw = dict(raw)
    reason = raw.pop("reason", None)
    rule = _test(raw, names, where)
    return rule if reason is None else Reasoned(rule, str(reason))


def expect_keys(raw, required: set[str], optional: set[str], where: str) -> None:
    if not isinstance(raw, dict):
        raise RulesError(
            f"{where}: expected a mapping with {', '.join(sorted(required))}, got {raw!r}"
        )
    if missing := required - raw.keys():
        raise RulesError(f"{where}: missing {', '.join(sorted(missing))}")
    if unknown := raw.keys() - required - optional:
        raise RulesError(f"{where}: unknown key {', '.join(sorted(map(str, unknown)))}")


def _test(raw: dict, names: dict, where: str):
    if "answer" in raw:
        test = _only_test(raw, "answer", ("equals", "includes_any", "excludes"), where)
        questions = _values(raw, "answer", where)
        name = names.get(questions[0], "") if len(questions) == 1 else ""
        return Answer(
            tuple(map(str, questions)),
            tuple(map(str, _values(raw, test, where))),
            excluding=test == "excludes",
            name=name,
        )
    if "finding" in raw:
        name = raw["finding"]
        if name not in FINDING_VALUES and name not in NUMBER_FINDINGS:
            known = ", ".join((*FINDING_VALUES, *NUMBER_FINDINGS))
            raise RulesError(f"{where}: unknown finding {name!r} (findings: {known})")
        tests = ("in",) if name in FINDING_VALUES else ("under", "at_least")
        test = _only_test(raw, "finding", tests, where)
        values = _values(raw, test, where)
        if test != "in" and len(values) != 1:
            raise RulesError(f"{where}: {test} takes one number")
        return _checked_finding(name, test, values if test == "in" else values[0], where)
    kind = next((k for k in ("any", "all", "not", "flag") if k in raw), None)
    if kind is None:
        raise RulesError(f"{where}: unknown rule {raw!r}")
    expect_keys(raw, {kind}, set(), where)
    if kind == "not":
        return Not(from_yaml(raw["not"], f"{where}: not", names))
    if kind == "flag":
        return FlagRaised(tuple(map(str, _values(raw, "flag", where))))
    if not isinstance(raw[kind], list) or not raw[kind]:
        raise RulesError(f"{where}: {kind} needs a list of rules")
    rules = tuple(from_yaml(part, f"{where}: {kind}", names) for part in raw[kind])
    return AnyOf(rules) if kind == "any" else AllOf(rules)


def _checked_finding(name: str, test: str, reference, where: str) -> Finding:
    allowed = FINDING_VALUES.get(name)
    for value in reference if test == "in" else (reference,):
        valid = (
            value in allowed if allowed else isinstance(value, int) and not isinstance(value, bool)
        )
        if not valid:
            expected = ", ".join(allowed) if allowed else "a whole number"
            raise RulesError(f"{where}: {name} cannot be {value!r} (expected {expected})")
    return Finding(name, test, reference)


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
    expect_keys(raw, {subject, present[0]}, set(), where)
    return present[0]
