"""The disk floor: intake refuses events while free space is below it.

Events accepted on a full disk could not be spooled or indexed, so intake answers
503 with `DiskStatus.reason` instead. Reading free space is a system call, and
intake asks on every request: the answer is kept for `ttl` seconds.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DiskStatus:
    ok: bool
    free_bytes: int
    floor_bytes: int
    reason: str


def disk_free(path: Path) -> int:
    return shutil.disk_usage(path).free


class DiskGuard:
    def __init__(
        self,
        path: Path,
        floor_bytes: int,
        *,
        ttl: float = 1.0,
        free_bytes: Callable[[Path], int] = disk_free,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self.floor_bytes = floor_bytes
        self._ttl = ttl
        self._free_bytes = free_bytes
        self._clock = clock
        self._cached: DiskStatus | None = None
        self._read_at = 0.0

    def check(self) -> DiskStatus:
        """The status as of at most `ttl` seconds ago."""
        now = self._clock()
        if self._cached is None or now - self._read_at >= self._ttl:
            self._cached = self._read()
            self._read_at = now
        return self._cached

    def _read(self) -> DiskStatus:
        try:
            free = self._free_bytes(self.path)
        except OSError as error:
            reason = f"cannot read free disk space of {self.path}: {error.strerror or error}"
            return DiskStatus(False, 0, self.floor_bytes, reason)
        if free < self.floor_bytes:
            reason = (
                f"free disk space on {self.path} is {free} bytes, "
                f"below the floor of {self.floor_bytes} bytes"
            )
            return DiskStatus(False, free, self.floor_bytes, reason)
        return DiskStatus(True, free, self.floor_bytes, "")
