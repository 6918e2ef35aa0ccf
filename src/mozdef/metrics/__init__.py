"""What the metrics and health APIs compute: counts over time from the event store
(events, alerts), incident metrics from the application database, and the live
health document with its rates of intake and indexing.

The computations live here, apart from HTTP, so that they are tested on fixed data
and usable from the command line; mozdef.web.metrics_api and mozdef.web.health_api
only read parameters and write answers.
"""

from mozdef.metrics.health import HealthMonitor
from mozdef.metrics.incidents import incident_metrics
from mozdef.metrics.rates import RateRing
from mozdef.metrics.series import alert_series, event_series
from mozdef.metrics.window import MetricsParameterError

__all__ = [
    "HealthMonitor",
    "MetricsParameterError",
    "RateRing",
    "alert_series",
    "event_series",
    "incident_metrics",
]
