"""An app as create_app builds it for a process running every part (intake, and an
event store in memory), for the tests of the OpenAPI description."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from mozdef.config.settings import AuthSettings, Settings
from mozdef.intake.service import Intake
from mozdef.queue.memory import MemoryQueue
from mozdef.store.base import EventStore
from mozdef.store.memory import MemoryStore
from mozdef.system import Health
from mozdef.web import openapi
from mozdef.web.app import create_app


@dataclass
class FullNode:
    """A process that runs every part: intake, and an event store in memory."""

    settings: Settings
    intake: Intake | None
    store: EventStore | None

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def health(self) -> Health:
        return Health(ready=True, accepting=True, reason="")

    def counters(self) -> dict[str, Any]:
        return {}

    def wait_searchable(self, position: int, *, timeout: float, ids: Sequence[str] = ()) -> bool:
        return True


def build_app(tmp_path: Path, *, intake_tokens: bool = False, store: bool = True) -> Starlette:
    """The app create_app builds, with the description's route (mounted by create_app
    once it lists it, else added here)."""
    settings = Settings(data_dir=tmp_path, auth=AuthSettings(intake_tokens=intake_tokens))
    node = FullNode(settings, Intake(MemoryQueue()), MemoryStore() if store else None)
    app = create_app(node, manage=False)
    if not any(getattr(route, "path", None) == openapi.PATH for route in app.router.routes):
        app.router.routes.extend(openapi.routes())
    return app
