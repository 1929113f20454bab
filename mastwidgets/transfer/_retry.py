"""One retry policy for every source: exponential backoff with full jitter,
``Retry-After`` honoured, a bounded budget of attempts without progress."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before a file fails.

    Parameters
    ----------
    attempts
        Consecutive failed attempts (no byte gained) a file may have on one
        source; any progress resets the count.
    backoff
        First delay in seconds; doubles at each failure, with full jitter.
    backoff_max
        Longest delay between attempts, ``Retry-After`` included.
    """

    attempts: int = 8
    backoff: float = 0.5
    backoff_max: float = 30.0

    def delay(
        self, failures: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait after the ``failures``-th consecutive failure (1-based)."""
        ceiling = min(self.backoff_max, self.backoff * 2 ** max(failures - 1, 0))
        jittered = (rng or random).uniform(0, ceiling)
        if retry_after is not None:
            return min(self.backoff_max, max(retry_after, jittered))
        return jittered

    def exhausted(self, failures: int) -> bool:
        return failures >= self.attempts
