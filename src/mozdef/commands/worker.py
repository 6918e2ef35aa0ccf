"""`mozdef worker`: the queue's consumer, the pipeline and the store's writer, alone.

Run as many as the store allows: with OpenSearch and RabbitMQ, workers on many
machines compete for the queue's messages; the embedded tantivy store has one
writer per data folder, so there one worker runs beside `mozdef intake` on the
same data folder.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from mozdef.commands.stop_signals import stop_on_signals
from mozdef.config import Settings
from mozdef.logfmt import fields
from mozdef.pipeline.service import WorkerRuntime, tune_garbage_collector

logger = logging.getLogger(__name__)


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        "worker", help="consume the queue: normalize, run plugins and streaming rules, store"
    )
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, settings: Settings) -> int:
    stop = stop_on_signals()
    runtime = WorkerRuntime(settings)
    logger.info(
        "worker.ready",
        extra=fields(queue=settings.queue.backend, store=settings.store.backend),
    )
    tune_garbage_collector()
    runtime.run(stop)
    return 0
