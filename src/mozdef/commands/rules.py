"""`mozdef rules list | check PATH... | test RULE | run RULE | enable RULE | disable RULE`:
the alert rules from the command line.

RULE is a rule id or a rule file (YAML, MozDef JSON, Python or Sigma). `check` reads
only the files it is given, so that CI can check rules kept in git without a data
folder. `list`, `enable` and `disable` read and write the rules' state in the
application database, the state the scheduler keeps; `test` reads the store
beside a running server; `run` writes alerts, so it needs the store's writer.
The built-ins that read a service of the running system (watch list, GeoModel,
health) get it from the application database and the data folder (rule_services).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import orjson

from mozdef.alerts.catalog import Catalog, load_catalog, settings_catalog, sigma_options
from mozdef.alerts.rule import RuleMeta, Schedule
from mozdef.alerts.rule_state import RuleState, RuleStateStore
from mozdef.alerts.rules.timing import describe
from mozdef.appdb.db import FILE_NAME, AppDb
from mozdef.commands import rule_runs
from mozdef.commands.rule_lookup import find_rules
from mozdef.commands.rule_services import command_services
from mozdef.config import Settings
from mozdef.errors import RuleError


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser("rules", help="list, check, test rules")
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="every rule with its schedule and last run")
    listing.add_argument("--json", action="store_true", help="print rules as JSON lines")
    check = actions.add_parser("check", help="load rule files and report every problem")
    check.add_argument("paths", nargs="+", type=Path, help="rule files or folders")
    rule_runs.add_actions(actions)
    for name, text in (("enable", "let the scheduler run a rule"), ("disable", "stop a rule")):
        toggle = actions.add_parser(name, help=text)
        toggle.add_argument("rule", help="rule id or rule file")
    for action in actions.choices.values():
        _location_options(action)
    parser.set_defaults(run=run)
    return parser


def _location_options(parser: argparse.ArgumentParser) -> None:
    """`--config` and `--data-dir` after the action too (`mozdef rules list --data-dir D`);
    when absent there, the values given before the action stay."""
    parser.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="TOML settings")
    parser.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help="data folder")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "check":
        return _check(args.paths, settings)
    if args.action in ("test", "run"):
        with command_services(settings, saving=args.action == "run") as services:
            return _on(settings_catalog(settings.alerts, services=services), args, settings)
    return _on(settings_catalog(settings.alerts), args, settings)


def _on(catalog: Catalog, args: argparse.Namespace, settings: Settings) -> int:
    """The action of `args` on the rules of `catalog` it names."""
    if args.action == "list":
        return _list(catalog, settings, as_json=args.json)
    toggle = args.action in ("enable", "disable")
    if toggle and args.rule in catalog.unavailable:
        # Its state is kept all the same, for the server that builds it.
        metas = [_placeholder(args.rule, settings)]
        return _toggle(metas, settings, enabled=args.action == "enable")
    found = find_rules(args.rule, catalog, sigma=sigma_options(settings.alerts))
    _report(found.problems)
    if not found.rules:
        raise RuleError("no rule could be loaded from the file", path=args.rule)
    if toggle:
        metas = [rule.meta for rule in found.rules]
        return _toggle(metas, settings, enabled=args.action == "enable")
    return rule_runs.ACTIONS[args.action](found, args, settings)


def problem_line(problem: RuleError) -> str:
    """`file:line: rule-id: reason`, leaving out the parts that are not known."""
    place = problem.path or "<settings>"
    if problem.line is not None:
        place += f":{problem.line}"
    return ": ".join(part for part in (place, problem.rule_id, problem.reason) if part)


def _check(paths: list[Path], settings: Settings) -> int:
    catalog = load_catalog(paths, sigma=sigma_options(settings.alerts))
    problems = sorted(catalog.problems, key=lambda p: (p.path or "", p.line or 0))
    for problem in problems:
        print(problem_line(problem))
    print(f"{len(catalog.rules)} rules loaded, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


def _report(problems: tuple[RuleError, ...]) -> None:
    for problem in problems:
        print(problem_line(problem), file=sys.stderr)


def _list(catalog: Catalog, settings: Settings, *, as_json: bool) -> int:
    states = _saved_states(settings)
    rows = [_row(rule.meta, states.get(rule.meta.id)) for rule in catalog.rules]
    for rule_id in catalog.unavailable:
        row = _row(_placeholder(rule_id, settings), states.get(rule_id))
        rows.append({**row, "schedule": "in mozdef serve only"})
    if as_json:
        for row in rows:
            print(orjson.dumps(row).decode())
    else:
        _print_table(rows)
    _report(catalog.problems)
    if catalog.problems:
        print(f"{len(catalog.problems)} rule problems", file=sys.stderr)
    return 0


def _saved_states(settings: Settings) -> dict[str, RuleState]:
    """The persisted rule states, or none when the data folder has no database yet."""
    if not settings.database.url and not (settings.data_dir / FILE_NAME).exists():
        return {}
    db = AppDb.from_settings(settings)
    try:
        return RuleStateStore(db).all()
    finally:
        db.close()


def _row(meta: RuleMeta, state: RuleState | None) -> dict[str, Any]:
    saved = state or RuleState(meta.id)
    return {
        "id": meta.id,
        "form": meta.form,
        "schedule": schedule_text(meta.schedule),
        "enabled": meta.enabled and saved.enabled,
        "last_run": _time(saved.last_run),
        "next_run": _time(saved.next_run),
        "hits": saved.last_hits,
        "last_error": saved.last_error,
        "path": None if meta.path is None else str(meta.path),
    }


def _placeholder(rule_id: str, settings: Settings) -> RuleMeta:
    """What is known here of a built-in that only the running system builds."""
    enabled = rule_id not in settings.alerts.builtin_disabled
    return RuleMeta(id=rule_id, name=rule_id, form="builtin", enabled=enabled)


def schedule_text(schedule: Schedule | None) -> str:
    if schedule is None:
        return "streaming"
    if schedule.crontab is not None:
        return f"cron {schedule.crontab}"
    if schedule.interval is not None:
        return f"every {describe(schedule.interval)}"
    return "unscheduled"


def _time(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_COLUMNS = ("id", "form", "schedule", "enabled", "last_run", "next_run", "hits", "last_error")
_ERROR_WIDTH = 60


def _print_table(rows: list[dict[str, Any]]) -> None:
    cells = [[_cell(row[column]) for column in _COLUMNS] for row in rows]
    header = [column.replace("_", " ") for column in _COLUMNS]
    widths = [max(len(line[n]) for line in [header, *cells]) for n in range(len(_COLUMNS))]
    for line in [header, *cells]:
        print(
            "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        )


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value).replace("\n", " ")
    return text if len(text) <= _ERROR_WIDTH else text[: _ERROR_WIDTH - 3] + "..."


def _toggle(metas: list[RuleMeta], settings: Settings, *, enabled: bool) -> int:
    db = AppDb.from_settings(settings)
    try:
        states = RuleStateStore(db)
        now = dt.datetime.now(dt.UTC)
        for meta in metas:
            states.set_enabled(meta.id, enabled, now=now)
            print(f"{meta.id}: {'enabled' if enabled else 'disabled'}")
            if enabled and not meta.enabled:
                print(f"{meta.id}: {_DEFINITION_OFF}", file=sys.stderr)
    finally:
        db.close()
    return 0


_DEFINITION_OFF = (
    "its definition keeps it disabled (`enabled: false` in its file, "
    "or alerts.builtin_disabled in the settings)"
)
