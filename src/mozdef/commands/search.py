"""`mozdef search QUERY --since 15m`: search the store from the command line.

Opens the store read-only, so it works beside a running server."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

import orjson

from mozdef.config import Settings
from mozdef.store.base import Hit
from mozdef.store.tantivy import TantivyStore
from mozdef.web.search import build_request


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser("search", help="search stored events")
    parser.add_argument("query", help="Lucene query string, as in Kibana")
    parser.add_argument("--since", default="24h", help="start: 15m, 24h, now-7d or ISO 8601")
    parser.add_argument("--until", help="end (default now)")
    parser.add_argument("--size", type=int, default=20, help="events to show (default 20)")
    parser.add_argument("--index", default="events-*", help="index or alias (default events-*)")
    parser.add_argument("--json", action="store_true", help="print events as JSON lines")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, settings: Settings) -> int:
    params = {
        "q": args.query,
        "start": args.since,
        "end": args.until,
        "size": args.size,
        "index": args.index,
    }
    request = build_request(params, now=dt.datetime.now(dt.UTC))
    store = TantivyStore(settings.store_dir, writer=False)
    try:
        result = store.search(request)
    finally:
        store.close()
    for hit in result.hits:
        print(_render(hit, as_json=args.json))
    print(f"{result.total} events", file=sys.stderr)
    return 0


def _render(hit: Hit, *, as_json: bool) -> str:
    if as_json:
        return orjson.dumps({"_id": hit.id, "_index": hit.index, **hit.source}).decode()
    event = hit.source
    columns = ("utctimestamp", "hostname", "category", "summary")
    return "  ".join(str(event.get(column, "")) for column in columns)
