"""Which rules a RULE argument of `mozdef rules` names: a rule id, or a rule file.

A file inside the configured rule folders means the rules the catalog loaded from it,
so that a Sigma correlation keeps the base rules of other files. Any other file is
loaded alone. An id that names nothing is refused with the ids that look like it.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from mozdef.alerts.catalog import Catalog, load_catalog
from mozdef.alerts.sigma import SigmaOptions
from mozdef.errors import RuleError

MAX_SUGGESTIONS = 5


class UnknownRuleError(RuleError):
    """No rule has this id; `near` holds the ids that look like it, closest first."""

    def __init__(self, rule_id: str, near: list[str]) -> None:
        hint = f"did you mean {', '.join(near)}?" if near else "no id looks like it"
        super().__init__(
            f"no such rule or rule file; {hint} (`mozdef rules list` shows every rule)",
            rule_id=rule_id,
        )
        self.near = near


class UnavailableRuleError(RuleError):
    """A built-in that reads one of the running system's services, asked for where
    there is none to read."""

    def __init__(self, rule_id: str) -> None:
        super().__init__(
            "this built-in reads the watch list, localities or rule states of the "
            "application database, and the data folder has none yet (start `mozdef serve` "
            "on it once, or give --data-dir the folder of the running system)",
            rule_id=rule_id,
        )


def find_rules(spec: str, catalog: Catalog, *, sigma: SigmaOptions | None = None) -> Catalog:
    """The rules `spec` names, with the problems of its file when it is one."""
    rule = catalog.get(spec)
    if rule is not None:
        return Catalog((rule,))
    if spec in catalog.unavailable:
        raise UnavailableRuleError(spec)
    path = Path(spec)
    if not path.is_file():
        raise UnknownRuleError(spec, near_ids(spec, catalog.ids()))
    known = catalog.of_file(path)
    found = known if known.rules else load_catalog([path], sigma=sigma)
    if not found.rules and not found.problems:
        raise RuleError("the file defines no rule", path=spec)
    return found


def near_ids(spec: str, ids: list[str]) -> list[str]:
    """Ids close to `spec` in spelling, then ids that contain it, without repeats."""
    close = difflib.get_close_matches(spec, ids, n=MAX_SUGGESTIONS, cutoff=0.6)
    lowered = spec.lower()
    containing = [rule_id for rule_id in ids if lowered and lowered in rule_id.lower()]
    return list(dict.fromkeys(close + sorted(containing)))[:MAX_SUGGESTIONS]
