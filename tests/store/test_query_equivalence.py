"""Every store gives the reference's answer to a few hundred random Lucene queries.

The queries and the corpus are seeded, so a failure names a query that reproduces.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mozdef.query.datemath import parse_instant
from mozdef.query.lucene import parse
from mozdef.query.reference import matches
from mozdef.store.base import EventStore, IndexedDoc, SearchRequest
from tests.store.conftest import StoreFactory
from tests.store.random_queries import QueryMaker, make_corpus

NOW = datetime.now(UTC).replace(microsecond=0)
CORPUS_SIZE = 2000
QUERY_COUNT = 300

pytestmark = pytest.mark.slow


def _queries() -> list[str]:
    maker = QueryMaker(seed=2024)
    found: dict[str, None] = {}
    while len(found) < QUERY_COUNT:
        found[maker.query()] = None
    return list(found)


QUERIES = _queries()


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, Any]]:
    return make_corpus(CORPUS_SIZE, now=NOW)


@pytest.fixture(scope="module")
def expected(corpus: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each query's matching ids, newest first, ties by id: the stores' default order."""
    newest_first = sorted(corpus, key=lambda event: (-_micros(event), event["id"]))
    trees = {query: parse(query) for query in QUERIES}
    return {
        query: [event["id"] for event in newest_first if matches(tree, event, now=NOW)]
        for query, tree in trees.items()
    }


@pytest.fixture(scope="module")
def loaded_store(
    store_factory: StoreFactory,
    corpus: list[dict[str, Any]],
    tmp_path_factory: pytest.TempPathFactory,
) -> EventStore:
    store = store_factory(Path(tmp_path_factory.mktemp("store")), lambda: NOW)
    failures = store.index([IndexedDoc(event["id"], event) for event in corpus])
    store.commit()
    assert failures == []
    return store


@pytest.mark.parametrize("query", QUERIES)
def test_store_returns_the_reference_hits(
    loaded_store: EventStore, expected: dict[str, list[str]], query: str
) -> None:
    request = SearchRequest(query=parse(query), index="events-*", size=CORPUS_SIZE)

    result = loaded_store.search(request)

    assert (result.total, [hit.id for hit in result.hits]) == (
        len(expected[query]),
        expected[query],
    )


def test_random_queries_mostly_find_something(expected: dict[str, list[str]]) -> None:
    with_hits = [query for query, ids in expected.items() if ids]
    assert len(with_hits) >= 0.6 * QUERY_COUNT


def test_random_queries_rarely_match_everything(expected: dict[str, list[str]]) -> None:
    everything = [query for query, ids in expected.items() if len(ids) == CORPUS_SIZE]
    assert len(everything) <= 0.1 * QUERY_COUNT


# Hand-picked corners: numbers in keyword fields, numeric strings, empty values, words
# dropped for length, combining marks, nested lists and objects, fields outside the schema.
EDGE_STAMP = "2024-05-15T10:00:00Z"
EDGE_EVENTS: dict[str, dict[str, Any]] = {
    "a": {
        "utctimestamp": EDGE_STAMP,
        "processid": 1234,
        "tags": [],
        "summary": "alpha " + "x" * 45 + " beta",
        "details": {
            "port": 22,
            "note": "",
            "codes": ["22", 7],
            "success": True,
            "hops": [{"ip": "fe80::1"}, {"ip": "10.0.0.1"}],
        },
        "foo": "bar",
    },
    "b": {
        "utctimestamp": EDGE_STAMP,
        "processid": "1234.0",
        "tags": ["x"],
        "summary": "हिंदी text -- end",
        "details": {"port": "22", "ratio": 0.5, "success": False, "big": 2**40, "neg": -3},
    },
    "c": {
        "utctimestamp": EDGE_STAMP,
        "summary": "Port 22 open",
        "hostname": "Web1",
        "details": {"port": 22.0, "nested": {"deep": {"x": "y"}}, "list": [[1, 2], [3]]},
    },
}
EDGE_QUERIES = [
    "processid:1234",
    "processid:1234.0",
    "22",
    "22.0",
    "1234",
    "details.port:22.0",
    'details.port:"22"',
    "details.port:>=22",
    "details.port:[a TO z]",
    "_exists_:tags",
    "_exists_:details.note",
    "_exists_:details.nested",
    'summary:"alpha beta"',
    "हिंदी",
    'summary:"--"',
    "summary:port*",
    "summary:Port*",
    "details.codes:22",
    "details.codes:7",
    "details.success:true",
    "details.success:1",
    'details.hops.ip:"fe80::/10"',
    "details.hops.ip:10.0.0.0/8",
    "foo:bar",
    "bar",
    "details.big:1099511627776",
    "details.neg:[-5 TO 0]",
    "details.nested.deep.x:y",
    "details.list:3",
    "hostname:web1",
    "hostname:/[Ww]eb1/",
    "y",
    "details.ratio:>0.4",
    "NOT details.port:22",
]


@pytest.fixture(scope="module")
def edge_store(store_factory: StoreFactory, tmp_path_factory: pytest.TempPathFactory) -> EventStore:
    store = store_factory(Path(tmp_path_factory.mktemp("edge")), lambda: NOW)
    store.index([IndexedDoc(doc_id, event) for doc_id, event in EDGE_EVENTS.items()])
    store.commit()
    return store


@pytest.mark.parametrize("query", EDGE_QUERIES)
def test_store_returns_the_reference_hits_on_corner_cases(
    edge_store: EventStore, query: str
) -> None:
    tree = parse(query)
    wanted = sorted(key for key, event in EDGE_EVENTS.items() if matches(tree, event, now=NOW))

    result = edge_store.search(SearchRequest(query=tree, index="events-*", size=10))

    assert sorted(hit.id for hit in result.hits) == wanted


def _micros(event: dict[str, Any]) -> float:
    instant = parse_instant(event["utctimestamp"])
    assert instant is not None
    return instant.timestamp()
