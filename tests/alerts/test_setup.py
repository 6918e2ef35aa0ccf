import datetime as dt
from pathlib import Path

import pytest

from mozdef.alerts.actions.blocklist import MemoryBlockList
from mozdef.alerts.actions.config import ActionsConfig, RetryPolicy, RouteConfig
from mozdef.alerts.actions.records import AppDbDeliveryLog
from mozdef.alerts.bus import MemoryBus
from mozdef.alerts.engine import AlertSink
from mozdef.alerts.model import AlertDraft
from mozdef.alerts.plugins.port_scan import PortScanConnections
from mozdef.alerts.setup import actions_config, alert_plugins, dispatcher
from mozdef.alerts.store import AlertStore
from mozdef.appdb.db import AppDb
from mozdef.config import load_settings
from mozdef.config.settings import AlertSettings
from mozdef.errors import ConfigError
from mozdef.store.memory import MemoryStore
from mozdef.store.tantivy import TantivyStore
from tests.alerts.actions.servers import http_endpoint

FULL = """
[alerts.actions]
queue_size = 50
workers = 3
retry = { attempts = 4, initial = "30s", maximum = 600, factor = 3 }

[[alerts.actions.routes]]
name = "oncall"
action = "pagerduty"
rules = ["bruteforce_*", "cloudtrail_*"]
min_severity = "error"
options = { routing_key = "abc123" }

[[alerts.actions.routes]]
action = "webhook"
options = { url = "http://127.0.0.1:9/hook" }
"""


def _alerts(tmp_path: Path, text: str) -> AlertSettings:
    path = tmp_path / "mozdef.toml"
    path.write_text(text)
    return load_settings(path, env={}).alerts


