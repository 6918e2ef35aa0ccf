"""Queries: Lucene strings and MozDef's match classes, both built into one query tree."""

from mozdef.query.lucene import parse
from mozdef.query.mozdef_compat import (
    Aggregation,
    BooleanMatch,
    ExistsMatch,
    LessThanMatch,
    Match,
    PhraseMatch,
    QueryStringMatch,
    RangeMatch,
    SearchQuery,
    SubnetMatch,
    TermMatch,
    TermsMatch,
    WildcardMatch,
)

__all__ = [
    "Aggregation",
    "BooleanMatch",
    "ExistsMatch",
    "LessThanMatch",
    "Match",
    "PhraseMatch",
    "QueryStringMatch",
    "RangeMatch",
    "SearchQuery",
    "SubnetMatch",
    "TermMatch",
    "TermsMatch",
    "WildcardMatch",
    "parse",
]
