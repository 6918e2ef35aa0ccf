"""Several `mozdef alerts` processes on one PostgreSQL database: each tick of a
scheduled rule runs once, and when the process that ran the last tick is killed,
another runs the next one."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from pathlib import Path

from sqlalchemy import create_engine, select

from mozdef.appdb import AppDb
from mozdef.appdb.tables import rule_claims, rule_state
from tests.scaleout.cluster import Cluster, server_url

INTERVAL = 2


def claims(rule_id: str) -> list[tuple[dt.datetime, str]]:
    engine = create_engine(server_url("postgresql"))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(rule_claims.c.tick, rule_claims.c.owner)
                .where(rule_claims.c.rule_id == rule_id)
                .order_by(rule_claims.c.tick)
            ).all()
    finally:
        engine.dispose()
    return [(row.tick, row.owner) for row in rows]


def total_runs(rule_id: str) -> int:
    """The runs that the processes recorded in the rule's saved state."""
    engine = create_engine(server_url("postgresql"))
    try:
        with engine.connect() as connection:
            query = select(rule_state.c.total_runs).where(rule_state.c.rule_id == rule_id)
            return int(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


def wait_for_claims(rule_id: str, count: int, timeout: float = 60) -> list[tuple[dt.datetime, str]]:
    deadline = time.monotonic() + timeout
    found = claims(rule_id)
    while len(found) < count and time.monotonic() < deadline:
        time.sleep(0.5)
        found = claims(rule_id)
    return found


def test_killed_alerts_process_hands_its_rule_to_another_at_the_next_tick(
    cluster: Cluster, tmp_path: Path
) -> None:
    rule_id = f"ha-{cluster.tag}"
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "ha.yaml").write_text(
        f"id: {rule_id}\nquery: 'summary:never-{cluster.tag}'\n"
        f"window: {INTERVAL}s\nschedule: {INTERVAL}s\nseverity: INFO\ncategory: ha\n"
        "summary: 'never raised'\n"
    )
    extra = {"MOZDEF_ALERTS_RULE_FOLDERS": str(rules)}
    # The schema exists before the test reads the claims (the processes make it too).
    AppDb(server_url("postgresql")).close()
    first = cluster.start("alerts", name="alerts-a", **extra)
    second = cluster.start("alerts", name="alerts-b", **extra)
    by_pid = {first.process.pid: first, second.process.pid: second}

    before = wait_for_claims(rule_id, 3)
    assert len(before) >= 3, before
    holder_pid = int(before[-1][1].rsplit(":", 1)[1])
    victim = by_pid[holder_pid]
    survivor = second if victim is first else first
    victim.kill()
    killed_at = dt.datetime.now(dt.UTC)

    after_kill = [c for c in wait_for_claims(rule_id, len(before) + 3) if c[0] > killed_at]
    assert after_kill, "no tick ran after the kill"
    assert {owner.rsplit(":", 1)[1] for _, owner in after_kill} == {str(survivor.process.pid)}
    # The survivor ran the very next tick, and every tick since, each once.
    assert after_kill[0][0] - killed_at <= dt.timedelta(seconds=INTERVAL)
    survivor.stop()
    ticks = [tick for tick, _ in claims(rule_id)]
    gaps = {b - a for a, b in itertools.pairwise(ticks) if b > killed_at}
    assert gaps <= {dt.timedelta(seconds=INTERVAL)}, gaps
    # Each claimed tick ran once: no run beyond the claims; left unrun at most the tick
    # the kill interrupted and one claimed as the survivor was stopping.
    assert len(ticks) - 2 <= total_runs(rule_id) <= len(ticks)
