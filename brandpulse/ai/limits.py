"""Client-side backpressure per provider: token buckets (RPM, TPM) and a circuit breaker.

Why client-side: a provider's own 429s cost a round trip, an attempt and a Retry-After
wait each; pacing requests under the limits the account has avoids most of them. A
bucket holds at most one minute of its limit and refills continuously; `acquire` waits
until the tokens are there (a request larger than a whole minute's TPM waits for a full
bucket and takes it all, rather than waiting forever).

The circuit breaker pauses a provider that keeps failing: after `failure_threshold`
consecutive transient failures it opens for `cooldown_s`; requests then wait for it or
go to a fallback model instead of burning their retries on a dead endpoint. After the
cooldown one probe request is let through (half-open); its success closes the breaker,
its failure opens it again. Clocks and sleeps are injected so tests never wait.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class TokenBucket:
    """`per_minute` tokens a minute, burst up to one minute's worth; None = unlimited."""

    def __init__(
        self, per_minute: float | None, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep
    ) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.sleep = sleep
        self._capacity = float(per_minute or 0)
        self._tokens = self._capacity
        self._updated = clock()
        self._lock = threading.Lock()

    def _refill(self, now: float) -> None:
        rate = self._capacity / 60.0
        self._tokens = min(self._capacity, self._tokens + (now - self._updated) * rate)
        self._updated = now

    def try_acquire(self, tokens: float = 1.0) -> float:
        """Take `tokens` now and return 0, or take nothing and return the seconds to wait."""
        if not self.per_minute:
            return 0.0
        tokens = min(tokens, self._capacity)
        with self._lock:
            self._refill(self.clock())
            if self._tokens >= tokens:
                self._tokens -= tokens
                return 0.0
            return (tokens - self._tokens) / (self._capacity / 60.0)

    def acquire(self, tokens: float = 1.0) -> float:
        """Wait until `tokens` are available and take them; returns the seconds waited."""
        waited = 0.0
        while True:
            wait = self.try_acquire(tokens)
            if wait <= 0:
                return waited
            self.sleep(wait)
            waited += wait

    def give_back(self, tokens: float) -> None:
        """Return unused tokens (the TPM estimate was above the tokens actually used)."""
        if not self.per_minute or tokens <= 0:
            return
        with self._lock:
            self._refill(self.clock())
            self._tokens = min(self._capacity, self._tokens + tokens)


class CircuitBreaker:
    """Closed -> open after `failure_threshold` consecutive failures -> half-open after
    `cooldown_s` (one probe) -> closed on success, open again on failure. A threshold of
    0 disables the breaker (it never opens)."""

    def __init__(
        self, failure_threshold: int = 5, cooldown_s: float = 10.0, *, clock: Clock = time.monotonic
    ) -> None:
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s
        self.clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probe_out = False
        self._lock = threading.Lock()
        self.times_opened = 0

    @property
    def state(self) -> str:
        with self._lock:
            return self._state(self.clock())

    def _state(self, now: float) -> str:
        if self._opened_at is None:
            return "closed"
        if now - self._opened_at >= self.cooldown_s:
            return "half_open"
        return "open"

    def wait_s(self) -> float:
        """0 if a request may go now (claiming the probe when half-open), else seconds to wait."""
        with self._lock:
            now = self.clock()
            state = self._state(now)
            if state == "closed":
                return 0.0
            if state == "half_open" and not self._probe_out:
                self._probe_out = True
                return 0.0
            if state == "half_open":  # a probe is out: check again shortly
                return min(1.0, self.cooldown_s) or 0.05
            return self._opened_at + self.cooldown_s - now

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._probe_out = False

    def record_failure(self) -> None:
        with self._lock:
            now = self.clock()
            self._failures += 1
            probe_failed = self._probe_out and self._state(now) == "half_open"
            tripped = 0 < self.failure_threshold <= self._failures
            if probe_failed or (self._opened_at is None and tripped):
                self._opened_at = now
                self._probe_out = False
                self.times_opened += 1
