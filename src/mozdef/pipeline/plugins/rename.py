"""Renaming every key of an event, the shared step of the key-rewriting plugins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def rename_keys(value: Any, rename: Callable[[str], str]) -> Any:
    """`value` with `rename` applied to the keys of every object in it, at any depth.

    Objects and lists are rebuilt, never changed in place, so a failure leaves the
    input as it was. When two keys of one object rename to the same key, the
    first keeps it and the later one keeps its original name, so no value is lost.
    """
    kind = type(value)
    if kind is list:
        return [rename_keys(item, rename) for item in value]
    if kind is not dict:
        return value

    renamed: dict[str, Any] = {}
    for key, item in value.items():
        new_key = rename(key) if isinstance(key, str) else key
        if new_key in renamed or (new_key != key and new_key in value):
            new_key = key
        renamed[new_key] = rename_keys(item, rename)
    return renamed
