from pathlib import Path
from typing import Any

import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from mozdef.errors import PluginError
from mozdef.pipeline.plugins.geoip import GeoIp

LONDON = {
    "city": {"names": {"en": "London"}},
    "country": {"iso_code": "GB", "names": {"en": "United Kingdom"}},
    "continent": {"code": "EU"},
    "subdivisions": [{"iso_code": "ENG"}],
    "postal": {"code": "SW1A"},
    "location": {
        "latitude": 51.5,
        "longitude": -0.125,
        "time_zone": "Europe/London",
        "accuracy_radius": 20,
    },
}
COUNTRY_ONLY = {"country": {"iso_code": "FR", "names": {"en": "France"}}}


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoIP2-City")
    writer.insert_network(IPSet(["81.2.69.0/24"]), LONDON)
    writer.insert_network(IPSet(["2001:db8::/32"]), COUNTRY_ONLY)
    path = tmp_path_factory.mktemp("geoip") / "city.mmdb"
    writer.to_db_file(str(path))
    return path


def enriched(database: Path, details: dict[str, Any]) -> dict[str, Any]:
    result, _ = GeoIp(database=database).onMessage({"details": details}, {})
    assert result is not None
    return result["details"]  # type: ignore[no-any-return]


def test_source_address_gets_its_location(database: Path) -> None:
    details = enriched(database, {"sourceipaddress": "81.2.69.160"})
    assert details["sourceipgeolocation"] == {
        "city": "London",
        "region_code": "ENG",
        "country_code": "GB",
        "country_name": "United Kingdom",
        "continent_code": "EU",
        "postal_code": "SW1A",
        "latitude": 51.5,
        "longitude": -0.125,
        "time_zone": "Europe/London",
        "accuracy_radius": 20,
    }


def test_destination_address_gets_only_what_the_database_has(database: Path) -> None:
    details = enriched(database, {"destinationipaddress": "2001:db8::5"})
    assert details["destinationipgeolocation"] == {"country_code": "FR", "country_name": "France"}


def test_unknown_address_gets_nothing(database: Path) -> None:
    assert enriched(database, {"sourceipaddress": "10.0.0.1"}) == {"sourceipaddress": "10.0.0.1"}


def test_text_that_is_not_an_address_gets_nothing(database: Path) -> None:
    assert enriched(database, {"sourceipaddress": "nope"}) == {"sourceipaddress": "nope"}


def test_missing_database_is_a_plugin_error(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match="plugin geoip: cannot open database"):
        GeoIp(database=tmp_path / "absent.mmdb")
