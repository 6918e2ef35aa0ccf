"""pySigma's parsed rules turned into this project's rule objects, with their metadata.

A rule's id is its Sigma `id` (else its `name`, else its title in lower case with
dashes); its severity follows its `level`: informational INFO, low NOTICE, medium
WARNING, high ERROR, critical CRITICAL (NOTICE when absent). Its alert category is
its log source's category, else its service, else its product.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sigma.correlations import (
    SigmaCorrelationConditionOperator,
    SigmaCorrelationRule,
    SigmaExtendedCorrelationCondition,
)
from sigma.rule import SigmaRule, SigmaRuleBase

from mozdef.alerts.model import Severity
from mozdef.alerts.rule import RuleMeta, Schedule
from mozdef.alerts.sigma.convert import UnsupportedSigma, detection_tree
from mozdef.alerts.sigma.correlation import SigmaCorrelation
from mozdef.alerts.sigma.correlation_spec import KINDS, CorrelationSpec, Kind
from mozdef.alerts.sigma.detection import DEFAULT_LOOKBACK, SigmaDetectionRule
from mozdef.alerts.sigma.documents import Document
from mozdef.alerts.sigma.mapping import FieldMapping, SourceFields, default_mapping
from mozdef.alerts.streaming.window import WindowLimits
from mozdef.query.tree import Node

LEVELS: dict[str, Severity] = {
    "informational": "INFO",
    "low": "NOTICE",
    "medium": "WARNING",
    "high": "ERROR",
    "critical": "CRITICAL",
}
_CONDITIONS = {
    SigmaCorrelationConditionOperator.GTE: True,
    SigmaCorrelationConditionOperator.GT: False,
}


@dataclass(frozen=True)
class SigmaOptions:
    mapping: FieldMapping = field(default_factory=default_mapping)
    # Plain detections' scheduled window, and the longest interval between runs.
    lookback: dt.timedelta = DEFAULT_LOOKBACK
    # Correlations' streaming state per rule.
    limits: WindowLimits = field(default_factory=WindowLimits)


@dataclass(frozen=True)
class Converted:
    """A detection rule's log source and query, kept for the correlations naming it."""

    rule: SigmaDetectionRule
    source: SourceFields
    query: Node


def rule_id(rule: SigmaRuleBase) -> str:
    if rule.id is not None:
        return str(rule.id)
    if rule.name:
        return rule.name
    return re.sub(r"[^a-z0-9]+", "-", rule.title.lower()).strip("-") or "untitled"


def build_detection(rule: SigmaRule, document: Document, options: SigmaOptions) -> Converted:
    logsource = rule.logsource
    source = options.mapping.source(
        category=logsource.category, product=logsource.product, service=logsource.service
    )
    if source is None:
        raise UnsupportedSigma(f"no mapping for log source {_logsource_text(rule)}")
    query = detection_tree(rule, source)
    schedule = Schedule(interval=options.lookback, lookback=options.lookback)
    meta = _meta(rule, document, schedule=schedule, category=_category(rule))
    return Converted(SigmaDetectionRule(meta, query), source, query)


def build_correlation(
    rule: SigmaCorrelationRule,
    document: Document,
    bases: list[Converted],
    options: SigmaOptions,
) -> SigmaCorrelation:
    kind = _kind(rule)
    threshold, inclusive = _condition(rule)
    if len(rule.aliases):
        raise UnsupportedSigma("correlation field aliases are not supported")
    group_by = tuple(_shared_field(name, bases) for name in rule.group_by or ())
    value_field = _value_field(rule, bases) if kind == "value_count" else None
    timespan = dt.timedelta(seconds=rule.timespan.seconds)
    spec = CorrelationSpec(
        kind=kind,
        bases=tuple(base.query for base in bases),
        group_by=group_by,
        timespan=timespan,
        threshold=threshold,
        inclusive=inclusive,
        value_field=value_field,
    )
    schedule = Schedule(interval=min(timespan, options.lookback), lookback=timespan)
    category = bases[0].rule.meta.category if bases else "sigma"
    meta = _meta(rule, document, schedule=schedule, category=category)
    return SigmaCorrelation(meta, spec, limits=options.limits)


def _meta(
    rule: SigmaRuleBase, document: Document, *, schedule: Schedule, category: str
) -> RuleMeta:
    level = str(rule.level).lower() if rule.level is not None else ""
    return RuleMeta(
        id=rule_id(rule),
        name=rule.title,
        form="sigma",
        severity=LEVELS.get(level, "NOTICE"),
        category=category,
        tags=tuple(str(tag) for tag in rule.tags),
        schedule=schedule,
        path=document.path,
        line=document.line,
        description=rule.description or "",
        extra={"sigma_id": str(rule.id) if rule.id else None, "sigma_level": level or None},
    )


def _category(rule: SigmaRule) -> str:
    logsource = rule.logsource
    return logsource.category or logsource.service or logsource.product or "sigma"


def _logsource_text(rule: SigmaRule) -> str:
    parts = rule.logsource.to_dict()
    shown = {key: parts[key] for key in ("category", "product", "service") if key in parts}
    return ", ".join(f"{key}={value}" for key, value in shown.items())


def _kind(rule: SigmaCorrelationRule) -> Kind:
    name = rule.type.name.lower()
    for kind in KINDS:
        if kind == name:
            return kind
    raise UnsupportedSigma(f"correlation type {name} is not supported (use one of {KINDS})")


def _condition(rule: SigmaCorrelationRule) -> tuple[float, bool]:
    condition = rule.condition
    if isinstance(condition, SigmaExtendedCorrelationCondition):
        raise UnsupportedSigma("extended (boolean) correlation conditions are not supported")
    if condition.op not in _CONDITIONS:
        reason = f"correlation condition {condition.op.name.lower()}: only gt and gte are supported"
        raise UnsupportedSigma(reason)
    return float(condition.count), _CONDITIONS[condition.op]


def _value_field(rule: SigmaCorrelationRule, bases: list[Converted]) -> str:
    condition = rule.condition
    fieldref = getattr(condition, "fieldref", None)
    if not isinstance(fieldref, str):
        raise UnsupportedSigma("value_count needs exactly one condition field")
    return _shared_field(fieldref, bases)


def _shared_field(name: str, bases: list[Converted]) -> str:
    """The one MozDef field that `name` means in every base rule's log source."""
    targets = {base.source.resolve(name) for base in bases}
    if None in targets:
        raise UnsupportedSigma(f"field {name!r} has no mapping and the mapping is strict")
    if len(targets) != 1 or len(next(iter(targets)) or ()) != 1:
        raise UnsupportedSigma(f"field {name!r} must map to one MozDef field in every base rule")
    (only,) = next(iter(targets)) or ("",)
    return only
