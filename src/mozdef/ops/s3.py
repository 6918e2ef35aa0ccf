"""Archives in S3-compatible object storage: one location `s3://bucket/prefix`, and
what retention and `mozdef indices` ask of it (upload, download, exists, list).

An upload records the file's SHA-256 in the object's metadata, then checks that
the stored object has the file's size and that checksum. A download checks the
file it wrote against the object's size and recorded checksum and refuses a
damaged or truncated one, so it never reaches the store's restore. An object put
there by another tool has no recorded checksum: it is checked for size only, and
the store's restore still checks the archive against its own manifest.

The client takes credentials from boto3's usual chain (environment, profile,
instance role); `S3Settings.endpoint_url` points it at a compatible server with
path-style addressing. Every failure is an ArchiveError naming the object and why.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from boto3.exceptions import S3UploadFailedError
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
)

from mozdef.config.settings import S3Settings
from mozdef.errors import ArchiveError, ConfigError
from mozdef.logfmt import fields

if TYPE_CHECKING:
    from types_boto3_s3.client import S3Client

log = logging.getLogger(__name__)

SCHEME = "s3://"
CHECKSUM_KEY = "sha256"
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_MISSING = frozenset({"404", "NotFound", "NoSuchKey"})
_REASONS = {
    "NoSuchBucket": "the bucket does not exist",
    "AccessDenied": "access denied",
    "403": "access denied",
    "InvalidAccessKeyId": "the server does not know the access key",
    "SignatureDoesNotMatch": "the secret key does not match the access key",
    "ExpiredToken": "the credentials have expired",
}


def is_s3(text: str) -> bool:
    return text.startswith(SCHEME)


@dataclass(frozen=True)
class S3Location:
    """A bucket and a key prefix (no leading or trailing slash; empty: the bucket's root)."""

    bucket: str
    prefix: str = ""

    @classmethod
    def parse(cls, text: str) -> S3Location:
        """`s3://bucket` or `s3://bucket/some/prefix`."""
        if not is_s3(text):
            raise ConfigError("archive location", text, "s3://bucket or s3://bucket/prefix")
        bucket, _, prefix = text.removeprefix(SCHEME).partition("/")
        if not _BUCKET.match(bucket):
            raise ConfigError("archive location", text, "a bucket name of 3 to 63 a-z 0-9 . -")
        return cls(bucket, prefix.strip("/"))

    @classmethod
    def of_object(cls, text: str) -> tuple[S3Location, str]:
        """The location and file name of one object's URL, `s3://bucket/prefix/name`."""
        location = cls.parse(text)
        folder, _, name = location.prefix.rpartition("/")
        if not name:
            raise ConfigError("archive", text, "the URL of one object: s3://bucket/key")
        return cls(location.bucket, folder), name

    def key(self, file_name: str) -> str:
        return f"{self.prefix}/{file_name}" if self.prefix else file_name

    def url(self, file_name: str = "") -> str:
        key = self.key(file_name) if file_name else self.prefix
        return f"{SCHEME}{self.bucket}/{key}" if key else f"{SCHEME}{self.bucket}"

    def __str__(self) -> str:
        return self.url()


def s3_client(settings: S3Settings) -> S3Client:
    """A client for `settings`; path-style addressing for a custom endpoint."""
    config = Config(
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=10,
        read_timeout=60,
        s3={"addressing_style": "path"} if settings.endpoint_url else None,
    )
    try:
        return boto3.session.Session().client(
            "s3",
            region_name=settings.region,
            endpoint_url=settings.endpoint_url or None,
            config=config,
        )
    except (ValueError, BotoCoreError) as error:
        raise ConfigError("s3.endpoint_url", settings.endpoint_url, f"a URL ({error})") from None


class S3Archives:
    """The archive files at one S3 location."""

    def __init__(
        self, location: S3Location, settings: S3Settings, *, client: S3Client | None = None
    ) -> None:
        self.location = location
        self._endpoint = settings.endpoint_url or "AWS S3"
        self._client = client if client is not None else s3_client(settings)

    def upload(self, path: Path) -> str:
        """Put local file `path` at the location under its own name; returns its URL."""
        key = self.location.key(path.name)
        size, digest = file_digest(path)
        with self._failures(path.name):
            self._client.upload_file(
                str(path), self.location.bucket, key, ExtraArgs={"Metadata": {CHECKSUM_KEY: digest}}
            )
            head = self._client.head_object(Bucket=self.location.bucket, Key=key)
        stored = head.get("Metadata", {}).get(CHECKSUM_KEY)
        if head["ContentLength"] != size or stored != digest:
            raise ArchiveError(
                f"{self.location.url(path.name)}: the stored object does not match {path} "
                f"({head['ContentLength']} bytes, sha256 {stored}; expected {size}, {digest})"
            )
        log.info("s3.upload", extra=fields(url=self.location.url(path.name), bytes=size))
        return self.location.url(path.name)

    def download(self, file_name: str, folder: Path) -> Path:
        """Fetch object `file_name` into `folder`, checked; returns the local file."""
        target = folder / file_name
        with self._failures(file_name):
            head = self._client.head_object(
                Bucket=self.location.bucket, Key=self.location.key(file_name)
            )
            self._client.download_file(
                self.location.bucket, self.location.key(file_name), str(target)
            )
        size, digest = file_digest(target)
        expected = head.get("Metadata", {}).get(CHECKSUM_KEY)
        problem = _mismatch(size, digest, head["ContentLength"], expected)
        if problem is not None:
            target.unlink(missing_ok=True)
            raise ArchiveError(f"{self.location.url(file_name)}: damaged object, {problem}")
        log.info("s3.download", extra=fields(url=self.location.url(file_name), bytes=size))
        return target

    def exists(self, file_name: str) -> bool:
        with self._failures(file_name):
            try:
                self._client.head_object(
                    Bucket=self.location.bucket, Key=self.location.key(file_name)
                )
            except ClientError as error:
                if _code(error) in _MISSING and self._bucket_exists():
                    return False
                raise
        return True

    def list(self) -> list[str]:
        """The file names directly under the location, in name order."""
        start = f"{self.location.prefix}/" if self.location.prefix else ""
        names: list[str] = []
        with self._failures(""):
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.location.bucket, Prefix=start, Delimiter="/"
            )
            for page in pages:
                names.extend(item["Key"][len(start) :] for item in page.get("Contents", []))
        return sorted(names)

    @contextmanager
    def _failures(self, file_name: str) -> Iterator[None]:
        """Turn the client's errors into ArchiveErrors naming the object and the reason."""
        try:
            yield
        except ArchiveError:
            raise
        except NoCredentialsError:
            reason = "no AWS credentials found (environment, profile or instance role)"
            raise ArchiveError(f"{self.location.url(file_name)}: {reason}") from None
        except EndpointConnectionError as error:
            reason = f"cannot reach {self._endpoint} ({error})"
            raise ArchiveError(f"{self.location.url(file_name)}: {reason}") from None
        except S3UploadFailedError as error:
            cause = error.__cause__ or error.__context__
            reason = self._reason(cause) if isinstance(cause, ClientError) else str(error)
            raise ArchiveError(f"{self.location.url(file_name)}: {reason}") from None
        except ClientError as error:
            raise ArchiveError(f"{self.location.url(file_name)}: {self._reason(error)}") from None
        except (BotoCoreError, OSError) as error:
            raise ArchiveError(f"{self.location.url(file_name)}: {error}") from None

    def _reason(self, error: ClientError) -> str:
        code = _code(error)
        if code in _MISSING:
            return "no such object" if self._bucket_exists() else _REASONS["NoSuchBucket"]
        return _REASONS.get(code, f"{code}: {error.response.get('Error', {}).get('Message', '')}")

    def _bucket_exists(self) -> bool:
        """HEAD answers 404 for a missing bucket and a missing key alike; this tells which."""
        try:
            self._client.head_bucket(Bucket=self.location.bucket)
        except ClientError as error:
            return _code(error) not in ("404", "NoSuchBucket")
        return True


def file_digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256 (hex) of local file `path`."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _mismatch(size: int, digest: str, expected_size: int, expected: str | None) -> str | None:
    if size != expected_size:
        return f"{size} bytes received, the object has {expected_size}"
    if expected is not None and digest != expected:
        return f"sha256 {digest} differs from the recorded {expected}"
    return None
