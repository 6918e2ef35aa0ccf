"""Running a process's web app under uvicorn: start the node, serve, stop the node."""

from __future__ import annotations

import uvicorn

from mozdef.config import Settings
from mozdef.nodes import Node
from mozdef.web.app import create_app


def serve_node(node: Node, settings: Settings) -> int:
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
