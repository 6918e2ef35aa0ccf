"""Events in MozDef's own shape take a fast path; it must agree with the general one.

Prefixing each key with `@` sends the same event through the general path, which
reads `@category` as `category` and keeps a losing `@timestamp` as `timestamp`."""

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mozdef.events.normalize import normalize

RECEIVED = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)

text = st.text(max_size=12)
scalar = st.one_of(st.none(), text, st.integers(-5, 5), st.booleans())
field = st.one_of(text, text, text, scalar)
times = st.one_of(
    st.sampled_from(
        ["2024-01-02T03:04:05.000001+00:00", "2024-01-02 03:04:05", "nonsense", "", "1700000000"]
    ),
    scalar,
)
mozdef_shaped = st.fixed_dictionaries(
    {},
    optional={
        "category": field,
        "source": field,
        "summary": field,
        "hostname": field,
        "severity": field,
        "processname": field,
        "processid": st.one_of(field, st.integers(0, 99999)),
        "eventsource": field,
        "tags": st.lists(st.one_of(text, st.integers(0, 9)), max_size=3),
        "details": st.dictionaries(text, scalar, max_size=3),
        "utctimestamp": times,
        "timestamp": times,
    },
)


@settings(max_examples=500)
@given(mozdef_shaped)
def test_fast_path_gives_what_the_general_path_gives(raw: dict[str, Any]) -> None:
    prefixed = {f"@{key}": value for key, value in raw.items()}
    fast = normalize(raw, event_id="e", received=RECEIVED, mozdefhostname="m")
    general = normalize(prefixed, event_id="e", received=RECEIVED, mozdefhostname="m")
    assert fast == general
