import pytest

from mozdef.alerts.actions.email import EmailOptions
from mozdef.alerts.actions.options import build_options
from mozdef.alerts.actions.webhook import WebhookOptions
from mozdef.errors import ConfigError


def test_an_unknown_key_names_the_key() -> None:
    with pytest.raises(ConfigError) as caught:
        build_options(WebhookOptions, {"url": "http://x", "metod": "PUT"}, where="actions.hook")

    assert caught.value.key == "actions.hook.metod"


def test_a_missing_required_option_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        build_options(WebhookOptions, {}, where="actions.hook")

    assert caught.value.key == "actions.hook.url"


def test_a_value_outside_a_literal_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        build_options(WebhookOptions, {"url": "http://x", "method": "GET"}, where="a")

    assert caught.value.value == "GET"


def test_a_string_is_read_as_a_one_item_list() -> None:
    options = build_options(
        EmailOptions, {"host": "h", "sender": "s@x", "recipients": "r@x"}, where="a"
    )

    assert options.recipients == ("r@x",)


def test_an_integer_is_accepted_for_a_float() -> None:
    options = build_options(WebhookOptions, {"url": "http://x", "timeout": 3}, where="a")

    assert options.timeout == 3.0


def test_a_wrong_type_is_refused() -> None:
    with pytest.raises(ConfigError):
        build_options(
            EmailOptions, {"host": "h", "sender": "s", "recipients": [], "port": "25"}, where="a"
        )
