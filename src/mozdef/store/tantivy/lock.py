"""The one-writer lock of a store folder: an exclusive flock on a file inside it.

The kernel releases the lock when its holder exits, even on a crash, so a stale
lock file never blocks the next writer.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from mozdef.errors import StoreLockedError

LOCK_FILE = ".writer.lock"


class WriterLock:
    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise StoreLockedError naming the folder."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            folder = str(self.path.parent)
            raise StoreLockedError(
                folder,
                f"the event store at {folder} is held by another writer{holder}; "
                "stop that process (for example `mozdef serve`) or open the store read-only",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _read_holder(fd: int) -> str:
    text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    return f" (process {text})" if text.isdigit() else ""
