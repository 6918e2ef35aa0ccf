from collections.abc import Callable
from typing import Any

from mozdef.alerts.detections.geomodel import GeoModel
from mozdef.alerts.detections.localities import AppDbLocalities, MemoryLocalities
from mozdef.appdb.db import AppDb
from mozdef.events.schema import Event
from tests.alerts.detections.stored import NOW, event, minutes, stored, streamed

TORONTO = {
    "city": "Toronto",
    "country_code": "CA",
    "latitude": 43.65,
    "longitude": -79.38,
    "accuracy_radius": 10,
}
BERLIN = {
    "city": "Berlin",
    "country_code": "DE",
    "latitude": 52.52,
    "longitude": 13.40,
    "accuracy_radius": 10,
}
HAMILTON = {
    "city": "Hamilton",
    "country_code": "CA",
    "latitude": 43.26,
    "longitude": -79.87,
    "accuracy_radius": 10,
}


def _login(
    place: dict[str, Any], ago: float, *, user: str = "alice", address: str = "198.51.100.1"
) -> Event:
    details = {
        "authstatus": "success",
        "username": user,
        "sourceipaddress": address,
        "sourceipgeolocation": place,
    }
    return event(ago=minutes(ago), details=details)


def test_toronto_then_berlin_an_hour_later_raises_an_alert() -> None:
    store = stored(_login(TORONTO, 61), _login(BERLIN, 1, address="203.0.113.8"))
    rule = GeoModel(MemoryLocalities(), window=minutes(120))

    drafts = rule.run(store, now=NOW)

    # Toronto to Berlin is about 6476 km on the great circle, less both 10 km radii.
    assert [d.summary for d in drafts] == [
        "alice seen in Berlin, DE 60 minutes after Toronto, CA (6456 km away)"
    ]
    assert drafts[0].details["sourceipaddress"] == "203.0.113.8"


def test_nearby_cities_an_hour_apart_raise_nothing() -> None:
    store = stored(_login(TORONTO, 61), _login(HAMILTON, 1))

    assert GeoModel(MemoryLocalities(), window=minutes(120)).run(store, now=NOW) == []


def test_the_second_place_after_enough_time_raises_nothing() -> None:
    store = stored(_login(TORONTO, 60 * 10), _login(BERLIN, 1))

    assert GeoModel(MemoryLocalities(), window=minutes(60 * 11)).run(store, now=NOW) == []


def test_state_carries_over_between_runs() -> None:
    localities = MemoryLocalities()
    GeoModel(localities, window=minutes(5)).run(stored(_login(TORONTO, 61)), now=NOW - minutes(58))

    drafts = GeoModel(localities, window=minutes(5)).run(stored(_login(BERLIN, 1)), now=NOW)

    assert len(drafts) == 1


def test_an_exempt_user_raises_nothing() -> None:
    store = stored(_login(TORONTO, 61), _login(BERLIN, 1))
    rule = GeoModel(MemoryLocalities(), window=minutes(120), exempt_users=("alice",))

    assert rule.run(store, now=NOW) == []


def test_an_address_in_an_exempt_network_raises_nothing() -> None:
    store = stored(_login(TORONTO, 61), _login(BERLIN, 1, address="10.9.0.1"))
    rule = GeoModel(MemoryLocalities(), window=minutes(120), exempt_networks=("10.0.0.0/8",))

    assert rule.run(store, now=NOW) == []


def test_a_lower_speed_limit_catches_a_slower_hop() -> None:
    store = stored(_login(TORONTO, 60 * 10), _login(BERLIN, 1))
    rule = GeoModel(MemoryLocalities(), window=minutes(60 * 11), max_speed_kmh=500)

    assert len(rule.run(store, now=NOW)) == 1


def test_streaming_raises_on_the_impossible_login() -> None:
    drafts = streamed(GeoModel(MemoryLocalities()), _login(TORONTO, 61), _login(BERLIN, 1))

    assert [d.dedup_key for d in drafts] == ["geomodel:alice"]


def test_localities_are_kept_in_the_application_database(
    open_appdb: Callable[[], AppDb],
) -> None:
    model = GeoModel(AppDbLocalities(open_appdb()))
    model.run(stored(_login(TORONTO, 61)), now=NOW - minutes(58))

    localities = AppDbLocalities(open_appdb()).load("alice")

    assert [(place.city, place.address) for place in localities] == [("Toronto", "198.51.100.1")]
