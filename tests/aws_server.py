"""A local S3- and SQS-compatible server for tests: moto's standalone server, run as
a subprocess on a free loopback port, once per test session.

Test modules use it with `pytest_plugins = ("tests.aws_server",)` and ask for the
`aws` fixture; they import `AwsServer` for type checking only, since a module
imported before pytest loads it as a plugin escapes pytest's assertion rewriting.
The fixture also sets fake credentials and a region in the environment, as boto3
wants some even for a local server. Tests keep out of each other's way by naming
their buckets and queues uniquely (`AwsServer.unique_name`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import boto3
import pytest
from types_boto3_s3.client import S3Client
from types_boto3_sns.client import SNSClient
from types_boto3_sqs.client import SQSClient

from mozdef.config.settings import S3Settings

_START_SECONDS = 30.0
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@dataclass(frozen=True)
class AwsServer:
    url: str

    def s3(self) -> S3Client:
        return boto3.client("s3", endpoint_url=self.url, region_name="us-east-1")

    def sqs(self) -> SQSClient:
        return boto3.client("sqs", endpoint_url=self.url, region_name="us-east-1")

    def sns(self) -> SNSClient:
        return boto3.client("sns", endpoint_url=self.url, region_name="us-east-1")

    def s3_settings(self) -> S3Settings:
        return S3Settings(endpoint_url=self.url, region="us-east-1")

    def bucket(self) -> str:
        """A new, empty bucket."""
        name = self.unique_name("bucket")
        self.s3().create_bucket(Bucket=name)
        return name

    @staticmethod
    def unique_name(kind: str) -> str:
        return f"mozdef-{kind}-{uuid.uuid4().hex[:12]}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + _START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the moto server exited with {process.returncode} on start")
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"the moto server at {url} did not answer within {_START_SECONDS}s")


@contextmanager
def running() -> Iterator[AwsServer]:
    """A moto server on a free port, stopped on leaving."""
    port = _free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process)
        yield AwsServer(url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def aws() -> Iterator[AwsServer]:
    """The session's local AWS server, with fake credentials in the environment."""
    saved = {key: os.environ.get(key) for key in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    try:
        with running() as server:
            yield server
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
