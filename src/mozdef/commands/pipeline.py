"""`mozdef pipeline`: NDJSON events in, the documents the pipeline would store out.

For trying a plugin or a shipper's format without a server: dropped events are
left out, refused lines are reported on standard error with their line number.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import uuid
from pathlib import Path
from typing import Any

import orjson

from mozdef.commands.lines import read_events
from mozdef.config import Settings
from mozdef.pipeline.service import build_pipeline


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        "pipeline", help="normalize NDJSON events from stdin through the plugins to stdout"
    )
    parser.add_argument("--plugins", type=Path, action="append", help="extra plugin folder")
    parser.set_defaults(run=run, overrides=overrides)
    return parser


def overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {}


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.plugins:
        folders = settings.pipeline.plugin_folders + tuple(args.plugins)
        plugins = dataclasses.replace(settings.pipeline, plugin_folders=folders)
        settings = dataclasses.replace(settings, pipeline=plugins)
    pipeline = build_pipeline(settings)
    refused = 0
    out = sys.stdout.buffer
    for name, number, item in read_events([], settings.intake):
        if isinstance(item, str):
            print(f"{name}:{number}: {item}", file=sys.stderr)
            refused += 1
            continue
        now = dt.datetime.now(dt.UTC)
        result = pipeline.process(item.event, event_id=uuid.uuid4().hex, received=now)
        if result is not None:
            out.write(orjson.dumps(result[0]) + b"\n")
    out.flush()
    return 1 if refused else 0
