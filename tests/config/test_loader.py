from pathlib import Path

import pytest

from mozdef.config import load_settings
from mozdef.errors import ConfigError


def test_defaults_need_no_file() -> None:
    settings = load_settings(env={})
    assert settings.server.port == 8080
    assert settings.data_dir == Path("data")


def test_toml_file_sets_values(tmp_path: Path) -> None:
    path = tmp_path / "mozdef.toml"
    path.write_text('[server]\nport = 9000\n[spool]\nsegment_bytes = "16MiB"\n')
    settings = load_settings(path, env={})
    assert settings.server.port == 9000
    assert settings.spool.segment_bytes == 16 * 1024 * 1024


def test_environment_overrides_file(tmp_path: Path) -> None:
    path = tmp_path / "mozdef.toml"
    path.write_text("[server]\nport = 9000\n")
    settings = load_settings(path, env={"MOZDEF_SERVER_PORT": "9100"})
    assert settings.server.port == 9100


def test_overrides_win_over_environment() -> None:
    settings = load_settings(env={"MOZDEF_DATA_DIR": "/a"}, overrides={"data_dir": Path("/b")})
    assert settings.data_dir == Path("/b")


def test_invalid_port_names_key_value_and_expectation() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env={"MOZDEF_SERVER_PORT": "eighty"})
    assert str(caught.value) == "invalid configuration server.port='eighty': expected an integer"


def test_out_of_range_value_is_refused() -> None:
    with pytest.raises(ConfigError, match="a port number between 0 and 65535"):
        load_settings(env={"MOZDEF_SERVER_PORT": "70000"})


def test_unknown_key_in_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mozdef.toml"
    path.write_text("[server]\nprot = 1\n")
    with pytest.raises(ConfigError, match=r"server\.prot"):
        load_settings(path, env={})


def test_bad_size_string_is_refused() -> None:
    with pytest.raises(ConfigError, match="a size in bytes"):
        load_settings(env={"MOZDEF_INTAKE_MAX_BODY_BYTES": "lots"})


def test_list_setting_from_comma_separated_variable() -> None:
    settings = load_settings(env={"MOZDEF_PIPELINE_PLUGINS": "sshd, su"})
    assert settings.pipeline.plugins == ("sshd", "su")


def test_invalid_toml_is_reported_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[server\n")
    with pytest.raises(ConfigError, match="valid TOML"):
        load_settings(path, env={})


def test_the_shipped_scale_out_configuration_loads() -> None:
    path = Path(__file__).resolve().parents[2] / "deploy" / "mozdef.toml"
    env = {
        "MOZDEF_RABBITMQ_URL": "amqp://mozdef:secret@mq.internal:5672/%2F",
        "MOZDEF_OPENSEARCH_URL": "https://search.internal:9200",
        "MOZDEF_DATABASE_URL": "postgresql+psycopg://mozdef:secret@db.internal/mozdef",
    }
    settings = load_settings(path, env=env)
    assert (settings.queue.backend, settings.store.backend) == ("rabbitmq", "opensearch")
    assert settings.queue.prefetch == 8
    assert settings.database.url == env["MOZDEF_DATABASE_URL"]


def test_an_unknown_opensearch_event_fields_value_names_the_choices() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env={"MOZDEF_STORE_OPENSEARCH_EVENT_FIELDS": "false"})
    assert str(caught.value) == (
        "invalid configuration store.opensearch_event_fields='false': "
        "expected one of all, schema, none"
    )


def test_a_negative_full_wait_is_refused() -> None:
    with pytest.raises(ConfigError, match="seconds between 0 and 60") as caught:
        load_settings(env={"MOZDEF_INTAKE_FULL_WAIT": "-1"})
    assert caught.value.key == "intake.full_wait"
