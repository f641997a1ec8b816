"""Per-key token bucket (per worker process): bursts up to `burst`, refills at `rate` calls per second."""

from __future__ import annotations

import math
import threading
import time


class RateLimiter:
    """allow(key) → (True, 0) or (False, seconds to wait)."""

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = float(rate), max(1, int(burst))
        self._buckets: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key_id: int) -> tuple[bool, int]:
        """Take one token for this key if there is one."""
        if self.rate <= 0:
            return True, 0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key_id, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key_id] = (tokens - 1.0, now)
                return True, 0
            self._buckets[key_id] = (tokens, now)
            return False, max(1, math.ceil((1.0 - tokens) / self.rate))
