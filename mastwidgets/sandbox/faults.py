"""Misbehaviour the sandbox's HTTP server can inject, switchable at run time."""

from __future__ import annotations

import threading
import time
from collections.abc import Container
from dataclasses import dataclass

SCOPES = ("download", "api", "s3", "all")


@dataclass(frozen=True)
class Faults:
    """What goes wrong, and for which requests.

    Parameters
    ----------
    drop_after
        Close the connection after sending this many body bytes of a response.
    fail_requests
        1-based numbers of the in-scope requests (counted from when these faults
        were set) that get ``fail_status`` instead of an answer, e.g. ``{2, 3}``
        or ``range(1, 10**9)`` for "always".
    fail_status
        The status of those failures (500, 503, 429 ...).
    retry_after
        Seconds sent as ``Retry-After`` with the failures.
    throttle
        Bytes per second per connection for response bodies. A body follows the
        faults in force as it goes: lifting them lets a crawling body finish at once.
    ignore_range
        Answer ``200`` with the whole file to ``Range`` requests.
    content_length_delta
        Announce ``Content-Length`` off by this many bytes: more than is sent
        (the connection is then closed), or fewer (the body is cut short).
    no_content_length
        Answer as MAST does for files it generates on request (astroquery #3290): the
        whole file (``200``, ``Range`` ignored), no ``Content-Length``, the end of the
        body marked by closing the connection.
    first_byte_delay
        Seconds to wait before the status line.
    redirect
        Answer downloads with ``302 Found`` to another URL that serves the file
        (whether real MAST redirects is not known; this lets clients prove they
        follow redirects, for HEAD too).
    slow_products
        Seconds a ``Mast.Caom.Products`` answer takes per thousand rows, for each
        observation asked for beyond the first: MAST joins a request's observations on
        its side, so a JWST program's product lists asked together run past timeouts,
        while one observation at a time is quick (astroquery #2473, #2507). Needs
        ``scope="api"`` or ``"all"``; lifting the faults ends the wait.
    scope
        ``"download"`` (file downloads), ``"api"`` (portal, resolver, path
        look-up, column configs), ``"s3"`` (the S3 endpoint's object GETs and HEADs:
        failures are S3's XML errors, 503 its ``SlowDown``) or ``"all"``.
    """

    drop_after: int | None = None
    fail_requests: Container[int] = ()
    fail_status: int = 503
    retry_after: float | None = None
    throttle: int | None = None
    ignore_range: bool = False
    content_length_delta: int = 0
    no_content_length: bool = False
    first_byte_delay: float = 0.0
    redirect: bool = False
    slow_products: float = 0.0
    scope: str = "download"

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValueError(f"scope must be one of {SCOPES}, not {self.scope!r}")
        if self.throttle is not None and self.throttle <= 0:
            raise ValueError("throttle must be a positive number of bytes per second")


NO_FAULTS = Faults()


class FaultSwitch:
    """The faults in force and the count of in-scope requests since they were set."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._faults = NO_FAULTS
        self._count = 0
        self._generation = 0  # how many times the faults were set

    def set(self, faults: Faults | None) -> None:
        with self._lock:
            self._faults = faults or NO_FAULTS
            self._count = 0
            self._generation += 1
            self._changed.notify_all()

    def current(self) -> tuple[Faults, int]:
        """The faults in force and their generation (for :meth:`wait`'s ``since``)."""
        with self._lock:
            return self._faults, self._generation

    def wait(self, seconds: float, since: int | None = None) -> bool:
        """Sleep up to ``seconds``; wake early when the faults are changed. With ``since``
        (a generation from :meth:`current`), do not sleep at all if they were changed
        since then: a change between reading the faults and waiting is not lost.
        True if the faults were changed (before or during the wait)."""
        with self._lock:
            if since is not None and since != self._generation:
                return True
            return self._changed.wait(seconds)

    @property
    def faults(self) -> Faults:
        with self._lock:
            return self._faults

    def arrive(self, kind: str) -> tuple[Faults, bool]:
        """A request of ``kind`` arrives: counted, held for the faults' first-byte delay;
        (the faults for it, whether it is to be failed). Both sandbox servers ask so."""
        entry = self.enter(kind)
        if entry is None:
            return NO_FAULTS, False
        faults, number = entry
        if faults.first_byte_delay:
            time.sleep(faults.first_byte_delay)
        return faults, number in faults.fail_requests

    def enter(self, kind: str) -> tuple[Faults, int] | None:
        """Count a request of ``kind`` ("download" or "api"); its faults, if any apply."""
        with self._lock:
            faults = self._faults
            if faults is NO_FAULTS or faults.scope not in (kind, "all"):
                return None
            self._count += 1
            return faults, self._count
