"""Read OpenSSH server messages into details.

Recognized summaries (optionally preceded by `sshd[PID]: `), and what they give:

    Accepted|Failed METHOD for [invalid user ]USER from IP port N ssh2[: KEYTYPE FP]
        authstatus (success, failed), authmethod, username, sourceipaddress,
        sourceport, invaliduser, keytype, keyfingerprint
    Invalid user USER from IP [port N]
        authstatus failed, invaliduser true, username, sourceipaddress, sourceport
    Disconnected from [user|invalid user|authenticating user USER ]IP port N [preauth]
    Connection closed by [user|invalid user|authenticating user USER ]IP port N [preauth]
        sessionstatus (disconnected, closed), username, sourceipaddress, sourceport,
        invaliduser, preauth

A value already present in details is kept: the parsed one only fills gaps.
"""

from __future__ import annotations

import re
from typing import Any

from mozdef.events.schema import Event
from mozdef.pipeline.plugin import BasePlugin, Metadata, PluginResult

_PREFIX = re.compile(r"sshd\[\d+\]: ")
_PEER = r"(?P<sourceipaddress>\S+) port (?P<sourceport>\d+)"
_AUTH = re.compile(
    r"(?P<outcome>Accepted|Failed) (?P<authmethod>\S+) for (?P<invalid>invalid user )?"
    rf"(?P<username>.*?) from {_PEER}(?: ssh2)?(?:: (?P<keytype>\S+) (?P<keyfingerprint>\S+))?"
)
_INVALID = re.compile(
    r"Invalid user (?P<username>.*?) from (?P<sourceipaddress>\S+)(?: port (?P<sourceport>\d+))?"
)
_SESSION_END = re.compile(
    r"(?P<sessionstatus>Disconnected from|Connection closed by) "
    r"(?:(?P<who>user|invalid user|authenticating user) (?P<username>.*?) )?"
    rf"{_PEER}(?P<preauth> \[preauth\])?"
)
_BY_FIRST_WORD = {
    "Accepted": _AUTH,
    "Failed": _AUTH,
    "Invalid": _INVALID,
    "Disconnected": _SESSION_END,
    "Connection": _SESSION_END,
}
_STATUS = {
    "Accepted": "success",
    "Failed": "failed",
    "Disconnected from": "disconnected",
    "Connection closed by": "closed",
}


class ParseSshd(BasePlugin):
    name = "sshd"
    atomic = True
    registration = ("sshd",)
    priority = 10

    def onMessage(self, message: Event, metadata: Metadata) -> PluginResult:
        summary = message.get("summary")
        details = message.get("details")
        if isinstance(summary, str) and isinstance(details, dict):
            for key, value in parse_sshd(summary).items():
                details.setdefault(key, value)
        return message, metadata


def parse_sshd(text: str) -> dict[str, Any]:
    """The fields of an sshd message; empty when it is not one this plugin reads."""
    prefix = _PREFIX.match(text)
    if prefix is not None:
        text = text[prefix.end() :]
    pattern = _BY_FIRST_WORD.get(text.partition(" ")[0])
    match = pattern.fullmatch(text) if pattern is not None else None
    if match is None:
        return {}
    return _fields(match)


def _fields(match: re.Match[str]) -> dict[str, Any]:
    groups = {key: value for key, value in match.groupdict().items() if value is not None}
    fields: dict[str, Any] = {}
    if "outcome" in groups:
        fields["authstatus"] = _STATUS[groups.pop("outcome")]
    elif "sessionstatus" in groups:
        fields["sessionstatus"] = _STATUS[groups.pop("sessionstatus")]
    else:
        fields["authstatus"] = "failed"
        fields["invaliduser"] = True
    invalid = groups.pop("invalid", None) is not None
    if groups.pop("who", None) == "invalid user" or invalid:
        fields["invaliduser"] = True
    if "sessionstatus" in fields:
        fields["preauth"] = groups.pop("preauth", None) is not None
    if "sourceport" in groups:
        fields["sourceport"] = int(groups.pop("sourceport"))
    fields.update(groups)
    return fields
