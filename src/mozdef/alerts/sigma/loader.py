"""Loading Sigma rules from files: every rule that can be loaded is, and every one
that cannot is reported once, with its file, line and reason.

    ruleset = load_sigma([Path("rules/sigma")])
    for problem in ruleset.problems:     # RuleError: path, line, rule_id, reason
        ...
    engine = StreamingEngine(ruleset.rules)

Documents are read in file order. Sigma filters (`filter:` documents) apply to the
rules they name, across files. A correlation's base rules raise no alerts of their
own unless the correlation says `generate: true`, as Sigma specifies. Not supported,
and reported: collection actions (`action: global / repeat / reset`), correlations
of correlations, and what mozdef.alerts.sigma.convert and .build list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError, SigmaRuleLocation
from sigma.filters import SigmaFilter
from sigma.rule import SigmaRule, SigmaRuleBase

from mozdef.alerts.sigma.build import (
    Converted,
    SigmaOptions,
    build_correlation,
    build_detection,
    rule_id,
)
from mozdef.alerts.sigma.convert import UnsupportedSigma
from mozdef.alerts.sigma.correlation import SigmaCorrelation
from mozdef.alerts.sigma.detection import SigmaDetectionRule
from mozdef.alerts.sigma.documents import Document, field_line, read_documents, rule_files
from mozdef.errors import RuleError

SigmaRuleObject = SigmaDetectionRule | SigmaCorrelation
Parsed = SigmaRule | SigmaCorrelationRule


@dataclass(frozen=True)
class SigmaRuleSet:
    rules: tuple[SigmaRuleObject, ...] = ()
    problems: tuple[RuleError, ...] = ()


@dataclass
class _Load:
    """One load's work in progress: rules parsed so far and problems met."""

    options: SigmaOptions
    parsed: list[tuple[Document, Parsed]] = field(default_factory=list)
    filters: list[tuple[Document, SigmaFilter]] = field(default_factory=list)
    problems: list[RuleError] = field(default_factory=list)

    def report(self, document: Document, reason: str, *, rule: SigmaRuleBase | None = None) -> None:
        self.problems.append(_problem(document, reason, document.line, rule))


def load_sigma(paths: Iterable[Path], *, options: SigmaOptions | None = None) -> SigmaRuleSet:
    """The Sigma rules in `paths` (files, or folders searched for .yml and .yaml)."""
    documents: list[Document] = []
    problems: list[RuleError] = []
    for path in rule_files(paths):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(RuleError(f"cannot read: {error}", path=str(path)))
            continue
        read, problem = read_documents(text, path=path)
        documents.extend(read)
        problems.extend([problem] if problem else [])
    found = _load(documents, options or SigmaOptions())
    return SigmaRuleSet(found.rules, tuple(problems) + found.problems)


def load_sigma_text(
    text: str, *, path: Path | None = None, options: SigmaOptions | None = None
) -> SigmaRuleSet:
    """The Sigma rules in one YAML text (one or more documents)."""
    documents, problem = read_documents(text, path=path)
    found = _load(documents, options or SigmaOptions())
    return SigmaRuleSet(found.rules, ((problem,) if problem else ()) + found.problems)


def _load(documents: list[Document], options: SigmaOptions) -> SigmaRuleSet:
    work = _Load(options)
    for document in documents:
        _parse(work, document)
    _apply_filters(work)
    converted = _detections(work)
    silent = _silent_bases(work)
    rules: list[SigmaRuleObject] = []
    for document, rule in work.parsed:
        if isinstance(rule, SigmaCorrelationRule):
            correlation = _correlation(work, document, rule, converted)
            rules.extend([correlation] if correlation is not None else [])
        elif id(rule) in converted and id(rule) not in silent:
            rules.append(converted[id(rule)].rule)
    return SigmaRuleSet(tuple(_unique(work, rules)), tuple(work.problems))


