"""What each part of the event layout costs tantivy: indexing, merging and disk.

    python benchmarks/bench_tantivy_fields.py [--events 100000] [--commit-every 11000] [--runs 3]

Normalizes corpus events and builds their tantivy documents outside the timing, then,
for the whole layout and for layouts without one part each, adds the documents to a
fresh index with a commit every `--commit-every` events (about one second of the
end-to-end rate, as the worker commits), waits for the merges, and prints the CPU
time per event by kind of thread (the thread that adds documents, where tantivy
parses them; tantivy's indexing thread; its merges; its document-store compression)
and the bytes on disk per event.
Medians of `--runs` runs. Only the whole layout is what stores use; the others price
what each part buys: `_all` (unfielded queries), `_summary` (whole-summary
wildcards, regexes, ranges and aggregations), the fast columns of `details`
(aggregations and sorts on details), `_source` (hits as sent).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import orjson
import tantivy

from bench_worker import ThreadClock
from corpus import events
from mozdef.events.normalize import normalize
from mozdef.store.base import IndexedDoc
from mozdef.store.tantivy import schema

LAYOUTS: dict[str, tuple[frozenset[str], bool]] = {
    "whole layout": (frozenset(), True),
    "without _all": (frozenset((schema.ALL, schema.ALL_NUMBERS)), True),
    "without _summary": (frozenset((schema.SUMMARY_RAW,)), True),
    "details without fast columns": (frozenset(), False),
    "without _source": (frozenset((schema.SOURCE,)), True),
}
HEAP_BYTES = 85_000_000
KINDS = ("python", "tantivy indexing", "tantivy merging", "tantivy docstore")


def documents(count: int) -> list[str]:
    """The JSON texts that the store hands to tantivy for `count` corpus events."""
    now = dt.datetime.now(dt.UTC)
    texts = []
    for number, raw in enumerate(events(count, day=now.date())):
        event_id = f"{number:032x}"
        event = normalize(raw, event_id=event_id, received=now, mozdefhostname="bench")
        texts.append(schema.to_json(IndexedDoc(event_id, event), schema.source_json(event)))
    return texts


def without(texts: list[str], fields: frozenset[str]) -> list[str]:
    if not fields:
        return texts
    trimmed = []
    for text in texts:
        document = orjson.loads(text)
        for name in fields:
            document.pop(name, None)
        trimmed.append(orjson.dumps(document).decode())
    return trimmed


def run(texts: list[str], layout: tuple[frozenset[str], bool], every: int) -> dict[str, float]:
    omitted, fast_json = layout
    folder = Path(tempfile.mkdtemp(prefix="mozdef-fields-"))
    try:
        index = tantivy.Index(
            schema.build_schema(without=omitted, fast_json=fast_json), str(folder)
        )
        with ThreadClock() as clock:
            writer = index.writer(HEAP_BYTES, 1)
            for start in range(0, len(texts), every):
                for text in texts[start : start + every]:
                    writer.add_json(text)
                writer.commit()
            writer.wait_merging_threads()
            # The poll sees a merge thread only while it lives: give it one more look.
            time.sleep(0.1)
        spent = clock.spent()
        result = {kind: spent.get(kind, 0.0) / len(texts) * 1e6 for kind in KINDS}
        result["bytes"] = sum(f.stat().st_size for f in folder.iterdir()) / len(texts)
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--commit-every", type=int, default=11_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    texts = documents(args.events)
    print("layout | add (parse) | indexing | merging | docstore | total CPU-µs/event | bytes/event")
    for name, layout in LAYOUTS.items():
        trimmed = without(texts, layout[0])
        results = [run(trimmed, layout, args.commit_every) for _ in range(args.runs)]
        medians = {key: statistics.median(r[key] for r in results) for key in results[0]}
        total = sum(medians[kind] for kind in KINDS)
        parts = " | ".join(f"{medians[kind]:.1f}" for kind in KINDS)
        print(f"{name} | {parts} | {total:.1f} | {medians['bytes']:.0f}")


if __name__ == "__main__":
    main()
