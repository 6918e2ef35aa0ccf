"""What a Sigma correlation counts, shared by its streaming and scheduled paths."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from mozdef.alerts.streaming.fields import lookup_texts
from mozdef.alerts.streaming.window import Window
from mozdef.query.tree import Node

Kind = Literal["event_count", "value_count", "temporal", "temporal_ordered"]
KINDS: tuple[Kind, ...] = ("event_count", "value_count", "temporal", "temporal_ordered")


@dataclass(frozen=True)
class CorrelationSpec:
    kind: Kind
    # The base rules' queries, in the order the correlation lists them.
    bases: tuple[Node, ...]
    group_by: tuple[str, ...]
    timespan: dt.timedelta
    threshold: float
    # `gte` (True) or `gt` (False).
    inclusive: bool = True
    # value_count: the field whose distinct values are counted.
    value_field: str | None = None

    def passes(self, measure: float) -> bool:
        return measure > self.threshold or (self.inclusive and measure == self.threshold)


def measure(spec: CorrelationSpec, window: Window) -> int:
    """The quantity the condition compares, over one group's window."""
    if spec.kind == "event_count":
        return len(window)
    if spec.kind == "temporal_ordered":
        reached = 0
        for entry in window:
            while reached in entry.tags:
                reached += 1
        return reached
    return len(window.tags)


def key_text(value: object) -> str:
    """A group value as it appears in dedup keys: numbers and booleans as written."""
    texts = lookup_texts(value)
    return texts[0] if texts else str(value)