def _refused(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        actions_config(_alerts(tmp_path, text).actions)
    return caught.value


def _route(body: str) -> str:
    return f"[[alerts.actions.routes]]\n{body}\n"


WEBHOOK = 'action = "webhook"\noptions = { url = "http://127.0.0.1:9/hook" }'


def test_a_full_actions_table_becomes_typed_routes_and_retry(tmp_path: Path) -> None:
    config = actions_config(_alerts(tmp_path, FULL).actions)

    assert config == ActionsConfig(
        routes=(
            RouteConfig(
                action="pagerduty",
                name="oncall",
                rules=("bruteforce_*", "cloudtrail_*"),
                min_severity="ERROR",
                options={"routing_key": "abc123"},
            ),
            RouteConfig(action="webhook", options={"url": "http://127.0.0.1:9/hook"}),
        ),
        retry=RetryPolicy(
            attempts=4,
            initial=dt.timedelta(seconds=30),
            maximum=dt.timedelta(minutes=10),
            factor=3.0,
        ),
        queue_size=50,
        workers=3,
    )


def test_no_actions_table_gives_the_defaults_and_no_route(tmp_path: Path) -> None:
    assert actions_config(_alerts(tmp_path, "").actions) == ActionsConfig()


def test_an_unknown_key_of_the_actions_table_is_refused(tmp_path: Path) -> None:
    error = _refused(tmp_path, "[alerts.actions]\nworker = 2\n")

    assert (error.key, error.value) == ("alerts.actions.worker", 2)
    assert "queue_size" in error.expected


def test_an_unknown_key_of_a_route_names_the_route(tmp_path: Path) -> None:
    error = _refused(tmp_path, _route(WEBHOOK) + _route(WEBHOOK + '\nname = "b"\nseverity = 1'))

    assert error.key == "alerts.actions.routes[1].severity"


def test_a_bad_min_severity_names_its_route_and_the_severities(tmp_path: Path) -> None:
    routes = "".join(_route(f'{WEBHOOK}\nname = "r{n}"') for n in range(2))
    error = _refused(tmp_path, routes + _route(f'{WEBHOOK}\nmin_severity = "URGENT"'))

    assert str(error) == (
        "invalid configuration alerts.actions.routes[2].min_severity='URGENT': "
        "expected one of INFO, NOTICE, WARNING, ERROR, CRITICAL"
    )


def test_an_unknown_action_lists_the_known_ones(tmp_path: Path) -> None:
    error = _refused(tmp_path, _route('action = "sms"'))

    assert (error.key, error.value) == ("alerts.actions.routes[0].action", "sms")
    assert error.expected == "one of block_ip, email, pagerduty, slack, webhook"


def test_a_typo_in_an_actions_options_fails_at_start_up(tmp_path: Path) -> None:
    error = _refused(tmp_path, _route('action = "webhook"\noptions = { ulr = "http://x" }'))

    assert error.key == "alerts.actions.routes[0].options.ulr"


def test_a_missing_required_option_is_refused(tmp_path: Path) -> None:
    error = _refused(tmp_path, _route('action = "slack"\noptions = { channel = "#sec" }'))

    assert (error.key, error.expected) == (
        "alerts.actions.routes[0].options.url",
        "a value (this option is required)",
    )


def test_an_option_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    options = 'options = { url = "http://x", timeout = "ten" }'
    error = _refused(tmp_path, _route(f'action = "webhook"\n{options}'))

    assert (error.key, error.value) == ("alerts.actions.routes[0].options.timeout", "ten")


def test_two_routes_with_the_same_label_are_refused(tmp_path: Path) -> None:
    error = _refused(tmp_path, _route(WEBHOOK) + _route(WEBHOOK))

    assert (error.key, error.value) == ("alerts.actions.routes[1].name", "webhook")


def test_rules_must_be_a_list_of_globs(tmp_path: Path) -> None:
    error = _refused(tmp_path, _route(f"{WEBHOOK}\nrules = []"))

    assert error.key == "alerts.actions.routes[0].rules"


def test_a_retry_duration_that_is_not_a_duration_is_refused(tmp_path: Path) -> None:
    error = _refused(tmp_path, '[alerts.actions]\nretry = { initial = "soon" }\n')

    assert (error.key, error.value) == ("alerts.actions.retry.initial", "soon")


def test_a_retry_maximum_below_the_initial_wait_is_refused(tmp_path: Path) -> None:
    error = _refused(tmp_path, '[alerts.actions]\nretry = { initial = "10m" }\n')

    assert (error.key, error.value) == ("alerts.actions.retry.maximum", "5m")


def test_zero_workers_are_refused(tmp_path: Path) -> None:
    error = _refused(tmp_path, "[alerts.actions]\nworkers = 0\n")

    assert (error.key, error.expected) == ("alerts.actions.workers", "a whole number of at least 1")


def test_routes_written_as_one_table_are_refused(tmp_path: Path) -> None:
    error = _refused(tmp_path, '[alerts.actions.routes]\naction = "webhook"\n')

    assert error.key == "alerts.actions.routes"


def test_a_block_ip_route_without_a_block_list_fails_at_start_up(tmp_path: Path) -> None:
    settings = _alerts(tmp_path, _route('action = "block_ip"'))

    with pytest.raises(ConfigError) as caught:
        dispatcher(settings, AppDb.in_folder(tmp_path), MemoryBus())

    assert caught.value.key == "alerts.actions.routes[0].action"


def test_a_block_ip_route_is_built_with_a_block_list(tmp_path: Path) -> None:
    settings = _alerts(tmp_path, _route('action = "block_ip"'))

    built = dispatcher(
        settings, AppDb.in_folder(tmp_path), MemoryBus(), block_list=MemoryBlockList()
    )

    assert built is not None and [route.config.action for route in built.routes] == ["block_ip"]


def test_no_routes_means_no_dispatcher(tmp_path: Path) -> None:
    assert dispatcher(AlertSettings(), AppDb.in_folder(tmp_path), MemoryBus()) is None


def test_a_configured_webhook_receives_a_created_alert(tmp_path: Path) -> None:
    with http_endpoint() as endpoint:
        route = (
            f'action = "webhook"\nmin_severity = "WARNING"\noptions = {{ url = "{endpoint.url}" }}'
        )
        settings = _alerts(tmp_path, _route(route))
        db, bus = AppDb.in_folder(tmp_path), MemoryBus()
        built = dispatcher(settings, db, bus)
        assert built is not None
        built.start()
        store = TantivyStore(tmp_path / "store")
        sink = AlertSink(AlertStore(store), bus=bus)

        sink.submit(AlertDraft("ssh_bruteforce", "40 failures from 203.0.113.9", "ssh", "ERROR"))
        sink.submit(AlertDraft("dns_volume", "many queries", "dns", "INFO"))
        assert built.wait_idle(5)
        built.stop()
        store.close()

    assert [request.body["rule_id"] for request in endpoint.received] == ["ssh_bruteforce"]
    records = AppDbDeliveryLog(db).records()
    assert [(r.rule_id, r.status, r.result) for r in records] == [
        ("ssh_bruteforce", "delivered", "http 200")
    ]


# Alert plugins


def test_plugins_are_built_in_the_configured_order(tmp_path: Path) -> None:
    text = '[alerts]\nplugins = ["port_scan_connections", "source_sites"]\n'
    plugins = alert_plugins(_alerts(tmp_path, text), MemoryStore())

    assert [type(plugin).__name__ for plugin in plugins] == ["PortScanConnections", "SourceSites"]


def test_source_sites_from_the_settings_enrich_a_draft(tmp_path: Path) -> None:
    text = """
[alerts]
plugins = ["source_sites"]
[alerts.plugin_options.source_sites]
known = [{ range = "10.8.0.0/16", site = "office" }]
"""
    (plugin,) = alert_plugins(_alerts(tmp_path, text), MemoryStore())

    draft = plugin.on_alert(AlertDraft("r", "login from 10.8.1.2", "c", "INFO"))

    assert draft.summary == "login from 10.8.1.2; 10.8.1.2 is in office"


def test_port_scan_options_take_a_duration_window(tmp_path: Path) -> None:
    text = """
[alerts]
plugins = ["port_scan_connections"]
[alerts.plugin_options.port_scan_connections]
window = "2h"
match_tags = ["scan"]
"""
    (plugin,) = alert_plugins(_alerts(tmp_path, text), MemoryStore())

    assert isinstance(plugin, PortScanConnections)
    assert (plugin.window, plugin.match_tags) == (dt.timedelta(hours=2), ("scan",))


def _plugins_refused(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        alert_plugins(_alerts(tmp_path, text), MemoryStore())
    return caught.value


def test_an_unknown_plugin_lists_the_known_ones(tmp_path: Path) -> None:
    error = _plugins_refused(tmp_path, '[alerts]\nplugins = ["source_sites", "geoip"]\n')

    assert (error.key, error.value) == ("alerts.plugins[1]", "geoip")
    assert error.expected == "one of port_scan_connections, source_sites"


def test_a_typo_in_plugin_options_is_refused(tmp_path: Path) -> None:
    text = '[alerts]\nplugins = ["port_scan_connections"]\n'
    text += "[alerts.plugin_options.port_scan_connections]\nmax_conections = 5\n"
    error = _plugins_refused(tmp_path, text)

    assert error.key == "alerts.plugin_options.port_scan_connections.max_conections"


def test_options_for_an_unknown_plugin_are_refused(tmp_path: Path) -> None:
    error = _plugins_refused(tmp_path, "[alerts.plugin_options.sorce_sites]\nknown = []\n")

    assert error.key == "alerts.plugin_options.sorce_sites"


def test_a_bad_network_names_its_entry(tmp_path: Path) -> None:
    text = '[alerts]\nplugins = ["source_sites"]\n[alerts.plugin_options.source_sites]\n'
    text += 'known = [{ range = "10.8.0.0/16", site = "a" }, { range = "10.8/99", site = "b" }]\n'
    error = _plugins_refused(tmp_path, text)

    assert (error.key, error.value) == (
        "alerts.plugin_options.source_sites.known[1].range",
        "10.8/99",
    )


def test_a_site_format_with_an_unknown_placeholder_is_refused(tmp_path: Path) -> None:
    text = '[alerts]\nplugins = ["source_sites"]\n[alerts.plugin_options.source_sites]\n'
    text += 'known = [{ range = "10.8.0.0/16", site = "a", format = "{0} at {2}" }]\n'
    error = _plugins_refused(tmp_path, text)

    assert error.key == "alerts.plugin_options.source_sites.known[0].format"


def test_a_port_scan_window_that_is_not_a_duration_is_refused(tmp_path: Path) -> None:
    text = '[alerts]\nplugins = ["port_scan_connections"]\n'
    text += '[alerts.plugin_options.port_scan_connections]\nwindow = "a day"\n'
    error = _plugins_refused(tmp_path, text)

    assert (error.key, error.value) == (
        "alerts.plugin_options.port_scan_connections.window",
        "a day",
    )
