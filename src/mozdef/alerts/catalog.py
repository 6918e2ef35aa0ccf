"""Every rule the system knows, in one list: rule files of all forms and the built-ins.

    catalog = settings_catalog(settings.alerts)
    for problem in catalog.problems:     # RuleError: path, line, rule_id, reason
        ...
    rules = scheduled(catalog.rules)

Rule files (YAML, MozDef JSON, Python) go through mozdef.alerts.rules.load_rules.
Files holding Sigma documents (detections, correlations, filters) are picked out
first and loaded together by one `load_sigma` call, so that a correlation finds its
base rules in other files and a Sigma filter applies across files. Built-in detections
come last. An id defined twice keeps its first definition, in that order, and the
second is a problem.

A built-in named in `alerts.builtin_disabled` stays in the list with
`meta.enabled` false, so that it shows as disabled instead of vanishing. Built-ins
that read a service of the running system (watch list, localities, health counters)
cannot be built without it: `load_catalog` without `services` lists their ids in
`unavailable`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mozdef.alerts.detections import DETECTIONS, DetectionServices, build_detection
from mozdef.alerts.rules import LoadedRule, load_rules
from mozdef.alerts.rules.loader import YAML_SUFFIXES
from mozdef.alerts.sigma import SigmaOptions, load_mapping, load_sigma
from mozdef.alerts.sigma.documents import read_documents
from mozdef.config.settings import AlertSettings
from mozdef.errors import RuleError


@dataclass(frozen=True)
class Catalog:
    rules: tuple[LoadedRule, ...] = ()
    problems: tuple[RuleError, ...] = ()
    # Built-in ids that need a service of the running system to be built.
    unavailable: tuple[str, ...] = ()

    def get(self, rule_id: str) -> LoadedRule | None:
        return next((rule for rule in self.rules if rule.meta.id == rule_id), None)

    def ids(self) -> list[str]:
        return [rule.meta.id for rule in self.rules] + list(self.unavailable)

    def of_file(self, path: Path) -> Catalog:
        """The rules defined in the file `path`, and its problems."""
        wanted = path.resolve()
        return Catalog(
            tuple(rule for rule in self.rules if _same(rule.meta.path, wanted)),
            tuple(problem for problem in self.problems if _same(problem.path, wanted)),
        )


def settings_catalog(
    settings: AlertSettings,
    *,
    services: DetectionServices | None = None,
) -> Catalog:
    """The rules of the configured folders and the built-in detections."""
    return load_catalog(
        settings.rule_folders,
        sigma=sigma_options(settings),
        builtins=True,
        builtin_disabled=settings.builtin_disabled,
        services=services,
    )


def sigma_options(settings: AlertSettings) -> SigmaOptions:
    """Sigma loading options: the configured field mapping, else the packaged one."""
    if not settings.sigma_mapping:
        return SigmaOptions()
    return SigmaOptions(mapping=load_mapping(Path(settings.sigma_mapping)))


def load_catalog(
    paths: Iterable[Path],
    *,
    sigma: SigmaOptions | None = None,
    builtins: bool = False,
    builtin_disabled: Sequence[str] = (),
    services: DetectionServices | None = None,
) -> Catalog:
    """The rules of the files and folders in `paths`, the built-ins when asked, and
    every problem met."""
    given = list(paths)
    problems = [RuleError("no such file or folder", path=str(p)) for p in given if not p.exists()]
    others, sigma_files = _sorted_out([path for path in given if path.exists()])
    rules, refused = load_rules(others)
    problems.extend(refused)
    groups: list[Sequence[LoadedRule]] = [rules]
    if sigma_files:
        ruleset = load_sigma(sigma_files, options=sigma or SigmaOptions())
        groups.append(ruleset.rules)
        problems.extend(ruleset.problems)
    unavailable: list[str] = []
    if builtins:
        built, unavailable, refused = _builtins(builtin_disabled, services)
        groups.append(built)
        problems.extend(refused)
    merged, clashes = _merged(groups)
    return Catalog(tuple(merged), tuple(problems + clashes), tuple(unavailable))


def _sorted_out(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """The rule files under `paths`: the others, then those holding Sigma documents.

    The rules loader would send a file to Sigma only for a detection rule, so a file
    of correlations or filters is picked out here."""
    others: list[Path] = []
    sigma: list[Path] = []
    for file in _files(paths):
        (sigma if _holds_sigma(file) else others).append(file)
    return others, sigma


def _files(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the files under folders in name order, leaving out names
    that start with `_` or `.`, as the rules loader does."""
    found: list[Path] = []
    for path in paths:
        if not path.is_dir():
            found.append(path)
            continue
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            if not any(part.startswith(("_", ".")) for part in file.relative_to(path).parts):
                found.append(file)
    return found


def _holds_sigma(file: Path) -> bool:
    if file.suffix.lower() not in YAML_SUFFIXES:
        return False
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False  # the rules loader reports it
    documents, _ = read_documents(text, path=file)
    return any(_is_sigma(document.data) for document in documents)


def _is_sigma(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    return "correlation" in data or (
        "logsource" in data and ("detection" in data or "filter" in data)
    )


def _builtins(
    disabled: Sequence[str], services: DetectionServices | None
) -> tuple[list[LoadedRule], list[str], list[RuleError]]:
    """The built-in detections, those that could not be built, and the unknown ids
    among `disabled`."""
    built: list[LoadedRule] = []
    unavailable: list[str] = []
    for rule_id in DETECTIONS:
        detection = build_detection(rule_id, services=services)
        if detection is None:
            unavailable.append(rule_id)
            continue
        if rule_id in disabled:
            detection.meta = replace(detection.meta, enabled=False)
        built.append(detection)
    refused = [_unknown_builtin(rule_id) for rule_id in disabled if rule_id not in DETECTIONS]
    return built, unavailable, refused


def _unknown_builtin(rule_id: str) -> RuleError:
    known = ", ".join(sorted(DETECTIONS))
    reason = f"alerts.builtin_disabled names no built-in detection; known: {known}"
    return RuleError(reason, rule_id=rule_id)


def _merged(groups: Iterable[Sequence[LoadedRule]]) -> tuple[list[LoadedRule], list[RuleError]]:
    """One list without repeated ids: the first definition stays, a later one is a problem."""
    first: dict[str, LoadedRule] = {}
    clashes: list[RuleError] = []
    for group in groups:
        for rule in group:
            taken = first.get(rule.meta.id)
            if taken is None:
                first[rule.meta.id] = rule
            else:
                clashes.append(_duplicate(rule, taken))
    return list(first.values()), clashes


def _duplicate(rule: LoadedRule, taken: LoadedRule) -> RuleError:
    where = str(taken.meta.path or f"the {taken.meta.form} rules")
    if taken.meta.line:
        where += f" line {taken.meta.line}"
    return RuleError(
        f"duplicate rule id {rule.meta.id!r}, first defined in {where}",
        rule_id=rule.meta.id,
        path=None if rule.meta.path is None else str(rule.meta.path),
        line=rule.meta.line,
    )


def _same(path: Path | str | None, wanted: Path) -> bool:
    return path is not None and Path(path).resolve() == wanted
