import pytest

from mozdef.blocklist import Target, parse_target
from mozdef.errors import ListEntryError


@pytest.mark.parametrize(
    ("given", "value"),
    [
        ("203.0.113.5", "203.0.113.5"),
        (" 203.0.113.5/32 ", "203.0.113.5"),
        ("198.51.100.0/24", "198.51.100.0/24"),
        ("2001:DB8:0:0::1", "2001:db8::1"),
        ("2001:db8::/32", "2001:db8::/32"),
        ("2001:db8::7/128", "2001:db8::7"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
    ],
)
def test_ip_values_are_written_one_way(given: str, value: str) -> None:
    assert parse_target(given).value == value


def test_a_network_with_host_bits_is_refused_naming_both_readings() -> None:
    with pytest.raises(ListEntryError) as caught:
        parse_target("198.51.100.7/24")

    assert caught.value.field == "value"
    assert "write the network 198.51.100.0/24 or the address 198.51.100.7" in str(caught.value)


@pytest.mark.parametrize(
    ("given", "value"),
    [
        ("Evil.Example.COM", "evil.example.com"),
        ("evil.example.com.", "evil.example.com"),
        ("Bücher.Example", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ],
)
def test_host_names_are_lower_case_ascii_without_the_final_dot(given: str, value: str) -> None:
    assert parse_target(given) == Target("fqdn", value)


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("localhost", "fully qualified"),
        ("*.example.com", "not allowed"),
        ("-bad.example.com", "hyphen"),
        ("a..example.com", "Empty Label"),
        ("host.123", "all digits"),
        ("x" * 60 + ".y" * 100, "too long"),
    ],
)
def test_bad_host_names_are_refused_saying_why(given: str, problem: str) -> None:
    with pytest.raises(ListEntryError, match=problem):
        parse_target(given, kind="fqdn")


def test_a_value_that_looks_like_an_address_is_checked_as_one() -> None:
    with pytest.raises(ListEntryError, match="expected an IP address or a CIDR network"):
        parse_target("203.0.113.300")


def test_an_unknown_kind_is_refused_naming_the_kinds() -> None:
    with pytest.raises(ListEntryError, match="expected one of ip, fqdn") as caught:
        parse_target("203.0.113.5", kind="url")

    assert caught.value.field == "kind"
