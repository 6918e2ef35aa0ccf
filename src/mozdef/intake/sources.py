"""The intakes beside HTTP, started when configured: syslog listeners and SQS pollers.

`mozdef serve` and `mozdef intake` both run them over their `Intake`, so an event
that arrives by syslog or SQS takes the same path as one posted over HTTP.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mozdef.config.settings import Settings
from mozdef.intake.service import Intake
from mozdef.intake.syslog_server import SyslogServer

if TYPE_CHECKING:
    # boto3 is imported only where SQS is configured.
    from mozdef.intake.sqs import SqsIntake


class IntakeSources:
    def __init__(self, intake: Intake, settings: Settings) -> None:
        self._intake = intake
        self._settings = settings
        self._sqs: SqsIntake | None = None
        self.syslog = SyslogServer(intake, settings.syslog, limits=settings.intake)

    def start(self) -> None:
        """Start each configured source; one that cannot start (a port in use) raises
        its error, after stopping those already started."""
        settings = self._settings
        self.syslog.start()
        if settings.sqs.queue_urls:
            from mozdef.intake.sqs import SqsIntake

            self._sqs = SqsIntake(self._intake, settings.sqs, limits=settings.intake)
            self._sqs.start()

    def stop(self) -> None:
        self.syslog.stop()
        if self._sqs is not None:
            self._sqs.stop()
            self._sqs = None

    def counters(self) -> dict[str, Any]:
        counters: dict[str, Any] = {}
        if self._sqs is not None:
            counters["sqs"] = {
                "received": self._sqs.received,
                "deleted": self._sqs.deleted,
                "errors": self._sqs.errors,
            }
        return counters
