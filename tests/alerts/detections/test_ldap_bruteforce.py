from mozdef.alerts.detections import ldap_bruteforce
from mozdef.events.schema import Event
from tests.alerts.detections.stored import NOW, event, stored, streamed


def _refused(user: str, client: str, server: str = "ldap1") -> Event:
    details = {
        "user": user,
        "client": client,
        "server": server,
        "response": {"error": "LDAP_INVALID_CREDENTIALS"},
    }
    return event(category="ldap", details=details)


def test_failures_against_one_user_name_the_sources() -> None:
    events = [_refused("uid=alice", f"10.0.0.{n % 2}") for n in range(10)]

    drafts = ldap_bruteforce.rule().run(stored(*events), now=NOW)

    assert [d.summary for d in drafts] == [
        "LDAP brute force against user (uid=alice) from source ip(s): 10.0.0.0, 10.0.0.1"
    ]


def test_failures_spread_over_users_raise_nothing() -> None:
    events = [_refused(f"uid=user{n}", "10.0.0.1") for n in range(10)]

    assert ldap_bruteforce.rule().run(stored(*events), now=NOW) == []


def test_an_excluded_server_raises_nothing() -> None:
    events = [_refused("uid=alice", "10.0.0.1", server="test-ldap") for _ in range(10)]
    rule = ldap_bruteforce.rule(excluded_servers=("test-ldap",))

    assert rule.run(stored(*events), now=NOW) == []


def test_streaming_raises_at_the_threshold() -> None:
    events = [_refused("uid=alice", "10.0.0.1") for _ in range(3)]

    assert len(streamed(ldap_bruteforce.rule(threshold=3), *events)) == 1
