"""How full text (`summary`) becomes words: the rules of tantivy's default tokenizer.

A word is a run of characters that are alphabetic or numeric in Unicode's sense (Rust's
`char::is_alphanumeric`: the Alphabetic property, which includes many combining vowel
signs, or a number category); everything else separates words. Words of 40 bytes or
more in UTF-8 are dropped before lower-casing, but still take their position, so a
phrase does not match across them. Lower-casing is character by character (no final
sigma). Characters that Unicode assigned after the version of the `regex` package or of
tantivy's Rust build may be classified differently by the two.
"""

from __future__ import annotations

import functools

import regex

MAX_WORD_BYTES = 40
_WORD = regex.compile(r"[\p{Alphabetic}\p{N}]+")


# Summaries repeat across queries of the in-memory store; splitting is the costly part.
@functools.lru_cache(maxsize=65536)
def words(text: str) -> tuple[tuple[int, str], ...]:
    """The words of `text` with their positions, as the summary index holds them."""
    return tuple(
        (position, _lower(word))
        for position, word in enumerate(_WORD.findall(text))
        if (len(word) if word.isascii() else len(word.encode())) < MAX_WORD_BYTES
    )


def _lower(word: str) -> str:
    if word.isascii():  # one character at a time is the same as the whole for ASCII
        return word.lower()
    return "".join(char.lower() for char in word)
