from mozdef.alerts.detections import promiscuous
from tests.alerts.detections.stored import NOW, event, stored, streamed


def test_a_kernel_message_raises_a_critical_alert() -> None:
    message = event(
        category="syslog", hostname="db1", summary="device eth0 entered promiscuous mode"
    )

    drafts = promiscuous.kernel().run(stored(message), now=NOW)

    assert [(d.summary, d.severity) for d in drafts] == [
        ("Promiscuous mode enabled on db1", "CRITICAL")
    ]


def test_a_container_interface_is_left_out() -> None:
    message = event(category="syslog", summary="device veth1a2b entered promiscuous mode")

    assert promiscuous.kernel().run(stored(message), now=NOW) == []


def test_leaving_promiscuous_mode_raises_nothing() -> None:
    message = event(category="syslog", summary="device eth0 left promiscuous mode")

    assert promiscuous.kernel().run(stored(message), now=NOW) == []


def test_an_audit_record_raises_an_alert() -> None:
    record = event(
        category="promiscuous",
        hostname="db2",
        summary="promiscuous mode on eth1",
        details={"dev": "eth1"},
    )

    assert [d.summary for d in promiscuous.audit().run(stored(record), now=NOW)] == [
        "Promiscuous mode enabled on db2"
    ]


def test_an_audit_record_for_a_container_interface_is_left_out() -> None:
    record = event(
        category="promiscuous", summary="promiscuous mode on veth9", details={"dev": "veth9"}
    )

    assert promiscuous.audit().run(stored(record), now=NOW) == []


def test_streaming_raises_on_a_kernel_message() -> None:
    message = event(category="syslog", summary="device eth0 entered promiscuous mode")

    assert len(streamed(promiscuous.kernel(), message)) == 1
