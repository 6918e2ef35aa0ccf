from mozdef.alerts.detections import write_audit
from mozdef.events.schema import Event
from tests.alerts.detections.stored import NOW, event, stored, streamed


def _write(user: str, host: str = "web1", process: str = "vim", path: str = "/etc/passwd") -> Event:
    details = {"auditkey": "audit", "originaluser": user, "processname": process, "path": path}
    return event(category="write", hostname=host, details=details)


def test_two_writes_by_one_user_on_two_hosts_raise_an_alert() -> None:
    drafts = write_audit.rule().run(stored(_write("bob", "web1"), _write("bob", "web2")), now=NOW)

    assert [d.summary for d in drafts] == [
        "2 filesystem write(s) to an audited path by bob on web1 (1 writes) on web2 (1 writes)"
    ]


def test_one_write_raises_nothing() -> None:
    assert write_audit.rule().run(stored(_write("bob")), now=NOW) == []


def test_writes_by_a_skipped_process_raise_nothing() -> None:
    rule = write_audit.rule(skip_processes=("puppet",))

    assert (
        rule.run(
            stored(_write("root", process="puppet"), _write("root", process="puppet")), now=NOW
        )
        == []
    )


def test_writes_outside_the_watched_paths_raise_nothing() -> None:
    rule = write_audit.rule(paths=("/etc/ssh/",))

    assert rule.run(stored(_write("bob"), _write("bob")), now=NOW) == []


def test_streaming_raises_at_the_second_write() -> None:
    assert len(streamed(write_audit.rule(), _write("bob"), _write("bob"))) == 1
