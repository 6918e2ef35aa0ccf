from mozdef.blocklist import BlockListStore, export_text

from .conftest import Clock, hours


def test_ip_export_lists_active_entries_ipv4_first_by_address(
    blocks: BlockListStore, clock: Clock
) -> None:
    for value in ("2001:db8::1", "203.0.113.9", "198.51.100.0/24", "2001:db8::/32", "9.9.9.9"):
        blocks.block(value, reason="r", by="alice")
    blocks.block("203.0.113.200", reason="r", by="alice", expires=hours(1))
    removed = blocks.block("203.0.113.7", reason="r", by="alice")
    blocks.unblock(removed.entry.id, by="bob")
    clock.advance(hours=2)

    text = export_text(blocks.active("ip"))

    assert text == "9.9.9.9\n198.51.100.0/24\n203.0.113.9\n2001:db8::/32\n2001:db8::1\n"


def test_fqdn_export_is_alphabetical(blocks: BlockListStore) -> None:
    for value in ("zeta.example", "Alpha.Example", "mid.example.org"):
        blocks.block(value, reason="r", by="alice")

    assert export_text(blocks.active("fqdn")) == "alpha.example\nmid.example.org\nzeta.example\n"


def test_an_empty_list_exports_as_empty_text(blocks: BlockListStore) -> None:
    assert export_text(blocks.active("ip")) == ""
