import datetime as dt

from mozdef.alerts.model import AlertDraft
from mozdef.alerts.plugins.port_scan import PortScanConnections
from tests.alerts.detections.stored import NOW, event, stored


def _conn(source: str, destination: str, port: int, minutes: int) -> dict[str, object]:
    details = {
        "sourceipaddress": source,
        "destinationipaddress": destination,
        "destinationport": port,
    }
    return event(ago=dt.timedelta(minutes=minutes), category="bro", source="conn", details=details)


def _draft(tags: tuple[str, ...] = ("portscan",)) -> AlertDraft:
    return AlertDraft(
        "nsm_scan_port",
        "Port scan from 10.0.0.5",
        "nsm",
        "WARNING",
        tags=tags,
        details={"sourceipaddress": "10.0.0.5"},
    )


def test_recent_connections_of_the_scanner_are_added_newest_first() -> None:
    store = stored(
        _conn("10.0.0.5", "10.0.1.1", 22, minutes=30),
        _conn("10.0.0.5", "10.0.1.2", 443, minutes=5),
        _conn("10.0.0.6", "10.0.1.3", 80, minutes=5),
    )
    plugin = PortScanConnections(store, clock=lambda: NOW)

    details = plugin.on_alert(_draft()).details

    assert details["recentconnections"] == [
        {
            "destinationipaddress": "10.0.1.2",
            "destinationport": 443,
            "timestamp": "2026-03-01T11:55:00+00:00",
        },
        {
            "destinationipaddress": "10.0.1.1",
            "destinationport": 22,
            "timestamp": "2026-03-01T11:30:00+00:00",
        },
    ]
    assert details["destinationports"] == [22, 443]


def test_connections_older_than_the_window_are_left_out() -> None:
    store = stored(_conn("10.0.0.5", "10.0.1.1", 22, minutes=120))
    plugin = PortScanConnections(store, window=dt.timedelta(hours=1), clock=lambda: NOW)

    assert plugin.on_alert(_draft()).details["recentconnections"] == []


def test_the_number_of_connections_is_capped() -> None:
    store = stored(*(_conn("10.0.0.5", "10.0.1.1", port, minutes=port) for port in range(1, 6)))
    plugin = PortScanConnections(store, max_connections=2, clock=lambda: NOW)

    assert len(plugin.on_alert(_draft()).details["recentconnections"]) == 2


def test_an_alert_without_a_matching_tag_is_left_alone() -> None:
    store = stored(_conn("10.0.0.5", "10.0.1.1", 22, minutes=1))
    draft = _draft(tags=("addressscan",))

    assert PortScanConnections(store, clock=lambda: NOW).on_alert(draft) is draft
