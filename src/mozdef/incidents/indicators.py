"""Indicators of compromise: typed values checked and written one canonical way.

`normalize(type, value)` returns the value as it is kept, so that the same
indicator written twice (`2001:DB8::1` and `2001:db8:0::1`, an upper-case hash, a
host name with a final dot) is recognized as one; or raises InvalidValue saying
what the type expects.

Host names follow RFC 1123 (letters, digits and hyphens in labels of at most 63
characters), with the underscore also allowed since real names carry it
(`_dmarc.example.com`); a name in another script is kept in its ASCII (IDNA) form.
An `fqdn` has at least two labels and a top-level label that is not a number.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from mozdef.incidents.checks import MAX_NAME, InvalidValue

MAX_URL = 4096
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_HASH_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64}
_HEX = re.compile(r"^[0-9a-f]+$")
_URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")


def _ipv4(value: str) -> str:
    try:
        return str(ipaddress.IPv4Address(value))
    except ValueError:
        raise InvalidValue(
            f"expected an IPv4 address such as 192.0.2.10, found {value!r}"
        ) from None


def _ipv6(value: str) -> str:
    try:
        return ipaddress.IPv6Address(value).compressed
    except ValueError:
        raise InvalidValue(
            f"expected an IPv6 address such as 2001:db8::1, found {value!r}"
        ) from None


def _cidr(value: str) -> str:
    if "/" not in value:
        raise InvalidValue(
            f"expected a network with a prefix length such as 10.0.0.0/8, found {value!r}"
        )
    try:
        return ipaddress.ip_network(value, strict=True).compressed
    except ValueError as error:
        if "host bits set" not in str(error):
            raise InvalidValue(f"expected a network such as 10.0.0.0/8, found {value!r}") from None
    network = ipaddress.ip_network(value, strict=False).compressed
    raise InvalidValue(f"{value!r} has host bits set: the network is {network}")


def _hostname(value: str) -> str:
    name = _ascii_name(value.lower().removesuffix("."))
    if _is_address(name):
        raise InvalidValue(f"{value!r} is an IP address: use the type ipv4 or ipv6")
    if len(name) > 253 or not all(_LABEL.match(label) for label in name.split(".")):
        raise InvalidValue(
            f"expected a host name of letters, digits, hyphens and dots, labels of "
            f"1 to 63 characters not starting or ending with a hyphen, found {value!r}"
        )
    return name


def _fqdn(value: str) -> str:
    name = _hostname(value)
    labels = name.split(".")
    if len(labels) < 2 or labels[-1].isdigit():
        raise InvalidValue(
            f"expected a fully qualified name such as host.example.com, found {value!r}"
        )
    return name


def _account(value: str) -> str:
    if len(value) > MAX_NAME or any(char.isspace() or not char.isprintable() for char in value):
        raise InvalidValue(
            f"expected an account name of at most {MAX_NAME} characters without spaces, "
            f"found {value!r}"
        )
    return value


def _url(value: str) -> str:
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if (
        len(value) > MAX_URL
        or not _URL_SCHEME.match(scheme)
        or not parts.hostname
        or any(char.isspace() for char in value)
    ):
        raise InvalidValue(
            f"expected an absolute URL such as https://example.com/path, found {value!r}"
        )
    return scheme + value[len(parts.scheme) :]


def _email(value: str) -> str:
    local, at, domain = value.rpartition("@")
    if not at or not local or len(local) > 64 or any(c.isspace() or c in '<>"' for c in local):
        raise InvalidValue(f"expected an email address such as user@example.com, found {value!r}")
    try:
        return f"{local}@{_fqdn(domain)}"
    except InvalidValue:
        raise InvalidValue(f"the domain of {value!r} is not a fully qualified name") from None


def _hash(kind: str) -> Callable[[str], str]:
    length = _HASH_LENGTHS[kind]

    def check(value: str) -> str:
        lowered = value.lower()
        if len(lowered) != length or not _HEX.match(lowered):
            raise InvalidValue(
                f"expected {length} hexadecimal digits for {kind}, found {len(value)} "
                f"characters: {value!r}"
            )
        return lowered

    return check


def _ascii_name(name: str) -> str:
    if name.isascii():
        return name
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidValue(f"{name!r} is not a valid internationalized host name") from None


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


CHECKS: dict[str, Callable[[str], str]] = {
    "ipv4": _ipv4,
    "ipv6": _ipv6,
    "cidr": _cidr,
    "hostname": _hostname,
    "fqdn": _fqdn,
    "md5": _hash("md5"),
    "sha1": _hash("sha1"),
    "sha256": _hash("sha256"),
    "account": _account,
    "url": _url,
    "email": _email,
}
TYPES = tuple(CHECKS)


def normalize(kind: str, value: str) -> str:
    """`value` as an indicator of type `kind`, in its canonical form."""
    check = CHECKS.get(kind)
    if check is None:
        raise InvalidValue(f"expected one of {', '.join(TYPES)}, found {kind!r}")
    stripped = value.strip()
    if not stripped:
        raise InvalidValue("must not be empty")
    return check(stripped)
