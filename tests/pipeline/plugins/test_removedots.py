from mozdef.pipeline.plugins.removedots import RemoveDots


def test_dots_in_keys_become_underscores() -> None:
    result, _ = RemoveDots().onMessage({"details": {"a.b": {"c.d": 1}}}, {})
    assert result == {"details": {"a_b": {"c_d": 1}}}


def test_colliding_key_keeps_its_dots() -> None:
    result, _ = RemoveDots().onMessage({"details": {"a.b": 1, "a_b": 2}}, {})
    assert result == {"details": {"a.b": 1, "a_b": 2}}


def test_values_keep_their_dots() -> None:
    result, _ = RemoveDots().onMessage({"details": {"host": "a.example.com"}}, {})
    assert result == {"details": {"host": "a.example.com"}}
