"""Finding and building the plugins of a pipeline.

Two sources, in this order in the returned list (the pipeline then orders
plugins by priority, keeping this order among equals):

1. Plugins named in `enabled`: a built-in id (below), else the name of an entry
   point in group `mozdef.plugins` (a class, built with the id's options as
   keyword arguments). Installing a package therefore adds no plugin to the
   chain until its id is enabled.
2. Every `*.py` file of each folder (files starting with `_` excepted), in name
   order, MozDef style: the class named `message` in the file, else every class
   defined in it that has an `onMessage` method. The options under the file's
   stem, if any, are passed as keyword arguments. Folder plugins need not be
   enabled: being in the folder is the switch, as in MozDef.

The default chain, `DEFAULT_PLUGINS`, is sshd and su parsing, address fixups and
truncation: each is cheap and keeps the field names users sent. `geoip` needs a
database file; `lowercasekeys` and `removedots` rename users' fields;
`drop` needs criteria. They are there to enable.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Mapping, Sequence
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

from mozdef.errors import MozDefError, PluginError
from mozdef.pipeline.plugin import MODULE_PREFIX, BasePlugin, Plugin
from mozdef.pipeline.plugins.drop import Drop
from mozdef.pipeline.plugins.geoip import GeoIp
from mozdef.pipeline.plugins.ipfixup import IpFixup
from mozdef.pipeline.plugins.lowercasekeys import LowercaseKeys
from mozdef.pipeline.plugins.removedots import RemoveDots
from mozdef.pipeline.plugins.sshd import ParseSshd
from mozdef.pipeline.plugins.su import ParseSu
from mozdef.pipeline.plugins.truncate import Truncate

ENTRY_POINT_GROUP = "mozdef.plugins"

BUILTIN_PLUGINS: Mapping[str, type[BasePlugin]] = {
    cls.name: cls
    for cls in (
        LowercaseKeys,
        RemoveDots,
        Drop,
        ParseSshd,
        ParseSu,
        IpFixup,
        GeoIp,
        Truncate,
    )
}

DEFAULT_PLUGINS: tuple[str, ...] = ("sshd", "su", "ipfixup", "truncate")

Options = Mapping[str, Mapping[str, Any]]


def load_plugins(enabled: Sequence[str], folders: Sequence[Path], options: Options) -> list[Plugin]:
    """The plugins of a pipeline; raises PluginError naming the first that fails."""
    plugins = [_enabled_plugin(plugin_id, options.get(plugin_id, {})) for plugin_id in enabled]
    for folder in folders:
        plugins.extend(load_folder(folder, options))
    return plugins


def load_folder(folder: Path, options: Options) -> list[Plugin]:
    """The plugins of every `*.py` file of `folder`, in file name order."""
    if not folder.is_dir():
        raise PluginError(str(folder), "plugin folder does not exist")
    plugins: list[Plugin] = []
    for path in sorted(folder.glob("*.py")):
        if not path.name.startswith("_"):
            plugins.extend(load_file(path, options.get(path.stem, {})))
    return plugins


def load_file(path: Path, options: Mapping[str, Any]) -> list[Plugin]:
    """The plugins defined in the Python file at `path`."""
    module = _import(path)
    classes = _plugin_classes(module)
    if not classes:
        raise PluginError(
            str(path), "no plugin class: expected a class `message` or one with `onMessage`"
        )
    return [_build(str(path), cls, options) for cls in classes]


def _enabled_plugin(plugin_id: str, options: Mapping[str, Any]) -> Plugin:
    builtin = BUILTIN_PLUGINS.get(plugin_id)
    if builtin is not None:
        return _build(plugin_id, builtin, options)

    found = [point for point in entry_points(group=ENTRY_POINT_GROUP) if point.name == plugin_id]
    if not found:
        known = ", ".join(sorted(BUILTIN_PLUGINS))
        raise PluginError(plugin_id, f"unknown plugin id; built-in ones are {known}")
    try:
        loaded = found[0].load()
    except Exception as exc:
        raise PluginError(plugin_id, f"cannot import {found[0].value}: {_describe(exc)}") from exc
    return _build(plugin_id, loaded, options)


def _import(path: Path) -> ModuleType:
    name = MODULE_PREFIX + path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise PluginError(str(path), "not a loadable Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        # Whatever a plugin file raises while importing, including SyntaxError.
        del sys.modules[name]
        raise PluginError(str(path), f"cannot import: {_describe(exc)}") from exc
    return module


def _plugin_classes(module: ModuleType) -> list[type]:
    message = getattr(module, "message", None)
    if isinstance(message, type):
        return [message]
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and value.__module__ == module.__name__
        and callable(getattr(value, "onMessage", None))
    ]


def _build(source: str, factory: Callable[..., Any], options: Mapping[str, Any]) -> Plugin:
    try:
        plugin = factory(**options)
    except MozDefError:
        raise
    except Exception as exc:
        raise PluginError(source, f"cannot create the plugin: {_describe(exc)}") from exc
    _check(source, plugin)
    return plugin  # type: ignore[no-any-return]


def _check(source: str, plugin: object) -> None:
    if not callable(getattr(plugin, "onMessage", None)):
        raise PluginError(source, "the plugin has no onMessage method")
    priority = getattr(plugin, "priority", None)
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise PluginError(source, f"priority must be an integer, found {priority!r}")
    registration = getattr(plugin, "registration", None)
    if not isinstance(registration, str | list | tuple | set | frozenset):
        raise PluginError(source, f"registration must be a list of terms, found {registration!r}")


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
