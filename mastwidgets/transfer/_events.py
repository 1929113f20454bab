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
from typing import ClassVar

from ._state import Status

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FileSnapshot:
    """One file at one moment. ``speed`` in bytes/s (smoothed), ``eta`` in seconds."""

    name: str
    status: Status
    bytes_done: int
    total: int | None
    speed: float
    eta: float | None
    source: str | None
    error: str | None = None

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return 1.0 if self.status == Status.DONE else None
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
    status: Status
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
        return self.counts.get(Status.DONE, 0)

    @property
    def files_failed(self) -> int:
        return self.counts.get(Status.FAILED, 0)


@dataclass(frozen=True, kw_only=True)
class TransferEvent:
    """What subscribers receive: one of :class:`Progress`, :class:`FileStatusChanged`
    and :class:`JobStatusChanged` (``isinstance`` tells which, or a
    :class:`TransferSubscriber` sorts them).

    ``kind`` (``"progress"``, ``"file_status"``, ``"job_status"``) names the class for
    subscribers that dispatch on it; ``job`` and ``file`` are ``None`` where the kind
    has none.
    """

    kind: ClassVar[str] = "event"
    job_id: str
    job: JobSnapshot | None = None
    file: FileSnapshot | None = None


@dataclass(frozen=True, kw_only=True)
class Progress(TransferEvent):
    """Every ``progress_interval`` while the job runs: ``job`` with only the files moving
    bytes now (``job.partial``)."""

    kind: ClassVar[str] = "progress"
    job: JobSnapshot


@dataclass(frozen=True, kw_only=True)
class FileStatusChanged(TransferEvent):
    """A file changed status: ``file``."""

    kind: ClassVar[str] = "file_status"
    file: FileSnapshot


@dataclass(frozen=True, kw_only=True)
class JobStatusChanged(TransferEvent):
    """The job started or ended: ``job``, every file included."""

    kind: ClassVar[str] = "job_status"
    job: JobSnapshot


class TransferSubscriber:
    """A subscriber with one method per event, each a no-op until overridden (like
    s3transfer's ``BaseSubscriber``). They take ``**kwargs``, so a field added to an
    event later never breaks a subscriber written before it.

    Examples
    --------
    Events come from the job's bookkeeping thread in the order things happened; files
    moving side by side finish in any order. Passed as ``on_event``, a subscriber
    hears every event of the job; ``job.subscribe`` later hears those from then on.

    >>> class Done(TransferSubscriber):
    ...     def __init__(self):
    ...         self.names = []
    ...     def on_file_status(self, *, file, **kwargs):
    ...         if file.status == "done":
    ...             self.names.append(file.name)
    >>> done = Done()
    >>> job = mw.import_observations(["icdm01010"], on_event=done)
    >>> job.wait().ok
    True
    >>> print(*sorted(done.names), sep="\\n")
    HST/icdm01010/icdm01010_drz.fits
    HST/icdm01010/icdm01aaq_flt.fits
    HST/icdm01010/icdm01abq_flt.fits
    """

    def __call__(self, event: TransferEvent) -> None:
        fields = {"job_id": event.job_id, "job": event.job, "file": event.file}
        if isinstance(event, Progress):
            self.on_progress(**fields)
        elif isinstance(event, FileStatusChanged):
            self.on_file_status(**fields)
        elif isinstance(event, JobStatusChanged):
            self.on_job_status(**fields)

    def on_progress(self, *, job: JobSnapshot, **kwargs) -> None:
        """Progress of the job: ``job`` holds only the files moving now."""

    def on_file_status(self, *, file: FileSnapshot, **kwargs) -> None:
        """A file changed status."""

    def on_job_status(self, *, job: JobSnapshot, **kwargs) -> None:
        """The job started or ended."""


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
