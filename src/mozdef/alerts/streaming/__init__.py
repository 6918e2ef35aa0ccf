"""Streaming rules: events meet the rules that may match them as the pipeline runs.

The engine finds candidate rules through an index built from each rule's IndexKeys
(categories, exact values, Aho-Corasick needles), keeps windowed rules' state bounded
and isolates a rule that raises.
"""

from mozdef.alerts.streaming.engine import RuleTally, StreamingEngine, StreamingStats, Windowed
from mozdef.alerts.streaming.index import RuleIndex
from mozdef.alerts.streaming.keys import index_keys, union_keys
from mozdef.alerts.streaming.predicate import Predicate, compile_predicate
from mozdef.alerts.streaming.window import GroupWindows, Window, WindowLimits

__all__ = [
    "GroupWindows",
    "Predicate",
    "RuleIndex",
    "RuleTally",
    "StreamingEngine",
    "StreamingStats",
    "Window",
    "WindowLimits",
    "Windowed",
    "compile_predicate",
    "index_keys",
    "union_keys",
]
