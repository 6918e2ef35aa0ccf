from __future__ import annotations

import datetime as dt

from mozdef.store.opensearch import encoding


def test_numbers_encode_in_numeric_order() -> None:
    values = [-1e300, -1500.5, -3, -0.5, 0, 0.5, 22, 1500.5, 2**40, 1e300]

    encoded = [encoding.number(float(value)) for value in values]

    assert encoded == sorted(encoded, key=str)


def test_negative_zero_encodes_as_zero() -> None:
    assert encoding.number(-0.0) == encoding.number(0.0) == "8000000000000000"


def test_an_integral_number_reads_back_as_an_int() -> None:
    assert encoding.read_number(encoding.number(22.0) or "") == 22


def test_a_fraction_reads_back_as_itself() -> None:
    assert encoding.read_number(encoding.number(-1500.5) or "") == -1500.5


def test_infinity_has_no_encoding() -> None:
    assert encoding.number(float("inf")) is None


def test_instants_encode_in_time_order_to_the_microsecond() -> None:
    early = dt.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)
    late = dt.datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=dt.UTC)

    assert (encoding.instant(early), encoding.instant(late)) == (
        "7fffffffffffffff",
        "8000000000000001",
    )


def test_an_instant_reads_back_as_floored_milliseconds() -> None:
    moment = dt.datetime(1969, 12, 31, 23, 59, 59, 999500, tzinfo=dt.UTC)

    assert encoding.read_instant_millis(encoding.instant(moment)) == -1


def test_wildcard_literal_escapes_wildcard_characters() -> None:
    assert encoding.wildcard_literal("a*b?c\\") == "a\\*b\\?c\\\\"


def test_regex_literal_escapes_everything_but_letters_digits_and_non_ascii() -> None:
    assert encoding.regex_literal("details.é_1\x1f") == "details\\.é_1\\\x1f"
