"""Progress for subscribers: small immutable snapshots and events.

The engine publishes; widgets, tqdm bars and loggers subscribe. Workers only
bump counters; a reporter thread turns them into events a few times a second,
so no subscriber ever runs on (or slows) a thread that moves bytes.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileSnapshot:
    """One file at one moment. ``speed`` in bytes/s (smoothed), ``eta`` in seconds."""

    name: str
    status: str
    bytes_done: int
    total: int | None
    speed: float
    eta: float | None
    source: str | None
    error: str | None = None

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return 1.0 if self.status == "done" else None
        return min(1.0, self.bytes_done / self.total)


@dataclass(frozen=True)
class JobSnapshot:
    """The whole job at one moment.

    ``files`` holds every file in :meth:`TransferJob.snapshot` and in
    ``job_status`` events; in ``progress`` events (four a second) only the files
    moving bytes now (``partial``), so that a tick costs the same in a job of
    twenty thousand files as in one of three. ``counts`` (files per status) and
    ``file_count`` are always whole.
    """

    job_id: str
    status: str
    bytes_done: int
    total: int | None
    speed: float
    eta: float | None
    files: tuple[FileSnapshot, ...]
    counts: Mapping[str, int] = field(default_factory=dict)
    file_count: int = 0
    partial: bool = False

    @property
    def files_done(self) -> int:
        return self.counts.get("done", 0)

    @property
    def files_failed(self) -> int:
        return self.counts.get("failed", 0)


@dataclass(frozen=True)
class TransferEvent:
    """What subscribers receive.

    ``kind`` is ``"progress"`` (periodic, ``job`` set), ``"file_status"`` (a
    file changed status, ``file`` set) or ``"job_status"`` (``job`` set).
    """

    kind: str
    job_id: str
    job: JobSnapshot | None = None
    file: FileSnapshot | None = None


Subscriber = Callable[[TransferEvent], None]


class Meter:
    """Smoothed speed from a growing byte count (exponential moving average)."""

    def __init__(self, tau: float = 2.0):
        self.tau = tau
        self.speed = 0.0
        self._last: tuple[float, int] | None = None

    def update(self, now: float, count: int) -> float:
        if self._last is not None:
            then, before = self._last
            dt = now - then
            if dt > 0:
                rate = max(0, count - before) / dt
                alpha = 1.0 - math.exp(-dt / self.tau)
                self.speed = rate if self.speed == 0 else self.speed + alpha * (rate - self.speed)
        self._last = (now, count)
        return self.speed

    def reset(self) -> None:
        self.speed = 0.0
        self._last = None


def eta(remaining: int | None, speed: float) -> float | None:
    if remaining is None or speed <= 0:
        return None
    return remaining / speed


class Subscribers:
    """Thread-safe list of callbacks; a failing callback is logged, never fatal."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._callbacks: list[Subscriber] = []

    def add(self, callback: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._callbacks.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return unsubscribe

    def emit(self, event: TransferEvent) -> None:
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            try:
                callback(event)
            except Exception:  # a subscriber's bug must not stop a transfer
                log.exception("a transfer event subscriber failed")
