"""The HTTP application: intake, status, search and the alerts, rules and
suppressions APIs on one port, behind users, sessions and API tokens.

A process mounts the routes of the parts it runs: intake where it has an intake,
search and the alert APIs where it has a store (see mozdef.nodes). Everything under
/api/v1 needs a user (mozdef.auth); intake stays open unless `auth.intake_tokens`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from mozdef.appdb import AppDb
from mozdef.auth import install_auth
from mozdef.blocklist import settings_blocklist
from mozdef.bus import INCIDENT_CHANGED, INVESTIGATION_CHANGED, SharedBus
from mozdef.incidents import incidents_context
from mozdef.incidents.store import ChangeHook
from mozdef.nodes import Node
from mozdef.web import (
    alerts_api,
    auth_routes,
    blocklist_api,
    health_api,
    incidents_api,
    intake,
    live,
    metrics_api,
    openapi,
    responses,
    rules_api,
    search,
    status,
    suppressions_api,
    ui,
)
from mozdef.web.api_context import ApiContext, build_context
from mozdef.web.metrics_api import MetricsContext


def api_routes() -> list[BaseRoute]:
    """The alerts, rules and suppressions routes; they find their ApiContext in
    `app.state.api`."""
    return alerts_api.routes() + rules_api.routes() + suppressions_api.routes()


def create_app(
    system: Node, *, manage: bool = True, context: ApiContext | None = None
) -> Starlette:
    """The app for `system`; with `manage`, the app starts and stops it. `context`
    replaces the one built from the system's settings and store."""
    settings = system.settings
    api = context
    database = api.db if api is not None else AppDb.from_settings(settings)
    # Alerts, status changes and case edits of every process reach the browsers
    # through the application database (mozdef.bus).
    bus = SharedBus(database)
    hub = live.LiveHub(bus)
    routes = status.routes() + auth_routes.routes()
    if system.intake is not None:
        routes += intake.routes()
    if system.store is not None:
        api = api or build_context(settings, system.store, db=database, bus=bus)
        routes += search.routes() + api_routes()
    routes += incidents_api.routes() + blocklist_api.routes() + live.routes()
    routes += metrics_api.routes() + health_api.routes() + openapi.routes()
    # The pages come last: their paths must not shadow the API's.
    routes += ui.routes()
    monitor = health_api.health_monitor(system, api)
    lists = settings_blocklist(database, settings.blocklist, bus=bus)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage:
            system.start()
        bus.start()
        hub.start()
        monitor.start()
        try:
            yield
        finally:
            monitor.stop()
            hub.stop()
            bus.stop()
            lists.close()
            if manage:
                system.stop()
            if api is not None:
                api.close()
            database.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.system = system
    app.state.api = api
    app.state.live = hub
    app.state.blocklist = lists
    app.state.metrics = MetricsContext(store=system.store, db=database)
    app.state.health = monitor
    app.state.incidents = incidents_context(
        database,
        on_incident_change=_publisher(bus, INCIDENT_CHANGED),
        on_investigation_change=_publisher(bus, INVESTIGATION_CHANGED),
    )
    install_auth(app, settings, database)
    responses.answer_wrong_methods(app)
    return app


def _publisher(bus: SharedBus, topic: str) -> ChangeHook:
    """A case store's change hook that tells the browsers which fields changed."""

    def publish(case_id: str, changed: Mapping[str, Any], versions: Mapping[str, int]) -> None:
        bus.publish(topic, {"id": case_id, "fields": dict(changed), "versions": dict(versions)})

    return publish
