from mozdef.pipeline.plugins.lowercasekeys import LowercaseKeys


def test_keys_are_lower_cased_at_every_depth() -> None:
    message = {"details": {"UserName": "Alice", "Nested": [{"KeY": 1}]}}
    result, _ = LowercaseKeys().onMessage(message, {})
    assert result == {"details": {"username": "Alice", "nested": [{"key": 1}]}}


def test_colliding_key_keeps_its_original_case() -> None:
    result, _ = LowercaseKeys().onMessage({"details": {"User": "a", "user": "b"}}, {})
    assert result == {"details": {"User": "a", "user": "b"}}


def test_input_is_left_unchanged() -> None:
    message = {"details": {"A": 1}}
    LowercaseKeys().onMessage(message, {})
    assert message == {"details": {"A": 1}}
