"""`mozdef intake`: the intake endpoints alone, publishing to the configured queue.

Stateless: run one per machine or several behind a load balancer; workers
elsewhere consume the queue. With the embedded queue, it shares its data folder
with one `mozdef worker`.
"""

from __future__ import annotations

import argparse
from typing import Any

from mozdef.commands.http import serve_node
from mozdef.config import Settings
from mozdef.nodes import IntakeNode


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        "intake", help="take events over HTTP (and syslog, SQS) into the queue"
    )
    parser.add_argument("--port", type=int, help="HTTP port (default 8080)")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.set_defaults(run=run, overrides=overrides)
    return parser


def overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {"server.port": args.port, "server.host": args.host}


def run(args: argparse.Namespace, settings: Settings) -> int:
    return serve_node(IntakeNode(settings), settings)
