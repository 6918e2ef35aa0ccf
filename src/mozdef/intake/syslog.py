"""Syslog messages, RFC 5424 and RFC 3164, read into raw events for normalization.

    <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ID PARAM="value"...] MSG   (5424)
    <PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG                                    (3164)

RFC 3164 is read with the deviations senders commonly make: no `<PRI>` (taken as
user.notice, as the RFC tells relays to do), no hostname (the word after the time
is a tag, recognised by its colon), an ISO 8601 time instead of the BSD one (what
rsyslog's RSYSLOG_ForwardFormat sends), a year or fractional seconds in the BSD
time, no time at all after a `<PRI>`. A BSD time carries no zone and is read as
UTC, so a sender writing local time off UTC gets events shifted by its offset;
its year is the one nearest to the time of reading.

The raw event: category and source `syslog`, summary the MSG, hostname, processname
(APP-NAME or the tag's program), processid, severity from the PRI (EMERGENCY,
ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFO, DEBUG), `details.facility` by
rsyslog's names, utctimestamp from the message's time (an unreadable one is passed
on as written: normalization keeps it and tags the event). RFC 5424 adds
`details.msgid` and `details.structureddata`: `{sd-id: {param: value}}`, a repeated
param becoming a list. Nil values (`-`), a BOM and spaces before MSG are dropped.

A MSG that is a JSON object, bare or after a `@cee:` cookie, is the event itself,
as if a shipper had sent it: its keys win, and the syslog header fills each field
none of them maps to (details as flat `details.x` keys, which rank below the
object's own details). Nothing is lost: invalid UTF-8 is replaced and tagged
`invalid-utf8`, a line that is not syslog is kept whole as the summary and tagged
`syslog-unparsed`, malformed structured data leaves the rest of the line as the
summary, tagged `syslog-invalid-structured-data`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import orjson

from mozdef.config.settings import IntakeSettings
from mozdef.events.keymap import route_of
from mozdef.events.timestamps import format_timestamp, parse_timestamp
from mozdef.intake.body import Item, check_event

SEVERITIES = ("EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG")
FACILITIES = (
    *("kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news"),
    *("uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock"),
    *(f"local{n}" for n in range(8)),
)
UNPARSED_TAG = "syslog-unparsed"
INVALID_UTF8_TAG = "invalid-utf8"
INVALID_SD_TAG = "syslog-invalid-structured-data"
INVALID_CEE_TAG = "syslog-invalid-cee"
TRUNCATED_TAG = "truncated"

# RFC 3164 section 4.3.3: a message without PRI is user.notice.
_DEFAULT_PRI = 13
_MAX_PRI = 191
_NIL = "-"
_BOM = "\ufeff"
_CEE = "@cee:"

_PRI = re.compile(r"<(\d{1,3})>")
_HEADER_5424 = re.compile(r"1 (-|\d{4}-\S+) (\S+) (\S+) (\S+) (\S+)(?: |$)")
_TIME_3164 = re.compile(
    r"(?:[A-Za-z]{3} +\d{1,2}(?: \d{4})? \d{2}:\d{2}:\d{2}(?:\.\d{1,9})?"
    r"|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?)(?: +|$)"
)
_TAG = re.compile(r"([^\s\[\]:]{1,64})(?:\[([^\]\s]{0,32})\])?:(?: +|$)")
_WORD = re.compile(r"(\S+) +")
_SD_NAME = re.compile(r'[^= \]"]{1,32}')
_SD_PARAM = re.compile(r' ([^= \]"]{1,32})="((?:[^"\\]|\\.)*)"', re.DOTALL)
_SD_ESCAPE = re.compile(r'\\(["\\\]])')
_last_time: tuple[tuple[str, date] | None, str] = (None, "")


def syslog_item(
    position: int,
    message: bytes,
    limits: IntakeSettings,
    *,
    now: datetime | None = None,
    truncated: bool = False,
) -> Item:
    """The intake item of one syslog message: its event, checked against the limits."""
    extra = (TRUNCATED_TAG,) if truncated else ()
    event = parse_syslog(message, now=now or datetime.now(UTC), extra_tags=extra)
    line = orjson.dumps(event)
    if len(line) > limits.max_event_bytes:
        # Without its JSON the check measures the event, and rejects it as too large.
        return check_event(position, event, None, limits)
    # With it, the check bounds the event's shape without walking it.
    return check_event(position, event, line, limits)


def parse_syslog(
    message: bytes, *, now: datetime, extra_tags: Sequence[str] = ()
) -> dict[str, Any]:
    """The raw event of one syslog message (without its framing); never raises."""
    text, tags = _decode(message.rstrip(b"\r\n\x00"))
    tags.extend(extra_tags)
    pri_match = _PRI.match(text)
    pri = int(pri_match[1]) if pri_match else None
    if pri is not None and pri > _MAX_PRI:
        return _unparsed(text, tags)
    rest = text[pri_match.end() :] if pri_match else text

    header = _HEADER_5424.match(rest)
    if header is not None:
        return _parse_5424(header, rest, _DEFAULT_PRI if pri is None else pri, tags, now)
    time_match = _TIME_3164.match(rest)
    if time_match is None and pri is None:
        return _unparsed(text, tags)
    return _parse_3164(rest, time_match, _DEFAULT_PRI if pri is None else pri, tags, now)


def _decode(message: bytes) -> tuple[str, list[str]]:
    try:
        return message.decode("utf-8"), []
    except UnicodeDecodeError:
        return message.decode("utf-8", "replace"), [INVALID_UTF8_TAG]


def _unparsed(text: str, tags: list[str]) -> dict[str, Any]:
    return {
        "category": "syslog",
        "source": "syslog",
        "summary": text,
        "tags": [*tags, UNPARSED_TAG],
    }


def _parse_5424(
    header: re.Match[str], rest: str, pri: int, tags: list[str], now: datetime
) -> dict[str, Any]:
    stamp, host, app, procid, msgid = (None if part == _NIL else part for part in header.groups())
    event, details = _start(pri, _time(stamp, now), host, app, procid)
    if msgid is not None:
        details["msgid"] = msgid
    found = _structured_data(rest, header.end())
    if found is None:
        tags.append(INVALID_SD_TAG)
        return _finish(event, details, rest[header.end() :], tags)
    elements, end = found
    if elements:
        details["structureddata"] = elements
    return _finish(event, details, rest[end + 1 :].removeprefix(_BOM).lstrip(" "), tags)


def _parse_3164(
    rest: str, time_match: re.Match[str] | None, pri: int, tags: list[str], now: datetime
) -> dict[str, Any]:
    stamp = time_match[0].rstrip(" ") if time_match else None
    position = time_match.end() if time_match else 0
    host = None
    if time_match is not None and _TAG.match(rest, position) is None:
        word = _WORD.match(rest, position)
        if word is not None:
            host, position = word[1], word.end()
    tag = _TAG.match(rest, position)
    app = procid = None
    if tag is not None:
        app, procid, position = tag[1], tag[2], tag.end()
    event, details = _start(pri, _time(stamp, now), host, app, procid)
    return _finish(event, details, rest[position:].lstrip(" "), tags)


def _time(text: str | None, now: datetime) -> str | None:
    if text is None:
        return None
    # The messages of a burst share their time: read it once. A year-less time reads
    # the same all day long, as the nearest year changes only months away.
    global _last_time
    key = (text, now.date())
    if _last_time[0] == key:
        return _last_time[1]
    moment = parse_timestamp(text, now=now)
    stamp = text if moment is None else format_timestamp(moment)
    _last_time = (key, stamp)
    return stamp


def _start(
    pri: int, stamp: str | None, host: str | None, app: str | None, procid: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The event's header fields, and its details so far."""
    event: dict[str, Any] = {
        "category": "syslog",
        "source": "syslog",
        "severity": SEVERITIES[pri & 7],
    }
    for field, value in (
        ("utctimestamp", stamp),
        ("hostname", host),
        ("processname", app),
        ("processid", procid),
    ):
        if value:
            event[field] = value
    return event, {"facility": FACILITIES[pri >> 3]}


