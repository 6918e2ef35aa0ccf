from mozdef.alerts.detections import proxy_drops
from mozdef.events.schema import Event
from tests.alerts.detections.stored import NOW, event, stored, streamed


def _drop(destination: str, *, action: str = "GET", verdict: str = "TCP_DENIED") -> Event:
    details = {
        "sourceipaddress": "10.4.4.4",
        "destination": destination,
        "proxyaction": verdict,
        "tcpaction": action,
    }
    return event(category="proxy", details=details)


def test_a_refused_executable_download_lists_the_destinations() -> None:
    store = stored(_drop("http://evil.example/a.exe"), _drop("http://evil.example/b.sh"))

    drafts = proxy_drops.executable().run(store, now=NOW)

    assert [d.summary for d in drafts] == [
        "Suspicious Proxy DROP event(s) detected from 10.4.4.4 to the following executable "
        "file destination(s): http://evil.example/a.exe,http://evil.example/b.sh"
    ]


def test_a_refused_page_is_not_an_executable() -> None:
    assert (
        proxy_drops.executable().run(stored(_drop("http://news.example/index.html")), now=NOW) == []
    )


def test_an_allowed_executable_download_raises_nothing() -> None:
    store = stored(_drop("http://example.org/tool.exe", verdict="TCP_MISS"))

    assert proxy_drops.executable().run(store, now=NOW) == []


def test_a_refused_connect_to_an_odd_port_raises_an_alert() -> None:
    store = stored(_drop("irc.example.net:6667", action="CONNECT"))

    drafts = proxy_drops.non_standard_port().run(store, now=NOW)

    assert [d.summary for d in drafts] == [
        "Suspicious Proxy DROP event(s) detected from 10.4.4.4 to the following non-standard "
        "port destination(s): irc.example.net:6667"
    ]


def test_a_refused_connect_to_443_raises_nothing() -> None:
    store = stored(_drop("www.example.com:443", action="CONNECT"))

    assert proxy_drops.non_standard_port().run(store, now=NOW) == []


def test_streaming_matches_an_executable() -> None:
    assert len(streamed(proxy_drops.executable(), _drop("http://x.example/run.py"))) == 1
