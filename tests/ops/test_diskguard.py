from __future__ import annotations

from pathlib import Path

from mozdef.ops.diskguard import DiskGuard, DiskStatus


class Disk:
    """Free space and time that a test sets; counts how often free space is read."""

    def __init__(self, free: int) -> None:
        self.free = free
        self.now = 0.0
        self.reads = 0

    def free_bytes(self, path: Path) -> int:
        self.reads += 1
        if self.free < 0:
            raise OSError(5, "Input/output error")
        return self.free

    def clock(self) -> float:
        return self.now


def guard(disk: Disk) -> DiskGuard:
    return DiskGuard(Path("/data"), 1000, free_bytes=disk.free_bytes, clock=disk.clock)


def test_above_the_floor_is_ok() -> None:
    assert guard(Disk(5000)).check() == DiskStatus(True, 5000, 1000, "")


def test_below_the_floor_gives_the_reason() -> None:
    status = guard(Disk(999)).check()

    assert (status.ok, status.reason) == (
        False,
        "free disk space on /data is 999 bytes, below the floor of 1000 bytes",
    )


def test_the_answer_is_kept_for_a_second() -> None:
    disk = Disk(5000)
    checker = guard(disk)
    checker.check()
    disk.free, disk.now = 10, 0.5

    assert (checker.check().ok, disk.reads) == (True, 1)


def test_the_answer_is_read_again_after_a_second() -> None:
    disk = Disk(5000)
    checker = guard(disk)
    checker.check()
    disk.free, disk.now = 10, 1.0

    assert (checker.check().ok, disk.reads) == (False, 2)


def test_free_space_that_cannot_be_read_is_not_ok() -> None:
    status = guard(Disk(-1)).check()

    assert (status.ok, status.reason) == (
        False,
        "cannot read free disk space of /data: Input/output error",
    )


def test_reads_the_real_disk_by_default(tmp_path: Path) -> None:
    assert DiskGuard(tmp_path, 1).check().free_bytes > 0
