from collections.abc import Callable

import pytest

from mozdef.alerts.detections.watchlist import WatchListDetection
from mozdef.appdb import AppDb
from mozdef.blocklist import DbWatchList, WatchListStore
from mozdef.errors import ListEntryError
from tests.alerts.detections.stored import NOW, event, stored, streamed

from .conftest import START, Clock, hours

WATCHED = event(
    hostname="web1",
    summary="login by contractor jdoe",
    details={"username": "jdoe", "sourceipaddress": "203.0.113.5"},
)


def test_a_term_is_stored_with_its_field_reason_and_expiry(watches: WatchListStore) -> None:
    made = watches.watch(
        " jdoe ", reason="contract ended", by="alice", field="details.username", expires=hours(1)
    )

    stored = watches.get(made.entry.id)
    assert stored is not None
    assert (stored.term, stored.field, stored.reason, stored.created_by) == (
        "jdoe",
        "details.username",
        "contract ended",
        "alice",
    )
    assert (stored.expires, stored.state(START)) == (hours(1), "active")


def test_watching_a_term_again_in_any_case_extends_it(watches: WatchListStore) -> None:
    first = watches.watch("jdoe", reason="first", by="alice", expires=hours(1))

    again = watches.watch("JDoe", reason="second", by="bob")

    assert (again.outcome, again.entry.id, again.entry.expires) == (
        "extended",
        first.entry.id,
        None,
    )


def test_the_same_term_in_another_field_is_another_entry(watches: WatchListStore) -> None:
    watches.watch("jdoe", reason="r", by="alice")

    assert watches.watch("jdoe", reason="r", by="alice", field="details.username").outcome == (
        "added"
    )


@pytest.mark.parametrize(
    ("term", "field", "at_fault"),
    [("", None, "term"), ("a\nb", None, "term"), ("jdoe", "details..user", "field")],
)
def test_a_bad_term_or_field_is_refused_naming_it(
    watches: WatchListStore, term: str, field: str | None, at_fault: str
) -> None:
    with pytest.raises(ListEntryError) as caught:
        watches.watch(term, reason="r", by="alice", field=field)

    assert caught.value.field == at_fault


def test_unwatching_keeps_the_term_as_removed(watches: WatchListStore) -> None:
    made = watches.watch("jdoe", reason="r", by="alice")

    removed = watches.unwatch(made.entry.id, by="bob")

    assert (removed.state(START), removed.removed_by) == ("removed", "bob")
    assert watches.active() == []


def test_prune_marks_lapsed_terms_expired(watches: WatchListStore, clock: Clock) -> None:
    watches.watch("jdoe", reason="r", by="alice", expires=hours(1))
    clock.advance(hours=2)

    assert watches.prune() == 1


def test_the_watch_list_gives_each_active_term_once_oldest_first(
    appdb: AppDb, clock: Clock
) -> None:
    watch_list = DbWatchList(appdb, clock=clock)
    watch_list.store.watch("jdoe", reason="r", by="alice")
    clock.advance(minutes=1)
    watch_list.store.watch("mallory", reason="r", by="alice", expires=hours(1))
    clock.advance(minutes=1)
    watch_list.store.watch("jdoe", reason="r", by="alice", field="details.username")

    assert watch_list.terms() == ("jdoe", "mallory")
    assert watch_list.watched() == ((None, "jdoe"), (None, "mallory"), ("details.username", "jdoe"))


def test_an_expired_term_stops_counting_before_the_next_refresh(appdb: AppDb, clock: Clock) -> None:
    watch_list = DbWatchList(appdb, refresh_seconds=3600, clock=clock)
    watch_list.store.watch("mallory", reason="r", by="alice", expires=hours(1))
    assert watch_list.terms() == ("mallory",)

    clock.advance(hours=1)

    assert watch_list.terms() == ()


def test_a_term_added_elsewhere_counts_after_the_refresh(
    open_appdb: Callable[[], AppDb], clock: Clock
) -> None:
    watch_list = DbWatchList(open_appdb(), refresh_seconds=3600, clock=clock)
    assert watch_list.terms() == ()
    WatchListStore(open_appdb(), clock=clock).watch("jdoe", reason="r", by="alice")

    before = watch_list.terms()
    watch_list.invalidate()

    assert (before, watch_list.terms()) == ((), ("jdoe",))


def test_the_watchlist_rule_alerts_on_a_term_from_the_database(appdb: AppDb) -> None:
    watch_list = DbWatchList(appdb, clock=lambda: NOW)
    watch_list.store.watch("jdoe", reason="contract ended", by="alice")
    rule = WatchListDetection(watch_list)

    drafts = rule.run(stored(WATCHED), now=NOW)

    assert [d.summary for d in drafts] == [
        "Watchlist term jdoe seen for user jdoe from 203.0.113.5 on web1"
    ]
    assert len(streamed(rule, WATCHED)) == 1


def test_the_watchlist_rule_stops_after_the_term_is_removed(appdb: AppDb) -> None:
    watch_list = DbWatchList(appdb, clock=lambda: NOW)
    made = watch_list.store.watch("jdoe", reason="r", by="alice")
    rule = WatchListDetection(watch_list)

    watch_list.store.unwatch(made.entry.id, by="bob")

    assert rule.run(stored(WATCHED), now=NOW) == []


def test_a_term_watched_in_one_field_is_looked_for_there_only(appdb: AppDb) -> None:
    watch_list = DbWatchList(appdb, clock=lambda: NOW)
    watch_list.store.watch("jdoe", reason="contract ended", by="alice", field="details.username")
    watch_list.store.watch("web1", reason="decommissioned", by="alice", field="details.username")
    rule = WatchListDetection(watch_list)

    drafts = rule.run(stored(WATCHED), now=NOW)

    # `web1` is the event's hostname, not its user name: it does not count.
    assert [d.details["term"] for d in drafts] == ["jdoe"]
    assert [d.details["term"] for d in streamed(rule, WATCHED)] == ["jdoe"]
