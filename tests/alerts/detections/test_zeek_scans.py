from mozdef.alerts.detections import zeek_scans
from mozdef.events.schema import Event
from tests.alerts.detections.stored import NOW, event, minutes, stored, streamed


def _notice(note: str, source: str, *, ago: float = 0.5) -> Event:
    details = {"note": note, "sourceipaddress": source}
    return event(ago=minutes(ago), category="bro", source="notice", details=details)


def test_an_address_scan_notice_raises_an_alert_per_source() -> None:
    store = stored(
        _notice("Scan::Address_Scan", "10.2.3.4"), _notice("Scan::Address_Scan", "10.2.3.4")
    )

    drafts = zeek_scans.address_scan().run(store, now=NOW)

    assert [(d.summary, d.count, d.severity) for d in drafts] == [
        ("Address scan from 10.2.3.4", 2, "NOTICE")
    ]
    assert drafts[0].tags == ("nsm", "bro", "addressscan")


def test_a_port_scan_notice_raises_a_warning() -> None:
    drafts = zeek_scans.port_scan().run(stored(_notice("Scan::Port_Scan", "10.2.3.4")), now=NOW)

    assert [(d.summary, d.severity) for d in drafts] == [("Port scan from 10.2.3.4", "WARNING")]


def test_a_random_scan_notice_raises_an_alert() -> None:
    drafts = zeek_scans.random_scan().run(stored(_notice("Scan::Random_Scan", "10.2.3.4")), now=NOW)

    assert [d.summary for d in drafts] == ["Random scan from 10.2.3.4"]


def test_a_port_scan_notice_is_not_an_address_scan() -> None:
    store = stored(_notice("Scan::Port_Scan", "10.2.3.4"))

    assert zeek_scans.address_scan().run(store, now=NOW) == []


def test_an_address_scan_older_than_its_minute_raises_nothing() -> None:
    store = stored(_notice("Scan::Address_Scan", "10.2.3.4", ago=2))

    assert zeek_scans.address_scan().run(store, now=NOW) == []


def test_a_scanner_outside_the_watched_networks_raises_nothing() -> None:
    rule = zeek_scans.port_scan(sources=("10.0.0.0/8",))

    assert rule.run(stored(_notice("Scan::Port_Scan", "192.0.2.1")), now=NOW) == []


def test_an_excluded_scanner_raises_nothing() -> None:
    rule = zeek_scans.port_scan(excluded=("10.2.3.4",))

    assert rule.run(stored(_notice("Scan::Port_Scan", "10.2.3.4")), now=NOW) == []


def test_streaming_raises_on_the_first_notice() -> None:
    drafts = streamed(
        zeek_scans.port_scan(sources=("10.0.0.0/8",)), _notice("Scan::Port_Scan", "10.9.9.9")
    )

    assert [d.summary for d in drafts] == ["Port scan from 10.9.9.9"]
