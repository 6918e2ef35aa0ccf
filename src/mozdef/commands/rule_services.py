"""The services that some built-in detections read, for `mozdef rules test | run`.

Inside the running system the watch-list, GeoModel and health detections read its
watch list, its users' localities and its health counters. From the command line
they get the same from the application database and the data folder: the watch
list as the running system has it; the localities a run has saved (`run`, which
keeps what it learns), or none and kept in memory (`test`, which saves nothing,
so a back-test starts from no known locality); the counters that the serving and
worker processes last wrote in the data folder. A back-test on a data folder that
has no application database yet gets none of them (it creates nothing): those
built-ins are then refused as unavailable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mozdef.alerts.detections import DetectionServices
from mozdef.alerts.detections.localities import AppDbLocalities, LocalityStore, MemoryLocalities
from mozdef.alerts.rule_state import RuleStateStore
from mozdef.appdb import AppDb
from mozdef.appdb.db import FILE_NAME
from mozdef.blocklist import DbWatchList
from mozdef.config import Settings
from mozdef.pipeline.health import IntakeStatusHealth
from mozdef.pipeline.service import read_status


@contextmanager
def command_services(settings: Settings, *, saving: bool) -> Iterator[DetectionServices]:
    if not saving and not settings.database.url and not (settings.data_dir / FILE_NAME).exists():
        yield DetectionServices()
        return
    database = AppDb.from_settings(settings)
    try:
        localities: LocalityStore = AppDbLocalities(database) if saving else MemoryLocalities()
        status = read_status(settings.data_dir)
        plugin_errors = sum(int(n) for n in (status.get("plugin_errors") or {}).values())
        yield DetectionServices(
            watch_list=DbWatchList(database),
            localities=localities,
            health=IntakeStatusHealth(
                settings.data_dir, lambda: plugin_errors, RuleStateStore(database)
            ),
        )
    finally:
        database.close()
