"""The life of a block or a watched term: active, then expired or removed.

A row is stored `active` until someone unblocks it (`removed`, with who and when) or
`prune` notices its expiry has passed (`expired`). Its state as shown is computed at
read time: an `active` row whose `expires` has passed is shown, exported and matched
as `expired` at once, before any prune.

Adding what an active entry already covers does not add a row; the covering entry
is extended instead (see `extension`):
- its expiry becomes the later of the two (no expiry, "never", is the latest), so a
  second add never shortens a block; to shorten one, remove it and add it again;
- its reason, `created_by` and `created` stay those of the first add; the later
  add's reason, actor and time are kept as `update_reason`, `updated_by`, `updated`;
- when the expiry would not move, nothing is written (outcome `unchanged`), so that
  an alert firing again and again does not turn into a write each time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal

from sqlalchemy import ColumnElement, Table, and_, or_

from mozdef.errors import ListEntryError

State = Literal["active", "expired", "removed"]
STATES: tuple[State, ...] = ("active", "expired", "removed")
Outcome = Literal["added", "extended", "unchanged"]
Clock = Callable[[], dt.datetime]
MAX_REASON = 10_000
MAX_NAME = 255


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def state_at(stored: str, expires: dt.datetime | None, now: dt.datetime) -> State:
    """The state a row stored as `stored` is in at `now`."""
    if stored == "active" and expires is not None and expires <= now:
        return "expired"
    if stored not in STATES:
        # Written by hand in the database: what it says is unknown, so it blocks nothing.
        return "removed"
    return stored


def later(first: dt.datetime | None, second: dt.datetime | None) -> dt.datetime | None:
    """The later of two expiries, None (never) being the latest."""
    if first is None or second is None:
        return None
    return max(first, second)


def extension(
    expires: dt.datetime | None,
    wanted: dt.datetime | None,
    *,
    reason: str,
    by: str,
    now: dt.datetime,
) -> dict[str, Any] | None:
    """The values that extend an entry expiring at `expires` to `wanted`, or None
    when it already lasts as long."""
    longest = later(expires, wanted)
    if longest == expires:
        return None
    return {"expires": longest, "updated": now, "updated_by": by, "update_reason": reason}


def removal(by: str, now: dt.datetime) -> dict[str, Any]:
    return {"state": "removed", "removed": now, "removed_by": by}


def check_reason(reason: object) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise ListEntryError("reason", reason, "a reason is required: a non-empty string")
    if len(reason) > MAX_REASON:
        raise ListEntryError("reason", "...", f"at most {MAX_REASON} characters")
    return reason.strip()


def check_actor(by: object) -> str:
    if not isinstance(by, str) or not by.strip() or len(by) > MAX_NAME:
        raise ListEntryError("by", by, f"expected who acts: 1 to {MAX_NAME} characters")
    return by.strip()


def check_expires(expires: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
    if expires is None:
        return None
    if expires.tzinfo is None:
        raise ListEntryError("expires", expires, "expected a time with its zone (UTC)")
    if expires <= now:
        found = expires.isoformat()
        raise ListEntryError("expires", found, f"{found} is not in the future")
    return expires


def state_condition(table: Table, state: State, now: dt.datetime) -> ColumnElement[bool]:
    """Rows of `table` in `state` at `now`, as a WHERE condition."""
    lapsed = and_(table.c.expires.is_not(None), table.c.expires <= now)
    if state == "active":
        return and_(
            table.c.state == "active", or_(table.c.expires.is_(None), table.c.expires > now)
        )
    if state == "expired":
        return or_(table.c.state == "expired", and_(table.c.state == "active", lapsed))
    return table.c.state == "removed"
