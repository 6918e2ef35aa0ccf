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


# How much of an event OpenSearch maps (store.opensearch_event_fields).
EVENT_FIELD_MAPPINGS = ("all", "schema", "none")


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
    # Seconds an HTTP request waits for room in a full queue before it is answered
    # 429 with Retry-After; 0 answers at once.
    full_wait: float = 1.0


@dataclass(frozen=True)
class SpoolSettings:
    # Bytes accepted but not yet indexed; beyond this, intake answers 429.
    max_pending_bytes: int = 1 * GiB
    segment_bytes: int = 64 * MiB
    # Turning this off trades the durability of acknowledged events for speed.
    fsync: bool = True


@dataclass(frozen=True)
class QueueSettings:
    # `embedded`: the spool in the data folder; `rabbitmq`: a RabbitMQ broker.
    backend: str = "embedded"
    rabbitmq_url: str = "amqp://guest:guest@127.0.0.1:5672/%2F"
    # MozDef's names: events are published to the exchange `eventtask` and consumed
    # from the durable queue of the same name; alerts go to the topic exchange `alerts`.
    exchange: str = "eventtask"
    queue: str = "eventtask"
    alerts_exchange: str = "alerts"
    # Messages a worker holds unacknowledged: intake publishes one message per
    # request (up to thousands of events), shippers often one per event.
    prefetch: int = 200
    # Seconds intake waits for the broker's confirm before answering 503.
    confirm_timeout: float = 10.0


@dataclass(frozen=True)
class StoreSettings:
    # `tantivy` (embedded indices in the data folder), `opensearch`, or `memory` (tests).
    backend: str = "tantivy"
    opensearch_url: str = "http://127.0.0.1:9200"
    # Every index name starts with this (several systems can share one cluster).
    opensearch_prefix: str = ""
    opensearch_shards: int = 1
    opensearch_replicas: int = 1
    # A snapshot repository registered on the cluster, for archives; empty: none.
    opensearch_repository: str = ""
    # The stored fields' codec of new indices: OpenSearch's `default` (LZ4), or
    # `best_compression` (DEFLATE: about a third smaller on disk, more CPU per event).
    opensearch_codec: str = "default"
    # Which of the event's own fields OpenSearch maps, for OpenSearch Dashboards and
    # Kibana (the store's queries read only its hidden copy): `all`, `schema` (the
    # schema's top-level fields: a time field and filters, `details` only in the
    # document), or `none`. Fewer mapped fields cost OpenSearch less per event.
    opensearch_event_fields: str = "all"
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
    # Archive an index here before dropping it: a folder, or `s3://bucket/prefix`;
    # empty: drop without archive.
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
    # Alert plugins, in the order they run, and their options by plugin name.
    plugins: tuple[str, ...] = ()
    plugin_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Where alerts go: `[[alerts.actions.routes]]` tables and the dispatcher's
    # `retry`, `queue_size` and `workers` (see mozdef.alerts.actions.config).
    actions: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DatabaseSettings:
    # SQLAlchemy URL of the application database; empty: SQLite in the data folder.
    # PostgreSQL: `postgresql+psycopg://user:password@host/mozdef`.
    url: str = ""


@dataclass(frozen=True)
class SyslogSettings:
    # Ports to listen on; 0 leaves that listener off.
    udp_port: int = 0
    tcp_port: int = 0
    # TCP with TLS; needs tls_cert and tls_key (PEM files).
    tls_port: int = 0
    host: str = "127.0.0.1"
    tls_cert: str = ""
    tls_key: str = ""
    # A longer message is refused (UDP) or cut off at this size (TCP framing).
    max_message_bytes: int = 64 * KiB


@dataclass(frozen=True)
class SqsSettings:
    # Queue URLs to consume; none: the SQS intake is off.
    queue_urls: tuple[str, ...] = ()
    region: str = "us-east-1"
    # A local or compatible endpoint; empty: AWS's own.
    endpoint_url: str = ""
    wait_seconds: int = 20
    max_messages: int = 10


@dataclass(frozen=True)
class S3Settings:
    # For archives at `s3://bucket/prefix` (see retention.archive_folder); empty: AWS.
    endpoint_url: str = ""
    region: str = "us-east-1"


@dataclass(frozen=True)
class AuthSettings:
    # Hours a login session lasts.
    session_hours: float = 12.0
    # Send session cookies over HTTPS only; turn off only for plain-HTTP test set-ups.
    secure_cookies: bool = True
    # Require an API token (or a session) on the intake endpoints.
    intake_tokens: bool = False
    # OpenID Connect login, when an issuer is set.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""


@dataclass(frozen=True)
class BlocklistSettings:
    # Networks never to block, beside the built-in ones (loopback, private, link-local...).
    protected: tuple[str, ...] = ()
    # A firewall API told of each block and unblock (JSON POST); empty: none.
    push_url: str = ""
    # Sent as `Authorization: Bearer <token>` to push_url; set it in the environment.
    push_token: str = ""
    push_timeout: float = 5.0
    # Seconds a process keeps the watch list before reading it again.
    watch_refresh_seconds: float = 5.0


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
    queue: QueueSettings = field(default_factory=QueueSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    pipeline: PipelineSettings = field(default_factory=PipelineSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    syslog: SyslogSettings = field(default_factory=SyslogSettings)
    sqs: SqsSettings = field(default_factory=SqsSettings)
    s3: S3Settings = field(default_factory=S3Settings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    blocklist: BlocklistSettings = field(default_factory=BlocklistSettings)
    log: LogSettings = field(default_factory=LogSettings)

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "store"
