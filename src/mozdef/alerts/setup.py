"""Alert plugins and action routes from the settings, checked once, at start-up.

`[alerts] plugins` names the alert plugins in the order they run and
`[alerts.plugin_options.<name>]` holds each one's options; `[alerts.actions]` holds
the routes and the dispatcher's limits:

    [alerts.actions]
    queue_size = 1000
    workers = 2
    retry = { attempts = 5, initial = "2s", maximum = "5m", factor = 2 }

    [[alerts.actions.routes]]
    action = "webhook"
    min_severity = "WARNING"
    options = { url = "https://hooks.example.com/mozdef" }

Everything is checked here, before anything runs: an unknown key, a wrong type, an
unknown action or plugin, a typo in an action's options. Each problem is a
ConfigError naming its full key (`alerts.actions.routes[2].min_severity`), the value
and what was expected, so that a mistake stops start-up instead of failing the first
delivery.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mozdef.alerts.actions.base import Action, ActionContext
from mozdef.alerts.actions.block_ip import BlockIpOptions
from mozdef.alerts.actions.blocklist import BlockList
from mozdef.alerts.actions.config import ActionsConfig, RetryPolicy, RouteConfig
from mozdef.alerts.actions.dispatcher import Dispatcher, Route
from mozdef.alerts.actions.email import EmailOptions
from mozdef.alerts.actions.options import build_options
from mozdef.alerts.actions.pagerduty import PagerDutyOptions
from mozdef.alerts.actions.records import AppDbDeliveryLog
from mozdef.alerts.actions.registry import ACTIONS, build_action
from mozdef.alerts.actions.slack import SlackOptions
from mozdef.alerts.actions.webhook import WebhookOptions
from mozdef.alerts.bus import Bus
from mozdef.alerts.model import SEVERITIES, Severity
from mozdef.alerts.plugins.base import AlertPlugin
from mozdef.alerts.plugins.port_scan import PortScanConnections
from mozdef.alerts.plugins.source_sites import Site, SourceSites
from mozdef.alerts.rules.timing import describe, parse_duration
from mozdef.appdb.db import AppDb
from mozdef.config.settings import AlertSettings
from mozdef.errors import ConfigError
from mozdef.logfmt import fields
from mozdef.store.base import EventStore

logger = logging.getLogger(__name__)

ACTIONS_KEY = "alerts.actions"
_TOP_KEYS = ("routes", "retry", "queue_size", "workers")
_ROUTE_KEYS = ("action", "name", "rules", "min_severity", "options")
_RETRY_KEYS = ("attempts", "initial", "maximum", "factor")

# Each action's options class, so that options are checked under their full key
# here; an action missing from this map has its options checked when it is built.
ACTION_OPTIONS: Mapping[str, type] = {
    "webhook": WebhookOptions,
    "slack": SlackOptions,
    "email": EmailOptions,
    "pagerduty": PagerDutyOptions,
    "block_ip": BlockIpOptions,
}


# Actions


def actions_config(raw: Mapping[str, Any]) -> ActionsConfig:
    """The `alerts.actions` table as a typed ActionsConfig; ConfigError on any problem."""
    _known_keys(raw, _TOP_KEYS, where=ACTIONS_KEY)
    defaults = ActionsConfig()
    routes = _routes(raw.get("routes", []))
    return ActionsConfig(
        routes=routes,
        retry=_retry(raw.get("retry", {})),
        queue_size=_positive_int(raw, "queue_size", defaults.queue_size, where=ACTIONS_KEY),
        workers=_positive_int(raw, "workers", defaults.workers, where=ACTIONS_KEY),
    )


def dispatcher(
    settings: AlertSettings, db: AppDb, bus: Bus, *, block_list: BlockList | None = None
) -> Dispatcher | None:
    """The dispatcher of the configured routes, recording deliveries in `db` and
    subscribed to the alerts `bus` creates; None when no route is configured. Not
    started: its owner calls `start()` and `stop()`."""
    config = actions_config(settings.actions)
    if not config.routes:
        return None

    context = ActionContext(block_list=block_list)
    routes = [
        Route(route, _built(route, position, context))
        for position, route in enumerate(config.routes)
    ]
    built = Dispatcher(routes, log=AppDbDeliveryLog(db), config=config)
    built.subscribe(bus)
    labels = ",".join(route.label for route in config.routes)
    logger.info(
        "alerts.actions.configured",
        extra=fields(routes=labels, workers=config.workers, queue_size=config.queue_size),
    )
    return built


def _routes(raw: object) -> tuple[RouteConfig, ...]:
    key = f"{ACTIONS_KEY}.routes"
    if not isinstance(raw, list):
        raise ConfigError(key, raw, "a list of [[alerts.actions.routes]] tables")
    routes = tuple(_route(entry, where=f"{key}[{n}]") for n, entry in enumerate(raw))
    seen: set[str] = set()
    for position, route in enumerate(routes):
        if route.label in seen:
            expected = "a name no other route has (set `name` to tell the routes apart)"
            raise ConfigError(f"{key}[{position}].name", route.label, expected)
        seen.add(route.label)
    return routes


def _route(raw: object, *, where: str) -> RouteConfig:
    if not isinstance(raw, Mapping):
        raise ConfigError(where, raw, "a table with action, name, rules, min_severity, options")
    _known_keys(raw, _ROUTE_KEYS, where=where)

    action = raw.get("action")
    if action not in ACTIONS:
        raise ConfigError(f"{where}.action", action, "one of " + ", ".join(sorted(ACTIONS)))
    options = raw.get("options", {})
    if not isinstance(options, Mapping):
        raise ConfigError(f"{where}.options", options, "a table of the action's options")
    options_class = ACTION_OPTIONS.get(action)
    if options_class is not None:
        build_options(options_class, options, where=f"{where}.options")

    return RouteConfig(
        action=action,
        name=_text(raw, "name", "", where=where),
        rules=_globs(raw.get("rules", ["*"]), where=f"{where}.rules"),
        min_severity=_severity(raw.get("min_severity", "INFO"), where=f"{where}.min_severity"),
        options=dict(options),
    )


def _built(route: RouteConfig, position: int, context: ActionContext) -> Action:
    """The route's action; a refusal is re-raised under the route's full key."""
    try:
        return build_action(route, context=context)
    except ConfigError as error:
        prefix = f"actions.{route.label}"
        suffix = error.key[len(prefix) :] if error.key.startswith(prefix) else ""
        where = f"{ACTIONS_KEY}.routes[{position}]" + (f".options{suffix}" if suffix else ".action")
        raise ConfigError(where, error.value, error.expected) from error


def _globs(raw: object, *, where: str) -> tuple[str, ...]:
    globs = [raw] if isinstance(raw, str) else raw
    if not isinstance(globs, list) or not globs or not all(isinstance(g, str) for g in globs):
        raise ConfigError(where, raw, 'a non-empty list of rule id globs, such as ["ssh_*"]')
    return tuple(globs)


def _severity(raw: object, *, where: str) -> Severity:
    for severity in SEVERITIES:
        if isinstance(raw, str) and raw.upper() == severity:
            return severity
    raise ConfigError(where, raw, "one of " + ", ".join(SEVERITIES))


def _retry(raw: object) -> RetryPolicy:
    where = f"{ACTIONS_KEY}.retry"
    if not isinstance(raw, Mapping):
        raise ConfigError(where, raw, "a table with attempts, initial, maximum, factor")
    _known_keys(raw, _RETRY_KEYS, where=where)
    defaults = RetryPolicy()

    initial = _duration(raw, "initial", defaults.initial, where=where)
    maximum = _duration(raw, "maximum", defaults.maximum, where=where)
    if maximum < initial:
        shown = raw.get("maximum", describe(maximum))
        raise ConfigError(f"{where}.maximum", shown, "a duration no shorter than initial")
    factor = raw.get("factor", defaults.factor)
    if isinstance(factor, bool) or not isinstance(factor, int | float) or factor < 1:
        raise ConfigError(f"{where}.factor", factor, "a number of at least 1")

    attempts = _positive_int(raw, "attempts", defaults.attempts, where=where)
    return RetryPolicy(attempts=attempts, initial=initial, maximum=maximum, factor=float(factor))


# Alert plugins


PluginFactory = Callable[[Mapping[str, Any], EventStore, str], AlertPlugin]


@dataclass(frozen=True)
class SourceSitesOptions:
    # Tables of `range` (a CIDR network), `site` and optional `format`.
    known: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class PortScanOptions:
    match_tags: tuple[str, ...] = ("portscan",)
    # Look-back for the source's connections: seconds, or a duration such as "24h".
    window: str | float = "24h"
    max_connections: int = 32


def _source_sites(options: Mapping[str, Any], store: EventStore, where: str) -> AlertPlugin:
    parsed = build_options(SourceSitesOptions, options, where=where)
    return SourceSites(
        [_site(entry, where=f"{where}.known[{n}]") for n, entry in enumerate(parsed.known)]
    )


def _site(entry: Mapping[str, Any], *, where: str) -> Site:
    _known_keys(entry, ("range", "site", "format"), where=where)
    site = Site.parse(entry, where=where)
    try:
        site.format.format("192.0.2.1", site.site)
    except (IndexError, KeyError, ValueError):
        expected = "a text with {0} for the address and {1} for the site"
        raise ConfigError(f"{where}.format", site.format, expected) from None
    return site


def _port_scan(options: Mapping[str, Any], store: EventStore, where: str) -> AlertPlugin:
    parsed = build_options(PortScanOptions, options, where=where)
    window = _seconds_or_duration(parsed.window, key=f"{where}.window")
    if parsed.max_connections < 1:
        raise ConfigError(f"{where}.max_connections", parsed.max_connections, "at least 1")
    return PortScanConnections(
        store,
        match_tags=parsed.match_tags,
        window=window,
        max_connections=parsed.max_connections,
    )


ALERT_PLUGINS: Mapping[str, PluginFactory] = {
    SourceSites.name: _source_sites,
    PortScanConnections.name: _port_scan,
}


def alert_plugins(settings: AlertSettings, store: EventStore) -> list[AlertPlugin]:
    """The plugins `alerts.plugins` names, in that order, built from their options."""
    known = "one of " + ", ".join(sorted(ALERT_PLUGINS))
    for name, options in settings.plugin_options.items():
        if name not in ALERT_PLUGINS:
            raise ConfigError(f"alerts.plugin_options.{name}", options, f"a plugin, {known}")

    plugins = []
    for position, name in enumerate(settings.plugins):
        factory = ALERT_PLUGINS.get(name)
        if factory is None:
            raise ConfigError(f"alerts.plugins[{position}]", name, known)
        options = settings.plugin_options.get(name, {})
        plugins.append(factory(options, store, f"alerts.plugin_options.{name}"))

    if plugins:
        logger.info("alerts.plugins.loaded", extra=fields(plugins=",".join(settings.plugins)))
    return plugins


# Shared checks


def _known_keys(raw: Mapping[str, Any], known: Sequence[str], *, where: str) -> None:
    for key in raw:
        if key not in known:
            raise ConfigError(f"{where}.{key}", raw[key], "one of the keys " + ", ".join(known))


def _text(raw: Mapping[str, Any], key: str, default: str, *, where: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{where}.{key}", value, "a string")
    return value


def _positive_int(raw: Mapping[str, Any], key: str, default: int, *, where: str) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}.{key}", value, "a whole number of at least 1")
    return value


def _duration(
    raw: Mapping[str, Any], key: str, default: dt.timedelta, *, where: str
) -> dt.timedelta:
    if key not in raw:
        return default
    return _seconds_or_duration(raw[key], key=f"{where}.{key}")


def _seconds_or_duration(value: object, *, key: str) -> dt.timedelta:
    """Seconds as a number, or a duration text such as "30s", "5m", "2h"."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return dt.timedelta(seconds=value)
    try:
        return parse_duration(value)
    except ValueError:
        expected = 'seconds above 0, or a duration such as "30s", "5m" or "2h"'
        raise ConfigError(key, value, expected) from None
