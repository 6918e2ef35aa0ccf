"""syslog-ng's amqp() destination, a real shipper publishing to RabbitMQ as MozDef's
users did: its JSON messages are consumed and normalized like any other event."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import orjson
import pytest

from mozdef.config.settings import QueueSettings
from mozdef.pipeline.chain import Pipeline
from mozdef.pipeline.registry import load_plugins
from mozdef.queue.base import Record
from mozdef.queue.rabbitmq import RabbitMqConsumer

ROOT = Path(__file__).resolve().parents[2]

CONFIG = """\
@version: 3.38
options {{ keep-hostname(yes); }};
source s_in {{ network(ip("127.0.0.1") port({port}) transport("tcp")); }};
destination d_mozdef {{
  amqp(
    host("{host}") port({amqp_port}) username("guest") password("guest")
    exchange("{exchange}") exchange-declare(no) routing-key("{exchange}") persistent(yes)
    body("$(format-json --scope rfc5424 --exclude DATE --pair timestamp=$ISODATE)")
  );
}};
log {{ source(s_in); destination(d_mozdef); }};
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def syslog_ng_root() -> Path:
    """The folder of an unpacked syslog-ng with its AMQP module (scripts/syslog-ng.sh)."""
    fetched = subprocess.run(
        [str(ROOT / "scripts" / "syslog-ng.sh"), "fetch"],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return Path(fetched.stdout.strip())


@pytest.fixture
def consumer(queue_settings: QueueSettings) -> Iterator[RabbitMqConsumer]:
    """Declares the exchange and queue before syslog-ng publishes to them."""
    opened = RabbitMqConsumer(queue_settings)
    # It connects, and declares them, at its first consume.
    assert opened.consume(1, timeout=0.5) is None
    yield opened
    opened.close()


@pytest.fixture
def syslog_ng(
    syslog_ng_root: Path, queue_settings: QueueSettings, consumer: RabbitMqConsumer, tmp_path: Path
) -> Iterator[int]:
    """A running syslog-ng taking TCP syslog on the yielded port into the test's exchange."""
    broker = urlsplit(queue_settings.rabbitmq_url)
    port = free_port()
    config = tmp_path / "syslog-ng.conf"
    config.write_text(
        CONFIG.format(
            port=port,
            host=broker.hostname,
            amqp_port=broker.port or 5672,
            exchange=queue_settings.exchange,
        )
    )
    modules = next((syslog_ng_root / "usr/lib/syslog-ng").glob("3.*"))
    process = subprocess.Popen(
        [
            str(syslog_ng_root / "usr/sbin/syslog-ng"),
            "--foreground",
            f"--module-path={modules}",
            f"--cfgfile={config}",
            f"--persist-file={tmp_path / 'syslog-ng.persist'}",
            f"--pidfile={tmp_path / 'syslog-ng.pid'}",
            f"--control={tmp_path / 'syslog-ng.ctl'}",
            "--stderr",
            "--verbose",
        ],
        env={**os.environ, "LD_LIBRARY_PATH": str(syslog_ng_root / "usr/lib/syslog-ng")},
        stdout=(tmp_path / "syslog-ng.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = (tmp_path / "syslog-ng.log").read_text()
                    raise RuntimeError(f"syslog-ng did not start: {output}") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_syslog_ng_publishes_to_the_exchange_and_the_events_are_normalized(
    consumer: RabbitMqConsumer, syslog_ng: int, tmp_path: Path
) -> None:
    with socket.create_connection(("127.0.0.1", syslog_ng)) as sender:
        sender.sendall(
            b"<38>Dec  3 10:00:00 bastion1 sshd[4242]: "
            b"Failed password for root from 198.51.100.7 port 52113 ssh2\n"
        )
    records: list[Record] = []
    deadline = time.monotonic() + 30
    while not records and time.monotonic() < deadline:
        delivery = consumer.consume(100, timeout=1)
        if delivery is not None:
            records.extend(delivery.records)
            consumer.ack(delivery.token)

    assert len(records) == 1, (tmp_path / "syslog-ng.log").read_text()
    pipeline = Pipeline(load_plugins(("sshd",), (), {}), mozdefhostname="test")
    received = dt.datetime.now(dt.UTC)
    processed = pipeline.process(orjson.loads(records[0].body), event_id="e1", received=received)
    assert processed is not None
    event, _ = processed
    assert event["hostname"] == "bastion1"
    assert event["processname"] == "sshd"
    assert event["summary"].startswith("Failed password for root")
    assert event["details"]["sourceipaddress"] == "198.51.100.7"
