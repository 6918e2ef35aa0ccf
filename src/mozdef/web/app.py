"""The HTTP application: intake, status, search and the alerts, rules and
suppressions APIs on one port.

A process mounts the routes of the parts it runs: intake where it has an intake,
search and the alert APIs where it has a store (see mozdef.nodes).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from mozdef.nodes import Node
from mozdef.web import alerts_api, intake, rules_api, search, status, suppressions_api
from mozdef.web.api_context import ApiContext, build_context


def api_routes() -> list[BaseRoute]:
    """The alerts, rules and suppressions routes; they find their ApiContext in
    `app.state.api`."""
    return alerts_api.routes() + rules_api.routes() + suppressions_api.routes()


def create_app(
    system: Node, *, manage: bool = True, context: ApiContext | None = None
) -> Starlette:
    """The app for `system`; with `manage`, the app starts and stops it. `context`
    replaces the one built from the system's settings and store."""
    routes = status.routes()
    if system.intake is not None:
        routes += intake.routes()
    api = context
    if system.store is not None:
        api = api or build_context(system.settings, system.store)
        routes += search.routes() + api_routes()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage:
            system.start()
        try:
            yield
        finally:
            if manage:
                system.stop()
            if api is not None:
                api.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.system = system
    app.state.api = api
    return app
