"""A process that publishes on the shared bus, for the two-process tests:

    python -m tests.bus.publisher <database url> <count>

publishes `count` messages on `incident.changed`, each with its number and the
wall-clock time it was published (`sent`), then writes what waits and exits.
"""

from __future__ import annotations

import sys
import time

from mozdef.appdb import AppDb
from mozdef.bus import INCIDENT_CHANGED, SharedBus


def main(url: str, count: int) -> int:
    db = AppDb(url)
    bus = SharedBus(db)
    bus.start(read=False)
    for number in range(count):
        bus.publish(INCIDENT_CHANGED, {"number": number, "sent": time.time()})
        time.sleep(0.01)
    bus.stop()
    db.close()
    return 0 if bus.counts["published"] == count else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
