"""The connection to OpenSearch, and its failures as the project's exceptions.

Every call goes through `Connection.call`, so that an unreachable cluster is always a
StorageUnavailableError naming the URL, an overloaded one (429, 502, 503, 504) a
StorageBusyError, a refused request a StorageError naming the action and OpenSearch's
reason, and a refused query a QueryValueError.

A request that timed out is not sent again by the client: OpenSearch may have carried
out a bulk request whose answer came too late, and only the caller knows how to send
it again without storing its documents twice (the worker replaces them by id).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as TransportConnectionError
from opensearchpy.exceptions import NotFoundError, TransportError
from opensearchpy.serializer import JSONSerializer

from mozdef.errors import (
    QueryValueError,
    StorageBusyError,
    StorageError,
    StorageUnavailableError,
)

T = TypeVar("T")
# The answers of a cluster that is up but cannot take the request now.
BUSY_STATUSES = frozenset((429, 502, 503, 504))


class _FastJson(JSONSerializer):
    """The client's JSON through orjson: a bulk answer of a thousand items decodes
    several times faster. What orjson cannot write (integers beyond 64 bits, keys that
    are not strings) goes through the client's own serializer."""

    def loads(self, s: str) -> Any:
        try:
            return orjson.loads(s)
        except orjson.JSONDecodeError:
            return super().loads(s)

    def dumps(self, data: Any) -> Any:
        if isinstance(data, str):
            return data
        try:
            return orjson.dumps(data).decode()
        except TypeError:
            return super().dumps(data)


class Connection:
    def __init__(self, url: str, *, timeout: float) -> None:
        self.url = url
        self.client = OpenSearch(
            hosts=[url],
            timeout=timeout,
            max_retries=2,
            retry_on_timeout=False,
            serializer=_FastJson(),
        )

    def call(self, action: str, request: Callable[[], T], *, query: bool = False) -> T:
        """`request()`; `query` marks a search, whose refusal is the query's fault."""
        try:
            return request()
        except TransportConnectionError as error:
            raise StorageUnavailableError(self.url, str(error.info or error.error)) from None
        except NotFoundError:
            raise
        except TransportError as error:
            reason = describe(error)
            if error.status_code in BUSY_STATUSES:
                raise StorageBusyError(self.url, f"{action}: {reason}") from None
            if query and error.status_code == 400:
                raise QueryValueError(reason, "a query that OpenSearch accepts") from None
            raise StorageError(f"OpenSearch at {self.url} refused to {action}: {reason}") from None

    def close(self) -> None:
        self.client.close()


def describe(error: TransportError) -> str:
    """OpenSearch's own words for a refusal: the root cause's type and reason."""
    info: Any = error.info
    if isinstance(info, dict) and isinstance(info.get("error"), dict):
        return reason_of(info["error"])
    return f"{error.status_code} {error.error}"


def reason_of(error: dict[str, Any]) -> str:
    causes = error.get("root_cause") or [error]
    cause = causes[0] if isinstance(causes[0], dict) else error
    caused_by = error.get("caused_by")
    text = f"{cause.get('type', 'error')}: {cause.get('reason', '')}"
    if isinstance(caused_by, dict) and caused_by.get("reason"):
        text += f" ({caused_by['reason']})"
    return text
