"""Which MozDef events and fields a Sigma rule's log source and field names mean.

The file format, and the default that ships with the package, are described at the
top of `default_mapping.yaml` beside this module. `load_mapping(path)` reads a YAML
or TOML file; `default_mapping()` is the packaged one. A mapping is validated once,
when read: a wrong key or value raises ConfigError naming it.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml

from mozdef.errors import ConfigError, QuerySyntaxError
from mozdef.events.schema import DETAILS_FIELD, TOP_LEVEL_FIELDS
from mozdef.query.lucene import parse
from mozdef.query.tree import Node

FieldTargets = Mapping[str, tuple[str, ...]]
LOGSOURCE_KEYS = ("category", "product", "service")
T = TypeVar("T")
_TOP_KEYS = frozenset({"strict", "keywords", "include_default", "fields", "logsources"})


@dataclass(frozen=True)
class SourceFields:
    """One log source: the events it means and how its rules' field names read."""

    logsource: tuple[str | None, str | None, str | None]
    query: Node
    fields: FieldTargets
    strict: bool = False
    keywords: str = "summary"

    def resolve(self, name: str) -> tuple[str, ...] | None:
        """The MozDef fields for the Sigma field `name`; None when strict and unmapped."""
        if name in self.fields:
            return self.fields[name]
        if name in TOP_LEVEL_FIELDS or name.startswith(DETAILS_FIELD + "."):
            return (name,)
        return None if self.strict else (f"{DETAILS_FIELD}.{name.lower()}",)


@dataclass(frozen=True)
class FieldMapping:
    fields: FieldTargets = field(default_factory=dict)
    logsources: tuple[SourceFields, ...] = ()
    strict: bool = False
    keywords: str = "summary"

    def source(
        self, *, category: str | None, product: str | None, service: str | None
    ) -> SourceFields | None:
        """The log source entry equal to this one, with every field mapping merged in."""
        wanted = (category, product, service)
        entry = next((entry for entry in self.logsources if entry.logsource == wanted), None)
        if entry is None:
            return None
        merged = {**self.fields, **entry.fields}
        return replace(entry, fields=merged, strict=self.strict, keywords=self.keywords)

    def extended_by(self, other: FieldMapping) -> FieldMapping:
        """This mapping with `other`'s fields and log sources added, `other` winning."""
        taken = {entry.logsource for entry in other.logsources}
        kept = tuple(entry for entry in self.logsources if entry.logsource not in taken)
        return FieldMapping(
            fields={**self.fields, **other.fields},
            logsources=other.logsources + kept,
            strict=other.strict,
            keywords=other.keywords,
        )


def load_mapping(path: Path) -> FieldMapping:
    """The mapping in a YAML (`.yml`, `.yaml`) or TOML (`.toml`) file."""
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as error:
        raise ConfigError(
            str(path), type(error).__name__, f"valid YAML or TOML: {error}"
        ) from error
    mapping = mapping_from_dict(data, origin=str(path))
    include = isinstance(data, dict) and data.get("include_default") is True
    return default_mapping().extended_by(mapping) if include else mapping


@functools.cache
def default_mapping() -> FieldMapping:
    text = resources.files(__package__).joinpath("default_mapping.yaml").read_text("utf-8")
    return mapping_from_dict(yaml.safe_load(text), origin="default_mapping.yaml")


def mapping_from_dict(data: Any, *, origin: str) -> FieldMapping:
    """A mapping from parsed file content; `origin` names the file in errors."""
    if not isinstance(data, dict):
        raise ConfigError(origin, data, "a mapping with fields and logsources")
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ConfigError(
            f"{origin}: {unknown[0]}", data[unknown[0]], f"one of {sorted(_TOP_KEYS)}"
        )
    strict = _typed(data.get("strict", False), bool, f"{origin}: strict", "true or false")
    keywords = _typed(data.get("keywords", "summary"), str, f"{origin}: keywords", "a field name")
    return FieldMapping(
        fields=_fields(data.get("fields", {}), f"{origin}: fields"),
        logsources=tuple(_logsources(data.get("logsources", []), origin)),
        strict=strict,
        keywords=keywords,
    )


def _logsources(items: Any, origin: str) -> list[SourceFields]:
    if not isinstance(items, list):
        raise ConfigError(f"{origin}: logsources", items, "a list of entries")
    return [_logsource(item, f"{origin}: logsources[{n}]") for n, item in enumerate(items)]


def _logsource(item: Any, where: str) -> SourceFields:
    if not isinstance(item, dict) or not isinstance(item.get("logsource"), dict):
        raise ConfigError(where, item, "an entry with a logsource mapping and a query")
    source = item["logsource"]
    if not source or set(source) - set(LOGSOURCE_KEYS):
        raise ConfigError(f"{where}.logsource", source, f"some of {', '.join(LOGSOURCE_KEYS)}")
    triple = (source.get("category"), source.get("product"), source.get("service"))
    text = _typed(item.get("query"), str, f"{where}.query", "a Lucene query string")
    try:
        query = parse(text)
    except QuerySyntaxError as error:
        raise ConfigError(f"{where}.query", text, f"a Lucene query ({error})") from error
    return SourceFields(triple, query, _fields(item.get("fields", {}), f"{where}.fields"))


def _fields(data: Any, where: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(data, dict):
        raise ConfigError(where, data, "a mapping from Sigma field names to MozDef fields")
    targets: dict[str, tuple[str, ...]] = {}
    for name, value in data.items():
        listed = value if isinstance(value, list) else [value]
        if not listed or not all(isinstance(target, str) and target for target in listed):
            raise ConfigError(f"{where}.{name}", value, "a MozDef field name or a list of them")
        targets[str(name)] = tuple(listed)
    return targets


def _typed(value: Any, kind: type[T], key: str, expected: str) -> T:
    if not isinstance(value, kind):
        raise ConfigError(key, value, expected)
    return value
