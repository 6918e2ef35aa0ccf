"""Running luqum's parser, and turning its failures into errors that point into the query.

luqum reports a failure as a sentence; the tokens it read before failing say more. The
parser is fed through a recorder, and the recorded tokens decide what was expected at
the failing token: a value after `field:`, `TO` in a range, a closing parenthesis...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from luqum.exceptions import IllegalCharacterError, ParseSyntaxError
from luqum.parser import lexer as luqum_lexer
from luqum.parser import parser as luqum_parser

from mozdef.errors import QuerySyntaxError
from mozdef.query.lucene_scan import Rewritten

_OPERATORS = ("AND_OP", "OR_OP", "NOT", "PLUS", "MINUS")
_BOUND_STARTS = ("TERM", "PHRASE", "MINUS")


def run_luqum(query: str, rewritten: Rewritten) -> Any:
    """luqum's tree for the rewritten query; a QuerySyntaxError in terms of `query`."""
    lexer = luqum_lexer.clone()
    tokens: list[Any] = []
    try:
        return luqum_parser.parse(rewritten.text, lexer=lexer, tokenfunc=_recorder(lexer, tokens))
    except IllegalCharacterError as error:
        position = rewritten.origin[lexer.lexpos]
        raise QuerySyntaxError(query, position, "a term, a phrase or a group") from error
    except ParseSyntaxError as error:
        raise _explain(query, rewritten, tokens) from error


def _recorder(lexer: Any, tokens: list[Any]) -> Callable[[], Any]:
    def next_token() -> Any:
        token = lexer.token()
        tokens.append(token)
        return token

    return next_token


def _explain(query: str, rewritten: Rewritten, tokens: list[Any]) -> QuerySyntaxError:
    """The error for a parse that failed at the last of `tokens` (None: at the end)."""
    failing = tokens[-1] if tokens else None
    before = tokens[:-1]
    position = len(query) if failing is None else rewritten.origin[failing.lexpos]
    expected = _expected(query, rewritten, before, failing)
    return QuerySyntaxError(query, position, expected)


def _expected(query: str, rewritten: Rewritten, before: list[Any], failing: Any) -> str:
    in_range = _open_range(before)
    if in_range is not None:
        return _expected_in_range(in_range)
    previous = before[-1] if before else None
    kind = None if failing is None else failing.type
    if previous is not None and previous.type == "COLUMN":
        name = _written(query, rewritten, before[-2]) if len(before) >= 2 else ""
        return f"a value after '{name}:'"
    if previous is not None and previous.type in ("GREATERTHAN", "LESSTHAN"):
        return f"a value after '{previous.value}'"
    if previous is not None and previous.type in _OPERATORS:
        return f"a term after '{_written(query, rewritten, previous)}'"
    if kind == "RPAREN" and _depth(before) == 0:
        return "an opening parenthesis before this ')'"
    if failing is None and _depth(before) > 0:
        return "a closing parenthesis"
    if kind in ("AND_OP", "OR_OP") and previous is None:
        return f"a term before '{_written(query, rewritten, failing)}'"
    return "a term, a phrase or a group"


def _open_range(before: list[Any]) -> list[Any] | None:
    """The tokens of a range still open at the failure, from its bracket on."""
    starts = [i for i, token in enumerate(before) if token.type == "LBRACKET"]
    if not starts or any(token.type == "RBRACKET" for token in before[starts[-1] :]):
        return None
    return before[starts[-1] :]


def _expected_in_range(tokens: list[Any]) -> str:
    # Bounds are one token, or two for a negative number (MINUS then TERM).
    kinds = [token.type for token in tokens[1:] if token.type != "MINUS"]
    if not kinds:
        return "a lower bound in the range"
    if "TO" not in kinds:
        return "TO in a range"
    if kinds[-1] == "TO":
        return "an upper bound in the range"
    return "a closing ] or } for the range"


def _depth(tokens: list[Any]) -> int:
    opened = sum(1 for token in tokens if token.type == "LPAREN")
    return opened - sum(1 for token in tokens if token.type == "RPAREN")


def _written(query: str, rewritten: Rewritten, token: Any) -> str:
    """The operator as the user wrote it: `&&` stays `&&` though luqum read `AND`."""
    start = rewritten.origin[token.lexpos]
    end = rewritten.origin[token.lexpos + len(str(token.value)) - 1] + 1
    return query[start:end]
