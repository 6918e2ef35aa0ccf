"""Reading one field of an event, fast: the rule index and compiled predicates do it for
every event, so a path is split once and walked without the generic machinery.

Values follow mozdef.query.reference: a path walks nested objects, a list yields each
of its elements (lists of objects are walked into), null is no value and an object is
not itself a value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mozdef.query.reference import read_number

FieldReader = Callable[[Any], list[Any]]


_SCALARS = (str, int, float, bool)


def reader(path: str) -> FieldReader:
    """A function giving the values at `path` of an event."""
    keys = tuple(path.split("."))
    if len(keys) == 1:
        return _top_reader(keys[0])
    if len(keys) == 2:
        return _nested_reader(keys[0], keys[1])
    return lambda event: _walk(event, keys)


def _top_reader(key: str) -> FieldReader:
    def read(event: Any) -> list[Any]:
        value = event.get(key)
        return [value] if type(value) in _SCALARS else _leaves(value)

    return read


def _nested_reader(outer: str, inner: str) -> FieldReader:
    # The common `details.x` path, without the general walk.
    def read(event: Any) -> list[Any]:
        section = event.get(outer)
        if type(section) is not dict:
            return _walk(event, (outer, inner)) if type(section) is list else []
        value = section.get(inner)
        return [value] if type(value) in _SCALARS else _leaves(value)

    return read


def lookup_texts(value: Any) -> tuple[str, ...]:
    """The index spellings of an event value: equality keys are matched against these."""
    if type(value) is str:
        return (value,)
    if isinstance(value, bool):
        return ("true" if value else "false",)
    if isinstance(value, int):
        return (str(value),)
    if isinstance(value, float):
        return (_number_text(value),)
    return ()


def key_texts(text: str) -> tuple[str, ...]:
    """The spellings under which a query value `text` is indexed: itself and, when it
    reads as a number, the number's canonical form (`22.0` also matches the number 22)."""
    number = read_number(text)
    if number is None:
        return (text,)
    canonical = _number_text(number)
    return (text,) if canonical == text else (text, canonical)


def _number_text(number: int | float) -> str:
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    return str(number) if isinstance(number, int) else repr(number)


def _walk(event: Any, keys: tuple[str, ...]) -> list[Any]:
    value = event
    for position, key in enumerate(keys):
        if type(value) is dict:
            value = value.get(key)
        elif type(value) is list:
            return _walk_list(value, keys[position:])
        else:
            return []
    return _leaves(value)


def _walk_list(items: list[Any], keys: tuple[str, ...]) -> list[Any]:
    found: list[Any] = []
    for item in items:
        if type(item) is dict or type(item) is list:
            found.extend(_walk(item, keys))
    return found


def _leaves(value: Any) -> list[Any]:
    if value is None or type(value) is dict:
        return []
    if type(value) is list:
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]
