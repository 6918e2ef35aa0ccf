"""A Sigma rule's detection as a query tree (mozdef.query.tree).

pySigma parses the rule and resolves its condition (`1 of selection*`, `all of them`,
`not`, parentheses) into AND / OR / NOT of field-value pairs, modifiers already
applied; this module walks that tree. Values become:

- plain strings: Term (on `summary`, a Wildcard without wildcards, to compare the
  whole summary as Sigma compares a field); `*` and `?` (contains, startswith,
  endswith, or written): Wildcard; a lone `*`: Exists;
- numbers and booleans: Term; null: the field does not exist;
- `re`: Regex, made to match anywhere as Sigma's do (`.*(...).*`, unless anchored by a
  leading `^` or trailing `$`); `cidr`: Cidr; `gt` `gte` `lt` `lte`: Range;
  `exists`: Exists; `base64`, `base64offset`, `windash`, `utf16*`, `wide`: the strings
  they expand to, OR-ed;
- keywords (values without a field): a substring of the mapping's keywords field.

Known limits, each reported as the reason a rule is not loaded:
- Sigma compares strings case-insensitively; MozDef keyword fields are exact. A value
  matches as written, so a rule relying on case folding misses other spellings
  (`cased` is accepted and changes nothing). Regex flags `i` and `m` are refused.
- Not supported: `fieldref`, `expand` placeholders, timestamp parts (`minute`, `hour`,
  ...), regex constructs beginning with `(?` (inline flags, lookaround), and anchors
  in a regex whose top level is an alternation: no store reads them the same way.
"""

from __future__ import annotations

from typing import Any

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.rule import SigmaRule
from sigma.types import (
    CompareOperators,
    SigmaBool,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SigmaTimestampPart,
    SigmaType,
    SpecialChars,
)

from mozdef.alerts.sigma.mapping import SourceFields
from mozdef.alerts.streaming import wildcards
from mozdef.errors import RuleError
from mozdef.query.reference import field_kind
from mozdef.query.tree import (
    Bool,
    Cidr,
    Exists,
    MatchAll,
    Node,
    Range,
    Regex,
    Term,
    Wildcard,
    not_,
    or_,
)

_WILDCARD = {SpecialChars.WILDCARD_MULTI: "*", SpecialChars.WILDCARD_SINGLE: "?"}
_DOTALL = SigmaRegularExpressionFlag.DOTALL
_REFUSED = {
    "SigmaFieldReference": "the fieldref modifier (comparing two fields)",
    "SigmaQueryExpression": "a backend query expression",
}
_RANGE = {
    CompareOperators.GT: (False, True),
    CompareOperators.GTE: (True, True),
    CompareOperators.LT: (False, False),
    CompareOperators.LTE: (True, False),
}


class UnsupportedSigma(RuleError):
    """A part of a Sigma rule with no equivalent here; `sigma_field` locates it."""

    def __init__(self, reason: str, *, sigma_field: str | None = None) -> None:
        super().__init__(reason)
        self.sigma_field = sigma_field


def detection_tree(rule: SigmaRule, source: SourceFields) -> Node:
    """The rule's detection over the events of its log source."""
    parsed = [condition.parse() for condition in rule.detection.parsed_condition]
    if any(item is None for item in parsed):
        raise UnsupportedSigma("the condition selects no detection item")
    body = or_(*(condition_tree(item, source) for item in parsed))
    return all_of(source.query, body)


def condition_tree(item: Any, source: SourceFields) -> Node:
    """One node of pySigma's resolved condition, converted."""
    if isinstance(item, ConditionAND):
        return all_of(*(condition_tree(arg, source) for arg in item.args))
    if isinstance(item, ConditionOR):
        return or_(*(condition_tree(arg, source) for arg in item.args))
    if isinstance(item, ConditionNOT):
        return not_(condition_tree(item.args[0], source))
    if isinstance(item, ConditionFieldEqualsValueExpression):
        targets = source.resolve(item.field)
        if targets is None:
            reason = f"field {item.field!r} has no mapping and the mapping is strict"
            raise UnsupportedSigma(reason, sigma_field=item.field)
        return or_(*(value_node(target, item.value, sigma_field=item.field) for target in targets))
    if isinstance(item, ConditionValueExpression):
        return keyword_node(source.keywords, item.value)
    raise UnsupportedSigma(f"condition element {type(item).__name__} is not supported")


def all_of(*nodes: Node) -> Node:
    """AND of `nodes`, nested ANDs flattened into one clause list, match-alls left out."""
    clauses: list[Node] = []
    for node in nodes:
        if isinstance(node, MatchAll):
            continue
        flat = isinstance(node, Bool) and node.must and not (node.should or node.must_not)
        clauses.extend(node.must if isinstance(node, Bool) and flat else (node,))
    if not clauses:
        return MatchAll()
    return clauses[0] if len(clauses) == 1 else Bool(must=tuple(clauses))


