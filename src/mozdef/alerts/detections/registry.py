"""Built-in detection ids to the functions that build them from options.

Options come from the settings table `[alerts.detections.<id>]`: durations
(`window`, `lateness`, `quiet`, `keep`) in seconds, lists for tuples. Detections that
read a service of the running system (watch list, GeoModel's localities, health
counters) get it from `DetectionServices`, and are left out when it is missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mozdef.alerts.detections import (
    bruteforce_ssh,
    cloudtrail_logging,
    deadman,
    duo_fail_open,
    geomodel,
    health,
    http_auth_bruteforce,
    intel_hits,
    late_events,
    ldap_bruteforce,
    promiscuous,
    proxy_drops,
    ssh_access,
    trace_audit,
    watchlist,
    write_audit,
    zeek_scans,
)
from mozdef.alerts.detections.forms import EventDetection, GroupDetection
from mozdef.alerts.detections.localities import LocalityStore
from mozdef.errors import ConfigError

Detection = (
    EventDetection
    | GroupDetection
    | watchlist.WatchListDetection
    | late_events.LateEvents
    | deadman.Deadman
    | health.HealthCheck
    | geomodel.GeoModel
)

DURATIONS = frozenset({"window", "lateness", "quiet", "keep"})


@dataclass(frozen=True)
class DetectionServices:
    watch_list: watchlist.WatchList | None = None
    localities: LocalityStore | None = None
    health: health.HealthSource | None = None


Factory = Callable[[dict[str, Any], DetectionServices], Detection | None]


def _plain(build: Callable[..., Detection]) -> Factory:
    return lambda options, services: build(**options)


DETECTIONS: dict[str, Factory] = {
    bruteforce_ssh.RULE_ID: _plain(bruteforce_ssh.rule),
    ssh_access.RULE_ID: _plain(ssh_access.rule),
    ldap_bruteforce.RULE_ID: _plain(ldap_bruteforce.rule),
    http_auth_bruteforce.RULE_ID: _plain(http_auth_bruteforce.rule),
    zeek_scans.ADDRESS_SCAN.rule_id: _plain(zeek_scans.address_scan),
    zeek_scans.PORT_SCAN.rule_id: _plain(zeek_scans.port_scan),
    zeek_scans.RANDOM_SCAN.rule_id: _plain(zeek_scans.random_scan),
    proxy_drops.EXECUTABLE_RULE_ID: _plain(proxy_drops.executable),
    proxy_drops.PORT_RULE_ID: _plain(proxy_drops.non_standard_port),
    cloudtrail_logging.RULE_ID: _plain(cloudtrail_logging.rule),
    duo_fail_open.RULE_ID: _plain(duo_fail_open.rule),
    promiscuous.KERNEL_RULE_ID: _plain(promiscuous.kernel),
    promiscuous.AUDIT_RULE_ID: _plain(promiscuous.audit),
    write_audit.RULE_ID: _plain(write_audit.rule),
    trace_audit.RULE_ID: _plain(trace_audit.rule),
    intel_hits.RULE_ID: _plain(intel_hits.rule),
    late_events.RULE_ID: _plain(late_events.rule),
    deadman.RULE_ID: _plain(deadman.rule),
    watchlist.RULE_ID: lambda options, services: (
        None
        if services.watch_list is None
        else watchlist.rule(watch_list=services.watch_list, **options)
    ),
    geomodel.RULE_ID: lambda options, services: (
        None
        if services.localities is None
        else geomodel.rule(localities=services.localities, **options)
    ),
    health.RULE_ID: lambda options, services: (
        None if services.health is None else health.rule(source=services.health, **options)
    ),
}


def build_detection(
    rule_id: str,
    options: Mapping[str, Any] | None = None,
    *,
    services: DetectionServices | None = None,
) -> Detection | None:
    """The detection `rule_id` with `options`; None when it needs a missing service."""
    factory = DETECTIONS.get(rule_id)
    if factory is None:
        raise ConfigError("detections", rule_id, "one of " + ", ".join(sorted(DETECTIONS)))
    converted = {key: _converted(key, value) for key, value in (options or {}).items()}
    try:
        return factory(converted, services or DetectionServices())
    except TypeError as error:
        raise ConfigError(f"detections.{rule_id}", dict(options or {}), str(error)) from error


def build_all(
    options: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    services: DetectionServices | None = None,
    disabled: frozenset[str] = frozenset(),
) -> list[Detection]:
    """Every detection not in `disabled` whose services are there, each with its options."""
    unknown = sorted(set(options or {}) - set(DETECTIONS))
    if unknown:
        raise ConfigError("detections", unknown[0], "one of " + ", ".join(sorted(DETECTIONS)))
    built = [
        build_detection(rule_id, (options or {}).get(rule_id), services=services)
        for rule_id in DETECTIONS
        if rule_id not in disabled
    ]
    return [detection for detection in built if detection is not None]


def _converted(key: str, value: Any) -> Any:
    if key in DURATIONS and isinstance(value, int | float) and not isinstance(value, bool):
        return dt.timedelta(seconds=value)
    if isinstance(value, list):
        return tuple(value)
    return value
