from mozdef.alerts.detections import bruteforce_ssh
from mozdef.events.schema import Event
from tests.alerts.detections.stored import NOW, event, minutes, stored, streamed


def _failure(source: str, host: str, *, ago: float = 1) -> Event:
    details = {"authstatus": "failed", "sourceipaddress": source, "username": "root"}
    return event(ago=minutes(ago), processname="sshd", hostname=host, details=details)


def test_ten_failures_from_one_address_raise_an_alert_naming_hosts() -> None:
    events = [_failure("198.51.100.7", "web1") for _ in range(7)]
    events += [_failure("198.51.100.7", "db1") for _ in range(3)]

    drafts = bruteforce_ssh.rule().run(stored(*events), now=NOW)

    assert [d.summary for d in drafts] == [
        "10 ssh bruteforce attempts by 198.51.100.7 web1 (7 hits) db1 (3 hits)"
    ]
    assert (drafts[0].count, drafts[0].details) == (10, {"sourceipaddress": "198.51.100.7"})


def test_nine_failures_raise_nothing() -> None:
    events = [_failure("198.51.100.7", "web1") for _ in range(9)]

    assert bruteforce_ssh.rule().run(stored(*events), now=NOW) == []


def test_failures_older_than_two_minutes_do_not_count() -> None:
    events = [_failure("198.51.100.7", "web1", ago=3) for _ in range(12)]

    assert bruteforce_ssh.rule().run(stored(*events), now=NOW) == []


def test_successful_logins_do_not_count() -> None:
    success = event(processname="sshd", details={"authstatus": "success", "sourceipaddress": "x"})

    assert bruteforce_ssh.rule(threshold=1).run(stored(success), now=NOW) == []


def test_a_skipped_source_raises_nothing() -> None:
    events = [_failure("198.51.100.7", "web1") for _ in range(10)]
    rule = bruteforce_ssh.rule(skip_sources=("198.51.100.7",))

    assert rule.run(stored(*events), now=NOW) == []


def test_streaming_raises_at_the_tenth_failure() -> None:
    rule = bruteforce_ssh.rule()
    events = [_failure("198.51.100.7", "web1") for _ in range(10)]

    drafts = streamed(rule, *events)

    assert [d.summary for d in drafts] == [
        "10 ssh bruteforce attempts by 198.51.100.7 web1 (10 hits)"
    ]


def test_streaming_nine_failures_raise_nothing() -> None:
    events = [_failure("198.51.100.7", "web1") for _ in range(9)]

    assert streamed(bruteforce_ssh.rule(), *events) == []
