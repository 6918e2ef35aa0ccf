import ipaddress

import pytest

from mozdef.alerts.model import AlertDraft, EventSample
from mozdef.alerts.plugins.source_sites import Site, SourceSites
from mozdef.errors import ConfigError

OFFICES = SourceSites.from_options(
    {
        "known": [
            {"range": "10.8.0.0/16", "site": "office1", "format": "{0} is in {1}"},
            {"range": "2001:db8:232::/48", "site": "office2", "format": "IPv6 {0} from {1}"},
        ]
    }
)


def _draft(summary: str, **details: object) -> AlertDraft:
    return AlertDraft("r", summary, "c", "NOTICE", details=dict(details))


def test_an_address_in_the_summary_gets_its_site_appended() -> None:
    enriched = OFFICES.on_alert(_draft("login from 10.8.1.2"))

    assert enriched.summary == "login from 10.8.1.2; 10.8.1.2 is in office1"
    assert enriched.details["sites"] == [{"ip": "10.8.1.2", "site": "office1"}]


def test_an_ipv6_address_in_details_is_matched() -> None:
    enriched = OFFICES.on_alert(_draft("scan", sourceipaddress="2001:db8:232::7"))

    assert enriched.summary == "scan; IPv6 2001:db8:232::7 from office2"


def test_an_address_in_a_sample_event_is_matched() -> None:
    sample = EventSample("e1", "events-20260301", {"details": {"ip": "10.8.9.9"}})
    draft = AlertDraft("r", "seen", "c", "NOTICE", events=(sample,))

    assert OFFICES.on_alert(draft).details["sites"] == [{"ip": "10.8.9.9", "site": "office1"}]


def test_an_address_outside_every_network_leaves_the_draft_alone() -> None:
    draft = _draft("login from 192.0.2.4")

    assert OFFICES.on_alert(draft) is draft


def test_a_version_string_is_not_taken_for_an_address() -> None:
    draft = _draft("agent 10.8.1.2.5 restarted")

    assert OFFICES.on_alert(draft) is draft


def test_a_bad_range_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError) as caught:
        SourceSites.from_options({"known": [{"range": "10.8.0.0/33", "site": "x"}]})

    assert caught.value.key == "alerts.plugins.source_sites.known.0.range"


def test_the_default_format_names_address_and_site() -> None:
    plugin = SourceSites([Site(ipaddress.ip_network("192.0.2.0/24"), "lab")])

    assert plugin.on_alert(_draft("x 192.0.2.1")).summary == "x 192.0.2.1; 192.0.2.1 is in lab"
