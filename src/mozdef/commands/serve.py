"""`mozdef serve`: the whole system in one process on embedded defaults."""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn

from mozdef.config import Settings
from mozdef.system import System
from mozdef.web.app import create_app


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
    system = System(settings)
    # Started before the HTTP server so that a worker that cannot start (a plugin
    # that fails to import, a locked store) stops the command with its message.
    system.start()
    config = uvicorn.Config(
        create_app(system, manage=False),
        host=settings.server.host,
        port=settings.server.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )
    try:
        uvicorn.Server(config).run()
    finally:
        system.stop()
    return 0
