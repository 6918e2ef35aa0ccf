"""Loading rule files: every rule that loads is returned, every problem is reported.

    rules, problems = load_rules([Path("rules")])
    for problem in problems:          # RuleError: .path, .line, .rule_id, .reason
        log.error("alerts.rule_problem", extra=fields(file=problem.path, line=problem.line, ...))

Folders are read recursively, in name order; names starting with `_` or `.` are
skipped. By suffix: `.yaml` and `.yml` are YAML rules (yaml_rule.py, several per file
with `---`), or Sigma rules when a document has `detection` and `logsource`, which go
to the `sigma` loader if one is given; `.json` and `.hjson` are MozDef generic alert
or deadman files; `.py` files hold AlertTask subclasses. Other files are ignored, so
a MozDef alert's `.conf` can sit beside it.

A problem in one YAML document drops that rule only (a YAML syntax error, the file);
in a JSON or Python file, the file's rules. Two rules with the same id: the first
loaded stays, the second is a problem. `schedules` replaces the schedule of the rules
it names, by id.

Running modes: a rule with a schedule in its meta is for the scheduler; a rule
without one but with `match` (a YAML rule with `mode: streaming`) is for the
streaming engine. `scheduled()` and `streaming()` sort a loaded list that way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol, cast

from mozdef.alerts.rule import RuleMeta, Schedule, ScheduledRule, StreamingRule
from mozdef.alerts.rules.fields import RuleFields
from mozdef.alerts.rules.mozdef_json import load_mozdef_json
from mozdef.alerts.rules.python_rule import load_python_file
from mozdef.alerts.rules.yaml_rule import build_yaml_rule
from mozdef.alerts.rules.yaml_source import LineMap, read_yaml
from mozdef.errors import RuleError


class LoadedRule(Protocol):
    meta: RuleMeta


SigmaLoader = Callable[[Path], Sequence[LoadedRule]]
Loaded = tuple[list[LoadedRule], list[RuleError]]

YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json", ".hjson")


def load_rules(
    paths: Iterable[Path],
    *,
    schedules: Mapping[str, Schedule] | None = None,
    sigma: SigmaLoader | None = None,
) -> Loaded:
    """The rules of the files and folders in `paths`, and the problems met."""
    rules: list[LoadedRule] = []
    problems: list[RuleError] = []
    first_seen: dict[str, RuleMeta] = {}
    for file in _files(paths):
        found, failed = load_file(file, sigma=sigma)
        problems.extend(failed)
        for rule in found:
            clash = first_seen.get(rule.meta.id)
            if clash is not None:
                problems.append(_duplicate(rule.meta, clash))
                continue
            first_seen[rule.meta.id] = rule.meta
            rules.append(_rescheduled(rule, schedules or {}))
    return rules, problems


def load_file(path: Path, *, sigma: SigmaLoader | None = None) -> Loaded:
    suffix = path.suffix.lower()
    try:
        if suffix in YAML_SUFFIXES:
            return _yaml_file(path, sigma)
        if suffix in JSON_SUFFIXES:
            return list[LoadedRule](load_mozdef_json(path)), []
        if suffix == ".py":
            return list[LoadedRule](load_python_file(path)), []
    except RuleError as error:
        return [], [error]
    return [], []


def scheduled(rules: Iterable[LoadedRule]) -> list[ScheduledRule]:
    return [cast(ScheduledRule, rule) for rule in rules if rule.meta.schedule is not None]


def streaming(rules: Iterable[LoadedRule]) -> list[StreamingRule]:
    return [
        cast(StreamingRule, rule)
        for rule in rules
        if rule.meta.schedule is None and callable(getattr(rule, "match", None))
    ]


def _yaml_file(path: Path, sigma: SigmaLoader | None) -> Loaded:
    documents = [(line, doc) for line, doc in read_yaml(path) if doc is not None]
    if any(_is_sigma(doc) for _, doc in documents):
        if sigma is None:
            raise RuleError("a Sigma rule, and no Sigma loader is configured", path=str(path))
        return list(sigma(path)), []
    rules: list[LoadedRule] = []
    problems: list[RuleError] = []
    default_id = path.stem if len(documents) == 1 else None
    for line, doc in documents:
        try:
            rules.append(_yaml_rule(path, line, doc, default_id))
        except RuleError as error:
            problems.append(error)
    return rules, problems


def _yaml_rule(path: Path, line: int, doc: Any, default_id: str | None) -> LoadedRule:
    if not isinstance(doc, LineMap):
        raise RuleError("a rule must be a mapping of keys", path=str(path), line=line)
    fields = RuleFields(doc, path, doc.line_of)
    return build_yaml_rule(fields, default_id=default_id, line=line)


def _is_sigma(doc: Any) -> bool:
    return isinstance(doc, dict) and "detection" in doc and "logsource" in doc


def _files(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and _wanted(p, path)))
        else:
            found.append(path)
    return found


def _wanted(file: Path, root: Path) -> bool:
    return not any(part.startswith(("_", ".")) for part in file.relative_to(root).parts)


def _duplicate(meta: RuleMeta, first: RuleMeta) -> RuleError:
    where = f"{first.path}" + (f" line {first.line}" if first.line else "")
    return RuleError(
        f"duplicate rule id {meta.id!r}, first defined in {where}",
        rule_id=meta.id,
        path=None if meta.path is None else str(meta.path),
        line=meta.line,
    )


def _rescheduled(rule: LoadedRule, schedules: Mapping[str, Schedule]) -> LoadedRule:
    schedule = schedules.get(rule.meta.id)
    if schedule is not None:
        rule.meta = replace(rule.meta, schedule=schedule)
    return rule
