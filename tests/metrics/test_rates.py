"""The rate ring: growth per second of counters over the last minute."""

from __future__ import annotations

from dataclasses import dataclass

from mozdef.metrics.rates import RateRing


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def ring_at(clock: Clock) -> RateRing:
    return RateRing(window=60.0, spacing=1.0, clock=clock)


def test_rates_are_growth_per_second_between_the_oldest_and_newest_readings() -> None:
    clock = Clock()
    ring = ring_at(clock)
    ring.add({"accepted": 100, "indexed": 90})
    clock.now += 10
    ring.add({"accepted": 300, "indexed": 140})

    assert ring.rates(("accepted", "indexed")) == {
        "window_seconds": 60.0,
        "span_seconds": 10.0,
        "accepted": 20.0,
        "indexed": 5.0,
    }


def test_one_reading_gives_no_rate() -> None:
    ring = ring_at(Clock())
    ring.add({"accepted": 100})

    assert ring.rates(("accepted",)) == {
        "window_seconds": 60.0,
        "span_seconds": 0.0,
        "accepted": None,
    }


def test_readings_older_than_the_window_are_forgotten() -> None:
    clock = Clock()
    ring = ring_at(clock)
    for accepted in (0, 1000, 1100, 1200):
        ring.add({"accepted": accepted})
        clock.now += 40

    rates = ring.rates(("accepted",))

    assert (rates["span_seconds"], rates["accepted"]) == (40.0, 2.5)


def test_a_counter_that_went_down_starts_over() -> None:
    clock = Clock()
    ring = ring_at(clock)
    ring.add({"indexed": 5000})
    clock.now += 5
    ring.add({"indexed": 10})
    clock.now += 5
    ring.add({"indexed": 60})

    assert ring.rates(("indexed",))["indexed"] == 10.0


def test_readings_closer_than_the_spacing_replace_the_newest() -> None:
    clock = Clock()
    ring = ring_at(clock)
    ring.add({"accepted": 0})
    clock.now += 2
    ring.add({"accepted": 10})
    clock.now += 0.5
    ring.add({"accepted": 30})

    rates = ring.rates(("accepted",))

    assert (rates["span_seconds"], rates["accepted"]) == (2.5, 12.0)


def test_a_counter_missing_from_the_readings_has_no_rate() -> None:
    clock = Clock()
    ring = ring_at(clock)
    ring.add({"accepted": 0})
    clock.now += 10
    ring.add({"accepted": 50})

    assert ring.rates(("accepted", "indexed"))["indexed"] is None
