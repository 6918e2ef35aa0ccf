"""Reading NDJSON from files or standard input, for `mozdef ingest` and `mozdef pipeline`."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from mozdef.config.settings import IntakeSettings
from mozdef.intake.body import Accepted, parse_line


def read_events(
    paths: Sequence[Path], limits: IntakeSettings
) -> Iterator[tuple[str, int, Accepted | str]]:
    """(source name, 1-based line number, the event or the reason it was refused)."""
    for path in paths or [Path("-")]:
        name = "<stdin>" if str(path) == "-" else str(path)
        handle = sys.stdin.buffer if str(path) == "-" else path.open("rb")
        try:
            for number, raw in enumerate(handle, start=1):
                line = raw.strip()
                if not line:
                    continue
                item = parse_line(number - 1, line, limits)
                yield name, number, item if isinstance(item, Accepted) else item.message
        finally:
            if handle is not sys.stdin.buffer:
                handle.close()
