"""Typed settings from TOML and `MOZDEF_*` variables."""

from mozdef.config.loader import load_settings
from mozdef.config.settings import Settings

__all__ = ["Settings", "load_settings"]
