from __future__ import annotations

from mozdef.auth.ratelimit import AttemptLimiter


class Seconds:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_attempts_up_to_the_limit_pass_and_the_next_waits_for_the_window() -> None:
    clock = Seconds()
    limiter = AttemptLimiter(limit=3, window=60, clock=clock)

    passed = [limiter.attempt("address:a") for _ in range(3)]
    clock.now += 15
    refused = limiter.attempt("address:a")

    assert passed == [0.0, 0.0, 0.0]
    assert refused == 45.0


def test_the_window_slides_so_old_attempts_stop_counting() -> None:
    clock = Seconds()
    limiter = AttemptLimiter(limit=2, window=60, clock=clock)
    limiter.attempt("k")
    limiter.attempt("k")

    clock.now += 60

    assert limiter.attempt("k") == 0.0


def test_one_key_at_its_limit_refuses_the_attempt_and_nothing_is_counted() -> None:
    clock = Seconds()
    limiter = AttemptLimiter(limit=2, window=60, clock=clock)
    limiter.attempt("address:a", "name:alice")
    limiter.attempt("address:b", "name:alice")

    refused = limiter.attempt("address:c", "name:alice")

    assert refused > 0
    # The refused attempt did not count against address c: it has two more.
    assert limiter.attempt("address:c", "name:bob") == 0.0
    assert limiter.attempt("address:c", "name:carol") == 0.0
    assert limiter.attempt("address:c", "name:dave") > 0


def test_keys_beyond_the_bound_are_forgotten_oldest_first() -> None:
    clock = Seconds()
    limiter = AttemptLimiter(limit=1, window=60, max_keys=3, clock=clock)
    for key in ("a", "b", "c", "d"):
        limiter.attempt(key)

    assert limiter.attempt("a") == 0.0
    assert limiter.attempt("d") > 0
