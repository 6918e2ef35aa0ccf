"""The scale-out processes against the real servers: competing workers, and the
faults an operator meets (a worker killed, RabbitMQ or OpenSearch down for 30 s).
Each test checks the promise: every acknowledged event is stored, and only once."""

from __future__ import annotations

import time
from collections import Counter

import httpx

from tests.scaleout.cluster import Cluster, Sender, script, stored_seqs, wait_stored

OUTAGE_SECONDS = 30


def assert_exactly_once(acked: list[int], seqs: list[int]) -> None:
    missing = set(acked) - set(seqs)
    assert not missing, f"{len(missing)} acknowledged events lost, e.g. {sorted(missing)[:5]}"
    twice = [seq for seq, count in Counter(seqs).items() if count > 1]
    assert not twice, f"{len(twice)} events stored twice, e.g. {twice[:5]}"


def test_events_flow_through_rabbitmq_and_competing_workers_into_opensearch(
    cluster: Cluster,
) -> None:
    intake = cluster.start("intake")
    cluster.start("worker", name="worker-a")
    cluster.start("worker", name="worker-b")
    web = cluster.start("web")
    sender = Sender(intake.url)
    sender.start()
    time.sleep(4)
    sender.stop()
    assert len(sender.acked) >= 1000
    assert_exactly_once(sender.acked, wait_stored(web, sender.acked))


def test_refresh_wait_for_answers_once_the_events_are_searchable_in_opensearch(
    cluster: Cluster,
) -> None:
    intake = cluster.start("intake")
    cluster.start("worker")
    web = cluster.start("web")
    batch = [{"summary": "scaleout refresh", "details": {"seq": seq}} for seq in range(50)]
    posted = httpx.post(
        intake.url + "/events",
        params={"refresh": "wait_for"},
        json=batch,
        headers=intake.headers,
        timeout=60,
    )
    assert posted.status_code == 200, posted.text
    assert posted.json()["accepted"] == 50

    # Asked at once, with no waiting: the answer above came after they were searchable.
    assert sorted(stored_seqs(web)) == list(range(50))


def test_sigkill_of_a_worker_during_intake_loses_and_duplicates_nothing(
    cluster: Cluster,
) -> None:
    intake = cluster.start("intake")
    victim = cluster.start("worker", name="worker-victim")
    cluster.start("worker", name="worker-survivor")
    web = cluster.start("web")
    sender = Sender(intake.url)
    sender.start()
    time.sleep(3)
    victim.kill()
    time.sleep(3)
    sender.stop()
    assert len(sender.acked) >= 1000
    assert_exactly_once(sender.acked, wait_stored(web, sender.acked))


def test_rabbitmq_down_for_30s_intake_answers_503_then_recovers(cluster: Cluster) -> None:
    intake = cluster.start("intake")
    cluster.start("worker")
    web = cluster.start("web")
    sender = Sender(intake.url)
    sender.start()
    time.sleep(2)
    script("rabbitmq", "stop")
    try:
        time.sleep(OUTAGE_SECONDS)
        during = httpx.post(intake.url + "/events", content=b'{"summary": "during"}', timeout=30)
    finally:
        script("rabbitmq", "resume")
    acked_before_recovery = len(sender.acked)
    deadline = time.monotonic() + 60
    while len(sender.acked) == acked_before_recovery and time.monotonic() < deadline:
        time.sleep(0.5)
    sender.stop()
    assert during.status_code == 503, during.text
    assert during.headers.get("Retry-After")
    assert 503 in sender.statuses
    assert len(sender.acked) > acked_before_recovery, "intake did not recover by itself"
    assert_exactly_once(sender.acked, wait_stored(web, sender.acked))


def test_opensearch_down_for_30s_workers_back_off_and_catch_up(cluster: Cluster) -> None:
    intake = cluster.start("intake")
    cluster.start("worker")
    sender = Sender(intake.url)
    sender.start()
    time.sleep(2)
    script("opensearch", "stop")
    try:
        acked_at_outage = len(sender.acked)
        time.sleep(OUTAGE_SECONDS)
        acked_during_outage = len(sender.acked) - acked_at_outage
    finally:
        script("opensearch", "resume")
    time.sleep(2)
    sender.stop()
    web = cluster.start("web")
    # The queue held the events meanwhile: intake went on answering 200.
    assert acked_during_outage > 0
    assert set(sender.statuses) == {200}
    assert_exactly_once(sender.acked, wait_stored(web, sender.acked, timeout=300))