def _structured_data(text: str, start: int) -> tuple[dict[str, Any], int] | None:
    """The SD elements from `start` and where they end, or None when malformed."""
    if start >= len(text):
        # No SD at all, as some senders end the header: read as nil.
        return {}, start
    if text.startswith(_NIL, start):
        return ({}, start + 1) if _ends_sd(text, start + 1) else None
    elements: dict[str, Any] = {}
    position = start
    while text.startswith("[", position):
        name = _SD_NAME.match(text, position + 1)
        if name is None:
            return None
        params = elements.setdefault(name[0], {})
        position = name.end()
        while (param := _SD_PARAM.match(text, position)) is not None:
            _add_param(params, param[1], _SD_ESCAPE.sub(r"\1", param[2]))
            position = param.end()
        if not text.startswith("]", position):
            return None
        position += 1
    if position == start or not _ends_sd(text, position):
        return None
    return elements, position


def _ends_sd(text: str, position: int) -> bool:
    return position == len(text) or text[position] == " "


def _add_param(params: dict[str, Any], name: str, value: str) -> None:
    current = params.get(name)
    if current is None:
        params[name] = value
    elif isinstance(current, list):
        current.append(value)
    else:
        params[name] = [current, value]


def _finish(
    event: dict[str, Any], details: dict[str, Any], message: str, tags: list[str]
) -> dict[str, Any]:
    payload = _json_payload(message, tags)
    if payload is not None:
        return _merge(payload, event, details, tags)
    if message:
        event["summary"] = message
    if tags:
        event["tags"] = tags
    event["details"] = details
    return event


