"""`mozdef serve`: the whole system in one process on embedded defaults."""

from __future__ import annotations

import argparse
from typing import Any

from mozdef.commands.http import serve_node
from mozdef.config import Settings
from mozdef.pipeline.service import tune_garbage_collector
from mozdef.system import System


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        "serve", help="run intake, pipeline, store and the HTTP API in one process"
    )
    parser.add_argument("--port", type=int, help="HTTP port (default 8080)")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.set_defaults(run=run, overrides=overrides)
    return parser


def overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {"server.port": args.port, "server.host": args.host}


def run(args: argparse.Namespace, settings: Settings) -> int:
    # The worker starts before the HTTP server, so that one that cannot start (a
    # plugin that fails to import, a locked store) stops the command with its message.
    system = System(settings)
    # Intake requests decode their events into short-lived objects, as the worker
    # does: the same collector settings spare most collections.
    tune_garbage_collector()
    return serve_node(system, settings)
