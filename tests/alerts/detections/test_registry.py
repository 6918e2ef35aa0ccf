import datetime as dt

import pytest

from mozdef.alerts.detections import DETECTIONS, DetectionServices, build_all, build_detection
from mozdef.alerts.detections.forms import GroupDetection
from mozdef.alerts.detections.health import MemoryHealthSource
from mozdef.errors import ConfigError


def test_every_detection_is_built_when_its_services_are_there() -> None:
    services = DetectionServices(health=MemoryHealthSource())

    ids = sorted(rule.meta.id for rule in build_all(services=services))

    assert ids == sorted(set(DETECTIONS) - {"watchlist", "geomodel"})


def test_a_window_in_seconds_becomes_a_duration() -> None:
    rule = build_detection("bruteforce_ssh", {"window": 300})

    assert isinstance(rule, GroupDetection)
    assert rule.window == dt.timedelta(minutes=5)


def test_an_unknown_option_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError) as caught:
        build_detection("bruteforce_ssh", {"treshold": 3})

    assert caught.value.key == "detections.bruteforce_ssh"


def test_an_unknown_detection_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError):
        build_all({"bruteforce_smtp": {}})
