"""The alert engine: rules (Python, YAML, Sigma), scheduling, streaming, actions.

MozDef alerts import their base class from here: `from mozdef.alerts import AlertTask`.
"""

from mozdef.alerts.task import AlertTask

__all__ = ["AlertTask"]
