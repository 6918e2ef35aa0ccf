"""MozDef's generic alert, one JSON file's worth, as an AlertTask.

The summary is MozDef's: `<alert_summary> (<count>): <value>`, then ` (<field>=<values>)`
for each of `additional_summary_fields` found in the samples, then ` [<hostnames>]`
of the samples. Values and hostnames are listed once each, in the order first seen
(MozDef listed a set, in no fixed order).
"""

from __future__ import annotations

from typing import Any

from mozdef.alerts.task import AggregationResult, AlertTask
from mozdef.query.mozdef_compat import QueryStringMatch, SearchQuery, TermMatch
from mozdef.query.reference import values_at


class GenericAlertTask(AlertTask):
    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self.rule_config = config
        # Events that MozDef tagged for this rule keep being skipped.
        self.custom_alert_name = f"AlertGenericLoader:{config.get('custom_alert_name', '')}"

    def main(self) -> None:
        config = self.rule_config
        query = SearchQuery(minutes=int(config["time_window"]))
        query.add_must([TermMatch(field, value) for field, value in config["filters"]])
        query.add_must(QueryStringMatch(str(config["search_string"])))
        self.filtersManual(query)
        self.searchEventsAggregated(
            str(config["aggregation_key"]), samplesLimit=int(config["num_samples"])
        )
        self.walkAggregations(threshold=int(config["num_aggregations"]), config=config)

    def onAggregation(self, aggregation: AggregationResult) -> dict[str, Any] | None:
        config = aggregation["config"]
        events = aggregation["events"]
        summary = f"{config['alert_summary']} ({aggregation['count']}): {aggregation['value']}"
        for field in config.get("additional_summary_fields") or []:
            found = _distinct(
                value for event in events for value in values_at(event["_source"], field)
            )
            if found:
                summary += f" ({field}={', '.join(found)})"
        hostnames = _distinct(event["_source"].get("hostname") for event in events)
        if hostnames:
            summary += f" [{', '.join(hostnames)}]"
        return self.createAlertDict(
            summary,
            config["alert_category"],
            config["alert_tags"],
            events,
            config["alert_severity"],
            config["alert_url"],
            channel=config.get("channel"),
            notify_mozdefbot=config.get("notify_mozdefbot"),
        )


def _distinct(values: Any) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value not in (None, ""):
            seen.setdefault(str(value), None)
    return list(seen)
