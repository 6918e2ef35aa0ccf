import pytest

from mozdef.appdb import AppDb
from mozdef.blocklist import DEFAULT_PROTECTED, BlockListStore, ProtectedRanges
from mozdef.errors import ConfigError, ListEntryError


def test_every_default_range_is_listed_first_in_its_order(blocks: BlockListStore) -> None:
    listed = [found.text for found in blocks.protected.all()]

    assert listed == [network for network, _ in DEFAULT_PROTECTED]


def test_an_admin_range_protects_from_then_on(blocks: BlockListStore) -> None:
    blocks.protected.add("198.51.100.0/24", reason="our office", by="admin")

    with pytest.raises(ListEntryError) as caught:
        blocks.block("198.51.100.9", reason="oops", by="alice")

    assert caught.value.protected_range == "198.51.100.0/24"
    assert "(our office)" in str(caught.value)


def test_admin_ranges_are_listed_after_the_fixed_ones_with_who_added_them(
    blocks: BlockListStore,
) -> None:
    made = blocks.protected.add("2001:db8:1::/48", reason="partner", by="admin")

    last = blocks.protected.all()[-1]

    assert last == made
    assert (last.source, last.created_by, last.text) == ("admin", "admin", "2001:db8:1::/48")


def test_a_range_over_active_blocks_is_refused_naming_them(blocks: BlockListStore) -> None:
    blocks.block("198.51.100.9", reason="scanner", by="alice")

    with pytest.raises(ListEntryError, match=r"198\.51\.100\.9; unblock them first") as caught:
        blocks.protected.add("198.51.100.0/24", reason="our office", by="admin")

    assert caught.value.problem == "overlap"


def test_a_range_already_protected_is_refused(blocks: BlockListStore) -> None:
    with pytest.raises(ListEntryError, match="already protected") as caught:
        blocks.protected.add("10.0.0.0/8", reason="again", by="admin")

    assert caught.value.problem == "exists"


def test_removing_an_admin_range_lets_its_addresses_be_blocked(
    blocks: BlockListStore,
) -> None:
    made = blocks.protected.add("198.51.100.0/24", reason="our office", by="admin")
    assert made.id is not None

    blocks.protected.remove(made.id)

    assert blocks.block("198.51.100.9", reason="moved out", by="alice").outcome == "added"


def test_removing_an_unknown_range_is_not_found(blocks: BlockListStore) -> None:
    with pytest.raises(ListEntryError) as caught:
        blocks.protected.remove("nope")

    assert caught.value.problem == "not_found"


def test_a_bad_configured_range_is_a_configuration_error(appdb: AppDb) -> None:
    with pytest.raises(ConfigError) as caught:
        ProtectedRanges(appdb, extra=["192.0.2.0/33"])

    assert (caught.value.key, caught.value.value) == ("blocklist.protected", "192.0.2.0/33")
