"""`/api/v1/health` (viewer): the live health document of this process, for the
health page: readiness, intake and indexing counters, rates over the last minute,
the store's indices, free disk, each scheduled rule's runs and the open
`mozdef-health` alerts. The document is described in mozdef.metrics.health.

Unlike `/status`, which load balancers poll without credentials and which says only
whether events are accepted, this one needs a user and says everything.

The route reads its HealthMonitor from `request.app.state.health`; the app builds it
with `health_monitor(system, api)` and, to sample rates between page loads too,
starts and stops it with the app.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mozdef.auth import requires
from mozdef.metrics.health import HealthMonitor
from mozdef.nodes import Node
from mozdef.web.api_context import ApiContext
from mozdef.web.responses import JSONResponse


def health_monitor(
    node: Node, api: ApiContext | None, *, clock: Callable[[], float] = time.monotonic
) -> HealthMonitor:
    """The monitor of `node`; the store's parts, rule runs and health alerts need the
    API context (a process without an event store has none)."""
    scheduled = [] if api is None else [r.meta.id for r in api.catalog.rules if r.meta.schedule]
    return HealthMonitor(
        node,
        data_dir=node.settings.data_dir,
        store=None if api is None else api.store,
        rule_states=None if api is None else api.rule_states,
        rule_ids=scheduled,
        clock=clock,
    )


@requires("viewer")
async def get_health(request: Request) -> Response:
    monitor: HealthMonitor = request.app.state.health
    return JSONResponse(await run_in_threadpool(monitor.report))


def routes() -> list[BaseRoute]:
    return [Route("/api/v1/health", get_health, methods=["GET"])]
