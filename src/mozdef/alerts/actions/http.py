"""One JSON request over HTTP with the standard library, its failures sorted for retry.

Connection errors, timeouts, 429 and 5xx answers are worth trying again; any other
4xx answer means the request itself is wrong and retrying will not help.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from mozdef.errors import ActionError

_TRANSIENT = frozenset({408, 425, 429})


def send_json(
    url: str,
    body: Any,
    *,
    action: str,
    method: str = "POST",
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> str:
    """Send `body` as JSON; the answer's status as `http NNN`, or ActionError."""
    data = json.dumps(body, default=str).encode("utf-8")
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return f"http {response.status}"
    except urllib.error.HTTPError as error:
        raise _refused(action, error.code, error.read(500)) from error
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise ActionError(action, f"cannot reach {url}: {_reason(error)}") from error


def _refused(action: str, status: int, body: bytes) -> ActionError:
    retryable = status >= 500 or status in _TRANSIENT
    text = body.decode("utf-8", "replace").strip()
    return ActionError(action, f"http {status} {text}".strip(), retryable=retryable)


def _reason(error: Exception) -> str:
    reason = getattr(error, "reason", None)
    return str(reason if reason is not None else error) or type(error).__name__
