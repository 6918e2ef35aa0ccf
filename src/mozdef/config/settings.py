"""Typed settings: one frozen object per component, built once at start-up.

Defaults need no file. A TOML file has one table per section below; every key
can be overridden by an environment variable `MOZDEF_<SECTION>_<KEY>` (for
example `MOZDEF_SERVER_PORT=9090`). `mozdef.config.loader` does the parsing and
validation; this module only declares what exists.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8080


@dataclass(frozen=True)
class IntakeSettings:
    max_body_bytes: int = 64 * MiB
    max_event_bytes: int = 1 * MiB
    max_depth: int = 32
    max_fields: int = 2000
    # Seconds a `?refresh=wait_for` request waits for its events to become searchable.
    refresh_timeout: float = 30.0


@dataclass(frozen=True)
class SpoolSettings:
    # Bytes accepted but not yet indexed; beyond this, intake answers 429.
    max_pending_bytes: int = 1 * GiB
    segment_bytes: int = 64 * MiB
    # Turning this off trades the durability of acknowledged events for speed.
    fsync: bool = True


@dataclass(frozen=True)
class StoreSettings:
    backend: str = "tantivy"
    writer_heap_bytes: int = 256 * MiB
    commit_interval: float = 1.0
    # Intake answers 503 while free space on the data folder's disk is below this.
    disk_floor_bytes: int = 1 * GiB


@dataclass(frozen=True)
class PipelineSettings:
    plugins: tuple[str, ...] = ("ipfixup", "sshd", "su", "truncate")
    plugin_folders: tuple[Path, ...] = ()
    plugin_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    batch_size: int = 2000


@dataclass(frozen=True)
class RetentionSettings:
    # Days to keep per index family; 0 keeps forever.
    events_days: int = 90
    alerts_days: int = 365
    custom_days: int = 90
    # Archive an index to this folder before dropping it; empty: drop without archive.
    archive_folder: str = ""
    # Seconds between two retention passes in `mozdef serve`.
    interval: float = 3600.0


@dataclass(frozen=True)
class AlertSettings:
    # Run the rules in `mozdef serve` (streaming on each batch, scheduled on a timer).
    enabled: bool = True
    # Folders (or files) of rules: YAML, MozDef JSON, Python AlertTasks and Sigma.
    rule_folders: tuple[Path, ...] = ()
    # A Sigma field mapping file (YAML or TOML); empty: the mapping shipped with the package.
    sigma_mapping: str = ""
    # Built-in detections that stay listed but never run.
    builtin_disabled: tuple[str, ...] = ()


@dataclass(frozen=True)
class LogSettings:
    level: str = "INFO"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    mozdefhostname: str = field(default_factory=socket.gethostname)
    server: ServerSettings = field(default_factory=ServerSettings)
    intake: IntakeSettings = field(default_factory=IntakeSettings)
    spool: SpoolSettings = field(default_factory=SpoolSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    pipeline: PipelineSettings = field(default_factory=PipelineSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    log: LogSettings = field(default_factory=LogSettings)

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "store"
