from pathlib import Path

import pytest

from mozdef.config import load_settings
from mozdef.errors import ConfigError


def test_alert_settings_default_to_no_rule_folder_and_every_built_in() -> None:
    alerts = load_settings(env={}).alerts
    assert (alerts.rule_folders, alerts.sigma_mapping, alerts.builtin_disabled) == ((), "", ())


def test_rule_folders_come_from_the_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "mozdef.toml"
    path.write_text('[alerts]\nrule_folders = ["rules", "/etc/mozdef/sigma"]\n')
    settings = load_settings(path, env={})
    assert settings.alerts.rule_folders == (Path("rules"), Path("/etc/mozdef/sigma"))


def test_builtin_disabled_from_a_comma_separated_variable() -> None:
    settings = load_settings(env={"MOZDEF_ALERTS_BUILTIN_DISABLED": "deadman, geomodel"})
    assert settings.alerts.builtin_disabled == ("deadman", "geomodel")


def test_a_sigma_mapping_that_is_not_a_string_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mozdef.toml"
    path.write_text("[alerts]\nsigma_mapping = 3\n")
    with pytest.raises(ConfigError, match=r"alerts\.sigma_mapping=3: expected a string"):
        load_settings(path, env={})
