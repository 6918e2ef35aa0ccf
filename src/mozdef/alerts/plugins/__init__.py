"""Alert plugins: steps that enrich an alert draft before the engine saves it."""

from mozdef.alerts.plugins.base import AlertPlugin, BaseAlertPlugin, alert_plugin_name

__all__ = ["AlertPlugin", "BaseAlertPlugin", "alert_plugin_name"]
