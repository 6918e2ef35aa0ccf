"""Turn one route's raw `options` table into an action's frozen, typed options.

Each action declares its options as a frozen dataclass; `build_options` checks the
table against it once, at start-up, so that a typo in a key or a wrong type is a
ConfigError naming the key instead of a failed delivery at three in the morning.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from mozdef.errors import ConfigError

T = TypeVar("T")


def build_options(cls: type[T], options: Mapping[str, Any], *, where: str) -> T:
    """An instance of the dataclass `cls` from `options`; `where` prefixes the key in errors."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    fields = {field.name: field for field in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    unknown = sorted(set(options) - set(fields))
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}", options[unknown[0]], _known(fields))

    values = {}
    for name, field in fields.items():
        if name in options:
            values[name] = _checked(options[name], hints[name], key=f"{where}.{name}")
        elif _required(field):
            raise ConfigError(f"{where}.{name}", None, "a value (this option is required)")
    return cls(**values)


def _known(fields: Mapping[str, dataclasses.Field[Any]]) -> str:
    return "one of " + ", ".join(sorted(fields))


def _required(field: dataclasses.Field[Any]) -> bool:
    return field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING


def _checked(value: Any, hint: Any, *, key: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, _UNION_TYPE):
        return _one_of(value, args, key=key)
    if origin is typing.Literal:
        if value not in args:
            raise ConfigError(key, value, "one of " + ", ".join(map(str, args)))
        return value
    if origin is tuple:
        return _sequence(value, args[0], key=key)
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(key, value, "a table")
        return dict(value)
    return _scalar(value, hint, key=key)


def _one_of(value: Any, args: tuple[Any, ...], *, key: str) -> Any:
    if value is None and type(None) in args:
        return None
    candidates = [arg for arg in args if arg is not type(None)]
    for position, arg in enumerate(candidates):
        try:
            return _checked(value, arg, key=key)
        except ConfigError:
            if position == len(candidates) - 1:
                raise
    raise ConfigError(key, value, "a value")


def _sequence(value: Any, item: Any, *, key: str) -> tuple[Any, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise ConfigError(key, value, "a list")
    return tuple(_checked(element, item, key=key) for element in value)


def _scalar(value: Any, hint: Any, *, key: str) -> Any:
    if hint is Any:
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is int and isinstance(value, bool):
        raise ConfigError(key, value, "an integer")
    if not isinstance(value, hint):
        raise ConfigError(key, value, f"a value of type {hint.__name__}")
    return value


_UNION_TYPE = type(int | None)
