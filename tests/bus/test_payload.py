from __future__ import annotations

import orjson

from mozdef.bus.payload import alert_summary, encode

ALERT = {
    "id": "a1",
    "utctimestamp": "2026-12-04T09:00:00Z",
    "severity": "WARNING",
    "summary": "5 failed logins for alice",
    "category": "authentication",
    "tags": ["bruteforce"],
    "events": [
        {"documentid": f"e{n}", "documentindex": "events", "documentsource": {}} for n in range(25)
    ],
    "notify_mozdefbot": False,
    "ircchannel": None,
    "details": {"sourceipaddress": "10.0.0.9"},
    "rule_id": "bruteforce",
    "count": 5,
    "dedup_key": "alice",
    "last_seen": "2026-12-04T09:01:00Z",
    "status": "acknowledged",
    "history": [
        {"status": "acknowledged", "by": "bob", "at": "2026-12-04T09:02:00Z", "note": ""},
    ],
}


def test_an_alert_is_cut_to_its_summary_fields_and_last_change() -> None:
    assert alert_summary(ALERT) == {
        "id": "a1",
        "utctimestamp": "2026-12-04T09:00:00Z",
        "last_seen": "2026-12-04T09:01:00Z",
        "rule_id": "bruteforce",
        "summary": "5 failed logins for alice",
        "category": "authentication",
        "severity": "WARNING",
        "tags": ["bruteforce"],
        "count": 5,
        "dedup_key": "alice",
        "status": "acknowledged",
        "change": {"status": "acknowledged", "by": "bob", "at": "2026-12-04T09:02:00Z", "note": ""},
    }


def test_an_alert_topic_carries_the_summary_untrimmed() -> None:
    encoded, trimmed = encode("alert.status", ALERT)

    assert orjson.loads(encoded) == alert_summary(ALERT)
    assert trimmed is False


def test_a_payload_within_the_limit_is_kept_whole() -> None:
    payload = {"id": "i1", "fields": ["status", "summary"]}

    assert encode("incident.changed", payload) == (orjson.dumps(payload), False)


def test_an_oversize_payload_keeps_its_top_level_scalars_cut_short() -> None:
    payload = {"id": "i1", "title": "t" * 300, "open": True, "notes": ["n" * 500] * 40}

    encoded, trimmed = encode("incident.changed", payload, limit=1000)

    assert orjson.loads(encoded) == {"id": "i1", "title": "t" * 256, "open": True, "trimmed": True}
    assert trimmed is True


def test_a_payload_too_big_even_trimmed_keeps_only_its_id() -> None:
    payload = {"id": "i1", **{f"field{n}": "x" * 200 for n in range(50)}}

    encoded, trimmed = encode("incident.changed", payload, limit=1000)

    assert orjson.loads(encoded) == {"id": "i1", "trimmed": True}
    assert trimmed is True
