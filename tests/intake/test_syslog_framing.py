from mozdef.intake.syslog_framing import Frame, Framer


def feed_all(framer: Framer, *chunks: bytes) -> list[Frame]:
    return [frame for chunk in chunks for frame in framer.feed(chunk)]


def test_newline_framing_with_several_messages_per_read() -> None:
    frames = Framer(100).feed(b"<13>one\n<13>two\r\n<13>thr")
    assert frames == [Frame(b"<13>one"), Frame(b"<13>two\r")]


def test_newline_message_split_across_reads() -> None:
    framer = Framer(100)
    assert feed_all(framer, b"<13>hel", b"lo", b"\n") == [Frame(b"<13>hello")]


def test_nul_is_a_delimiter_too() -> None:
    assert Framer(100).feed(b"<13>a\x00<13>b\n") == [Frame(b"<13>a"), Frame(b"<13>b")]


def test_octet_counting_with_several_messages_per_read() -> None:
    frames = Framer(100).feed(b"7 <13>one7 <13>two")
    assert frames == [Frame(b"<13>one"), Frame(b"<13>two")]


def test_octet_counted_message_may_hold_a_newline() -> None:
    assert Framer(100).feed(b"9 <13>a\nb\nc") == [Frame(b"<13>a\nb\nc")]


def test_octet_counting_split_inside_length_and_body() -> None:
    framer = Framer(100)
    assert feed_all(framer, b"1", b"6", b" <13>hel", b"lo wo") == []
    assert framer.feed(b"rld!") == [Frame(b"<13>hello world!")]


def test_framings_may_alternate_on_one_stream() -> None:
    frames = Framer(100).feed(b"7 <13>one<13>two\n7 <13>thr")
    assert frames == [Frame(b"<13>one"), Frame(b"<13>two"), Frame(b"<13>thr")]


def test_oversize_octet_counted_message_is_cut_and_its_rest_skipped() -> None:
    framer = Framer(5)
    frames = feed_all(framer, b"12 <13>abc", b"defgh7 <13>one")
    assert frames == [Frame(b"<13>a", truncated=True), Frame(b"<13>o", truncated=True)]


def test_oversize_newline_message_is_cut_and_the_next_one_kept() -> None:
    framer = Framer(6)
    frames = feed_all(framer, b"<13>abcdef", b"ghij\n<13>ok\n")
    assert frames == [Frame(b"<13>ab", truncated=True), Frame(b"<13>ok")]


def test_newline_message_of_exactly_the_limit_is_whole() -> None:
    assert Framer(6).feed(b"<13>ab\n") == [Frame(b"<13>ab")]


def test_close_gives_the_unterminated_last_message() -> None:
    framer = Framer(100)
    assert framer.feed(b"<13>a\n<13>last") == [Frame(b"<13>a")]
    assert framer.close() == [Frame(b"<13>last")]


def test_close_gives_a_partial_octet_counted_message_as_truncated() -> None:
    framer = Framer(100)
    assert framer.feed(b"20 <13>short") == []
    assert framer.close() == [Frame(b"<13>short", truncated=True)]


def test_digits_without_a_space_are_a_delimited_message() -> None:
    assert Framer(100).feed(b"12345abc\n") == [Frame(b"12345abc")]


def test_blank_lines_and_stray_delimiters_give_nothing() -> None:
    framer = Framer(100)
    assert framer.feed(b"\n\r\n\x00\n") == []
    assert framer.close() == []
