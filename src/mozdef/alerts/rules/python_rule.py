"""Python rules: MozDef AlertTask subclasses in `.py` files, each run as a ScheduledRule.

Every AlertTask subclass defined in a file (not merely imported into it) is a rule
whose id is `<file stem>.<ClassName>`, MozDef's name for it in its alert schedule.
Its schedule is, in order: the rules configuration's entry for that id, the class's
`schedule` attribute, or every 5 minutes. The look-back of a Python rule is the
window of the SearchQuery it builds; the schedule's `lookback` only matters where
the scheduler or a back-test asks for another window.

Each run makes a new instance of the class, so nothing carries over between runs
but what the class itself keeps on purpose (class attributes).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import inspect
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from mozdef.alerts.model import AlertDraft
from mozdef.alerts.rule import RuleMeta, Schedule
from mozdef.alerts.task import AlertTask
from mozdef.errors import RuleError
from mozdef.store.base import EventStore

DEFAULT_SCHEDULE = Schedule(interval=dt.timedelta(minutes=5), lookback=dt.timedelta(minutes=5))
# Modules loaded from rule files are named with this prefix and the file's stem.
MODULE_PREFIX = "mozdef_alert_"


class TaskRule:
    """An AlertTask subclass as a ScheduledRule."""

    def __init__(
        self,
        task: type[AlertTask],
        *,
        rule_id: str | None = None,
        schedule: Schedule | None = None,
        path: Path | None = None,
        line: int | None = None,
    ) -> None:
        self.task = task
        doc = inspect.getdoc(task) if task.__doc__ else ""
        self.meta = RuleMeta(
            id=rule_id or f"{task.__module__.rsplit('.', 1)[-1]}.{task.__name__}",
            name=task.__name__,
            form="python",
            schedule=schedule or task.schedule or DEFAULT_SCHEDULE,
            dedup_window=task.dedup_window,
            path=path,
            line=line,
            description=(doc or "").split("\n", 1)[0],
        )

    def run(
        self, store: EventStore, *, now: dt.datetime, lookback: dt.timedelta | None = None
    ) -> Sequence[AlertDraft]:
        instance = self.task()
        instance.rule_id = self.meta.id
        if self.meta.path is not None:
            instance.config_folder = self.meta.path.parent
        return instance.execute(store, now=now, lookback=lookback)


def load_python_file(path: Path) -> list[TaskRule]:
    """A TaskRule for each AlertTask subclass that the file defines."""
    module = _import(path)
    classes = [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, AlertTask) and cls.__module__ == module.__name__
    ]
    if not classes:
        raise RuleError("no AlertTask subclass defined in the file", path=str(path))
    return [
        TaskRule(cls, rule_id=f"{path.stem}.{cls.__name__}", path=path, line=_line(cls))
        for cls in classes
    ]


def _import(path: Path) -> ModuleType:
    name = MODULE_PREFIX + path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise RuleError("not a loadable Python file", path=str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        # Whatever a rule file raises while importing, SyntaxError included.
        del sys.modules[name]
        reason = f"cannot import: {type(error).__name__}: {error}"
        raise RuleError(reason, path=str(path), line=_error_line(error, path)) from error
    return module


def _error_line(error: Exception, path: Path) -> int | None:
    if isinstance(error, SyntaxError):
        return error.lineno
    frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename) == path]
    return frames[-1].lineno if frames else None


def _line(cls: type) -> int | None:
    try:
        return inspect.getsourcelines(cls)[1]
    except (OSError, TypeError):
        return None
