from mozdef.alerts.detections import ssh_access
from mozdef.events.schema import Event
from tests.alerts.detections.stored import NOW, event, stored, streamed


def _login(user: str, host: str, status: str = "success") -> Event:
    details = {"authstatus": status, "sourceipaddress": "10.1.2.3", "username": user}
    return event(processname="sshd", hostname=host, details=details)


def test_a_login_on_a_sensitive_host_raises_an_alert() -> None:
    rule = ssh_access.rule(hosts=("sign*.releng",))

    drafts = rule.run(stored(_login("alice", "sign1.releng")), now=NOW)

    assert [d.summary for d in drafts] == ["SSH login from 10.1.2.3 on sign1.releng as user alice"]


def test_a_login_by_a_sensitive_user_raises_an_alert() -> None:
    rule = ssh_access.rule(users=("root",))

    assert len(rule.run(stored(_login("root", "web1")), now=NOW)) == 1


def test_a_login_elsewhere_by_someone_else_raises_nothing() -> None:
    rule = ssh_access.rule(hosts=("sign*.releng",), users=("root",))

    assert rule.run(stored(_login("alice", "web1")), now=NOW) == []


def test_a_failed_login_on_a_sensitive_host_raises_nothing() -> None:
    rule = ssh_access.rule(hosts=("sign1.releng",))

    assert rule.run(stored(_login("alice", "sign1.releng", "failed")), now=NOW) == []


def test_without_configuration_nothing_is_sensitive() -> None:
    assert ssh_access.rule().run(stored(_login("root", "sign1.releng")), now=NOW) == []


def test_streaming_matches_a_sensitive_host() -> None:
    rule = ssh_access.rule(hosts=("sign*.releng",))

    assert len(streamed(rule, _login("bob", "sign2.releng"), _login("bob", "web1"))) == 1
