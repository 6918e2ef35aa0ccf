"""The block_ip alert action adding to the real block list."""

import pytest

from mozdef.alerts.actions.block_ip import BlockIpAction, BlockIpOptions
from mozdef.appdb import AppDb
from mozdef.blocklist import DbBlockList
from mozdef.errors import ActionError
from tests.alerts.actions.alerts import WHEN, make_alert


def test_the_action_blocks_the_alerts_source_address_until_its_expiry(appdb: AppDb) -> None:
    block_list = DbBlockList(appdb, clock=lambda: WHEN)
    options = BlockIpOptions(reason="{rule_id}", duration=3600)

    note = BlockIpAction(options, block_list, clock=lambda: WHEN).deliver(make_alert())

    [entry] = block_list.store.active("ip")
    assert note == "blocked 203.0.113.9"
    assert (entry.value, entry.reason, entry.created_by) == (
        "203.0.113.9",
        "bruteforce_ssh",
        "mozdef-alerts",
    )
    assert entry.expires is not None and (entry.expires - WHEN).total_seconds() == 3600


def test_a_protected_address_fails_the_action_for_good(appdb: AppDb) -> None:
    block_list = DbBlockList(appdb, clock=lambda: WHEN)
    alert = make_alert(details={"sourceipaddress": "10.1.2.3"})

    with pytest.raises(ActionError, match=r"protected range 10\.0\.0\.0/8") as caught:
        BlockIpAction(BlockIpOptions(), block_list).deliver(alert)

    assert caught.value.retryable is False
    assert block_list.store.active("ip") == []
