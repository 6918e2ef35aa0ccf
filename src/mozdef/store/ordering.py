"""The sort order every store follows, done in Python on stored documents.

A field's value is the smallest of a document's values ascending and the largest
descending; dates compare as times, numbers before strings; a document without
the field comes last; ties go by id. The in-memory store sorts this way always,
the tantivy store for sorts its engine cannot do (several fields, `details.*`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, TypeVar

from mozdef.query.datemath import parse_instant
from mozdef.query.reference import field_kind, values_at
from mozdef.store.base import SortOrder


class Sourced(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def source(self) -> dict[str, Any]: ...


Doc = TypeVar("Doc", bound=Sourced)


def ordered(docs: Iterable[Doc], sort: Sequence[tuple[str, SortOrder]]) -> list[Doc]:
    # Stable sorts from the last key to the first give the combined order.
    result = sorted(docs, key=lambda doc: doc.id)
    for field, order in reversed(sort):
        keyed = [(doc, sort_values(doc.source, field)) for doc in result]
        present = [(doc, values) for doc, values in keyed if values]
        missing = [doc for doc, values in keyed if not values]
        pick = max if order == "desc" else min
        present.sort(key=lambda pair: pick(pair[1]), reverse=order == "desc")
        result = [doc for doc, _ in present] + missing
    return result


def sort_values(source: dict[str, Any], field: str) -> list[tuple[int, Any]]:
    if field_kind(field) == "date":
        instants = [parse_instant(v) for v in values_at(source, field) if isinstance(v, str)]
        return [(0, instant) for instant in instants if instant is not None]
    return [_sortable(value) for value in values_at(source, field)]


def _sortable(value: Any) -> tuple[int, Any]:
    if isinstance(value, int | float):
        return (0, float(value))
    return (1, str(value))
