"""Wildcard patterns of the query tree (`*` any run, `?` one character, `\\` escapes):
split into literal runs, and literal text escaped into a pattern."""

from __future__ import annotations

ANY_RUN = "*"
ONE_CHAR = "?"


def split(pattern: str) -> tuple[list[str], list[str]]:
    """(literals, wildcards): the unescaped literal runs around the wildcards, and the
    wildcards in order. Literal `i` comes before wildcard `i`; there is always one more
    literal than wildcards, empty ones included, so `*ab*` is (["", "ab", ""], ["*", "*"])."""
    literals: list[str] = [""]
    wildcards: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            literals[-1] += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in (ANY_RUN, ONE_CHAR):
            wildcards.append(char)
            literals.append("")
        else:
            literals[-1] += char
    # A trailing backslash escapes nothing and, as in the reference, stands for nothing.
    return literals, wildcards


def escape(text: str) -> str:
    """`text` as a pattern that matches exactly it."""
    return "".join("\\" + char if char in "*?\\" else char for char in text)