def _json_payload(message: str, tags: list[str]) -> dict[str, Any] | None:
    """The JSON object a MSG holds, if it holds one."""
    stripped = message.strip()
    cee = stripped.startswith(_CEE)
    if cee:
        stripped = stripped[len(_CEE) :]
    elif not (stripped.startswith("{") and stripped.endswith("}")):
        return None
    try:
        value = orjson.loads(stripped)
    except orjson.JSONDecodeError:
        value = None
    if isinstance(value, dict):
        return _cee_message(value) if cee else value
    if cee:
        tags.append(INVALID_CEE_TAG)
    return None


def _cee_message(payload: dict[str, Any]) -> dict[str, Any]:
    # CEE names the message `msg`, which shippers' JSON does not use.
    if "msg" in payload and not any(route_of(key)[0] == "summary" for key in payload):
        payload["summary"] = payload.pop("msg")
    return payload


def _merge(
    payload: dict[str, Any], event: dict[str, Any], details: dict[str, Any], tags: list[str]
) -> dict[str, Any]:
    """The JSON's keys, with the syslog header for each field none of them feeds."""
    raw = dict(payload)
    claimed = {route_of(key)[0]: key for key in payload}
    for field, value in event.items():
        if field not in claimed:
            raw.setdefault(field, value)
    for key, value in details.items():
        raw.setdefault(f"details.{key}", value)
    if tags:
        _merge_tags(raw, claimed.get("tags"), tags)
    return raw


def _merge_tags(raw: dict[str, Any], key: str | None, tags: list[str]) -> None:
    if key is None:
        raw["tags"] = tags
        return
    current = raw[key]
    if isinstance(current, list):
        raw[key] = [*current, *tags]
    elif isinstance(current, str):
        raw[key] = [current, *tags]
    else:
        # A value the normalizer will not read as tags: ours go beside it, under a
        # second name that also feeds the tags.
        raw["@tags" if key == "tags" else "tags"] = tags
