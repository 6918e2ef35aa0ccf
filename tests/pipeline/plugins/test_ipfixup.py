from typing import Any

import pytest

from mozdef.pipeline.plugins.ipfixup import IpFixup, parse_address


def fixed(details: dict[str, Any]) -> dict[str, Any]:
    result, _ = IpFixup().onMessage({"details": details}, {})
    assert result is not None
    return result["details"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.1.2.3", ("10.1.2.3", None)),
        (" 10.1.2.3 ", ("10.1.2.3", None)),
        ("10.1.2.3:22", ("10.1.2.3", 22)),
        ("2001:DB8:0:0::1", ("2001:db8::1", None)),
        ("[2001:db8::1]:443", ("2001:db8::1", 443)),
        ("[::1]", ("::1", None)),
        ("::ffff:192.0.2.1", ("192.0.2.1", None)),
    ],
)
def test_addresses_are_read_in_canonical_form(text: str, expected: tuple[str, Any]) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize(
    "text", ["", "host.example.com", "10.1.2.300", "1.2.3.4:99999", "1.2.3.4:ssh", "[::1]:x"]
)
def test_non_addresses_are_refused(text: str) -> None:
    assert parse_address(text) is None


def test_port_is_split_into_the_port_field() -> None:
    assert fixed({"sourceipaddress": "10.1.2.3:22"}) == {
        "sourceipaddress": "10.1.2.3",
        "sourceport": 22,
    }


def test_existing_port_is_not_replaced() -> None:
    assert fixed({"destinationipaddress": "[::1]:80", "destinationport": 8080}) == {
        "destinationipaddress": "::1",
        "destinationport": 8080,
    }


def test_invalid_canonical_address_is_moved_aside() -> None:
    assert fixed({"sourceipaddress": "not-an-ip"}) == {"sourceipaddress_invalid": "not-an-ip"}


def test_non_text_address_is_moved_aside() -> None:
    assert fixed({"destinationipaddress": 12}) == {"destinationipaddress_invalid": 12}


def test_valid_variant_moves_to_the_canonical_field() -> None:
    assert fixed({"srcip": "192.0.2.1", "dst": "198.51.100.2:53"}) == {
        "sourceipaddress": "192.0.2.1",
        "destinationipaddress": "198.51.100.2",
        "destinationport": 53,
    }


def test_variant_holding_a_host_name_is_left_alone() -> None:
    assert fixed({"src": "gateway.example.com"}) == {"src": "gateway.example.com"}


def test_variant_is_left_alone_when_the_canonical_field_exists() -> None:
    assert fixed({"sourceipaddress": "192.0.2.1", "srcip": "192.0.2.2"}) == {
        "sourceipaddress": "192.0.2.1",
        "srcip": "192.0.2.2",
    }


def test_event_without_details_object_is_unchanged() -> None:
    message = {"summary": "x", "details": "text"}
    assert IpFixup().onMessage(message, {}) == ({"summary": "x", "details": "text"}, {})
