"""Limits for the writer: ``--max-wcu`` (a token bucket) and an AIMD cap on in-flight requests.

A writer reserves the estimated WCU of a request before sending it (1 WCU per
started KB of each item) and settles the difference once the response reports
what was really consumed (``ReturnConsumedCapacity="TOTAL"``); a throttled
request is refunded.  Reservations may drive the bucket into debt, and a
reservation's wait is fixed when it is made, so large requests are never
starved by small ones and consumption over any span of ``t`` seconds stays
within ``burst + rate * t``.

``AimdLimiter`` is the writer's congestion control: throttling halves the
number of requests allowed in flight, a run of successes adds one back.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sql2dynamo.items.size import item_size

__all__ = ["AimdLimiter", "TokenBucket", "estimate_wcu"]


class TokenBucket:
    """A thread-safe token bucket refilled at ``rate`` tokens per second, holding at most ``burst``.

    The bucket starts empty, so the cap holds from the first request rather
    than after an initial free burst.
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not rate > 0:
            raise ValueError("a token bucket needs a positive rate")
        self.rate = float(rate)
        self.burst = float(burst) if burst is not None else self.rate
        if not self.burst > 0:
            raise ValueError("a token bucket needs a positive burst")
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = 0.0
        self._stamp = clock()
        self.waited_s = 0.0
        """Total seconds callers spent waiting for tokens (for counters)."""

    def _refill(self, now: float) -> None:
        if now > self._stamp:
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now

    def reserve(self, amount: float) -> float:
        """Take ``amount`` tokens now (possibly into debt); return how long the caller must wait."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._tokens -= amount
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
            self.waited_s += wait
            return wait

    def acquire(self, amount: float) -> float:
        """Reserve ``amount`` tokens and sleep until they are covered; return the seconds waited."""
        wait = self.reserve(amount)
        if wait > 0:
            self._sleep(wait)
        return wait

    def settle(self, delta: float) -> None:
        """Charge ``delta`` more tokens (positive) or refund them (negative) after the fact."""
        if delta == 0:
            return
        with self._lock:
            self._refill(self._clock())
            self._tokens = min(self.burst, self._tokens - delta)

    @property
    def available(self) -> float:
        """Tokens available right now (negative while in debt)."""
        with self._lock:
            self._refill(self._clock())
            return self._tokens


class AimdLimiter:
    """A thread-safe cap on in-flight requests that adapts to throttling.

    Additive increase, multiplicative decrease: a throttled request halves the
    limit (never below ``minimum``), ``increase_after`` successes in a row
    raise it by one (never above ``maximum``).  Requests already in flight when
    the limit was cut were sent under the old limit, so their throttles do not
    cut it again: one burst of congestion halves the limit once.
    """

    def __init__(self, maximum: int, *, minimum: int = 1, increase_after: int = 10) -> None:
        if not 1 <= minimum <= maximum:
            raise ValueError("AimdLimiter needs 1 <= minimum <= maximum")
        if increase_after < 1:
            raise ValueError("AimdLimiter needs increase_after >= 1")
        self.maximum = maximum
        self.minimum = minimum
        self.increase_after = increase_after
        self._cond = threading.Condition()
        self._limit = maximum
        self._in_flight = 0
        self._epoch = 0
        self._successes = 0
        self.lowest = maximum
        self.peak_in_flight = 0
        self.decreases = 0
        self.increases = 0

    @property
    def limit(self) -> int:
        """How many requests may be in flight right now."""
        return self._limit

    @property
    def in_flight(self) -> int:
        """How many requests are in flight right now."""
        return self._in_flight

    def acquire(self) -> int:
        """Wait for a free slot and take it; return a token to hand back to ``release``."""
        with self._cond:
            while self._in_flight >= self._limit:
                self._cond.wait()
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
            return self._epoch

    def release(self, token: int, *, throttled: bool) -> None:
        """Give the slot back, saying whether the request was throttled."""
        with self._cond:
            self._in_flight -= 1
            if throttled:
                self._successes = 0
                if token >= self._epoch and self._limit > self.minimum:
                    self._limit = max(self.minimum, self._limit // 2)
                    self._epoch += 1
                    self.decreases += 1
                    self.lowest = min(self.lowest, self._limit)
            else:
                self._successes += 1
                if self._successes >= self.increase_after and self._limit < self.maximum:
                    self._limit += 1
                    self._successes = 0
                    self.increases += 1
            self._cond.notify_all()


_KB = 1024


def estimate_wcu(items: Iterable[Mapping[str, Any]]) -> int:
    """Write capacity units a put of each item costs: 1 per started KB, at least 1 per item."""
    return sum(max(1, math.ceil(item_size(item) / _KB)) for item in items)
