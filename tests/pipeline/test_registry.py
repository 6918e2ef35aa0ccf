import importlib.metadata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mozdef.errors import ConfigError, PluginError
from mozdef.pipeline import DEFAULT_PLUGINS, Pipeline, load_plugins, registry
from mozdef.pipeline.plugins.truncate import Truncate

RECEIVED = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)

MOZDEF_STYLE = '''
import os
import sys


class message(object):
    def __init__(self):
        """Sees events that mention a source address."""
        self.registration = ['sourceipaddress']
        self.priority = 20

    def onMessage(self, message, metadata):
        message['details']['marked'] = True
        return (message, metadata)
'''

NAMED_CLASS = """
class Tagger:
    registration = ["*"]
    priority = 3

    def __init__(self, tag="default"):
        self.tag = tag

    def onMessage(self, message, metadata):
        message["tags"].append(self.tag)
        return message, metadata
"""


class EntryPointPlugin:
    registration = ("*",)
    priority = 7

    def __init__(self, label: str = "none") -> None:
        self.label = label

    def onMessage(self, message: Any, metadata: Any) -> tuple[Any, Any]:
        return message, metadata


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_default_chain_runs_sshd_su_ipfixup_truncate() -> None:
    pipeline = Pipeline(load_plugins(DEFAULT_PLUGINS, [], {}), mozdefhostname="m")
    assert pipeline.plugins == ["sshd", "su", "ipfixup", "truncate"]


def test_builtin_gets_its_options_as_keyword_arguments() -> None:
    [plugin] = load_plugins(["truncate"], [], {"truncate": {"max_length": 10}})
    assert isinstance(plugin, Truncate) and plugin.max_length == 10


def test_builtin_priority_can_be_set_by_option() -> None:
    [plugin] = load_plugins(["truncate"], [], {"truncate": {"priority": 3}})
    assert plugin.priority == 3


def test_unknown_option_is_a_plugin_error() -> None:
    with pytest.raises(PluginError, match="plugin truncate: cannot create the plugin: TypeError"):
        load_plugins(["truncate"], [], {"truncate": {"colour": "red"}})


def test_invalid_option_value_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"plugins\.truncate\.max_length"):
        load_plugins(["truncate"], [], {"truncate": {"max_length": 0}})


def test_unknown_id_is_a_plugin_error_listing_the_builtins() -> None:
    with pytest.raises(PluginError) as caught:
        load_plugins(["nosuch"], [], {})
    assert (caught.value.plugin, caught.value.reason) == (
        "nosuch",
        "unknown plugin id; built-in ones are"
        " drop, geoip, ipfixup, lowercasekeys, removedots, sshd, su, truncate",
    )


def test_mozdef_style_plugin_file_loads_and_runs(tmp_path: Path) -> None:
    write(tmp_path, "markip.py", MOZDEF_STYLE)
    pipeline = Pipeline(load_plugins([], [tmp_path], {}), mozdefhostname="m")
    result = pipeline.process(
        {"details": {"sourceipaddress": "10.0.0.1"}}, event_id="e", received=RECEIVED
    )
    assert pipeline.plugins == ["markip"]
    assert result is not None and result[0]["details"]["marked"] is True


def test_class_with_on_message_loads_with_options_named_by_the_file(tmp_path: Path) -> None:
    write(tmp_path, "tagger.py", NAMED_CLASS)
    [plugin] = load_plugins([], [tmp_path], {"tagger": {"tag": "seen"}})
    assert plugin.tag == "seen"  # type: ignore[attr-defined]


def test_files_starting_with_underscore_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, "__init__.py", "raise RuntimeError('never imported')")
    assert load_plugins([], [tmp_path], {}) == []


def test_import_failure_names_the_file_and_the_reason(tmp_path: Path) -> None:
    path = write(tmp_path, "old.py", "from mozdef_util.utilities.toUTC import toUTC\n")
    with pytest.raises(PluginError) as caught:
        load_plugins([], [tmp_path], {})
    assert (caught.value.plugin, caught.value.reason) == (
        str(path),
        "cannot import: ModuleNotFoundError: No module named 'mozdef_util'",
    )


def test_syntax_error_is_a_plugin_error(tmp_path: Path) -> None:
    write(tmp_path, "broken.py", "class message(:\n")
    with pytest.raises(PluginError, match=r"broken\.py: cannot import: SyntaxError"):
        load_plugins([], [tmp_path], {})


def test_file_without_plugin_class_is_a_plugin_error(tmp_path: Path) -> None:
    write(tmp_path, "helper.py", "VALUE = 1\n")
    with pytest.raises(PluginError, match="no plugin class"):
        load_plugins([], [tmp_path], {})


def test_plugin_without_integer_priority_is_a_plugin_error(tmp_path: Path) -> None:
    text = MOZDEF_STYLE.replace("self.priority = 20", "self.priority = 'high'")
    write(tmp_path, "bad.py", text)
    with pytest.raises(PluginError, match="priority must be an integer, found 'high'"):
        load_plugins([], [tmp_path], {})


def test_missing_folder_is_a_plugin_error(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match="plugin folder does not exist"):
        load_plugins([], [tmp_path / "absent"], {})


def test_entry_point_plugin_is_enabled_by_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    point = importlib.metadata.EntryPoint(
        name="external",
        value=f"{__name__}:EntryPointPlugin",
        group=registry.ENTRY_POINT_GROUP,
    )
    monkeypatch.setattr(registry, "entry_points", lambda group: [point])
    [plugin] = load_plugins(["external"], [], {"external": {"label": "x"}})
    assert isinstance(plugin, EntryPointPlugin) and plugin.label == "x"


def test_entry_point_that_fails_to_import_is_a_plugin_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    point = importlib.metadata.EntryPoint(
        name="external", value="no_such_module:Plugin", group=registry.ENTRY_POINT_GROUP
    )
    monkeypatch.setattr(registry, "entry_points", lambda group: [point])
    with pytest.raises(PluginError, match="cannot import no_such_module:Plugin"):
        load_plugins(["external"], [], {})


def test_default_chain_reads_an_sshd_event() -> None:
    pipeline = Pipeline(load_plugins(DEFAULT_PLUGINS, [], {}), mozdefhostname="m")
    raw = {
        "program": "sshd",
        "message": "Accepted password for alice from 2001:DB8::7 port 50022 ssh2",
    }
    result = pipeline.process(raw, event_id="e", received=RECEIVED)
    assert result is not None
    assert result[0]["details"] == {
        "authstatus": "success",
        "authmethod": "password",
        "username": "alice",
        "sourceipaddress": "2001:db8::7",
        "sourceport": 50022,
    }
