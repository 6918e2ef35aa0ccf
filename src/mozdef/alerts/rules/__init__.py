"""Rule files: declarative YAML, MozDef's generic JSON and deadman JSON, Python AlertTasks."""

from mozdef.alerts.rules.deadman import DeadmanRule
from mozdef.alerts.rules.loader import LoadedRule, load_file, load_rules, scheduled, streaming
from mozdef.alerts.rules.mozdef_json import GenericAlertRule
from mozdef.alerts.rules.python_rule import TaskRule
from mozdef.alerts.rules.yaml_rule import AggregateRule, QueryRule

__all__ = [
    "AggregateRule",
    "DeadmanRule",
    "GenericAlertRule",
    "LoadedRule",
    "QueryRule",
    "TaskRule",
    "load_file",
    "load_rules",
    "scheduled",
    "streaming",
]
