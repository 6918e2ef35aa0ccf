"""Read `su` messages into details.

`username` is the user who ran su, `targetuser` the user they became (or tried to).
Recognized summaries (optionally preceded by `su[PID]: `), and what they give:

    pam_unix(su:session): session opened for user root by alice(uid=1000)
        sessionstatus opened, targetuser, username, originaluid
    pam_unix(su:session): session closed for user root
        sessionstatus closed, targetuser
    pam_unix(su:auth): authentication failure; logname=alice uid=1000 ... user=root
        authstatus failed, username (ruser, else logname), originaluid, tty, targetuser
    FAILED SU (to root) alice on pts/0           authstatus failed, targetuser, username, tty
    (to root) alice on pts/0                     authstatus success, targetuser, username, tty
    Successful su for root by alice              authstatus success, targetuser, username
    + pts/0 alice:root  /  - pts/0 alice:root    authstatus success / failed, tty, ...

`su-l` in place of `su` is read the same way. A value already present in details
is kept: the parsed one only fills gaps.
"""

from __future__ import annotations

import re
from typing import Any

from mozdef.events.schema import Event
from mozdef.pipeline.plugin import BasePlugin, Metadata, PluginResult

_PREFIX = re.compile(r"su(?:-l)?\[\d+\]: ")
_SESSION = re.compile(
    r"pam_unix\(su(?:-l)?:session\): session (?P<sessionstatus>opened|closed) "
    r"for user (?P<targetuser>\S+)"
    r"(?: by (?P<username>[^\s(]*)\(uid=(?P<originaluid>\d+)\))?"
)
_AUTH_FAILURE = re.compile(r"pam_unix\(su(?:-l)?:auth\): authentication failure;(?P<pairs>.*)")
_PAIR = re.compile(r"(\w+)=(\S*)")
_TO = re.compile(
    r"(?P<failed>FAILED SU )?\(to (?P<targetuser>\S+)\) (?P<username>\S+) on (?P<tty>\S+)"
)
_SUCCESSFUL = re.compile(r"Successful su for (?P<targetuser>\S+) by (?P<username>\S+)")
_SULOG = re.compile(r"(?P<sign>[+-]) (?P<tty>\S+) (?P<username>[^\s:]+):(?P<targetuser>\S+)")


class ParseSu(BasePlugin):
    name = "su"
    atomic = True
    registration = ("su", "su-l")
    priority = 11

    def onMessage(self, message: Event, metadata: Metadata) -> PluginResult:
        summary = message.get("summary")
        details = message.get("details")
        if isinstance(summary, str) and isinstance(details, dict):
            for key, value in parse_su(summary).items():
                details.setdefault(key, value)
        return message, metadata


def parse_su(text: str) -> dict[str, Any]:
    """The fields of a su message; empty when it is not one this plugin reads."""
    prefix = _PREFIX.match(text)
    if prefix is not None:
        text = text[prefix.end() :]
    if text.startswith("pam_unix("):
        return _pam(text)
    for pattern in (_TO, _SUCCESSFUL, _SULOG):
        match = pattern.fullmatch(text)
        if match is not None:
            return _outcome(match)
    return {}


def _pam(text: str) -> dict[str, Any]:
    session = _SESSION.fullmatch(text)
    if session is not None:
        opened: dict[str, Any] = {k: v for k, v in session.groupdict().items() if v}
        if "originaluid" in opened:
            opened["originaluid"] = int(opened["originaluid"])
        return opened

    failure = _AUTH_FAILURE.fullmatch(text)
    if failure is None:
        return {}
    pairs = dict(_PAIR.findall(failure["pairs"]))
    fields: dict[str, Any] = {"authstatus": "failed"}
    user = pairs.get("ruser") or pairs.get("logname")
    if user:
        fields["username"] = user
    if pairs.get("uid", "").isdigit():
        fields["originaluid"] = int(pairs["uid"])
    if pairs.get("tty"):
        fields["tty"] = pairs["tty"]
    if pairs.get("user"):
        fields["targetuser"] = pairs["user"]
    return fields


def _outcome(match: re.Match[str]) -> dict[str, Any]:
    groups = match.groupdict()
    failed_word = groups.pop("failed", None)
    failed = failed_word is not None or groups.pop("sign", None) == "-"
    fields: dict[str, Any] = {"authstatus": "failed" if failed else "success"}
    fields.update((key, value) for key, value in groups.items() if value is not None)
    return fields
