import datetime as dt

from mozdef.alerts.detections.health import HealthCheck, HealthCounters, MemoryHealthSource
from tests.alerts.detections.stored import NOW, event, stored

BUSY = stored(event())


def _summaries(check: HealthCheck) -> list[str]:
    return [draft.summary for draft in check.run(BUSY, now=NOW)]


def test_new_rejections_raise_an_alert_per_reason() -> None:
    source = MemoryHealthSource(HealthCounters(rejected={"too_large": 2}))

    drafts = HealthCheck(source).run(BUSY, now=NOW)

    assert [(d.summary, d.category) for d in drafts] == [
        ("Intake rejected 2 event(s) since the last check: too_large", "mozdef-health")
    ]


def test_rejections_already_reported_raise_nothing_again() -> None:
    source = MemoryHealthSource(HealthCounters(rejected={"too_large": 2}))
    check = HealthCheck(source)
    check.run(BUSY, now=NOW)

    assert _summaries(check) == []


def test_plugin_errors_raise_an_alert() -> None:
    check = HealthCheck(MemoryHealthSource(HealthCounters(plugin_errors=3)))

    assert _summaries(check) == ["Pipeline plugins failed 3 time(s) since the last check"]


def test_a_queue_near_its_limit_raises_an_error() -> None:
    counters = HealthCounters(queue_pending_bytes=950, queue_limit_bytes=1000)
    drafts = HealthCheck(MemoryHealthSource(counters)).run(BUSY, now=NOW)

    assert [(d.summary, d.severity) for d in drafts] == [
        ("Intake queue is 95% full (950 of 1000 bytes)", "ERROR")
    ]


def test_the_disk_floor_raises_a_critical_alert() -> None:
    drafts = HealthCheck(MemoryHealthSource(HealthCounters(disk_problem="2 GiB free"))).run(
        BUSY, now=NOW
    )

    assert [(d.summary, d.severity) for d in drafts] == [
        ("Disk floor reached: 2 GiB free", "CRITICAL")
    ]


def test_a_rule_failing_three_times_in_a_row_raises_an_alert() -> None:
    counters = HealthCounters(rule_failures={"bruteforce_ssh": 3, "duo_fail_open": 1})

    assert _summaries(HealthCheck(MemoryHealthSource(counters))) == [
        "Rule bruteforce_ssh failed 3 runs in a row"
    ]


def test_no_events_for_the_quiet_span_raises_an_alert() -> None:
    check = HealthCheck(MemoryHealthSource())
    assert check.run(stored(), now=NOW - dt.timedelta(minutes=15)) == []

    drafts = check.run(stored(), now=NOW)

    assert [d.summary for d in drafts] == ["No events stored in the past 15 minutes"]


def test_a_fresh_start_is_not_called_quiet() -> None:
    check = HealthCheck(MemoryHealthSource())

    assert check.run(stored(), now=NOW) == []
    assert check.run(stored(), now=NOW + dt.timedelta(minutes=14)) == []


def test_a_healthy_system_raises_nothing() -> None:
    counters = HealthCounters(accepted=5000, queue_pending_bytes=10, queue_limit_bytes=1000)

    assert _summaries(HealthCheck(MemoryHealthSource(counters))) == []
