"""The transfer engine: a job and its workers.

A :class:`TransferJob` runs ``slots`` worker threads. Each asks the
:mod:`scheduler <._scheduler>` for its next task (prepare a file, fetch a
chunk, fetch a file whole, finish it), does it against its source
(:mod:`._sources`), and writes the bytes into the file's part file
(:mod:`._files`). What is durable and when (checkpoints, group commit) is
:mod:`._commit`'s; the state on disk is :mod:`._journal`'s; events, snapshots
and the progress thread are :mod:`._reporter`'s. This module holds the job's
life cycle, the workers' steps and what happens when a step fails.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from .._checksums import file_digests
from .._units import human_bytes
from ..errors import DiskFull
from ._commit import Durability
from ._events import JobSnapshot
from ._files import PART_SUFFIX, RunFile, free_bytes
from ._handle import JobHandle
from ._journal import StateWriter
from ._ranges import ByteRanges
from ._reconcile import Action, decide
from ._reporter import Reporter
from ._results import FileResult, TransferConfig, TransferResult
from ._scheduler import CHUNK, FINISH, PREPARE, WHOLE, Scheduler, Task
from ._sources import (
    Buffer,
    HttpSource,
    Probe,
    RangeIgnored,
    S3Source,
    SourceUnavailable,
    Stopped,
    TransientError,
)
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
    boot_id,
)
from ._tally import Tally

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
        self._files = [RunFile(i, f, self.dest_dir / f.name) for i, f in enumerate(state.files)]
        self._reporter = Reporter(state, self._files, self._subscribers)
        self._durable = Durability(StateWriter(self.state_file, state), batch=config.commit_batch)
        self._tally = Tally(())  # counted when the job starts
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
        self._stop_status: str | None = None
        self._threads: list[threading.Thread] = []
        self._lock: JobLock | None = None
        self._bytes_this_run = 0
        self._count_lock = threading.Lock()
        self._started = 0.0
        self._http: HttpSource | None = None
        self._s3: S3Source | None = None
        self._boot = boot_id()
        self._running = 0

    # -- public handle --------------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop within about one buffer; unfinished ``.part`` files are removed."""
        self._request_stop(CANCELLED)

    def pause(self) -> None:
        """Stop within about one buffer, keeping every byte for :func:`resume`."""
        self._request_stop(PAUSED)

    def wait(self, timeout: float | None = None) -> TransferResult | None:
        """Block until the job ends (``None`` if ``timeout`` passed first)."""
        if not self._done.wait(timeout):
            return None
        for thread in self._threads:
            thread.join()
        return self._result

    def snapshot(self) -> JobSnapshot:
        """The job's progress now, every file included (what the ``job_status``
        events carry; ``progress`` events carry only the active files)."""
        return self._reporter.snapshot()

    # -- life cycle -----------------------------------------------------------------------------
    def start(self) -> TransferJob:
        self._take_lock()
        try:
            self._prepare_files()
            self._check_space()
        except BaseException:
            self._release_lock()
            raise
        self._started = time.monotonic()
        slots = self._sched.slots
        self._http = HttpSource(
            timeout=self.config.timeout, connections=slots, headers=self._headers
        )
        if any(f.state.s3 and f.state.status not in FINISHED for f in self._files):
            self._s3 = S3Source(
                endpoint=self.config.s3_endpoint, timeout=self.config.timeout, connections=slots
            )
        pending = [f for f in self._files if f.state.status not in FINISHED]
        self._tally.recount(self._files)
        self._sched.queue(pending)
        self.state.status = DOWNLOADING if pending else DONE
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
        workers = [
            threading.Thread(target=self._work, name=f"mastwidgets-transfer-{i}", daemon=True)
            for i in range(slots)
        ]
        self._threads = [reporter, *workers]
        self._running = len(workers)
        for worker in workers:
            worker.start()
        return self

    def _tick(self) -> None:
        """Every progress interval: the verified files committed, one progress event."""
        self._commit()
        with self._cond:
            active = list(self._sched.active)
        self._reporter.tick(self._bytes_this_run, active, self._tally)

    def _take_lock(self) -> None:
        self._lock = JobLock(self.state_file, self.id)

    def _release_lock(self) -> None:
        if self._lock is not None:
            self._lock.release()

    def _prepare_files(self) -> None:
        """Reconcile the state with what is on disk (after a crash, nothing is trusted)."""
        same_boot = self._boot is not None and self.state.boot_id == self._boot
        for f in self._files:
            state = f.state
            decision = decide(
                state,
                target_size=_size_of(f.target),
                part_size=_size_of(f.part),
                same_boot=same_boot,
            )
            if decision.action == Action.KEEP:
                continue
            state.status, state.error = QUEUED, None
            if decision.action == Action.CHECK and self._verified(f, f.target):
                # Already here and verified: a crash between the rename and the state
                # write, or a file imported before. Not downloaded again.
                state.status, state.source = DONE, state.source or "existing"
                state.ranges = ByteRanges([(0, state.size)])
                continue
            state.ranges = decision.ranges
            f.written = ByteRanges(state.ranges)

    def _check_space(self) -> None:
        needed = sum(
            f.size - f.written.total
            for f in self._files
            if f.state.status not in FINISHED and f.size is not None
        )
        self.dest_dir.mkdir(parents=True, exist_ok=True)
        free = free_bytes(self.dest_dir)
        if needed > free:
            raise DiskFull(
                f"Not enough disk space in {self.dest_dir}: this job needs "
                f"{human_bytes(needed)} more, and {human_bytes(free)} are free. Free some space "
                "or choose another folder."
            )

    # -- the workers ----------------------------------------------------------------------------
    def _work(self) -> None:
        buffer = Buffer(max(64 * 1024, min(self.config.buffer_size, self.config.chunk_size)))
        mine: RunFile | None = None
        while (task := self._sched.next_task(mine, self._stop)) is not None:
            mine = task.file
            try:
                self._do(task, buffer)
            except Exception as error:  # a bug must fail one file, not hang the job
                log.exception("transfer of %s failed unexpectedly", task.file.state.name)
                self._fail(task.file, f"unexpected error: {type(error).__name__}: {error}")
                self._release(task, claim=task.kind in (CHUNK, WHOLE), whole=task.kind == WHOLE)
        with self._cond:
            self._running -= 1
            last = self._running == 0
        if last:
            self._finish()

    def _do(self, task: Task, buffer: Buffer) -> None:
        f = task.file
        if task.kind == PREPARE:
            self._do_prepare(f)
        elif task.kind == CHUNK:
            self._do_chunk(task, buffer)
        elif task.kind == WHOLE and f.size is None and f.state.ranged and f.state.source == "http":
            self._do_first(task, buffer)
        elif task.kind == WHOLE:
            self._do_whole(task, buffer)
        elif task.kind == FINISH:
            self._do_finish(f)

    def _source(self, f: RunFile):
        if f.state.s3 and not f.state.s3_failed and self._s3 is not None:
            return "s3", self._s3, f.state.s3
        if f.state.http:
            return "http", self._http, f.state.http
        return None, None, None

    def _sink(self, f: RunFile):
        return f.sink(self._moved)

    def _moved(self, count: int) -> None:
        with self._count_lock:
            self._bytes_this_run += count

    def _do_prepare(self, f: RunFile) -> None:
        """Choose the file's source, learn its size (S3's HEAD; HTTP's first GET tells
        it, so no HEAD there) and open its part file."""
        state = f.state
        try:
            while True:
                name, source, location = self._source(f)
                if source is None:
                    self._fail(f, state.s3_failed or "no source to download from")
                    return
                if name == "http":
                    # No HEAD: the first ranged GET's Content-Range checks the size, or
                    # tells it (a server that ignores Range is noticed there too). One
                    # request per small file. S3 keeps its HEAD: a plain ETag is the MD5.
                    probe = Probe(size=state.size, ranged=state.ranged)
                    break
                try:
                    probe = source.probe(location)
                except SourceUnavailable as error:
                    if not self._give_up_source(f, name, str(error)):
                        return
                    continue
                except TransientError as error:
                    if not self._backoff(f, name, error):
                        return
                    continue
                break
            if probe.size is not None:
                if state.size is None:
                    self._tally.set_size(f, probe.size)
                elif (
                    probe.size != state.size
                    and name == "s3"
                    and not self._give_up_source(
                        f, name, f"S3 object has {probe.size} bytes, expected {state.size}"
                    )
                ):
                    return
            if probe.md5 and not state.md5:
                state.md5 = probe.md5
            state.etag = probe.etag or state.etag
            state.source = name
            self._open_part(f)
            f.failures = 0
            self._set_status(f, DOWNLOADING)
            f.ready = True
        except DiskFull as error:
            self._fail(f, str(error))
        finally:
            with self._cond:
                f.preparing = False
            self._sched.release(f, claim=False)

    def _open_part(self, f: RunFile) -> None:
        if f.open_part():
            self._durable.opened(f)

    def _do_chunk(self, task: Task, buffer: Buffer) -> None:
        f, start, end = task.file, task.start, task.end
        name, source, location = self._source(f)

        def fetch() -> None:
            if source is None:
                raise SourceUnavailable("no source left")
            copied, total = source.fetch(
                location, start, end, self._sink(f), buffer, self._stop.is_set
            )
            if total is not None and total != f.size:
                if f.state.size_given:
                    raise SourceUnavailable(f"{name} has {total} bytes, expected {f.size}")
                self._resize(f, total)  # Content-Range is the authority, not HEAD
            wanted = max(0, min(end, f.size) - start)
            if copied < wanted:
                raise TransientError(f"{name}: the response ended after {copied} of {wanted} bytes")
            self._durable.checkpoint_file(f)  # a kill now loses no finished chunk

        self._step(task, name, fetch)

    def _resize(self, f: RunFile, size: int) -> None:
        log.info("%s: the server says %d bytes, not %s", f.state.name, size, f.size)
        with self._cond, f.lock:
            self._tally.set_size(f, size)
            f.written.clip(size)
            f.claimed.clip(size)
            os.ftruncate(f.fd, size)

    def _do_first(self, task: Task, buffer: Buffer) -> None:
        """An HTTP file of unknown size: its first chunk by a ranged GET, whose
        ``Content-Range`` tells the size (no HEAD); the rest is then fetched in chunks.
        A server that ignores Range answers 200 with the whole file, taken as it comes."""
        f = task.file

        def fetch() -> None:
            with f.lock:
                f.written = ByteRanges()
            copied, size, ranged = self._http.fetch_first(
                f.state.http, self.config.chunk_size, self._sink(f), buffer, self._stop.is_set
            )
            with self._cond:
                f.state.ranged = ranged
            if size is None:
                raise RangeIgnored("the server did not say the file's size")
            if size != copied and (not ranged or copied < min(size, self.config.chunk_size)):
                raise TransientError(f"http: the response ended after {copied} of {size} bytes")
            self._tally.set_size(f, size)
            os.ftruncate(f.fd, size)
            with f.lock:
                f.written.clip(size)  # a server that sent more than it says the file has
            f.reserve()
            self._durable.checkpoint_file(f)

        self._step(task, "http", fetch, whole=True)

    def _do_whole(self, task: Task, buffer: Buffer) -> None:
        """The whole file in one stream, for a server that ignores Range."""
        f = task.file
        name, source, location = self._source(f)

        def fetch() -> None:
            if name != "http":
                raise SourceUnavailable("whole-file download needs HTTP")
            with f.lock:
                f.written = ByteRanges()
            copied = source.fetch_whole(location, self._sink(f), buffer, self._stop.is_set)
            if f.state.size is None:
                self._tally.set_size(f, copied)
                os.ftruncate(f.fd, copied)
            elif copied < f.state.size:
                raise TransientError(
                    f"http: the response ended after {copied} of {f.state.size} bytes"
                )

        self._step(task, name, fetch, whole=True)

    def _step(self, task: Task, name: str | None, fetch, *, whole: bool = False) -> None:
        """Run one fetch of a worker's task, and act on how it ended: the one place a
        step's errors become actions. ``whole``: the task streams the file from byte 0
        (a failed attempt keeps none of its bytes)."""
        f = task.file
        before = f.written.total
        try:
            fetch()
            f.failures = 0
        except Stopped:
            pass  # paused or cancelled: the bytes written so far stay
        except RangeIgnored as error:
            self._range_ignored(f, name, error)
        except SourceUnavailable as error:
            self._give_up_source(f, name, str(error))
        except TransientError as error:
            if whole:
                with f.lock:
                    f.written = ByteRanges()  # nothing to resume from
            elif f.written.total > before:
                f.failures = 0  # it moved: the count is of attempts in a row that did not
            self._release(task, whole=whole)
            self._backoff(f, name, error)
            return
        except DiskFull as error:
            self._fail(f, str(error))
        self._release(task, whole=whole)

    def _range_ignored(self, f: RunFile, name: str | None, error: RangeIgnored) -> None:
        """A server sent the whole file to a ranged request: an S3 object that does is
        given up; an HTTP server's files are then fetched whole."""
        if name == "s3":
            self._give_up_source(f, name, str(error))
            return
        log.info("%s: %s; downloading it whole", f.state.name, error)
        with self._cond:
            f.state.ranged = False

    def _release(self, task: Task, *, claim: bool = True, whole: bool = False) -> None:
        f = task.file
        if whole:
            with self._cond:
                f.whole_in_flight = False
        if self._sched.release(f, task.start, task.end, claim=claim):
            self._durable.close(f)  # the last worker out of a finished file closes it

    def _do_finish(self, f: RunFile) -> None:
        state = f.state
        try:
            self._reporter.emit_file(f)
            if state.size is not None and os.fstat(f.fd).st_size != state.size:
                os.ftruncate(f.fd, state.size)
            if not self._verified(f, f.part):
                state.verify_failures += 1
                if state.verify_failures > 1:
                    self._fail(
                        f,
                        "the file still differs from its checksum after a second "
                        "download; the source may be corrupt",
                    )
                    return
                log.warning("%s failed verification; downloading it again", state.name)
                self._durable.forget_bytes(f)
                os.ftruncate(f.fd, 0)
                self._open_part(f)
                self._set_status(f, DOWNLOADING)
                return
            # Verified: the file leaves its slot (the next file starts now) and waits
            # for the next group commit.
            self._sched.leave(f)
            if self._durable.enqueue(f):
                self._commit()
        finally:
            self._sched.release(f, claim=False)

    def _commit(self) -> None:
        done, failed = self._durable.commit(lambda f: self._tally.move(f, DONE))
        for f, why in failed:
            self._fail(f, why)
        for f in done:
            self._reporter.emit_file(f)

    def _verified(self, f: RunFile, path: Path) -> bool:
        state = f.state
        size = path.stat().st_size
        if state.size is not None and size != state.size:
            return False
        if state.md5:
            digests = file_digests(path)  # the SHA-256 too: the catalog's record needs it
            if digests.md5 != state.md5:
                return False
            state.sha256 = digests.sha256
        return True

    # -- failures -------------------------------------------------------------------------------
    def _give_up_source(self, f: RunFile, name: str | None, why: str) -> bool:
        """Stop using ``name`` for this file; True if another source remains."""
        if name == "s3" and f.state.http:
            log.info("%s: S3 failed (%s); falling back to HTTP", f.state.name, why)
            with self._cond:
                f.state.s3_failed = why
                f.state.source = "http"
                f.failures = 0
            return True
        self._fail(f, why)
        return False

    def _backoff(self, f: RunFile, name: str | None, error: TransientError) -> bool:
        f.failures += 1
        if self.config.retry.exhausted(f.failures):
            return self._give_up_source(f, name, f"gave up after {f.failures} attempts: {error}")
        delay = self.config.retry.delay(f.failures, error.retry_after)
        log.debug("%s: %s; retrying in %.2fs", f.state.name, error, delay)
        self._stop.wait(delay)
        return True

    def _fail(self, f: RunFile, why: str) -> None:
        with self._cond:
            if f.state.status in FINISHED:
                return
            f.state.error = why
            self._tally.move(f, FAILED)
        log.warning("%s failed: %s", f.state.name, why)
        self._reporter.emit_file(f)
        if self._sched.leave(f):  # others still writing into it: the last one closes it
            self._durable.close(f)

    # -- status and the end ---------------------------------------------------------------------
    def _set_status(self, f: RunFile, status: str) -> None:
        self._tally.move(f, status)
        self._reporter.emit_file(f)

    def _request_stop(self, status: str) -> None:
        with self._cond:
            if self._done.is_set() or self._stop.is_set():
                return
            self._stop_status = status
            self._stop.set()
            self._cond.notify_all()

    def _finish(self) -> None:
        """Runs once, on the last worker's way out: final state, result, events."""
        if self._result is not None:
            return
        self._commit()  # verified files are finished, whether the job was stopped or not
        stopped = self._stop_status
        for f in self._files:
            if f.state.status in FINISHED:
                continue
            if stopped == CANCELLED:
                f.state.status, f.state.ranges = CANCELLED, ByteRanges()
                self._durable.close(f)
                f.part.unlink(missing_ok=True)
                f.written = ByteRanges()
            else:
                f.state.status = PAUSED if stopped == PAUSED else FAILED
                if f.state.status == FAILED and not f.state.error:
                    f.state.error = "not downloaded"
        statuses = {f.state.status for f in self._files}
        if stopped:
            self.state.status = stopped
        elif statuses <= {DONE}:
            self.state.status = DONE
        else:
            self.state.status = FAILED
        self._durable.checkpoint(durable=True)
        self._durable.finish(self._files)
        for source in (self._http, self._s3):
            if source is not None:
                source.close()
        self._result = TransferResult(
            job_id=self.id,
            status=self.state.status,
            files=tuple(
                FileResult(
                    f.state.name,
                    f.target,
                    f.state.status,
                    f.state.size,
                    f.state.source,
                    f.state.md5,
                    f.state.error,
                )
                for f in self._files
            ),
            bytes_transferred=self._bytes_this_run,
            seconds=time.monotonic() - self._started if self._started else 0.0,
            state_file=self.state_file,
            state_bytes=self._durable.bytes_written,
        )
        self._release_lock()
        # Kept before it is sent: a subscriber arriving now gets it either way.
        self._final_event = self._reporter.job_event()
        self._reporter.emit(self._final_event)
        self._done.set()
        self._sched.wake()


def _size_of(path: Path) -> int | None:
    """The length of the file at ``path``, ``None`` if there is none."""
    try:
        return path.stat().st_size
    except OSError:  # absent, or a path through a file: as Path.exists() says
        return None