def _parse(work: _Load, document: Document) -> None:
    data = document.data
    if data is None:
        return
    if not isinstance(data, dict):
        work.report(document, "not a Sigma rule: expected a mapping of rule attributes")
        return
    if "action" in data:
        work.report(document, f"collection action {data['action']!r} is not supported")
        return
    source = SigmaRuleLocation(document.path, document.line) if document.path else None
    try:
        if "filter" in data:
            work.filters.append((document, SigmaFilter.from_dict(data, source=source)))
        elif "correlation" in data:
            work.parsed.append((document, SigmaCorrelationRule.from_dict(data, source=source)))
        else:
            work.parsed.append((document, SigmaRule.from_dict(data, source=source)))
    except SigmaError as error:
        work.report(document, _reason(error))


def _apply_filters(work: _Load) -> None:
    for index, (document, rule) in enumerate(work.parsed):
        for _, sigma_filter in work.filters:
            try:
                rule = sigma_filter.apply_on_rule(rule)
            except SigmaError as error:
                work.report(document, f"filter {sigma_filter.title!r}: {_reason(error)}", rule=rule)
        work.parsed[index] = (document, rule)


def _detections(work: _Load) -> dict[int, Converted]:
    """Each detection rule converted, by the identity of pySigma's rule object."""
    converted: dict[int, Converted] = {}
    for document, rule in work.parsed:
        if not isinstance(rule, SigmaRule):
            continue
        try:
            converted[id(rule)] = build_detection(rule, document, work.options)
        except UnsupportedSigma as error:
            line = field_line(document, error.sigma_field) if error.sigma_field else None
            work.problems.append(_problem(document, error.reason, line or document.line, rule))
        except SigmaError as error:
            work.report(document, _reason(error), rule=rule)
    return converted


def _silent_bases(work: _Load) -> set[int]:
    """Rules that only feed correlations: they raise no alerts of their own."""
    collection = _collection(work)
    silent: set[int] = set()
    for document, rule in work.parsed:
        if not isinstance(rule, SigmaCorrelationRule):
            continue
        try:
            rule.resolve_rule_references(collection)
        except SigmaError as error:
            work.report(document, _reason(error), rule=rule)
            rule.referenced_rules = []
            continue
        if not rule.generate:
            silent.update(id(reference.rule) for reference in rule.referenced_rules)
    return silent


def _collection(work: _Load) -> SigmaCollection:
    return SigmaCollection([rule for _, rule in work.parsed], resolve_references=False)


def _correlation(
    work: _Load, document: Document, rule: SigmaCorrelationRule, converted: dict[int, Converted]
) -> SigmaCorrelation | None:
    if not rule.referenced_rules:
        return None  # its reference problem is already reported
    bases: list[Converted] = []
    for reference in rule.referenced_rules:
        base = converted.get(id(reference.rule))
        if base is None:
            kind = (
                "a correlation"
                if isinstance(reference.rule, SigmaCorrelationRule)
                else "not loaded"
            )
            work.report(document, f"base rule {reference.reference!r} is {kind}", rule=rule)
            return None
        bases.append(base)
    try:
        return build_correlation(rule, document, bases, work.options)
    except UnsupportedSigma as error:
        work.report(document, error.reason, rule=rule)
        return None


def _unique(work: _Load, rules: list[SigmaRuleObject]) -> list[SigmaRuleObject]:
    first: dict[str, SigmaRuleObject] = {}
    for rule in rules:
        taken = first.get(rule.meta.id)
        if taken is None:
            first[rule.meta.id] = rule
            continue
        where = f"{taken.meta.path or 'text'} line {taken.meta.line}"
        reason = f"duplicate rule id {rule.meta.id!r}, first defined in {where}"
        path = str(rule.meta.path) if rule.meta.path else None
        work.problems.append(
            RuleError(reason, rule_id=rule.meta.id, path=path, line=rule.meta.line)
        )
    return list(first.values())


def _problem(
    document: Document, reason: str, line: int | None, rule: SigmaRuleBase | None
) -> RuleError:
    path = str(document.path) if document.path else None
    return RuleError(reason, rule_id=rule_id(rule) if rule else None, path=path, line=line)


def _reason(error: SigmaError) -> str:
    # The message without pySigma's " in <file>" suffix: the problem names the place.
    return str(error.args[0]) if error.args else type(error).__name__
