import pytest

from mozdef.blocklist import BlockListStore, parse_listing
from mozdef.errors import ListEntryError

from .conftest import Clock, hours


@pytest.fixture
def listed(blocks: BlockListStore, clock: Clock) -> BlockListStore:
    """Four entries, a minute apart: one removed, one expired, two active."""
    removed = blocks.block("203.0.113.5", reason="ssh scanner", by="alice")
    blocks.unblock(removed.entry.id, by="bob")
    clock.advance(minutes=1)
    blocks.block("198.51.100.0/24", reason="Hosting abuse", by="bob", expires=hours(0.5))
    clock.advance(minutes=1)
    blocks.block("evil.example.com", reason="phishing", by="carol")
    clock.advance(minutes=1)
    blocks.block("2001:db8::/32", reason="ssh scanner", by="carol")
    clock.advance(hours=1)
    return blocks


def _values(store: BlockListStore, **params: str) -> list[str]:
    return [entry.value for entry in store.page(parse_listing(params)).items]


def test_the_listing_is_newest_first(listed: BlockListStore) -> None:
    assert _values(listed) == [
        "2001:db8::/32",
        "evil.example.com",
        "198.51.100.0/24",
        "203.0.113.5",
    ]


@pytest.mark.parametrize(
    ("state", "values"),
    [
        ("active", ["2001:db8::/32", "evil.example.com"]),
        ("expired", ["198.51.100.0/24"]),
        ("removed", ["203.0.113.5"]),
    ],
)
def test_the_listing_filters_by_state_at_read_time(
    listed: BlockListStore, state: str, values: list[str]
) -> None:
    assert _values(listed, state=state) == values


def test_the_listing_filters_by_kind(listed: BlockListStore) -> None:
    assert _values(listed, kind="fqdn") == ["evil.example.com"]


def test_q_finds_text_in_the_reason_ignoring_case(listed: BlockListStore) -> None:
    assert _values(listed, q="HOSTING") == ["198.51.100.0/24"]


def test_q_with_an_address_finds_the_networks_holding_it(listed: BlockListStore) -> None:
    assert _values(listed, q="198.51.100.200") == ["198.51.100.0/24"]


def test_q_takes_percent_and_underscore_literally(listed: BlockListStore) -> None:
    assert _values(listed, q="%") == []


def test_pages_have_the_total_of_every_page(listed: BlockListStore) -> None:
    page = listed.page(parse_listing({"limit": "2", "offset": "1"}))

    assert [e.value for e in page.items] == ["evil.example.com", "198.51.100.0/24"]
    assert (page.total, page.limit, page.offset) == (4, 2, 1)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "gone"}, "state"),
        ({"kind": "url"}, "kind"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": str(2**63)}, "offset"),
        ({"sort": "value"}, "sort"),
    ],
)
def test_a_bad_parameter_is_refused_naming_it(params: dict[str, str], field: str) -> None:
    with pytest.raises(ListEntryError) as caught:
        parse_listing(params)

    assert caught.value.field == field
