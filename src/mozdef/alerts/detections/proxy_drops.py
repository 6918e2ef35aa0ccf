"""Proxy refusals worth a look, per client address: downloads of executable files,
and CONNECTs to ports other than the usual TLS ones. MozDef's 20-minute window;
every client with one such refusal raises an alert listing the destinations.
"""

from __future__ import annotations

import datetime as dt

from mozdef.alerts.detections.forms import Group, GroupDetection
from mozdef.alerts.detections.meta import builtin
from mozdef.query.tree import Bool, Regex, Term

EXECUTABLE_RULE_ID = "proxy_drop_executable"
PORT_RULE_ID = "proxy_drop_non_standard_port"
WINDOW = dt.timedelta(minutes=20)
MAX_DESTINATIONS = 50


def executable(
    *, extensions: tuple[str, ...] = ("exe", "bin", "sh", "py", "rb"), window: dt.timedelta = WINDOW
) -> GroupDetection:
    pattern = rf".*\.({'|'.join(extensions)})"
    query = Bool(must=(*_denied(), Regex("details.destination", pattern)))
    return _rule(
        EXECUTABLE_RULE_ID,
        "Proxy refused an executable download",
        query,
        window,
        "executable file destination(s)",
    )


def non_standard_port(
    *, allowed_ports: tuple[int, ...] = (443, 8443), window: dt.timedelta = WINDOW
) -> GroupDetection:
    ports = "|".join(str(port) for port in allowed_ports)
    query = Bool(
        must=(*_denied(), Term("details.tcpaction", "CONNECT")),
        must_not=(Regex("details.destination", rf".*:({ports})"),),
    )
    return _rule(
        PORT_RULE_ID,
        "Proxy refused a CONNECT to a non-standard port",
        query,
        window,
        "non-standard port destination(s)",
    )


def _denied() -> tuple[Term, Term]:
    return Term("category", "proxy"), Term("details.proxyaction", "TCP_DENIED")


def _rule(rule_id: str, name: str, query: Bool, window: dt.timedelta, what: str) -> GroupDetection:
    meta = builtin(
        rule_id, name, severity="WARNING", category="squid", tags=("squid", "proxy"), window=window
    )

    def summary(group: Group) -> str:
        destinations = ",".join(group.distinct("details.destination"))
        return (
            f"Suspicious Proxy DROP event(s) detected from {group.value} "
            f"to the following {what}: {destinations}"
        )

    return GroupDetection(
        meta,
        query,
        field="details.sourceipaddress",
        threshold=1,
        window=window,
        describe=summary,
        top={"details.destination": MAX_DESTINATIONS},
    )
