from mozdef.alerts.detections import http_auth_bruteforce
from mozdef.events.schema import Event
from tests.alerts.detections.stored import NOW, event, stored, streamed


def _notice(note: str) -> Event:
    return event(
        category="bro",
        source="notice",
        hostname="nsm1",
        summary="198.51.100.3 brute forced 10.0.0.8",
        details={"note": note, "sourceipaddress": "198.51.100.3"},
    )


def test_a_bruteforcing_notice_raises_an_alert() -> None:
    store = stored(_notice(http_auth_bruteforce.NOTE))

    drafts = http_auth_bruteforce.rule().run(store, now=NOW)

    assert [d.summary for d in drafts] == ["nsm1 198.51.100.3 brute forced 10.0.0.8"]
    assert drafts[0].dedup_key == "http_auth_bruteforce:198.51.100.3"


def test_another_notice_raises_nothing() -> None:
    store = stored(_notice("SSL::Invalid_Server_Cert"))

    assert http_auth_bruteforce.rule().run(store, now=NOW) == []


def test_streaming_raises_on_the_notice() -> None:
    drafts = streamed(http_auth_bruteforce.rule(), _notice(http_auth_bruteforce.NOTE))

    assert drafts[0].severity == "WARNING"
