"""How hard one host is asked: a window of requests at once, AIMD on throttling.

A server that answers 429 (Too Many Requests) or 503 (Service Unavailable) is
asking every connection to slow down, not one file. So the whole host backs
off: its window of requests at once halves (at least one) and, with a
``Retry-After``, no new request goes to it before then (at most
``MAX_PAUSE`` seconds). Each answered request widens the window again by
``1/window`` (about one more request per window's worth of answers), up to the
job's cap. This is TCP's additive increase, multiplicative decrease.

A window is the I/O loop's (:mod:`._loop`), asked on its thread only.
"""

from __future__ import annotations

import time

#: The longest a host is closed for one Retry-After (a server asking for an hour
#: gets it retried by the file's own retry policy instead).
MAX_PAUSE = 60.0
#: Answers that mean "too many requests": the host backs off.
THROTTLED = (429, 503)


class HostWindow:
    """Requests in flight to one host: ``try_enter()`` before one, ``leave()`` after."""

    def __init__(self, limit: int):
        self.limit = max(1, limit)
        self.window = float(self.limit)
        self.in_flight = 0
        self.closed_until = 0.0

    def try_enter(self, now: float | None = None) -> bool:
        """Take a place if there is one now."""
        now = time.monotonic() if now is None else now
        if self.closed_until > now or self.in_flight >= int(self.window):
            return False
        self.in_flight += 1
        return True

    def leave(self, status: int | None, retry_after: float | None = None) -> None:
        """The request is over: ``status`` as answered (``None``: no answer)."""
        self.in_flight -= 1
        if status in THROTTLED:
            self.window = max(1.0, self.window / 2)
            if retry_after:
                until = time.monotonic() + min(retry_after, MAX_PAUSE)
                self.closed_until = max(self.closed_until, until)
        elif status is not None and status < 500:
            self.window = min(float(self.limit), self.window + 1.0 / self.window)
