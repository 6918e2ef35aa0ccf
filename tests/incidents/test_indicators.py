from __future__ import annotations

import pytest

from mozdef.incidents.checks import InvalidValue
from mozdef.incidents.indicators import TYPES, normalize


@pytest.mark.parametrize(
    ("kind", "given", "kept"),
    [
        ("ipv4", " 192.0.2.10 ", "192.0.2.10"),
        ("ipv6", "2001:DB8:0:0::1", "2001:db8::1"),
        ("cidr", "10.0.0.0/8", "10.0.0.0/8"),
        ("cidr", "2001:DB8::/32", "2001:db8::/32"),
        ("hostname", "WEB01", "web01"),
        ("hostname", "_dmarc.Example.com.", "_dmarc.example.com"),
        ("fqdn", "Mail.Example.COM", "mail.example.com"),
        ("fqdn", "bücher.example", "xn--bcher-kva.example"),
        ("md5", "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"),
        (
            "sha1",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        ),
        (
            "sha256",
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        ("account", "CORP\\jdoe", "CORP\\jdoe"),
        ("url", "HTTPS://example.com/a?b=1", "https://example.com/a?b=1"),
        ("email", "J.Doe@Example.COM", "J.Doe@example.com"),
    ],
)
def test_a_valid_indicator_is_kept_in_its_canonical_form(kind: str, given: str, kept: str) -> None:
    assert normalize(kind, given) == kept


@pytest.mark.parametrize(
    ("kind", "given", "reason"),
    [
        ("ipv4", "192.0.2.300", "expected an IPv4 address"),
        ("ipv4", "2001:db8::1", "expected an IPv4 address"),
        ("ipv6", "192.0.2.1", "expected an IPv6 address"),
        ("cidr", "10.0.0.1", "with a prefix length"),
        ("cidr", "10.0.0.1/8", "host bits set: the network is 10.0.0.0/8"),
        ("hostname", "-bad-.example.com", "expected a host name"),
        ("hostname", "10.1.2.3", "is an IP address"),
        ("fqdn", "localhost", "expected a fully qualified name"),
        ("md5", "d41d8cd98f00b204", "expected 32 hexadecimal digits"),
        ("sha1", "z" * 40, "expected 40 hexadecimal digits"),
        ("sha256", "ab" * 31, "expected 64 hexadecimal digits"),
        ("account", "john doe", "without spaces"),
        ("url", "example.com/path", "expected an absolute URL"),
        ("email", "nobody-at-example.com", "expected an email address"),
        ("email", "user@localhost", "is not a fully qualified name"),
    ],
)
def test_an_invalid_indicator_is_refused_saying_what_was_expected(
    kind: str, given: str, reason: str
) -> None:
    with pytest.raises(InvalidValue, match=reason):
        normalize(kind, given)


def test_an_unknown_indicator_type_is_refused_with_the_known_ones() -> None:
    with pytest.raises(InvalidValue, match="expected one of ipv4, ipv6, cidr"):
        normalize("domain", "example.com")


def test_every_documented_type_is_known() -> None:
    assert set(TYPES) == {
        "ipv4",
        "ipv6",
        "cidr",
        "hostname",
        "fqdn",
        "md5",
        "sha1",
        "sha256",
        "account",
        "url",
        "email",
    }
