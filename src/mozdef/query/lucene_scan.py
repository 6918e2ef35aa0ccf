"""The pass before luqum: Lucene's symbolic operators as words, unclosed quotes caught early.

luqum reads `&&`, `||` and `!` as ordinary words, so they are rewritten to `AND`, `OR`
and `NOT` where they stand as operators: outside phrases, regular expressions and range
brackets, and at the start of a token (`a&&b` stays one word, as in Lucene, and so does
`hello!`, where Lucene would read a `NOT`). A `'` at the start of a token is escaped,
since luqum refuses it there and Lucene does not, and so is a `-` right after `>` or
`<`, so that `>-10` compares with minus ten as in Elasticsearch.

The rewrite changes lengths, so it keeps `origin`: for each character of the rewritten
text, its offset in the text the user wrote, plus one entry for the end. Every error
position passes through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mozdef.errors import QuerySyntaxError

_WORD_OPERATORS = {"&&": " AND ", "||": " OR "}
# Characters that end a term in luqum's lexer; any other character continues one.
_TERM_ENDS = frozenset(" \t\r\n:^~(){}[]")
# Characters after which `&&` or `||` still stand alone as an operator.
_OPERATOR_FOLLOWERS = frozenset(' \t\r\n()"')


@dataclass
class Rewritten:
    text: str = ""
    origin: list[int] = field(default_factory=list)

    def emit(self, chars: str, source: int) -> None:
        self.text += chars
        self.origin.extend([source] * len(chars))


def rewrite(query: str) -> Rewritten:
    """`query` with symbolic operators spelled as words, and where each character came from."""
    out = Rewritten()
    position = 0
    in_term = False
    in_range = False
    while position < len(query):
        char = query[position]
        if char == "\\":
            position = _copy_escape(query, position, out)
            in_term = True
        elif in_term and char not in _TERM_ENDS:
            out.emit(char, position)
            position += 1
        else:
            position, in_term, in_range = _token_start(query, position, out, in_range)
    out.origin.append(len(query))
    return out


def _token_start(
    query: str, position: int, out: Rewritten, in_range: bool
) -> tuple[int, bool, bool]:
    """Handle the character at a token boundary; returns the next position and the state."""
    char = query[position]
    if char == '"':
        return _copy_delimited(query, position, out, "phrase"), False, in_range
    if char == "/":
        return _copy_delimited(query, position, out, "regular expression"), False, in_range
    if char in "[{" or char in "]}":
        out.emit(char, position)
        return position + 1, False, char in "[{"
    if not in_range:
        operator = _operator_at(query, position)
        if operator is not None:
            width = 1 if operator == " NOT " else 2
            # The second half of a two-character operator maps to its second character.
            out.emit(operator[:2], position)
            out.emit(operator[2:], position + width - 1)
            return position + width, False, in_range
    if char == "'":
        out.emit("\\'", position)
        return position + 1, True, in_range
    if char in "<>":
        return _copy_comparison(query, position, out), False, in_range
    out.emit(char, position)
    return position + 1, char not in _TERM_ENDS and char not in "+-<>=", in_range


def _operator_at(query: str, position: int) -> str | None:
    if query[position] == "!":
        return " NOT "
    pair = query[position : position + 2]
    following = query[position + 2 : position + 3]
    if pair in _WORD_OPERATORS and (following == "" or following in _OPERATOR_FOLLOWERS):
        return _WORD_OPERATORS[pair]
    return None


def _copy_comparison(query: str, position: int, out: Rewritten) -> int:
    """Copy `>`, `>=`, `<` or `<=`; a `-` after it is a negative number, not a NOT."""
    end = position + (2 if query[position + 1 : position + 2] == "=" else 1)
    for offset in range(position, end):
        out.emit(query[offset], offset)
    if query[end : end + 1] == "-":
        out.emit("\\-", end)
        end += 1
    return end


def _copy_escape(query: str, position: int, out: Rewritten) -> int:
    if position + 1 >= len(query):
        raise QuerySyntaxError(query, position, "a character after the escape '\\'")
    out.emit(query[position : position + 2], position)
    out.origin[-1] = position + 1
    return position + 2


def _copy_delimited(query: str, position: int, out: Rewritten, what: str) -> int:
    """Copy a phrase or a regular expression through its closing delimiter."""
    delimiter = query[position]
    end = position + 1
    while end < len(query) and query[end] != delimiter:
        end += 2 if query[end] == "\\" else 1
    if end >= len(query):
        expected = f"a closing {delimiter} for the {what} that opens at position {position}"
        raise QuerySyntaxError(query, len(query), expected)
    for offset in range(position, end + 1):
        out.emit(query[offset], offset)
    return end + 1
