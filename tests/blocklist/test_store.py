import datetime as dt
import threading
from collections.abc import Callable

import pytest

from mozdef.appdb import AppDb
from mozdef.blocklist import BlockListStore, parse_listing
from mozdef.errors import ListEntryError

from .conftest import START, Clock, hours


def test_a_block_is_stored_normalized_with_who_why_and_until_when(
    blocks: BlockListStore,
) -> None:
    result = blocks.block("203.0.113.5/32", reason="ssh brute force", by="alice", expires=hours(2))

    stored = blocks.get(result.entry.id)
    assert result.outcome == "added"
    assert stored is not None
    assert (stored.kind, stored.value, stored.reason, stored.created_by) == (
        "ip",
        "203.0.113.5",
        "ssh brute force",
        "alice",
    )
    assert (stored.created, stored.expires, stored.state(START)) == (START, hours(2), "active")


def test_blocking_again_extends_the_expiry_and_keeps_the_first_reason(
    blocks: BlockListStore, clock: Clock
) -> None:
    first = blocks.block("203.0.113.5", reason="first", by="alice", expires=hours(1))
    clock.advance(minutes=10)

    again = blocks.block("203.0.113.5", reason="second", by="bob", expires=hours(5))

    stored = blocks.get(first.entry.id)
    assert again.outcome == "extended" and again.entry.id == first.entry.id
    assert stored is not None
    assert (stored.reason, stored.created_by, stored.expires) == ("first", "alice", hours(5))
    assert (stored.update_reason, stored.updated_by) == ("second", "bob")
    assert stored.updated == START + dt.timedelta(minutes=10)


def test_blocking_again_for_less_time_changes_nothing(blocks: BlockListStore) -> None:
    first = blocks.block("203.0.113.5", reason="first", by="alice", expires=hours(5))

    again = blocks.block("203.0.113.5", reason="second", by="bob", expires=hours(1))

    stored = blocks.get(first.entry.id)
    assert again.outcome == "unchanged"
    assert stored is not None and (stored.expires, stored.updated_by) == (hours(5), None)


def test_a_block_without_expiry_makes_a_covering_entry_permanent(
    blocks: BlockListStore,
) -> None:
    first = blocks.block("203.0.113.5", reason="first", by="alice", expires=hours(1))

    blocks.block("203.0.113.5", reason="for good", by="bob")

    stored = blocks.get(first.entry.id)
    assert stored is not None and stored.expires is None


def test_an_address_inside_a_blocked_network_extends_the_network(
    blocks: BlockListStore,
) -> None:
    network = blocks.block("198.51.100.0/24", reason="hosting range", by="alice", expires=hours(1))

    inside = blocks.block("198.51.100.77", reason="scanner", by="bob", expires=hours(3))

    assert (inside.outcome, inside.entry.id, inside.entry.value) == (
        "extended",
        network.entry.id,
        "198.51.100.0/24",
    )
    assert blocks.page(parse_listing({})).total == 1


def test_a_network_around_a_blocked_address_is_a_new_entry(blocks: BlockListStore) -> None:
    blocks.block("198.51.100.77", reason="scanner", by="bob")

    wider = blocks.block("198.51.100.0/24", reason="hosting range", by="alice")

    assert wider.outcome == "added"
    assert sorted(e.value for e in blocks.active("ip")) == ["198.51.100.0/24", "198.51.100.77"]


@pytest.mark.parametrize(
    ("value", "protected", "where"),
    [
        ("10.20.30.40", "10.0.0.0/8", "is inside"),
        ("100.64.1.1", "100.64.0.0/10", "is inside"),
        ("0.0.0.0/0", "0.0.0.0/8", "contains"),
        ("192.0.0.0/2", "192.168.0.0/16", "contains"),
        ("::1", "::1/128", "is inside"),
        ("fd00::5", "fc00::/7", "is inside"),
        ("fe80::1", "fe80::/10", "is inside"),
        ("239.1.1.1", "224.0.0.0/4", "is inside"),
    ],
)
def test_a_value_overlapping_a_protected_range_is_refused_naming_it(
    blocks: BlockListStore, value: str, protected: str, where: str
) -> None:
    with pytest.raises(ListEntryError) as caught:
        blocks.block(value, reason="oops", by="alice")

    assert caught.value.problem == "protected"
    assert caught.value.protected_range == protected
    assert f"{where} the protected range {protected}" in str(caught.value)
    assert blocks.active("ip") == []


