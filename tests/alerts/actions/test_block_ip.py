import datetime as dt

import pytest

from mozdef.alerts.actions.base import ActionContext
from mozdef.alerts.actions.block_ip import BlockIpAction, BlockIpOptions
from mozdef.alerts.actions.blocklist import BlockEntry, MemoryBlockList
from mozdef.errors import ActionError, ConfigError
from tests.alerts.actions.alerts import WHEN, make_alert


def test_the_source_address_is_blocked_with_reason_and_expiry() -> None:
    blocked = MemoryBlockList()
    options = BlockIpOptions(reason="{rule_id}", duration=3600)
    action = BlockIpAction(options, blocked, clock=lambda: WHEN)

    action.deliver(make_alert())

    expires = dt.datetime(2026, 3, 1, 13, 0, tzinfo=dt.UTC)
    assert blocked.entries() == [
        BlockEntry("203.0.113.9", "bruteforce_ssh", "mozdef-alerts", expires)
    ]


def test_the_address_is_read_from_the_first_event_when_details_lack_it() -> None:
    blocked = MemoryBlockList()

    BlockIpAction(BlockIpOptions(), blocked).deliver(make_alert(details={}))

    assert [entry.address for entry in blocked.entries()] == ["203.0.113.9"]


def test_an_alert_without_an_address_fails_for_good() -> None:
    action = BlockIpAction(BlockIpOptions(field="details.nothing"), MemoryBlockList())

    with pytest.raises(ActionError) as caught:
        action.deliver(make_alert())

    assert caught.value.retryable is False


def test_building_without_a_block_list_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError):
        BlockIpAction.build({}, name="block", context=ActionContext())
