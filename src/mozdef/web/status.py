"""`/status` (200 only when the system accepts events) and the Elasticsearch
root document that shippers with an Elasticsearch output ask for on connect."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mozdef import __version__
from mozdef.nodes import Node
from mozdef.web.responses import JSONResponse

# Shippers check the major version before choosing their bulk format; the bulk
# API here follows the 7.x form (no mapping types).
_COMPATIBLE_VERSION = "7.10.2"


async def get_status(request: Request) -> Response:
    system: Node = request.app.state.system
    health = system.health()
    body = {
        "status": "ok" if health.accepting else "unavailable",
        "ready": health.ready,
        "accepting": health.accepting,
        "reason": health.reason,
        "version": __version__,
        "counters": system.counters(),
    }
    return JSONResponse(body, 200 if health.accepting else 503)


async def get_root(request: Request) -> Response:
    system: Node = request.app.state.system
    return JSONResponse(
        {
            "name": system.settings.mozdefhostname,
            "cluster_name": "mozdef",
            "version": {
                "number": _COMPATIBLE_VERSION,
                "distribution": "mozdef",
                "mozdef": __version__,
                "build_flavor": "oss",
                "minimum_wire_compatibility_version": "6.8.0",
                "minimum_index_compatibility_version": "6.0.0-beta1",
            },
            "tagline": "MozDef event intake",
        }
    )


async def head_root(request: Request) -> Response:
    return Response(status_code=200)


def routes() -> list[BaseRoute]:
    return [
        Route("/status", get_status, methods=["GET"]),
        Route("/_status", get_status, methods=["GET"]),
        Route("/", get_root, methods=["GET"]),
        Route("/", head_root, methods=["HEAD"]),
    ]
