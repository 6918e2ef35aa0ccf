from mozdef.alerts.detections import duo_fail_open
from tests.alerts.detections.stored import NOW, event, stored, streamed

FAILSAFE = "Failsafe Duo login summary: user alice fell back to one factor"


def test_a_failsafe_login_raises_an_alert_for_the_host() -> None:
    store = stored(event(hostname="vpn1", summary=FAILSAFE))

    drafts = duo_fail_open.rule().run(store, now=NOW)

    assert [d.summary for d in drafts] == [
        "DuoSecurity contact failed, fail open triggered on vpn1"
    ]


def test_an_ordinary_duo_login_raises_nothing() -> None:
    store = stored(event(hostname="vpn1", summary="Duo login accepted for alice"))

    assert duo_fail_open.rule().run(store, now=NOW) == []


def test_streaming_raises_on_a_failsafe_login() -> None:
    assert len(streamed(duo_fail_open.rule(), event(hostname="vpn1", summary=FAILSAFE))) == 1
