"""The pipeline: normalization, then plugins, turning raw objects into stored documents."""

from mozdef.pipeline.chain import Pipeline, PipelineStats
from mozdef.pipeline.plugin import BasePlugin, Plugin
from mozdef.pipeline.registry import BUILTIN_PLUGINS, DEFAULT_PLUGINS, load_plugins

__all__ = [
    "BUILTIN_PLUGINS",
    "DEFAULT_PLUGINS",
    "BasePlugin",
    "Pipeline",
    "PipelineStats",
    "Plugin",
    "load_plugins",
]
