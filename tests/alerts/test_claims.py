from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from mozdef.alerts.claims import LocalClaims, RunClaims, default_owner
from mozdef.appdb import AppDb

from .builders import at


def test_local_claims_grant_every_claim_again_and_again() -> None:
    claims = LocalClaims()

    assert [claims.claim("r", at(0)) for _ in range(3)] == [True, True, True]


def test_the_first_claim_of_a_tick_wins_and_the_next_loses(appdb: AppDb) -> None:
    first, second = RunClaims(appdb, "alerts-1"), RunClaims(appdb, "alerts-2")

    assert (first.claim("r", at(0)), second.claim("r", at(0))) == (True, False)
    assert first.owner_of("r", at(0)) == "alerts-1"


def test_a_process_that_claimed_a_tick_cannot_claim_it_again(appdb: AppDb) -> None:
    claims = RunClaims(appdb, "alerts-1")

    assert (claims.claim("r", at(0)), claims.claim("r", at(0))) == (True, False)


def test_other_ticks_and_other_rules_are_claimed_apart(appdb: AppDb) -> None:
    claims = RunClaims(appdb, "alerts-1")
    claims.claim("r", at(0))

    assert (claims.claim("r", at(5)), claims.claim("s", at(0))) == (True, True)


def test_two_processes_racing_for_each_tick_win_it_once(open_appdb: Callable[[], AppDb]) -> None:
    ticks = [at(minute) for minute in range(20)]
    owners = ("alerts-1", "alerts-2")
    won: dict[str, list[dt.datetime]] = {owner: [] for owner in owners}
    start = threading.Barrier(len(owners))

    def race(claims: RunClaims) -> None:
        start.wait()
        won[claims.owner] = [tick for tick in ticks if claims.claim("r", tick)]

    threads = [
        threading.Thread(target=race, args=(RunClaims(open_appdb(), owner),)) for owner in owners
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(won["alerts-1"] + won["alerts-2"]) == ticks


def test_prune_forgets_the_claims_made_before_the_time_given(appdb: AppDb) -> None:
    early = RunClaims(appdb, "alerts-1", clock=lambda: at(0))
    late = RunClaims(appdb, "alerts-1", clock=lambda: at(60))
    early.claim("r", at(-5))
    late.claim("r", at(-10))

    pruned = late.prune(at(30))

    assert pruned == 1
    assert (late.owner_of("r", at(-5)), late.owner_of("r", at(-10))) == (None, "alerts-1")
    assert late.claim("r", at(-5)) is True


def test_the_default_owner_names_the_host_and_the_process() -> None:
    host, pid = default_owner().rsplit(":", 1)

    assert host != ""
    assert int(pid) > 0