def value_node(field: str, value: SigmaType, *, sigma_field: str | None = None) -> Node:
    """The test of one Sigma value on the MozDef field `field`."""
    if isinstance(value, SigmaExpansion):
        return or_(*(value_node(field, item, sigma_field=sigma_field) for item in value.values))
    if isinstance(value, SigmaString):
        return _string_node(field, value, sigma_field)
    if isinstance(value, SigmaTimestampPart):
        raise UnsupportedSigma(
            "timestamp part modifiers are not supported", sigma_field=sigma_field
        )
    if isinstance(value, SigmaNumber):
        return Term(field, str(value.number))
    if isinstance(value, SigmaBool):
        return Term(field, "true" if value.boolean else "false")
    if isinstance(value, SigmaNull):
        return not_(Exists(field))
    if isinstance(value, SigmaExists):
        return Exists(field) if value.exists else not_(Exists(field))
    if isinstance(value, SigmaRegularExpression):
        return Regex(field, regex_pattern(value, sigma_field))
    if isinstance(value, SigmaCIDRExpression):
        return Cidr(field, value.network)
    if isinstance(value, SigmaCompareExpression):
        return _compare_node(field, value, sigma_field)
    reason = _REFUSED.get(type(value).__name__, f"value type {type(value).__name__}")
    raise UnsupportedSigma(f"{reason} is not supported", sigma_field=sigma_field)


def keyword_node(field: str, value: SigmaType) -> Node:
    """A Sigma keyword: the value anywhere in `field`."""
    if isinstance(value, SigmaExpansion):
        return or_(*(keyword_node(field, item) for item in value.values))
    if isinstance(value, SigmaRegularExpression):
        return Regex(field, regex_pattern(value, None))
    if isinstance(value, SigmaString):
        pattern = string_pattern(value, None)
    elif isinstance(value, (SigmaNumber, SigmaBool)) and not isinstance(value, SigmaTimestampPart):
        pattern = wildcards.escape(
            str(value).lower() if isinstance(value, SigmaBool) else str(value)
        )
    else:
        raise UnsupportedSigma(f"keyword of type {type(value).__name__} is not supported")
    literals, found = wildcards.split(pattern)
    starts = bool(found) and literals[0] == "" and found[0] == wildcards.ANY_RUN
    ends = bool(found) and literals[-1] == "" and found[-1] == wildcards.ANY_RUN
    return Wildcard(field, ("" if starts else "*") + pattern + ("" if ends else "*"))


def string_pattern(value: SigmaString, sigma_field: str | None) -> str:
    """The Sigma string as a Wildcard pattern."""
    parts: list[str] = []
    for part in value.s:
        if isinstance(part, str):
            parts.append(wildcards.escape(part))
        elif isinstance(part, SpecialChars):
            parts.append(_WILDCARD[part])
        else:
            reason = f"placeholder %{part.name}% (expand modifier) is not supported"
            raise UnsupportedSigma(reason, sigma_field=sigma_field)
    return "".join(parts)


def regex_pattern(value: SigmaRegularExpression, sigma_field: str | None) -> str:
    """Sigma's regex (a search anywhere in the value) as a whole-value Regex."""
    refused = sorted(flag.name.lower() for flag in value.flags if flag != _DOTALL)
    if refused:
        raise UnsupportedSigma(f"regex flags {refused} are not supported", sigma_field=sigma_field)
    pattern = value.regexp.original
    if "(?" in pattern:
        reason = f"regex {pattern!r}: constructs beginning with (? are not supported"
        raise UnsupportedSigma(reason, sigma_field=sigma_field)
    return _anchored(pattern, sigma_field)


def _anchored(pattern: str, sigma_field: str | None) -> str:
    head = pattern.startswith("^")
    tail = pattern.endswith("$") and not pattern.endswith("\\$")
    if (head or tail) and _has_top_level_alternation(pattern):
        reason = f"regex {pattern!r}: anchors around a top-level | are not supported"
        raise UnsupportedSigma(reason, sigma_field=sigma_field)
    inner = pattern[1 if head else 0 : len(pattern) - 1 if tail else len(pattern)]
    if head and tail:
        return inner
    return ("" if head else ".*") + f"({inner})" + ("" if tail else ".*")


def _has_top_level_alternation(pattern: str) -> bool:
    depth, in_class, escaped = 0, False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            return True
    return False


def _string_node(field: str, value: SigmaString, sigma_field: str | None) -> Node:
    pattern = string_pattern(value, sigma_field)
    if pattern == "*":
        return Exists(field)
    if value.contains_special() or field_kind(field) == "text":
        return Wildcard(field, pattern)
    return Term(field, "".join(part for part in value.s if isinstance(part, str)))


def _compare_node(field: str, value: SigmaCompareExpression, sigma_field: str | None) -> Node:
    number = str(value.number.number)
    if value.op == CompareOperators.NEQ:
        return not_(Term(field, number))
    if value.op not in _RANGE:
        raise UnsupportedSigma(
            f"comparison {value.op.name} is not supported", sigma_field=sigma_field
        )
    inclusive, lower = _RANGE[value.op]
    if lower:
        return Range(field, low=number, high=None, include_low=inclusive)
    return Range(field, low=None, high=number, include_high=inclusive)