def test_configured_ranges_are_protected_too(appdb: AppDb, clock: Clock) -> None:
    blocks = BlockListStore(appdb, protected=["192.0.2.0/24"], clock=clock)

    with pytest.raises(ListEntryError, match=r"configured in blocklist\.protected"):
        blocks.block("192.0.2.10", reason="oops", by="alice")


def test_an_expiry_in_the_past_is_refused(blocks: BlockListStore) -> None:
    with pytest.raises(ListEntryError) as caught:
        blocks.block("203.0.113.5", reason="late", by="alice", expires=hours(-1))

    assert caught.value.field == "expires"


def test_an_empty_reason_is_refused_naming_the_field(blocks: BlockListStore) -> None:
    with pytest.raises(ListEntryError) as caught:
        blocks.block("203.0.113.5", reason="  ", by="alice")

    assert caught.value.field == "reason"


def test_an_entry_stops_being_active_when_it_expires(blocks: BlockListStore, clock: Clock) -> None:
    made = blocks.block("203.0.113.5", reason="r", by="alice", expires=hours(1))
    clock.advance(hours=1)

    stored = blocks.get(made.entry.id)
    assert stored is not None and stored.state(clock.now) == "expired"
    assert blocks.active("ip") == []


def test_an_expired_entry_is_not_extended_but_followed_by_a_new_one(
    blocks: BlockListStore, clock: Clock
) -> None:
    old = blocks.block("203.0.113.5", reason="r", by="alice", expires=hours(1))
    clock.advance(hours=2)

    new = blocks.block("203.0.113.5", reason="back again", by="bob")

    assert new.outcome == "added" and new.entry.id != old.entry.id


def test_prune_marks_lapsed_entries_expired_and_returns_them(
    blocks: BlockListStore, clock: Clock
) -> None:
    lapsing = blocks.block("203.0.113.5", reason="r", by="alice", expires=hours(1))
    blocks.block("203.0.113.6", reason="r", by="alice")
    clock.advance(hours=2)

    pruned = blocks.prune()

    stored = blocks.get(lapsing.entry.id)
    assert [entry.value for entry in pruned] == ["203.0.113.5"]
    assert stored is not None and stored.stored_state == "expired"
    assert blocks.prune() == []


def test_unblocking_keeps_the_entry_as_removed_with_who_and_when(
    blocks: BlockListStore, clock: Clock
) -> None:
    made = blocks.block("evil.example.com", reason="phishing", by="alice")
    clock.advance(minutes=5)

    removed = blocks.unblock(made.entry.id, by="bob")

    stored = blocks.get(made.entry.id)
    assert stored == removed
    assert (removed.state(clock.now), removed.removed_by) == ("removed", "bob")
    assert removed.removed == START + dt.timedelta(minutes=5)
    assert blocks.active("fqdn") == []


def test_unblocking_twice_says_who_did_it_first(blocks: BlockListStore) -> None:
    made = blocks.block("evil.example.com", reason="phishing", by="alice")
    blocks.unblock(made.entry.id, by="bob")

    with pytest.raises(ListEntryError, match="already unblocked by bob") as caught:
        blocks.unblock(made.entry.id, by="carol")

    assert caught.value.problem == "removed"


def test_unblocking_an_unknown_id_is_not_found(blocks: BlockListStore) -> None:
    with pytest.raises(ListEntryError) as caught:
        blocks.unblock("nope", by="bob")

    assert caught.value.problem == "not_found"


def test_concurrent_blocks_of_one_address_make_one_entry(
    open_appdb: Callable[[], AppDb],
) -> None:
    stores = [BlockListStore(open_appdb()) for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    outcomes: list[str] = []

    def block(store: BlockListStore) -> None:
        barrier.wait()
        outcomes.append(store.block("203.0.113.5", reason="race", by="alice").outcome)

    threads = [threading.Thread(target=block, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["added", "unchanged", "unchanged", "unchanged"]
    assert len(stores[0].active("ip")) == 1
