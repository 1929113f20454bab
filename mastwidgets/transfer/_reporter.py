"""A job's events and snapshots, and the thread that reports its progress.

The reporter thread never moves bytes: every ``progress_interval`` it asks for
a group commit, measures speeds, and sends a ``progress`` event carrying only
the files moving now (plus counters), so that a tick costs the same in a job
of three files or twenty thousand; every ``flush_interval`` it asks for a
durable checkpoint. Subscribers are called from this thread (and, for
``file_status``, from the workers), never while a lock of the engine is held.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence

from ._events import (
    FileSnapshot,
    FileStatusChanged,
    JobSnapshot,
    JobStatusChanged,
    Meter,
    Progress,
    Subscribers,
    TransferEvent,
    eta,
)
from ._files import RunFile
from ._state import DONE, DOWNLOADING, FileState, JobState
from ._tally import Tally


class Reporter:
    """Snapshots and events of one job.

    Parameters
    ----------
    state
        The job's state (its id, status and files' states).
    live
        The files under way now (started, not finished), read when a whole
        snapshot is made; every other file is described by its state.
    subscribers
        Who hears the events.
    """

    def __init__(
        self, state: JobState, live: Callable[[], Sequence[RunFile]], subscribers: Subscribers
    ):
        self._state = state
        self._live = live
        self._subscribers = subscribers
        self.meter = Meter()

    # -- snapshots ------------------------------------------------------------------------------
    def file_snapshot(self, f: RunFile) -> FileSnapshot:
        done = f.written.total if f.state.status != DONE else (f.state.size or 0)
        speed = f.meter.speed if f.state.status == DOWNLOADING else 0.0
        remaining = None if f.size is None else f.size - done
        return FileSnapshot(
            f.state.name,
            f.state.status,
            done,
            f.size,
            speed,
            eta(remaining, speed),
            f.state.source,
            f.state.error,
        )

    def snapshot(self) -> JobSnapshot:
        """The whole job, every file included: O(files), on demand."""
        live = {f.index: f for f in self._live()}
        files = tuple(
            self.file_snapshot(live[index]) if index in live else state_snapshot(state)
            for index, state in enumerate(self._state.files)
        )
        known = [f.total for f in files]
        total = None if any(t is None for t in known) else sum(known)
        done = sum(f.bytes_done for f in files)
        return self._job(done, total, files, Counter(f.status for f in files))

    def progress_snapshot(self, active: Sequence[RunFile], tally: Tally) -> JobSnapshot:
        """The job with only the ``active`` files: O(active files)."""
        counts, done, total = tally.read()
        files = tuple(self.file_snapshot(f) for f in active)
        return self._job(done, total, files, counts, partial=True)

    def _job(self, done, total, files, counts, *, partial=False) -> JobSnapshot:
        speed = self.meter.speed
        remaining = None if total is None else total - done
        return JobSnapshot(
            self._state.job_id,
            self._state.status,
            done,
            total,
            speed,
            eta(remaining, speed),
            files,
            counts=counts,
            file_count=len(self._state.files),
            partial=partial,
        )

    # -- events ---------------------------------------------------------------------------------
    def emit_file(self, f: RunFile) -> None:
        self._subscribers.emit(
            FileStatusChanged(job_id=self._state.job_id, file=self.file_snapshot(f))
        )

    def job_event(self) -> JobStatusChanged:
        """A ``job_status`` event of the whole job now (not sent: see :meth:`emit`)."""
        return JobStatusChanged(job_id=self._state.job_id, job=self.snapshot())

    def emit(self, event: TransferEvent) -> None:
        self._subscribers.emit(event)

    def tick(self, moved: int, active: Sequence[RunFile], tally: Tally) -> None:
        """Speeds measured now (``moved``: the job's bytes this run), one progress event."""
        now = time.monotonic()
        self.meter.update(now, moved)
        for f in active:
            if f.state.status == DOWNLOADING:
                f.meter.update(now, f.written.total)
        event = Progress(job_id=self._state.job_id, job=self.progress_snapshot(active, tally))
        self._subscribers.emit(event)

    # -- the thread -----------------------------------------------------------------------------
    def start(
        self,
        done: threading.Event,
        *,
        interval: float,
        flush_interval: float,
        tick: Callable[[], None],
        flush: Callable[[], None],
    ) -> threading.Thread:
        """Run ``tick()`` every ``interval`` and ``flush()`` every ``flush_interval``
        seconds in a thread of its own, until ``done`` is set."""

        def run() -> None:
            last_flush = time.monotonic()
            while not done.wait(interval):
                tick()
                if time.monotonic() - last_flush >= flush_interval:
                    flush()
                    last_flush = time.monotonic()

        thread = threading.Thread(target=run, name="mastwidgets-transfer-report", daemon=True)
        thread.start()
        return thread


def state_snapshot(state: FileState) -> FileSnapshot:
    """A file not under way, as its state says (nothing moves: no speed)."""
    done = (state.size or 0) if state.status == DONE else state.ranges.total
    return FileSnapshot(
        state.name, state.status, done, state.size, 0.0, None, state.source, state.error
    )
