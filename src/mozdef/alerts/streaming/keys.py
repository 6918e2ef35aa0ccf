"""Index keys read off a query tree: what the rule index needs to offer a rule only the
events it can match.

Keys are necessary conditions, never sufficient ones: the rule still evaluates its
whole query on the events the index offers it. From the clauses that the query
requires (its top-level `must`, nested ANDs included):
- `categories`: a Term on `category`, or an OR of them; several such clauses intersect.
- `equals`: each Term on another keyword field.
- `contains`: from one other required clause, the literal text that any match must
  hold: the longest literal run of a Wildcard (keyword fields and summary), the value
  of a non-numeric Term on a keyword field, the whole octets of an IPv4 Cidr
  (`10.1.` for 10.1.0.0/16), or those of every branch of an OR. Runs
  shorter than MIN_NEEDLE characters are not used: they would be found in most events.
A query whose required clauses give none of these is offered every event.
"""

from __future__ import annotations

from collections.abc import Sequence

from mozdef.alerts.rule import IndexKeys
from mozdef.alerts.streaming import wildcards
from mozdef.query.reference import field_kind, read_number
from mozdef.query.tree import Bool, Cidr, Node, Term, Wildcard

MIN_NEEDLE = 3
CATEGORY = "category"

Needles = tuple[tuple[str, str], ...]


def index_keys(node: Node) -> IndexKeys:
    """The keys under which the rule index files a rule whose query is `node`."""
    required = _required(node)
    category_sets = [found for found in map(_categories, required) if found is not None]
    categories = frozenset.intersection(*category_sets) if category_sets else frozenset()
    equals = tuple(pair for pair in map(_equal_pair, required) if pair is not None)
    rest = [clause for clause in required if _categories(clause) is None]
    rest = [clause for clause in rest if _equal_pair(clause) is None]
    return IndexKeys(categories=categories, equals=equals, contains=_best(rest))


def union_keys(keys: Sequence[IndexKeys]) -> IndexKeys:
    """Keys that hold for an event when the keys of at least one of `keys` hold: the
    categories of all, the equals pairs they share, and needles from each (its own, or
    the value of one of its equals pairs)."""
    if not keys or any(not key.categories for key in keys):
        categories: frozenset[str] = frozenset()
    else:
        categories = frozenset().union(*(key.categories for key in keys))
    shared = set(keys[0].equals).intersection(*(key.equals for key in keys)) if keys else set()
    equals = tuple(pair for pair in keys[0].equals if pair in shared) if keys else ()
    needles = [key.contains or _equal_needles(key.equals) for key in keys]
    contains: Needles = ()
    if needles and all(needles):
        contains = tuple(dict.fromkeys(pair for found in needles for pair in found))
    return IndexKeys(categories=categories, equals=equals, contains=contains)


def _equal_needles(equals: tuple[tuple[str, str], ...]) -> Needles:
    """A needle from an equals pair: an equal string value holds it whole."""
    for field, value in equals:
        found = _needles(Term(field, value))
        if found:
            return found
    return ()


def _required(node: Node) -> list[Node]:
    if isinstance(node, Bool) and node.must:
        return [leaf for clause in node.must for leaf in _required(clause)]
    return [node]


def _categories(node: Node) -> frozenset[str] | None:
    if isinstance(node, Term) and node.field == CATEGORY:
        return frozenset({node.value})
    if isinstance(node, Bool) and node.should and not (node.must or node.must_not):
        found = [_categories(clause) for clause in node.should]
        if all(values is not None for values in found):
            return frozenset().union(*(values for values in found if values is not None))
    return None


def _equal_pair(node: Node) -> tuple[str, str] | None:
    if isinstance(node, Term) and node.field not in (None, CATEGORY):
        return (node.field, node.value) if field_kind(node.field) == "keyword" else None
    return None


def _best(clauses: list[Node]) -> Needles:
    """The needle set whose shortest needle is the longest: the rarest to be met."""
    found = [needles for needles in map(_needles, clauses) if needles]
    if not found:
        return ()
    return max(found, key=lambda needles: (min(len(text) for _, text in needles), -len(needles)))


def _needles(node: Node) -> Needles | None:
    if isinstance(node, Wildcard) and node.field is not None:
        if field_kind(node.field) == "date":
            return None
        literals, _ = wildcards.split(node.pattern)
        return _needle(node.field, max(literals, key=len))
    if isinstance(node, Term) and node.field is not None and field_kind(node.field) == "keyword":
        plain = read_number(node.value) is None and node.value not in ("true", "false")
        return _needle(node.field, node.value) if plain else None
    if isinstance(node, Cidr) and field_kind(node.field) != "date":
        return _network_needle(node)
    if isinstance(node, Bool) and node.must:
        return _best(list(node.must)) or None
    if isinstance(node, Bool) and node.should:
        branches = [_needles(clause) for clause in node.should]
        if all(branches):
            return tuple(dict.fromkeys(pair for branch in branches if branch for pair in branch))
    return None


def _network_needle(node: Cidr) -> Needles | None:
    """An IPv4 address matches as text, so it starts with its network's whole octets."""
    network = node.network
    octets = network.prefixlen // 8
    if network.version != 4 or octets == 0:
        return None
    return _needle(node.field, ".".join(str(network.network_address).split(".")[:octets]) + ".")


def _needle(field: str, text: str) -> Needles | None:
    return ((field, text),) if len(text) >= MIN_NEEDLE else None
