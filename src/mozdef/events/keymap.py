"""Which top-level event field each shipper's key feeds, and in what precedence.

Key names are compared case-insensitively after removing one leading `@`. Each
field below takes its value from the first key of its list, in that order, that
holds a usable value; see `mozdef.events.normalize` for what happens to the rest.

    summary      summary, message, payload, log
    utctimestamp utctimestamp, timestamp, eventtime, date   (also sets `timestamp`)
    hostname     hostname, source_host, host, _hostname
    source       source, facility, syslogfacility, syslog_facility
    severity     severity, syslogseverity, level, priority, severityvalue
    processid    processid, pid, _pid, syslog_pid
    processname  processname, program, pname, sourcename, syslog_identifier
    eventsource  eventsource, logger, path, file
    category     category, eventtype, type
    tags         tags

Beyond MozDef's names, `log` (Fluent Bit's tail input) and the journald names
that Fluent Bit and Vector forward (`_hostname`, `_pid`, `syslog_identifier`,
`syslog_facility`, `syslog_pid`) are read too, at the lowest precedence.
"""

from __future__ import annotations

from collections.abc import Mapping

PRECEDENCE: Mapping[str, tuple[str, ...]] = {
    "summary": ("summary", "message", "payload", "log"),
    "utctimestamp": ("utctimestamp", "timestamp", "eventtime", "date"),
    "hostname": ("hostname", "source_host", "host", "_hostname"),
    "source": ("source", "facility", "syslogfacility", "syslog_facility"),
    "severity": ("severity", "syslogseverity", "level", "priority", "severityvalue"),
    "processid": ("processid", "pid", "_pid", "syslog_pid"),
    "processname": ("processname", "program", "pname", "sourcename", "syslog_identifier"),
    "eventsource": ("eventsource", "logger", "path", "file"),
    "category": ("category", "eventtype", "type"),
    "tags": ("tags",),
}

# Targets outside the precedence lists.
UNKNOWN = ""  # maps to nothing: kept under details as sent
SECTION = "{}"  # merged into details; the rank orders the merge
SOURCE_IP = "sourceip"  # becomes details.eventsourceipaddress

# Section ranks: the `details` object, the `fields` object, then flat keys.
FLAT_RANK = 2
_FLAT_PREFIXES = (("details.", FLAT_RANK), ("fields.", FLAT_RANK + 1))

TYPE_RANK = PRECEDENCE["category"].index("type")

Route = tuple[str, int]

_ROUTES: dict[str, Route] = {
    name: (target, rank) for target, names in PRECEDENCE.items() for rank, name in enumerate(names)
}
_ROUTES.update({"details": (SECTION, 0), "fields": (SECTION, 1), "sourceip": (SOURCE_IP, 0)})
_UNKNOWN_ROUTE: Route = (UNKNOWN, 0)

# Raw key -> route, filled as keys are met: shippers use few distinct keys, and
# the bound keeps a stream of random key names from growing it without end.
_CACHE: dict[str, Route] = {}
_CACHE_LIMIT = 10_000


def route_of(key: str) -> Route:
    """The (target, rank) of a raw top-level key."""
    route = _CACHE.get(key)
    if route is not None:
        return route

    name = key.lower().removeprefix("@")
    route = _ROUTES.get(name)
    if route is None:
        route = next(
            ((SECTION, rank) for prefix, rank in _FLAT_PREFIXES if name.startswith(prefix)),
            _UNKNOWN_ROUTE,
        )
    if len(_CACHE) < _CACHE_LIMIT:
        _CACHE[key] = route
    return route


def route_cache() -> dict[str, Route]:
    """The cache itself, for the normalizer's inner loop to read without a call."""
    return _CACHE
