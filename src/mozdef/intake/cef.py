"""ArcSight Common Event Format (CEF) lines, read into raw events for normalization.

    [syslog header ]CEF:Version|Device Vendor|Device Product|Device Version|
                        Signature ID|Name|Severity|Extension      (on one line)

Header fields escape `|` and `\\` with a backslash. The extension is `key=value`
pairs separated by spaces; a key is letters, digits, `_`, `.`, `[` and `]`
directly followed by `=`, and starts a new pair only after a space. A value runs
to the next key (spaces inside it are kept, the spaces before the next key are
not) and escapes `=` and `\\`, with `\\n` and `\\r` for line breaks; `\\|` is read as
`|` too, since many producers write it. Any other backslash is kept as written.

The raw event: category `cef`, summary the Name, severity from the CEF severity
(0-3 or Low: INFO, 4-6 or Medium: WARNING, 7-8 or High: ERROR, 9-10 or Very-High:
CRITICAL, Unknown: UNKNOWN), processname the device product, hostname from the
extension's `dvchost` or else the syslog header, timestamp from `rt` or else the
syslog header (whose tag, such as `program[pid]:`, goes to `details.syslogtag`).
Details hold `cefversion`, `devicevendor`, `deviceproduct`,
`deviceversion`, `signatureid`, `cefseverity` (as written) and every extension
key as written, with string values. A syslog header that cannot be read is kept
as `details.syslogheader`.
"""

from __future__ import annotations

import re
from typing import Any

from mozdef.errors import IntakeError

_MARKER = "CEF:"
_HEADER_FIELDS = (
    "cefversion",
    "devicevendor",
    "deviceproduct",
    "deviceversion",
    "signatureid",
    "name",
    "cefseverity",
)
_SEVERITY_WORDS = {
    "unknown": "UNKNOWN",
    "low": "INFO",
    "medium": "WARNING",
    "high": "ERROR",
    "very-high": "CRITICAL",
}
_SEVERITY_LEVELS = ("INFO",) * 4 + ("WARNING",) * 3 + ("ERROR",) * 2 + ("CRITICAL",) * 2

_KEY = re.compile(r"(?:^|(?<= ))([A-Za-z0-9_.\[\]]+)=")
_VALUE_ESCAPES = {"\\": "\\", "=": "=", "n": "\n", "r": "\r", "|": "|"}

# `<PRI>` and a tag (`program[pid]:`) are optional; RFC 5424 headers carry a version.
_SYSLOG_3164 = re.compile(
    r"(?:<\d{1,3}>)?(?P<time>[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}) (?P<host>\S+)"
    r"(?: (?P<tag>.+))?"
)
_SYSLOG_5424 = re.compile(r"(?:<\d{1,3}>)?\d{1,2} (?P<time>\S+) (?P<host>\S+)(?: (?P<tag>.+))?")


def parse_cef(line: str) -> dict[str, Any]:
    """The raw event of one CEF line; raises IntakeError(reason="invalid_cef")."""
    start = line.find(_MARKER)
    if start < 0:
        raise _invalid(1, "expected 'CEF:' followed by the header, found none")

    fields, extension_start = _header(line, start + len(_MARKER))
    details: dict[str, Any] = dict(zip(_HEADER_FIELDS, fields, strict=True))
    details["cefversion"] = _version(fields[0], start + len(_MARKER))
    severity = _severity(fields[6], line, extension_start)
    for key, value, column in _extension(line, extension_start):
        if key in details:
            raise _invalid(column, f"extension key {key!r} appears twice")
        details[key] = value
    name = details.pop("name")

    event: dict[str, Any] = {
        "category": "cef",
        "summary": name,
        "severity": severity,
        "processname": details["deviceproduct"],
        "details": details,
    }
    _add_syslog_header(event, line[:start].strip())
    if "dvchost" in details:
        event["hostname"] = details["dvchost"]
    if "rt" in details:
        event["timestamp"] = _epoch_or_text(details["rt"])
    return event


def _invalid(column: int, problem: str) -> IntakeError:
    return IntakeError(reason="invalid_cef", message=f"invalid CEF at column {column}: {problem}")


def _header(line: str, position: int) -> tuple[list[str], int]:
    """The seven header fields, unescaped, and where the extension starts."""
    fields: list[str] = []
    current: list[str] = []
    while len(fields) < len(_HEADER_FIELDS):
        if position >= len(line):
            raise _invalid(
                position + 1,
                f"expected 7 header fields ending with '|', found {len(fields)}",
            )
        char = line[position]
        if char == "\\" and line[position + 1 : position + 2] in ("|", "\\"):
            current.append(line[position + 1])
            position += 2
            continue
        if char == "|":
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
        position += 1
    return fields, position


def _version(text: str, position: int) -> int:
    if not text.isdigit() or not text.isascii():
        raise _invalid(position + 1, f"expected the CEF version as a number, found {text!r}")
    return int(text)


def _severity(text: str, line: str, extension_start: int) -> str:
    column = line.rfind("|", 0, extension_start - 1) + 2
    word = _SEVERITY_WORDS.get(text.strip().lower())
    if word is not None:
        return word
    if text.strip().isdigit() and text.strip().isascii() and int(text) <= 10:
        return _SEVERITY_LEVELS[int(text)]
    raise _invalid(
        column,
        "expected a severity from 0 to 10 or Unknown, Low, Medium, High, Very-High;"
        f" found {text!r}",
    )


def _extension(line: str, start: int) -> list[tuple[str, str, int]]:
    """The (key, value, column of the key) pairs of the extension."""
    text = line[start:].rstrip("\r\n")
    keys = list(_KEY.finditer(text))
    leading = text[: keys[0].start()] if keys else text
    if leading.strip():
        raise _invalid(start + 1, f"expected the extension to start with key=value, found {text!r}")

    pairs: list[tuple[str, str, int]] = []
    ends = [following.start() for following in keys[1:]] + [len(text)] if keys else []
    for match, end in zip(keys, ends, strict=True):
        raw = text[match.end() : end].rstrip(" ")
        value = _unescape(raw, start + match.end() + 1)
        pairs.append((match[1], value, start + match.start() + 1))
    return pairs


def _unescape(raw: str, column: int) -> str:
    if "\\" not in raw:
        return raw
    out: list[str] = []
    position = 0
    while position < len(raw):
        char = raw[position]
        if char != "\\":
            out.append(char)
            position += 1
            continue
        if position + 1 == len(raw):
            raise _invalid(column + position, "a backslash ends the value: escape it as '\\\\'")
        following = raw[position + 1]
        out.append(_VALUE_ESCAPES.get(following, "\\" + following))
        position += 2
    return "".join(out)


def _add_syslog_header(event: dict[str, Any], header: str) -> None:
    if not header:
        return
    match = _SYSLOG_3164.fullmatch(header) or _SYSLOG_5424.fullmatch(header)
    if match is None:
        event["details"]["syslogheader"] = header
        return
    event["timestamp"] = match["time"]
    event["hostname"] = match["host"]
    if match["tag"]:
        event["details"]["syslogtag"] = match["tag"]


def _epoch_or_text(value: str) -> int | str:
    # CEF's `rt` is epoch milliseconds or a date such as `Dec 03 2024 13:38:59`.
    return int(value) if value.isdigit() and value.isascii() else value
