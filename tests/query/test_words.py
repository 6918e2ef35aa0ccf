from __future__ import annotations

from mozdef.query.words import words


def test_words_split_on_non_alphanumerics_and_lower_case() -> None:
    assert words("Failed LOGIN for admin@example.com") == (
        (0, "failed"),
        (1, "login"),
        (2, "for"),
        (3, "admin"),
        (4, "example"),
        (5, "com"),
    )


def test_unicode_letters_and_digits_are_word_characters() -> None:
    assert words("Über-Größe ٣٤") == ((0, "über"), (1, "größe"), (2, "٣٤"))


def test_combining_vowel_signs_stay_inside_a_word() -> None:
    # U+093F DEVANAGARI VOWEL SIGN I is Alphabetic though not a letter category.
    assert words("हिंदी") == ((0, "हिंदी"),)


def test_words_of_forty_bytes_are_dropped_but_keep_their_position() -> None:
    assert words("a " + "x" * 40 + " b") == ((0, "a"), (2, "b"))


def test_words_of_thirty_nine_bytes_are_kept() -> None:
    assert words("x" * 39) == ((0, "x" * 39),)


def test_byte_length_counts_before_lower_casing() -> None:
    # "İ" is 2 bytes; lower-cased it is 3: the 40-byte original is dropped.
    assert words("İ" * 20) == ()


def test_lower_casing_is_per_character_without_final_sigma() -> None:
    assert words("ΟΔΟΣ") == ((0, "οδοσ"),)
