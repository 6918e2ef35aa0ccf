"""Wildcards, Lucene regular expressions and IPv4 networks as tantivy regexes.

tantivy matches a regex against a whole term (both ends anchored), in the syntax
of Rust's regex crate. These functions return a pattern body; the caller puts the
`(?s)` flag in front of the whole regex. Lucene's syntax, which users write, differs:
- `^` and `$` are ordinary characters in Lucene; here they are escaped.
- `.` matches any character, newlines included (the `s` flag is set).
- `@` (any string) becomes `.*`; `"..."` quotes a literal string.
- `\\d`, `\\w` and `\\s` are ASCII classes, as Lucene's: `[0-9]`, `[0-9A-Za-z_]`, `[ \\t-\\r]`.
- Lucene's `&` (intersection), `~` (complement), `#` (empty language) and `<1-99>`
  (numeric interval) have no equivalent and are refused with QueryValueError.
- Inside `[...]`, `[`, `&` and `~` are taken literally (Rust would read them as
  nested classes and set operations).
"""

from __future__ import annotations

import ipaddress
import re

from mozdef.errors import QueryValueError

_ASCII_CLASSES = {"d": "[0-9]", "w": "[0-9A-Za-z_]", "s": "[ \\t-\\r]"}
_ASCII_CLASSES.update({k.upper(): "[^" + v[1:] for k, v in _ASCII_CLASSES.items()})
_PASSED = set("()|*+?{},0123456789.")
_UNSUPPORTED = {"&": "intersection", "~": "complement", "#": "empty language", "<": "interval"}


def wildcard_to_regex(pattern: str) -> str:
    """`*` is any run of characters, `?` one character, `\\` escapes the next one."""
    parts: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    if escaped:
        parts.append(re.escape("\\"))
    return "".join(parts)


def lucene_to_regex(pattern: str) -> str:
    """The tantivy regex for a Lucene regular expression (see the module notes)."""
    out: list[str] = []
    position = 0
    while position < len(pattern):
        position = _translate_one(pattern, position, out)
    return "".join(out)


def _translate_one(pattern: str, position: int, out: list[str]) -> int:
    char = pattern[position]
    if char == "\\":
        out.append(_escape_sequence(pattern, position))
        return position + 2
    if char == '"':
        end = pattern.find('"', position + 1)
        if end < 0:
            raise QueryValueError(pattern, "a closing quote in the regular expression")
        out.append(re.escape(pattern[position + 1 : end]))
        return end + 1
    if char == "[":
        return _translate_class(pattern, position, out)
    if char in _UNSUPPORTED:
        expected = f"a regular expression without Lucene's {_UNSUPPORTED[char]} operator {char}"
        raise QueryValueError(pattern, expected)
    out.append(".*" if char == "@" else char if char in _PASSED else re.escape(char))
    return position + 1


def _escape_sequence(pattern: str, position: int) -> str:
    if position + 1 >= len(pattern):
        raise QueryValueError(pattern, "a character after the final backslash")
    char = pattern[position + 1]
    return _ASCII_CLASSES.get(char, re.escape(char))


def _translate_class(pattern: str, position: int, out: list[str]) -> int:
    parts = ["["]
    index = position + 1
    if index < len(pattern) and pattern[index] == "^":
        parts.append("^")
        index += 1
    while index < len(pattern) and (pattern[index] != "]" or index == position + 1):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            parts.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        parts.append("\\" + char if char in "[&~]" else char)
        index += 1
    if index >= len(pattern):
        raise QueryValueError(pattern, "a closing ] in the regular expression")
    out.append("".join(parts) + "]")
    return index + 1


def ipv4_network_regex(network: ipaddress.IPv4Network) -> str:
    """A regex matching exactly the dotted-decimal texts of the addresses in `network`."""
    low = network.network_address.packed
    high = network.broadcast_address.packed
    return r"\.".join(_octet_range(a, b) for a, b in zip(low, high, strict=True))


def _octet_range(low: int, high: int) -> str:
    if low == high:
        return str(low)
    if (low, high) == (0, 255):
        return "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
    return "(" + "|".join(str(value) for value in range(low, high + 1)) + ")"
