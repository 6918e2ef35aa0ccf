"""Build `Settings` from defaults, an optional TOML file and `MOZDEF_*` variables.

Precedence, lowest first: defaults, the TOML file, the environment, explicit
overrides (command-line options). Every value is converted to its declared type
and checked once here; an invalid one raises `ConfigError` naming the key, the
value and what was expected, so start-up stops with that message.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mozdef.config.settings import EVENT_FIELD_MAPPINGS, Settings
from mozdef.errors import ConfigError

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?i?B?)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}

_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "server.port": (lambda v: 0 <= v <= 65535, "a port number between 0 and 65535"),
    "store.backend": (
        lambda v: v in ("tantivy", "opensearch", "memory"),
        "one of tantivy, opensearch, memory",
    ),
    "queue.backend": (lambda v: v in ("embedded", "rabbitmq"), "one of embedded, rabbitmq"),
    "store.opensearch_codec": (
        lambda v: v in ("default", "best_compression"),
        "one of default, best_compression",
    ),
    "store.opensearch_event_fields": (
        lambda v: v in EVENT_FIELD_MAPPINGS,
        "one of " + ", ".join(EVENT_FIELD_MAPPINGS),
    ),
    "queue.prefetch": (lambda v: v > 0, "a positive integer"),
    "syslog.max_message_bytes": (lambda v: v > 0, "a positive size"),
    "syslog.udp_port": (lambda v: 0 <= v <= 65535, "a port number between 0 and 65535"),
    "syslog.tcp_port": (lambda v: 0 <= v <= 65535, "a port number between 0 and 65535"),
    "syslog.tls_port": (lambda v: 0 <= v <= 65535, "a port number between 0 and 65535"),
    "store.commit_interval": (lambda v: 0.05 <= v <= 60, "seconds between 0.05 and 60"),
    "log.level": (
        lambda v: v.upper() in ("DEBUG", "INFO", "WARNING", "ERROR"),
        "one of DEBUG, INFO, WARNING, ERROR",
    ),
    "pipeline.batch_size": (lambda v: v > 0, "a positive integer"),
    "intake.max_depth": (lambda v: v > 0, "a positive integer"),
    "intake.max_fields": (lambda v: v > 0, "a positive integer"),
    "intake.full_wait": (lambda v: 0 <= v <= 60, "seconds between 0 and 60"),
}


def load_settings(
    path: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Settings from `path` (TOML), `env` (default: os.environ) and `overrides`
    (dotted keys such as `server.port`)."""
    raw = _read_toml(path) if path is not None else {}
    values = _flatten(raw)
    values.update(_from_env(os.environ if env is None else env))
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    settings: Settings = _build(Settings, values, prefix="")
    return settings


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError("config", str(path), "an existing TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("config", str(path), f"valid TOML ({exc})") from None


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted keys for nested tables, except where a setting is itself a table."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and dotted not in _TABLE_VALUED:
            flat.update(_flatten(value, f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


_TABLE_VALUED = {"pipeline.plugin_options", "alerts.plugin_options", "alerts.actions"}
# Tables handed on as they are, checked by the component that reads them.
_RAW_TABLES = {"alerts.actions"}


# Short names for the choices of a deployment, beside their `MOZDEF_<SECTION>_<KEY>`
# forms; the long form wins when both are set.
ENV_ALIASES = {
    "MOZDEF_QUEUE": "queue.backend",
    "MOZDEF_RABBITMQ_URL": "queue.rabbitmq_url",
    "MOZDEF_STORE": "store.backend",
    "MOZDEF_OPENSEARCH_URL": "store.opensearch_url",
    "MOZDEF_DATABASE_URL": "database.url",
}


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    names = {_env_name(key): key for key in _all_keys(Settings, "")}
    values = {key: env[name] for name, key in ENV_ALIASES.items() if name in env}
    values.update({names[name]: value for name, value in env.items() if name in names})
    return values


def _env_name(dotted: str) -> str:
    return "MOZDEF_" + dotted.replace(".", "_").upper()


def _all_keys(cls: type, prefix: str) -> list[str]:
    keys: list[str] = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        kind = hints[f.name]
        if dataclasses.is_dataclass(kind):
            keys.extend(_all_keys(kind, f"{prefix}{f.name}."))  # type: ignore[arg-type]
        else:
            keys.append(f"{prefix}{f.name}")
    return keys


def _build(cls: type[Any], values: dict[str, Any], *, prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    _reject_unknown(values, prefix, known)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        key, kind = f"{prefix}{f.name}", hints[f.name]
        if dataclasses.is_dataclass(kind):
            kwargs[f.name] = _build(kind, values, prefix=f"{key}.")  # type: ignore[arg-type]
        elif key in values:
            kwargs[f.name] = _check(key, _convert(key, values[key], kind))
    return cls(**kwargs)


def _reject_unknown(values: Mapping[str, Any], prefix: str, known: set[str]) -> None:
    for key in values:
        if key.startswith(prefix) and key[len(prefix) :].split(".")[0] not in known:
            raise ConfigError(key, values[key], "a known setting (no such key)")


def _check(key: str, value: Any) -> Any:
    rule = _CHECKS.get(key)
    if rule is not None and not rule[0](value):
        raise ConfigError(key, value, rule[1])
    return value


def _convert(key: str, value: Any, kind: Any) -> Any:
    if kind is int and key.endswith("_bytes"):
        return _size(key, value)
    if key in _RAW_TABLES:
        if not isinstance(value, dict):
            raise ConfigError(key, value, "a table")
        return value
    try:
        return _CONVERTERS[_kind_name(kind)](value)
    except (TypeError, ValueError):
        raise ConfigError(key, value, _EXPECTED[_kind_name(kind)]) from None


def _kind_name(kind: Any) -> str:
    origin = typing.get_origin(kind)
    if origin is tuple:
        return "paths" if typing.get_args(kind)[0] is Path else "strings"
    if origin is dict:
        return "table"
    return str(kind.__name__)


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(value)


def _to_int(value: Any) -> int:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(value)
    return int(value)


def _to_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError(value)
    return value


def _to_table(value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise TypeError(value)
    return value


def _to_str(value: Any) -> str:
    if isinstance(value, Path):
        return str(value)
    if not isinstance(value, str):
        raise TypeError(value)
    return value


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "int": _to_int,
    "float": float,
    "bool": _to_bool,
    "str": _to_str,
    "Path": lambda v: Path(_to_str(v)),
    "strings": lambda v: tuple(_to_list(v)),
    "paths": lambda v: tuple(Path(p) for p in _to_list(v)),
    "table": _to_table,
}

_EXPECTED = {
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "str": "a string",
    "Path": "a path",
    "strings": "a list of strings (or a comma-separated string)",
    "paths": "a list of paths (or a comma-separated string)",
    "table": "a table of tables",
}


def _size(key: str, value: Any) -> int:
    """Bytes from an integer or a string such as `64MiB`, `1 GB`, `512k`."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = _SIZE.match(str(value))
    if match is None or isinstance(value, bool):
        raise ConfigError(key, value, "a size in bytes, such as 1048576 or '64MiB'")
    unit = (match.group(2) or "").upper()[:1]
    return int(float(match.group(1)) * _SIZE_UNITS[unit])
