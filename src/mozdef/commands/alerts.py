"""`mozdef alerts`: the scheduled rules, and retention, for a scale-out deployment.

Run it on two machines or more for high availability: every process loads the same
rules and claims each rule's tick in the application database before running it
(mozdef.alerts.claims), so each tick runs once, and when a process dies the others
run the next ticks. Retention passes are claimed the same way. Streaming rules run
in the workers. It needs a store that many processes may write (OpenSearch); on the
embedded store the worker of `mozdef serve` or `mozdef worker` runs the rules.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import threading
from typing import Any

from mozdef.alerts.claims import Claims, RunClaims, default_owner
from mozdef.alerts.runtime import AlertRuntime
from mozdef.appdb import AppDb
from mozdef.backends import open_store, shared_writes
from mozdef.commands.stop_signals import stop_on_signals
from mozdef.config import Settings
from mozdef.errors import ConfigError
from mozdef.logfmt import fields
from mozdef.ops.retention import archive_target_of, policy_of, prune
from mozdef.store.base import EventStore

logger = logging.getLogger(__name__)

RETENTION_RULE = "mozdef-retention"


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        "alerts", help="run the scheduled rules and retention (several processes may run)"
    )
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not shared_writes(settings):
        raise ConfigError(
            "store.backend",
            settings.store.backend,
            "opensearch for a separate alerts process (the embedded store has one "
            "writer: there the rules run in `mozdef serve` or `mozdef worker`)",
        )
    stop = stop_on_signals()
    store = open_store(settings, writer=True)
    database = AppDb.from_settings(settings)
    claims = RunClaims(database, default_owner())
    runtime = AlertRuntime(settings, store, run_streaming=False, claims=claims, database=database)
    retention = threading.Thread(
        target=retention_loop, args=(settings, store, claims, stop), daemon=True
    )
    runtime.start()
    retention.start()
    logger.info("alerts.ready", extra=fields(owner=claims.owner))
    try:
        stop.wait()
    finally:
        runtime.stop()
        retention.join(timeout=5)
        database.close()
        store.close()
    return 0


def retention_loop(
    settings: Settings, store: EventStore, claims: Claims, stop: threading.Event
) -> None:
    """One retention pass per interval among all alerts processes."""
    interval = settings.retention.interval
    tried: dt.datetime | None = None
    while not stop.wait(1.0):
        now = dt.datetime.now(dt.UTC)
        tick = dt.datetime.fromtimestamp(now.timestamp() // interval * interval, dt.UTC)
        if tick == tried:
            continue
        tried = tick
        try:
            if claims.claim(RETENTION_RULE, tick):
                dropped = prune(
                    store,
                    policy_of(settings.retention),
                    today=now.date(),
                    archive_to=archive_target_of(settings),
                )
                logger.info("retention.pass", extra=fields(dropped=len(dropped)))
        except Exception:
            # Housekeeping never stops the rules; the next interval tries again.
            logger.exception("retention.failed")
