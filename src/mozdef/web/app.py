"""The HTTP application: intake, status, search and the alerts, rules and
suppressions APIs on one port, behind users, sessions and API tokens.

A process mounts the routes of the parts it runs: intake where it has an intake,
search and the alert APIs where it has a store (see mozdef.nodes). Everything under
/api/v1 needs a user (mozdef.auth); intake stays open unless `auth.intake_tokens`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from mozdef.appdb import AppDb
from mozdef.auth import install_auth
from mozdef.incidents import incidents_context
from mozdef.nodes import Node
from mozdef.web import (
    alerts_api,
    auth_routes,
    incidents_api,
    intake,
    rules_api,
    search,
    status,
    suppressions_api,
)
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
    routes = status.routes() + auth_routes.routes()
    if system.intake is not None:
        routes += intake.routes()
    api = context
    if system.store is not None:
        api = api or build_context(system.settings, system.store)
        routes += search.routes() + api_routes()
    own_db = AppDb.from_settings(system.settings) if api is None else None
    database = api.db if api is not None else own_db
    assert database is not None
    routes += incidents_api.routes()

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
            if own_db is not None:
                own_db.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.system = system
    app.state.api = api
    app.state.incidents = incidents_context(database)
    install_auth(app, system.settings, database)
    return app
