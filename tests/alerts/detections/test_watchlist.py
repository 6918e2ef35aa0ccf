from mozdef.alerts.detections.watchlist import MemoryWatchList, WatchListDetection
from tests.alerts.detections.stored import NOW, event, stored, streamed

WATCHED = event(
    hostname="web1",
    summary="login by contractor jdoe",
    details={"username": "jdoe", "sourceipaddress": "203.0.113.5"},
)


def test_a_watched_term_raises_an_alert() -> None:
    rule = WatchListDetection(MemoryWatchList(["jdoe"]))

    drafts = rule.run(stored(WATCHED), now=NOW)

    assert [d.summary for d in drafts] == [
        "Watchlist term jdoe seen for user jdoe from 203.0.113.5 on web1"
    ]


def test_an_event_without_watched_terms_raises_nothing() -> None:
    rule = WatchListDetection(MemoryWatchList(["mallory"]))

    assert rule.run(stored(WATCHED), now=NOW) == []


def test_a_term_added_later_counts_from_the_next_run() -> None:
    watch_list = MemoryWatchList()
    rule = WatchListDetection(watch_list)
    store = stored(WATCHED)
    before = rule.run(store, now=NOW)

    watch_list.add("203.0.113.5")

    assert (len(before), len(rule.run(store, now=NOW))) == (0, 1)


def test_streaming_raises_on_a_watched_term() -> None:
    assert len(streamed(WatchListDetection(MemoryWatchList(["jdoe"])), WATCHED)) == 1
