"""`mozdef web`: the search and alert APIs (and the web app) over the configured store."""

from __future__ import annotations

import argparse
from typing import Any

from mozdef.commands.http import serve_node
from mozdef.config import Settings
from mozdef.nodes import WebNode


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        "web", help="serve the search and alert APIs over the configured store"
    )
    parser.add_argument("--port", type=int, help="HTTP port (default 8080)")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.set_defaults(run=run, overrides=overrides)
    return parser


def overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {"server.port": args.port, "server.host": args.host}


def run(args: argparse.Namespace, settings: Settings) -> int:
    return serve_node(WebNode(settings), settings)
