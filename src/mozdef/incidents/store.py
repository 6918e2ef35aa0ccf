"""Keeping cases in the application database, with a version per field.

Several handlers edit one incident at once, so a change is made per field: an
update sends, for each field it changes, the new value and the version of that field
it was based on. If any of those fields moved on since, the whole update is refused
(CaseConflictError, listing each such field's current value and version) and nothing
is written: the client shows what changed and applies its edit again. Edits of
different fields by two people therefore both survive, and an edit of the same field
is never lost silently. Adding an item to a list field or removing one by id never
conflicts: each is applied to the list as it is when the change is made.

Each change runs in one write transaction (`AppDb.begin_write`: the row is locked on
PostgreSQL, the database on SQLite) together with its history rows, one per field
(who, when, old and new value). After it commits, the `on_change` hook gets the case
id, the changed fields' new values (as JSON) and their new versions, for a realtime
bus to push; a hook that fails is logged and does not undo the change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Generic, TypeVar

import orjson
from sqlalchemy import ColumnElement, Connection, RowMapping, Table, func, insert, select, update

from mozdef.appdb.db import AppDb
from mozdef.errors import CaseConflictError, CaseError, CaseNotFoundError
from mozdef.incidents import checks
from mozdef.incidents.checks import InvalidValue
from mozdef.incidents.fields import MAX_ITEMS, STATUSES, Field, FieldSet, ListCodec, Stamp
from mozdef.incidents.items import Item
from mozdef.incidents.model import (
    Case,
    CasePage,
    CaseSummary,
    FieldChange,
    HistoryEntry,
    ItemChange,
)
from mozdef.incidents.tables import case_history
from mozdef.logfmt import fields as log_fields

log = logging.getLogger(__name__)

C = TypeVar("C", bound=Case)
ChangeHook = Callable[[str, Mapping[str, Any], Mapping[str, int]], None]
Clock = Callable[[], dt.datetime]
# (field, action, old, new) of one history row, old and new as JSON values.
Change = tuple[str, str, Any, Any]
MAX_PAGE = 500
MAX_HISTORY = 5000


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CaseStore(Generic[C]):
    """What incidents and investigations share; a subclass names its kind's parts."""

    spec: ClassVar[FieldSet]
    table: ClassVar[Table]
    model: type[C]

    def __init__(
        self, db: AppDb, *, on_change: ChangeHook | None = None, clock: Clock = utc_now
    ) -> None:
        self._db = db
        self._on_change = on_change
        self._clock = clock

    @property
    def kind(self) -> str:
        return self.spec.kind

    def create(self, values: Mapping[str, Any], *, by: str) -> C:
        """A new case from JSON-like `values`; `summary` is required."""
        stamp = self._stamp(by)
        parsed = self._new_values(values, stamp)
        with self._db.begin_write() as connection:
            case = self._insert(connection, parsed, stamp)
        self._created(case, by)
        return case

    def get(self, case_id: str) -> C:
        with self._db.begin() as connection:
            row = connection.execute(select(self.table).where(self.table.c.id == case_id)).first()
        if row is None:
            raise CaseNotFoundError(self.kind, case_id)
        return self._build(row._mapping)

    def update(self, case_id: str, changes: Mapping[str, FieldChange], *, by: str) -> C:
        """Apply every change or none: CaseConflictError when a version moved on."""
        stamp = self._stamp(by)
        for name in changes:
            self._editable(case_id, name)
        with self._db.begin_write() as connection:
            current = self._locked(connection, case_id)
            self._check_versions(current, changes)
            values = self._changed_values(current, changes, stamp)
            values |= self._derived(current, values, stamp)
            if not values:
                return current
            history = [self._set(name, getattr(current, name), new) for name, new in values.items()]
            case = self._write(connection, current, values, stamp, history)
        self._changed(case, values, by, "set")
        return case

    def append(self, case_id: str, field: str, raw: Any, *, by: str) -> ItemChange:
        """Add an item to a list field; an item whose key is there returns that one."""
        stamp = self._stamp(by)
        codec = self._list_codec(case_id, field)
        with self._db.begin_write() as connection:
            current = self._locked(connection, case_id)
            items: tuple[Item, ...] = getattr(current, field)
            item = self._guard(case_id, field, lambda: codec.parse_item(raw, stamp))
            kept = next((old for old in items if old.key() and old.key() == item.key()), None)
            if kept is not None:
                return ItemChange(field, kept, current.versions[field], changed=False)
            if len(items) >= MAX_ITEMS:
                raise CaseError(self.kind, case_id, field, f"holds {MAX_ITEMS} items, the most")
            values = {field: (*items, item)}
            added: Change = (field, "append", None, item.to_json())
            case = self._write(connection, current, values, stamp, [added])
        self._changed(case, values, by, "append")
        return ItemChange(field, item, case.versions[field])

    def remove(self, case_id: str, field: str, item_id: str, *, by: str) -> ItemChange:
        """Take an item out of a list field by its id."""
        stamp = self._stamp(by)
        self._list_codec(case_id, field)
        with self._db.begin_write() as connection:
            current = self._locked(connection, case_id)
            items: tuple[Item, ...] = getattr(current, field)
            item = next((old for old in items if old.id == item_id), None)
            if item is None:
                reason = f"no item {item_id!r}"
                raise CaseError(self.kind, case_id, field, reason, problem="not_found")
            values = {field: tuple(old for old in items if old.id != item_id)}
            removed: Change = (field, "remove", item.to_json(), None)
            case = self._write(connection, current, values, stamp, [removed])
        self._changed(case, values, by, "remove")
        return ItemChange(field, item, case.versions[field])

    def history(
        self, case_id: str, *, after: int = 0, limit: int = MAX_HISTORY
    ) -> list[HistoryEntry]:
        """The case's changes in order, those numbered after `after`, at most `limit`."""
        if not 1 <= limit <= MAX_HISTORY or after < 0:
            reason = f"limit must be 1 to {MAX_HISTORY} and after at least 0"
            raise CaseError(self.kind, case_id, "limit", reason)
        table = case_history
        query = (
            select(table)
            .where(table.c.case_id == case_id, table.c.seq > after)
            .order_by(table.c.seq)
            .limit(limit)
        )
        known = select(self.table.c.id).where(self.table.c.id == case_id)
        with self._db.begin() as connection:
            if connection.execute(known).first() is None:
                raise CaseNotFoundError(self.kind, case_id)
            rows = connection.execute(query).all()
        return [_history_entry(row._mapping) for row in rows]

    def _page(self, conditions: list[ColumnElement[bool]], limit: int, offset: int) -> CasePage:
        """A page of summaries, the latest opened first: two queries whatever the page size."""
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            reason = f"limit must be 1 to {MAX_PAGE} and offset at least 0"
            raise CaseError(self.kind, None, "limit", reason)
        table = self.table
        query = (
            select(*self._summary_columns())
            .where(*conditions)
            .order_by(table.c.opened.desc(), table.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        with self._db.begin() as connection:
            counted = select(func.count()).select_from(table).where(*conditions)
            total = connection.execute(counted).scalar_one()
            rows = connection.execute(query).all()
        return CasePage(total, [self._summary(row._mapping) for row in rows], limit, offset)

    def _common_conditions(
        self, *, status: str | None, assignee: str | None, text: str | None
    ) -> list[ColumnElement[bool]]:
        table = self.table
        conditions: list[ColumnElement[bool]] = []
        if status:
            wanted = self._guard(None, "status", lambda: checks.choice(status, STATUSES))
            conditions.append(table.c.status == wanted)
        if assignee:
            conditions.append(table.c.assignee == assignee.strip())
        if text and text.strip():
            conditions.append(table.c.summary.icontains(text.strip(), autoescape=True))
        return conditions

    def _summary_columns(self) -> list[Any]:
        columns = ("id", "summary", "status", "creator", "assignee", "opened", "updated")
        return [self.table.c[name] for name in columns]

    def _summary(self, row: RowMapping) -> CaseSummary:
        return CaseSummary(
            id=row["id"],
            summary=row["summary"],
            status=row["status"],
            creator=row["creator"],
            assignee=row["assignee"],
            opened=row["opened"],
            updated=row["updated"],
        )

    def _derived(self, current: C, values: dict[str, Any], stamp: Stamp) -> dict[str, Any]:
        """Changes that follow from `values`; none by default."""
        return {}

    def _after_write(self, connection: Connection, case_id: str, values: Mapping[str, Any]) -> None:
        """Keep tables beside the case's row up to date with changed `values`."""

    def _new_values(self, raw: Mapping[str, Any], stamp: Stamp) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            found = type(raw).__name__
            raise CaseError(self.kind, None, "", f"expected an object of fields, found {found}")
        for name in raw:
            self._editable(None, name)
        values = self._defaults(stamp)
        for name, spec in self.spec.fields.items():
            if name in raw:
                values[name] = self._parse(None, name, raw[name], spec.codec.default, stamp)
            elif spec.required:
                raise CaseError(self.kind, None, name, "is required")
        values["opened"] = values["opened"] or stamp.at
        return values

    def _defaults(self, stamp: Stamp) -> dict[str, Any]:
        """Every field's value in a new case that sets none."""
        values = {name: spec.codec.default for name, spec in self.spec.fields.items()}
        return values | {"creator": stamp.by, "opened": stamp.at}

    def _insert(self, connection: Connection, values: Mapping[str, Any], stamp: Stamp) -> C:
        case_id = checks.new_id()
        versions = dict.fromkeys(self.spec.fields, 1)
        row = self.spec.columns(values) | {"id": case_id, "versions": _json(versions)}
        row["updated"] = stamp.at
        connection.execute(insert(self.table).values(**row))
        case = self.model(id=case_id, versions=versions, updated=stamp.at, **values)
        self._after_write(connection, case_id, values)
        document = case.to_json()
        self._record(connection, case, stamp, [("", "create", None, document)])
        return case

    def _write(
        self,
        connection: Connection,
        current: C,
        values: Mapping[str, Any],
        stamp: Stamp,
        history: list[Change],
    ) -> C:
        versions = dict(current.versions)
        for name in values:
            versions[name] = versions.get(name, 1) + 1
        row = self.spec.columns(values) | {"versions": _json(versions), "updated": stamp.at}
        connection.execute(update(self.table).where(self.table.c.id == current.id).values(**row))
        self._after_write(connection, current.id, values)
        case = dataclasses.replace(current, versions=versions, updated=stamp.at, **values)
        self._record(connection, case, stamp, history)
        return case

    def _record(self, connection: Connection, case: C, stamp: Stamp, history: list[Change]) -> None:
        rows = [
            {
                "case_id": case.id,
                "kind": self.kind,
                "at": stamp.at,
                "actor": stamp.by,
                "field": field,
                "action": action,
                "old": None if old is None else _json(old),
                "new": None if new is None else _json(new),
                "version": case.versions.get(field, 1),
            }
            for field, action, old, new in history
        ]
        connection.execute(insert(case_history), rows)

    def _locked(self, connection: Connection, case_id: str) -> C:
        query = select(self.table).where(self.table.c.id == case_id).with_for_update()
        row = connection.execute(query).first()
        if row is None:
            raise CaseNotFoundError(self.kind, case_id)
        return self._build(row._mapping)

    def _build(self, row: RowMapping) -> C:
        values = self.spec.load(row)
        versions = dict.fromkeys(self.spec.fields, 1) | orjson.loads(row["versions"])
        return self.model(id=row["id"], versions=versions, updated=row["updated"], **values)

    def _check_versions(self, current: C, changes: Mapping[str, FieldChange]) -> None:
        moved = {
            name: (self.spec.dump(name, getattr(current, name)), current.versions[name])
            for name, change in changes.items()
            if change.version != current.versions[name]
        }
        if moved:
            raise CaseConflictError(self.kind, current.id, moved)

    def _changed_values(
        self, current: C, changes: Mapping[str, FieldChange], stamp: Stamp
    ) -> dict[str, Any]:
        """The parsed new values of the fields whose value changes."""
        values: dict[str, Any] = {}
        for name, change in changes.items():
            before = getattr(current, name)
            value = self._parse(current.id, name, change.value, before, stamp)
            if value != before:
                values[name] = value
        return values

    def _editable(self, case_id: str | None, name: str) -> Field:
        spec = self.spec.get(name)
        if spec is None:
            known = ", ".join(self.spec.editable())
            raise CaseError(self.kind, case_id, name, f"unknown field; expected one of {known}")
        if not spec.editable:
            raise CaseError(self.kind, case_id, name, "is set by the server and cannot be changed")
        return spec

    def _list_codec(self, case_id: str, name: str) -> ListCodec:
        spec = self.spec.get(name)
        if spec is None or not isinstance(spec.codec, ListCodec):
            lists = ", ".join(self.spec.lists())
            raise CaseError(self.kind, case_id, name, f"not a list field; expected one of {lists}")
        return spec.codec

    def _parse(self, case_id: str | None, name: str, raw: Any, current: Any, stamp: Stamp) -> Any:
        codec = self.spec.fields[name].codec
        return self._guard(case_id, name, lambda: codec.parse(raw, current, stamp))

    def _guard(self, case_id: str | None, name: str, parse: Callable[[], Any]) -> Any:
        try:
            return parse()
        except InvalidValue as error:
            raise CaseError(self.kind, case_id, name, str(error)) from None

    def _set(self, name: str, old: Any, new: Any) -> Change:
        return name, "set", self.spec.dump(name, old), self.spec.dump(name, new)

    def _stamp(self, by: str) -> Stamp:
        return Stamp(by or "anonymous", checks.to_millisecond(self._clock()))

    def _created(self, case: C, by: str) -> None:
        log.info("incidents.created", extra=log_fields(kind=self.kind, id=case.id, by=by))
        document = case.to_json()
        self._notify(case.id, {name: document[name] for name in self.spec.fields}, case.versions)

    def _changed(self, case: C, values: Mapping[str, Any], by: str, action: str) -> None:
        names = ",".join(values)
        log.info(
            "incidents.changed",
            extra=log_fields(kind=self.kind, id=case.id, action=action, fields=names, by=by),
        )
        dumped = {name: self.spec.dump(name, value) for name, value in values.items()}
        self._notify(case.id, dumped, {name: case.versions[name] for name in values})

    def _notify(self, case_id: str, values: Mapping[str, Any], versions: Mapping[str, int]) -> None:
        if self._on_change is None:
            return
        try:
            self._on_change(case_id, values, versions)
        except Exception:
            # The change is committed; a failing listener must not turn it into an error.
            log.exception("incidents.hook_failed", extra=log_fields(kind=self.kind, id=case_id))


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _history_entry(row: RowMapping) -> HistoryEntry:
    return HistoryEntry(
        seq=row["seq"],
        case_id=row["case_id"],
        at=row["at"],
        actor=row["actor"],
        field=row["field"],
        action=row["action"],
        old=None if row["old"] is None else orjson.loads(row["old"]),
        new=None if row["new"] is None else orjson.loads(row["new"]),
        version=row["version"],
    )
