from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from mozdef.alerts.suppressions import SuppressionStore
from mozdef.appdb import AppDb
from mozdef.errors import QuerySyntaxError

from .builders import NOW, Engine, at, draft


def test_a_global_suppression_drops_any_rules_matching_draft(appdb: AppDb) -> None:
    engine = Engine(db=appdb)
    assert engine.suppressions is not None
    engine.suppressions.add("category:bruteforce", reason="pentest week", by="alice")

    outcome = engine.sink.submit(draft(rule_id="any-rule"), now=at(0))

    assert outcome.action == "suppressed"
    assert engine.alerts.search().total == 0


def test_a_suppression_counts_its_hits(appdb: AppDb) -> None:
    engine = Engine(db=appdb)
    assert engine.suppressions is not None
    made = engine.suppressions.add("category:bruteforce", reason="pentest", by="alice")

    engine.sink.submit(draft(), now=at(1))
    engine.sink.submit(draft(), now=at(2))

    found = engine.suppressions.get(made.id)
    assert found is not None
    assert (found.hits, found.last_hit) == (2, at(2))


def test_a_rule_scoped_suppression_leaves_other_rules_alone(appdb: AppDb) -> None:
    engine = Engine(db=appdb)
    assert engine.suppressions is not None
    engine.suppressions.add("category:bruteforce", reason="r", by="alice", rule_id="rule-a")

    outcomes = engine.sink.submit_many([draft(rule_id="rule-a"), draft(rule_id="rule-b")])

    assert [o.action for o in outcomes] == ["suppressed", "created"]


def test_an_expired_suppression_no_longer_applies(appdb: AppDb) -> None:
    engine = Engine(db=appdb)
    assert engine.suppressions is not None
    engine.suppressions.add("category:bruteforce", reason="r", by="alice", expires=at(10))

    before = engine.sink.submit(draft(dedup_key="1"), now=at(9))
    after = engine.sink.submit(draft(dedup_key="2"), now=at(10))

    assert (before.action, after.action) == ("suppressed", "created")


def test_a_query_on_events_applies_when_every_sample_matches(appdb: AppDb) -> None:
    engine = Engine(db=appdb)
    assert engine.suppressions is not None
    engine.suppressions.add("id:(e1 OR e2)", reason="known host", by="alice")

    all_known = engine.sink.submit(draft(dedup_key="1", samples=["e1", "e2"]), now=at(0))
    one_unknown = engine.sink.submit(draft(dedup_key="2", samples=["e1", "e9"]), now=at(0))

    assert (all_known.action, one_unknown.action) == ("suppressed", "created")


def test_a_query_can_name_the_drafts_details(appdb: AppDb) -> None:
    engine = Engine(db=appdb)
    assert engine.suppressions is not None
    engine.suppressions.add("details.sourceipaddress:10.0.0.0/8", reason="internal", by="bob")

    inside = engine.sink.submit(draft(details={"sourceipaddress": "10.1.2.3"}), now=at(0))
    outside = engine.sink.submit(draft(details={"sourceipaddress": "8.8.8.8"}), now=at(0))

    assert (inside.action, outside.action) == ("suppressed", "created")


def test_a_suppression_with_a_bad_query_is_refused(appdb: AppDb) -> None:
    store = SuppressionStore(appdb)

    with pytest.raises(QuerySyntaxError):
        store.add("category:(bruteforce", reason="r", by="alice")
    assert store.all() == []


def test_suppressions_are_kept_in_the_application_database(
    open_appdb: Callable[[], AppDb],
) -> None:
    SuppressionStore(open_appdb(), clock=lambda: NOW).add(
        "hostname:scanner1", reason="scanner", by="alice", expires=at(60)
    )

    (kept,) = SuppressionStore(open_appdb()).all()

    assert (kept.query, kept.reason, kept.created_by) == ("hostname:scanner1", "scanner", "alice")
    assert (kept.created, kept.expires) == (NOW, NOW + dt.timedelta(hours=1))


def test_a_removed_suppression_stops_applying(appdb: AppDb) -> None:
    engine = Engine(db=appdb)
    assert engine.suppressions is not None
    made = engine.suppressions.add("category:bruteforce", reason="r", by="alice")

    assert engine.suppressions.remove(made.id)
    outcome = engine.sink.submit(draft(), now=at(0))

    assert outcome.action == "created"
