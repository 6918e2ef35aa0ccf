from mozdef.alerts.detections import trace_audit
from mozdef.events.schema import Event
from tests.alerts.detections.stored import NOW, event, stored, streamed


def _run(user: str, host: str = "web1", **details: object) -> Event:
    return event(hostname=host, details={"originaluser": user, **details})


def test_strace_raises_an_alert_for_the_user() -> None:
    drafts = trace_audit.rule().run(stored(_run("eve", processname="strace")), now=NOW)

    assert [d.summary for d in drafts] == ["1 instance(s) of strace or ptrace run by eve"]


def test_a_ptrace_syscall_raises_an_alert() -> None:
    assert len(trace_audit.rule().run(stored(_run("eve", syscall="ptrace")), now=NOW)) == 1


def test_another_process_raises_nothing() -> None:
    assert trace_audit.rule().run(stored(_run("eve", processname="ls")), now=NOW) == []


def test_a_skipped_host_raises_nothing() -> None:
    rule = trace_audit.rule(skip_hosts=("build1",))

    assert rule.run(stored(_run("ci", "build1", processname="strace")), now=NOW) == []


def test_streaming_raises_on_strace() -> None:
    assert len(streamed(trace_audit.rule(), _run("eve", processname="strace"))) == 1
