"""One event as each shipper sends it, normalized."""

from datetime import UTC, datetime
from typing import Any

from mozdef.events.normalize import normalize
from mozdef.events.schema import Event

RECEIVED = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)


def norm(raw: dict[str, Any]) -> Event:
    return normalize(raw, event_id="e1", received=RECEIVED, mozdefhostname="mozdef1")


def fields(event: Event, *names: str) -> tuple[Any, ...]:
    return tuple(event[name] for name in names)


def test_logstash() -> None:
    event = norm(
        {
            "@timestamp": "2024-01-02T03:04:05.678Z",
            "@version": "1",
            "message": "Accepted publickey for alice",
            "host": "web1",
            "path": "/var/log/auth.log",
            "type": "syslog",
            "tags": ["_grokparsefailure"],
        }
    )
    assert fields(event, "utctimestamp", "summary", "hostname", "eventsource", "category") == (
        "2024-01-02T03:04:05.678000+00:00",
        "Accepted publickey for alice",
        "web1",
        "/var/log/auth.log",
        "syslog",
    )
    assert (event["tags"], event["details"]) == (["_grokparsefailure"], {"version": "1"})


def test_beaver_logstash_v0_format() -> None:
    event = norm(
        {
            "@source": "file:///var/log/syslog",
            "@type": "syslog",
            "@tags": ["beaver"],
            "@fields": {"environment": "prod"},
            "@timestamp": "2024-01-02T03:04:05.000Z",
            "@source_host": "app1",
            "@source_path": "/var/log/syslog",
            "@message": "kernel: eth0 up",
        }
    )
    assert fields(event, "source", "category", "hostname", "summary", "tags") == (
        "file:///var/log/syslog",
        "syslog",
        "app1",
        "kernel: eth0 up",
        ["beaver"],
    )
    assert event["details"] == {"environment": "prod", "source_path": "/var/log/syslog"}


def test_nxlog_windows_event() -> None:
    event = norm(
        {
            "EventTime": "2024-01-02 03:04:05",
            "Hostname": "dc1.example.com",
            "SourceName": "Microsoft-Windows-Security-Auditing",
            "Severity": "INFO",
            "SeverityValue": 2,
            "EventID": 4624,
            "ProcessID": 612,
            "Message": "An account was successfully logged on.",
            "EventReceivedTime": "2024-01-02 03:04:06",
            "SourceModuleName": "eventlog",
        }
    )
    assert fields(event, "utctimestamp", "hostname", "processname", "severity", "processid") == (
        "2024-01-02T03:04:05.000000+00:00",
        "dc1.example.com",
        "Microsoft-Windows-Security-Auditing",
        "INFO",
        "612",
    )
    assert event["summary"] == "An account was successfully logged on."
    assert event["details"] == {
        "SeverityValue": 2,
        "EventID": 4624,
        "EventReceivedTime": "2024-01-02 03:04:06",
        "SourceModuleName": "eventlog",
    }


def test_syslog_ng_json() -> None:
    event = norm(
        {
            "PROGRAM": "sshd",
            "PID": "1234",
            "HOST": "bastion1",
            "FACILITY": "auth",
            "PRIORITY": "info",
            "MESSAGE": "Accepted publickey for alice from 10.0.0.9 port 50022 ssh2",
            "DATE": "Jun 15 11:59:58",
            "SOURCEIP": "10.0.0.5",
        }
    )
    assert fields(event, "processname", "processid", "hostname", "source", "severity") == (
        "sshd",
        "1234",
        "bastion1",
        "auth",
        "INFO",
    )
    assert event["utctimestamp"] == "2024-06-15T11:59:58.000000+00:00"
    assert event["details"] == {"eventsourceipaddress": "10.0.0.5"}


def test_heka() -> None:
    event = norm(
        {
            "Timestamp": "2024-01-02T03:04:05.000000000Z",
            "Type": "logfile",
            "Logger": "nginx.access",
            "Severity": 7,
            "Payload": "GET / 200",
            "EnvVersion": "",
            "Pid": 0,
            "Hostname": "web2",
            "Fields": {"remote_addr": "1.2.3.4", "status": 200},
        }
    )
    assert fields(event, "eventsource", "summary", "severity", "category", "processid") == (
        "nginx.access",
        "GET / 200",
        "7",
        "logfile",
        "0",
    )
    assert event["details"] == {"remote_addr": "1.2.3.4", "status": 200, "EnvVersion": ""}


def test_fluent_bit_tail() -> None:
    event = norm({"date": 1700000000.25, "log": "worker 3 started"})
    assert fields(event, "utctimestamp", "summary") == (
        "2023-11-14T22:13:20.250000+00:00",
        "worker 3 started",
    )


def test_fluent_bit_systemd() -> None:
    event = norm(
        {
            "date": 1700000000.0,
            "_HOSTNAME": "node1",
            "SYSLOG_IDENTIFIER": "sshd",
            "_PID": "812",
            "PRIORITY": "6",
            "MESSAGE": "Connection closed by 10.0.0.7 port 40000",
            "_SYSTEMD_UNIT": "ssh.service",
        }
    )
    assert fields(event, "hostname", "processname", "processid", "severity", "summary") == (
        "node1",
        "sshd",
        "812",
        "6",
        "Connection closed by 10.0.0.7 port 40000",
    )
    assert event["details"] == {"_SYSTEMD_UNIT": "ssh.service"}


def test_vector_file_source() -> None:
    event = norm(
        {
            "file": "/var/log/app.log",
            "host": "vec1",
            "message": "hello",
            "source_type": "file",
            "timestamp": "2024-01-02T03:04:05.123456789Z",
        }
    )
    assert fields(event, "eventsource", "hostname", "summary", "utctimestamp") == (
        "/var/log/app.log",
        "vec1",
        "hello",
        "2024-01-02T03:04:05.123456+00:00",
    )
    assert event["details"] == {"source_type": "file"}


def test_filebeat_keeps_object_host_and_log() -> None:
    host = {"name": "fb1", "hostname": "fb1.example.com"}
    log = {"file": {"path": "/var/log/syslog"}, "offset": 123}
    event = norm(
        {
            "@timestamp": "2024-01-02T03:04:05.678Z",
            "@metadata": {"beat": "filebeat"},
            "ecs": {"version": "8.0.0"},
            "host": host,
            "log": log,
            "message": "a line",
        }
    )
    assert fields(event, "hostname", "summary") == ("fb1.example.com", "a line")
    assert event["details"] == {
        "metadata": {"beat": "filebeat"},
        "ecs": {"version": "8.0.0"},
        "host": host,
        "log": log,
    }
