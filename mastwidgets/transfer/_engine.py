"""The transfer engine: a job's life cycle.

A :class:`TransferJob` reconciles its state with the disk (:mod:`._reconcile`),
opens the sources its files need (:mod:`._sources`), and runs one bookkeeping
thread. It asks the :mod:`scheduler <._scheduler>` for tasks, up to ``slots`` at
once, and starts them (:mod:`._steps`: the steps and the one error policy); their
fetches go to the process's I/O loop (:mod:`._loop`), which writes their bytes into
the files' part files (:mod:`._files`), and come back, ended, through the
bookkeeping thread's queue. What is durable and when (checkpoints, group commit)
is :mod:`._commit`'s; the state on disk is :mod:`._journal`'s; events, snapshots
and the progress thread are :mod:`._reporter`'s; the handle's contract is
:mod:`._handle`'s. This module starts the job and ends it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from pathlib import Path

from .._units import human_bytes
from ..errors import DiskFull
from ._commit import Durability
from ._events import JobSnapshot
from ._files import PART_SUFFIX, RunFile, free_bytes, part_path
from ._handle import JobHandle
from ._journal import StateWriter
from ._loop import io_loop
from ._ranges import ByteRanges
from ._reconcile import Action, decide
from ._reporter import Reporter
from ._results import FileResult, FileResults, TransferConfig, TransferResult
from ._scheduler import Scheduler
from ._sources import open_sources
from ._state import (
    CANCELLED,
    DONE,
    DOWNLOADING,
    FAILED,
    FINISHED,
    PAUSED,
    QUEUED,
    JobLock,
    JobState,
    Status,
    boot_id,
)
from ._steps import Steps
from ._stop_requests import clear_stop_request, requested_stop
from ._tally import Tally
from ._verify import verified

__all__ = ["PART_SUFFIX", "FileResult", "TransferConfig", "TransferJob", "TransferResult"]

log = logging.getLogger(__name__)


class TransferJob(JobHandle):
    """A running (or finished) job: ``wait()``, ``cancel()``, ``pause()``,
    ``snapshot()``, ``subscribe()``. Create it with :func:`mastwidgets.transfer.start`."""

    def __init__(
        self,
        state: JobState,
        state_file: Path,
        config: TransferConfig,
        http_headers: dict | None = None,
    ):
        super().__init__()
        self.state = state
        self.id = state.job_id
        self.state_file = Path(state_file)
        self.config = config
        self.dest_dir = Path(state.dest_dir)
        self._headers = dict(http_headers or {})
        # A file is a RunFile (its part file, ranges in flight, meter) only while it is
        # under way (the tally's live files); the others are their states alone, so
        # that a job of 100,000 files holds 100,000 small states, not their run-time.
        self._tally = Tally(())  # counted when the job starts
        self._reporter = Reporter(state, self._tally.live, self._subscribers)
        self._durable = Durability(StateWriter(self.state_file, state), batch=config.commit_batch)
        self._sched = Scheduler(
            (),
            self._tally,
            parallel=config.parallel,
            connections=config.connections,
            chunk_size=config.chunk_size,
            split=config.split,
        )
        self._cond = self._sched.cond  # guards the files' scheduling fields
        self._stop = threading.Event()
        self._stop_status: Status | None = None
        self._threads: list[threading.Thread] = []
        self._lock: JobLock | None = None
        self._steps: Steps | None = None  # made at start, with the sources
        self._started = 0.0
        self._boot = boot_id()
        self._books: queue.SimpleQueue = queue.SimpleQueue()  # to run on the bookkeeping thread
        self._busy = 0  # tasks started and not over (fetches out, retries waiting)
        self._slots = 0

    def snapshot(self) -> JobSnapshot:
        """The job's progress now, every file included (what the ``job_status``
        events carry; ``progress`` events carry only the active files)."""
        return self._reporter.snapshot()

    # -- start ----------------------------------------------------------------------------------
    def start(self) -> TransferJob:
        self._lock = JobLock(self.state_file, self.id)
        clear_stop_request(self.state_file)  # asked of an earlier run, after it ended
        try:
            self._reconcile()
            self._check_space()
        except BaseException:
            self._lock.release()
            raise
        self._started = time.monotonic()
        files = self.state.files
        pending = sum(1 for f in files if f.status not in FINISHED)
        names = {name for f in files if f.status not in FINISHED for name, _ in f.locations()}
        # Requests at once per source's host: MAST's web server gets a polite cap, S3
        # far more; the job's tasks in hand are as many as the widest of them takes.
        limits = {
            name: max(self.config.parallel, self.config.s3_connections if name == "s3"
                      else self.config.connections)
            for name in names
        }  # fmt: skip
        # Tasks in hand at once: as many as the widest host takes requests (measured:
        # twice as many, a file ready the moment a connection frees, gained 5% at 3
        # connections and nothing at 16, and showed files "downloading" that wait).
        slots = self._sched.widen(max(limits.values(), default=0))
        sources = open_sources(
            names,
            timeout=self.config.timeout,
            connections=limits,
            headers=self._headers,
            s3_endpoint=self.config.s3_endpoint,
        )
        self._steps = Steps(
            config=self.config,
            sources=sources,
            scheduler=self._sched,
            tally=self._tally,
            durable=self._durable,
            reporter=self._reporter,
            post=self._books.put,
            later=lambda delay, fn: io_loop().call_later(delay, lambda: self._books.put(fn)),
            server_down=self._server_down,
        )
        self._tally.recount(files)
        self._sched.queue(
            RunFile(index, f, self.dest_dir / f.name)
            for index, f in enumerate(files)
            if f.status not in FINISHED
        )
        self.state.status = DOWNLOADING if pending else DONE
        self.state.note = None  # a new run: why the last one stopped is over
        self.state.boot_id = self._boot
        self._durable.save()
        self._reporter.emit(self._reporter.job_event())
        if not pending:
            self._finish()
            return self
        reporter = self._reporter.start(
            self._done,
            interval=self.config.progress_interval,
            tick=self._tick,
            flush_interval=self.config.flush_interval,
            flush=lambda: self._durable.checkpoint(durable=True),
        )
        self._slots = slots
        books = threading.Thread(
            target=self._keep, name=f"mastwidgets-books-{self.id[:8]}", daemon=True
        )
        self._threads = [reporter, books]
        books.start()
        return self

    def _reconcile(self) -> None:
        """The state made to agree with what is on disk (after a crash, nothing is
        trusted): :func:`._reconcile.decide` for each file."""
        same_boot = self._boot is not None and self.state.boot_id == self._boot
        for state in self.state.files:
            target = self.dest_dir / state.name
            decision = decide(
                state,
                target_size=_size_of(target),
                part_size=_size_of(part_path(target)),
                same_boot=same_boot,
            )
            if decision.action == Action.KEEP:
                continue
            state.status, state.error = QUEUED, None
            if decision.action == Action.CHECK and verified(state, target):
                # Already here and verified: a crash between the rename and the state
                # write, or a file imported before. Not downloaded again.
                state.status, state.source = DONE, state.source or "existing"
                state.ranges = ByteRanges([(0, state.size)])
                continue
            state.ranges = decision.ranges

    def _check_space(self) -> None:
        needed = sum(
            f.size - f.ranges.total
            for f in self.state.files
            if f.status not in FINISHED and f.size is not None
        )
        self.dest_dir.mkdir(parents=True, exist_ok=True)
        free = free_bytes(self.dest_dir)
        if needed > free:
            raise DiskFull(
                f"Not enough disk space in {self.dest_dir}: this job needs "
                f"{human_bytes(needed)} more, and {human_bytes(free)} are free. Free some space "
                "or choose another folder."
            )

    # -- running --------------------------------------------------------------------------------
    def _keep(self) -> None:
        """The bookkeeping thread: tasks started up to the slots, fetches' ends taken
        as they come, until nothing is left (or the job is stopped and no fetch is
        out); then the job's end."""
        try:
            self._feed()
            while not self._over():
                self._books.get()()
                self._feed()
        except BaseException:
            log.exception("job %s: the bookkeeping thread failed", self.id)
            self._request_stop(PAUSED)
        self._finish()

    def _feed(self) -> None:
        while self._busy < self._slots and not self._stop.is_set():
            task = self._sched.pick()
            if task is None:
                return
            self._busy += 1
            self._steps.do(task, self._task_over)

    def _task_over(self) -> None:
        self._busy -= 1

    def _over(self) -> bool:
        if self._stop.is_set():
            return self._steps.fetches.sending == 0  # retries waiting a delay are dropped
        return self._busy == 0

    def _tick(self) -> None:
        """Every progress interval: the verified files committed, one progress event."""
        self._steps.commit()
        asked = requested_stop(self.state_file)  # by another process (mastwidgets.pause)
        if asked is not None:
            self._request_stop(asked)
        with self._cond:
            active = list(self._sched.active)
        self._reporter.tick(self._steps.bytes_moved, active, self._tally)

    def _server_down(self, why: str) -> None:
        """A fetch found the server down for good: the job pauses, saying why."""
        with self._cond:
            if self._stop.is_set():
                return
            self.state.note = why
        log.warning("job %s paused: %s", self.id, why)
        self._request_stop(PAUSED)

    def _request_stop(self, status: Status) -> None:
        with self._cond:
            if self._done.is_set() or self._stop.is_set():
                return
            self._stop_status = status
            self._stop.set()
            self._cond.notify_all()
        self._books.put(lambda: self._steps and self._steps.fetches.cancel_all())  # it wakes

    def _join(self) -> None:
        for thread in self._threads:
            thread.join()

    # -- the end --------------------------------------------------------------------------------
    def _finish(self) -> None:
        """Runs once, on the bookkeeping thread's way out: final state, result, events."""
        if self._result is not None:
            return
        self._steps.commit()  # verified files are finished, whether the job was stopped or not
        stopped = self._stop_status
        live = {f.index: f for f in self._tally.live()}
        for index, state in enumerate(self.state.files):
            if state.status in FINISHED:
                continue
            f = live.get(index)
            if stopped == CANCELLED:
                state.status, state.ranges = CANCELLED, ByteRanges()
                if f is not None:
                    self._durable.close(f)
                    f.written = ByteRanges()
                part_path(self.dest_dir / state.name).unlink(missing_ok=True)
            else:
                state.status = PAUSED if stopped == PAUSED else FAILED
                if state.status == FAILED and not state.error:
                    state.error = "not downloaded"
        statuses = {f.status for f in self.state.files}
        if stopped:
            self.state.status = stopped
        elif statuses <= {DONE}:
            self.state.status = DONE
        else:
            self.state.status = FAILED
        self._durable.checkpoint(durable=True)
        self._durable.finish()
        for source in self._steps.sources.values():
            source.close()
        self._result = self._outcome()
        clear_stop_request(self.state_file)
        self._lock.release()
        # Kept before it is sent: a subscriber arriving now gets it either way.
        self._final_event = self._reporter.job_event()
        self._reporter.emit(self._final_event)
        self._done.set()

    def _outcome(self) -> TransferResult:
        return TransferResult(
            job_id=self.id,
            status=self.state.status,
            files=FileResults(self.state.files, self.dest_dir),
            bytes_transferred=self._steps.bytes_moved,
            seconds=time.monotonic() - self._started if self._started else 0.0,
            state_file=self.state_file,
            state_bytes=self._durable.bytes_written,
            note=self.state.note,
        )


def _size_of(path: Path) -> int | None:
    """The length of the file at ``path``, ``None`` if there is none."""
    try:
        return path.stat().st_size
    except OSError:  # absent, or a path through a file: as Path.exists() says
        return None
