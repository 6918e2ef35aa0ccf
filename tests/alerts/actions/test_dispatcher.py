import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from mozdef.alerts.actions.base import ActionContext
from mozdef.alerts.actions.config import ActionsConfig, RetryPolicy, RouteConfig
from mozdef.alerts.actions.dispatcher import Dispatcher
from mozdef.alerts.actions.records import AppDbDeliveryLog, DeliveryLog, MemoryDeliveryLog
from mozdef.alerts.bus import ALERT_CREATED, ALERT_UPDATED, MemoryBus
from mozdef.alerts.model import Alert
from mozdef.alerts.store import to_document
from mozdef.appdb.db import AppDb
from mozdef.errors import ConfigError
from tests.alerts.actions.alerts import make_alert
from tests.alerts.actions.servers import HANG, http_endpoint

FAST = RetryPolicy(attempts=3, initial=dt.timedelta(milliseconds=20))


def _config(*routes: RouteConfig, queue_size: int = 100) -> ActionsConfig:
    return ActionsConfig(routes=routes, retry=FAST, queue_size=queue_size)


def _webhook(url: str, *, name: str = "", **options: object) -> RouteConfig:
    return RouteConfig(action="webhook", name=name, options={"url": url, **options})


@contextmanager
def running(config: ActionsConfig, log: DeliveryLog) -> Iterator[Dispatcher]:
    dispatcher = Dispatcher.from_config(config, log=log, context=ActionContext())
    dispatcher.start()
    try:
        yield dispatcher
    finally:
        dispatcher.stop()


def test_a_server_error_then_success_is_delivered_on_the_second_attempt() -> None:
    log = MemoryDeliveryLog()
    with http_endpoint(500, 200) as endpoint, running(_config(_webhook(endpoint.url)), log) as d:
        d.submit(make_alert())
        assert d.wait_idle(5)

    record = log.records()[0]
    assert (record.status, record.attempts, record.result) == ("delivered", 2, "http 200")
    assert len(endpoint.received) == 2


def test_attempts_stop_at_the_configured_number() -> None:
    log = MemoryDeliveryLog()
    with http_endpoint(500) as endpoint, running(_config(_webhook(endpoint.url)), log) as d:
        d.submit(make_alert())
        assert d.wait_idle(5)

    record = log.records()[0]
    assert (record.status, record.attempts) == ("failed", 3)
    assert record.error.startswith("action webhook: http 500")


def test_a_client_error_fails_after_one_attempt() -> None:
    log = MemoryDeliveryLog()
    with http_endpoint(404) as endpoint, running(_config(_webhook(endpoint.url)), log) as d:
        d.submit(make_alert())
        assert d.wait_idle(5)

    assert (log.records()[0].status, log.records()[0].attempts) == ("failed", 1)


def test_a_hung_endpoint_neither_blocks_submit_nor_other_routes() -> None:
    log = MemoryDeliveryLog()
    with http_endpoint(HANG) as hung, http_endpoint(200) as healthy:
        routes = (_webhook(hung.url, name="hung", timeout=10), _webhook(healthy.url, name="ok"))
        with running(_config(*routes), log) as dispatcher:
            started = time.monotonic()
            dispatcher.submit(make_alert())
            submit_seconds = time.monotonic() - started
            deadline = time.monotonic() + 5
            while not healthy.received and time.monotonic() < deadline:
                time.sleep(0.01)

            assert submit_seconds < 0.05
            assert len(healthy.received) == 1
            hung.release.set()


def test_only_routes_accepting_the_alert_get_it() -> None:
    log = MemoryDeliveryLog()
    with http_endpoint() as endpoint:
        routes = (
            _webhook(endpoint.url, name="all"),
            RouteConfig(
                action="webhook",
                name="critical",
                min_severity="CRITICAL",
                options={"url": endpoint.url},
            ),
        )
        with running(_config(*routes), log) as dispatcher:
            records = dispatcher.submit(make_alert(severity="WARNING"))
            assert dispatcher.wait_idle(5)

    assert [record.route for record in records] == ["all"]


def test_a_full_queue_records_the_delivery_as_dropped() -> None:
    log = MemoryDeliveryLog()
    dispatcher = Dispatcher.from_config(
        _config(_webhook("http://127.0.0.1:9/never"), queue_size=1),
        log=log,
        context=ActionContext(),
    )

    first = dispatcher.submit(make_alert(id="a1"))
    second = dispatcher.submit(make_alert(id="a2"))

    assert (first[0].status, second[0].status, dispatcher.dropped) == ("pending", "dropped", 1)


def test_an_unknown_action_id_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError) as caught:
        Dispatcher.from_config(
            _config(RouteConfig(action="pager")), log=MemoryDeliveryLog(), context=ActionContext()
        )

    assert caught.value.key == "actions.pager.action"


def test_records_are_kept_in_the_application_database(open_appdb: Callable[[], AppDb]) -> None:
    db = open_appdb()
    with (
        http_endpoint() as endpoint,
        running(_config(_webhook(endpoint.url)), AppDbDeliveryLog(db)) as d,
    ):
        d.submit(make_alert())
        assert d.wait_idle(5)
    db.close()

    reopened = AppDbDeliveryLog(open_appdb())
    records = reopened.records(alert_id="a1")
    assert [(r.route, r.status, r.attempts) for r in records] == [("webhook", "delivered", 1)]


def test_an_alert_created_on_the_bus_is_delivered() -> None:
    bus, log = MemoryBus(), MemoryDeliveryLog()
    with http_endpoint() as endpoint, running(_config(_webhook(endpoint.url)), log) as d:
        d.subscribe(bus)
        bus.publish(ALERT_CREATED, to_document(make_alert(id="a7")))
        assert d.wait_idle(5)

    assert [(r.alert_id, r.status) for r in log.records()] == [("a7", "delivered")]


def test_an_alert_update_on_the_bus_is_not_delivered_again() -> None:
    bus, log = MemoryBus(), MemoryDeliveryLog()
    with http_endpoint() as endpoint, running(_config(_webhook(endpoint.url)), log) as d:
        d.subscribe(bus)
        bus.publish(ALERT_UPDATED, to_document(make_alert(id="a7")))
        assert d.wait_idle(5)

    assert log.records() == []


class _Crashing:
    def deliver(self, alert: Alert) -> str:
        raise RuntimeError("bug in the action")


def test_an_action_crash_fails_only_that_delivery() -> None:
    from mozdef.alerts.actions.dispatcher import Route

    log = MemoryDeliveryLog()
    dispatcher = Dispatcher(
        [Route(RouteConfig(action="custom"), _Crashing())], log=log, config=_config()
    )
    dispatcher.start()
    dispatcher.submit(make_alert())
    assert dispatcher.wait_idle(5)
    dispatcher.stop()

    assert (log.records()[0].status, log.records()[0].error) == ("failed", "bug in the action")
