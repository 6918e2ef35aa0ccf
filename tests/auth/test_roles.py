from __future__ import annotations

import pytest

from mozdef.auth.roles import Caller, Role, includes, parse_role
from mozdef.errors import AccountError


@pytest.mark.parametrize(
    ("have", "need", "allowed"),
    [
        ("viewer", "viewer", True),
        ("viewer", "analyst", False),
        ("viewer", "admin", False),
        ("analyst", "viewer", True),
        ("analyst", "analyst", True),
        ("analyst", "admin", False),
        ("admin", "viewer", True),
        ("admin", "analyst", True),
        ("admin", "admin", True),
    ],
)
def test_a_role_includes_the_ones_below_it(have: Role, need: Role, allowed: bool) -> None:
    assert includes(have, need) is allowed
    assert Caller("id", "alice", have, "token", "t1").has(need) is allowed


def test_an_unknown_role_is_refused_naming_the_roles_there_are() -> None:
    with pytest.raises(AccountError) as caught:
        parse_role("root")

    assert str(caught.value) == "role: expected one of viewer, analyst, admin, found 'root'"
    assert caught.value.problem == "invalid"
