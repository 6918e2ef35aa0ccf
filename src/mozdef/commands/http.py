"""Running a process's web app under uvicorn: start the node, serve, stop the node."""

from __future__ import annotations

import sys

import uvicorn

from mozdef.appdb import AppDb
from mozdef.auth import ensure_initial_admin
from mozdef.config import Settings
from mozdef.nodes import Node
from mozdef.web.app import create_app


def serve_node(node: Node, settings: Settings) -> int:
    announce_initial_admin(settings)
    # Started before the HTTP server so that a part that cannot start stops the
    # command with its message.
    node.start()
    config = uvicorn.Config(
        create_app(node, manage=False),
        host=settings.server.host,
        port=settings.server.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )
    try:
        uvicorn.Server(config).run()
    finally:
        node.stop()
    return 0


def announce_initial_admin(settings: Settings) -> None:
    """On the first start (no user at all), make the `admin` user and print its
    generated password, once."""
    database = AppDb.from_settings(settings)
    try:
        password = ensure_initial_admin(database)
    finally:
        database.close()
    if password is not None:
        print(
            f"mozdef: created the user admin with the password {password}\n"
            "mozdef: it is shown only this once; change it with "
            "`mozdef users passwd admin --password-stdin`",
            file=sys.stderr,
            flush=True,
        )
