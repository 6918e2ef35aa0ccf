"""The HTTP application: intake, status and the search API on one port."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette

from mozdef.system import System
from mozdef.web import intake, search, status


def create_app(system: System, *, manage: bool = True) -> Starlette:
    """The app for `system`; with `manage`, the app starts and stops it."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage:
            system.start()
        try:
            yield
        finally:
            if manage:
                system.stop()

    app = Starlette(routes=status.routes() + intake.routes() + search.routes(), lifespan=lifespan)
    app.state.system = system
    return app
