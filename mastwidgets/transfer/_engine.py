"""The transfer engine: a job, its worker threads, its scheduler and its reporter.

Work is scheduled by chunk: at most ``parallel`` big files are open at a time
and each worker fetches ``chunk_size`` byte ranges of its file; when fewer big
files than ``parallel`` remain, idle workers take chunks of the largest open
file (as aria2c splits a download), so one big file still uses ``parallel``
connections, never more. Small files (one chunk or less: one request each,
where round trips cost more than bytes) may use up to ``connections``
connections in all.

Bytes land in ``NAME.part`` with ``pwrite``. A reporter thread flushes the
part files (fdatasync) *before* writing the ranges they hold to the state file,
emits progress events, and so keeps both off the data path.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import logging
import os
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

from .._units import human_bytes
from ..errors import DiskFull, JobRunning
from ._events import FileSnapshot, JobSnapshot, Meter, Subscribers, TransferEvent, eta
from ._journal import StateWriter
from ._ranges import ByteRanges
from ._retry import RetryPolicy
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
    VERIFYING,
    FileState,
    JobState,
    boot_id,
    fsync_dir,
)

log = logging.getLogger(__name__)

PART_SUFFIX = ".part"
_DISK_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


@dataclass(frozen=True)
class TransferConfig:
    """Limits and timings of a job; see :func:`mastwidgets.transfer.download`."""

    parallel: int = 3  # big files at once (and connections on big files)
    chunk_size: int = 5 * 2**20
    connections: int = 16  # files of one chunk or less at once: a polite per-host cap
    split: bool = True
    buffer_size: int = 8 * 2**20
    timeout: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    flush_interval: float = 1.0
    progress_interval: float = 0.25  # also how often verified files are committed
    commit_batch: int = 256  # files committed at once at most (each holds an open file)
    s3_endpoint: str | None = None


@dataclass(frozen=True)
class FileResult:
    name: str
    path: Path
    status: str
    size: int | None
    source: str | None
    md5: str | None
    error: str | None


@dataclass(frozen=True)
class TransferResult:
    """The outcome of a job run: ``status`` is done, failed, paused or cancelled."""

    job_id: str
    status: str
    files: tuple[FileResult, ...]
    bytes_transferred: int
    seconds: float
    state_file: Path
    state_bytes: int = 0  # written to the state's snapshot and journal in this run

    @property
    def ok(self) -> bool:
        return self.status == DONE

    @property
    def failed(self) -> tuple[FileResult, ...]:
        return tuple(f for f in self.files if f.status == FAILED)


class _File:
    """A file's run-time side: open part file, claimed and written ranges."""

    def __init__(self, index: int, state: FileState, target: Path):
        self.index = index  # its place in the job (and in the state's journal lines)
        self.state = state
        self.target = target
        self.part = target.with_name(target.name + PART_SUFFIX)
        self.fd: int | None = None
        self.lock = threading.Lock()
        self.written = ByteRanges(state.ranges)  # on disk (perhaps not yet flushed)
        self.claimed = ByteRanges()  # being fetched right now
        self.claims = 0
        self.workers = 0
        self.failures = 0
        self.whole_in_flight = False
        self.ready = False  # probed, part file open
        self.preparing = False
        self.meter = Meter()

    @property
    def size(self) -> int | None:
        return self.state.size

    def whole_mode(self) -> bool:
        return not self.state.ranged or self.size is None


def _subtract(spans: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for a, b in spans:
        cursor = a
        for x, y in holes:
            if y <= cursor or x >= b:
                continue
            if x > cursor:
                out.append((cursor, x))
            cursor = max(cursor, y)
        if cursor < b:
            out.append((cursor, b))
    return out


class TransferJob:
    """A running (or finished) job: ``wait()``, ``cancel()``, ``pause()``,
    ``snapshot()``, ``subscribe()``. Create it with :func:`mastwidgets.transfer.start`."""

    def __init__(
        self,
        state: JobState,
        state_file: Path,
        config: TransferConfig,
        http_headers: dict | None = None,
    ):
        self.state = state
        self.id = state.job_id
        self.state_file = Path(state_file)
        self.config = config
        self.dest_dir = Path(state.dest_dir)
        self._headers = dict(http_headers or {})
        self._subscribers = Subscribers()
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._stop_status: str | None = None
        self._done = threading.Event()
        self._files = [_File(i, f, self.dest_dir / f.name) for i, f in enumerate(state.files)]
        self._open: set[_File] = set()  # files with an open part file (their ranges move)
        self._store = StateWriter(self.state_file, state)
        self._active: list[_File] = []
        self._pending: deque[_File] = deque()
        self._workers: list[threading.Thread] = []
        self._reporter: threading.Thread | None = None
        self._lock_fd: int | None = None
        self._bytes_this_run = 0
        self._count_lock = threading.Lock()
        self._meter = Meter()
        self._started = 0.0
        self._result: TransferResult | None = None
        self._http: HttpSource | None = None
        self._s3: S3Source | None = None
        self._state_lock = threading.RLock()  # state file writes and part file closes
        self._boot = boot_id()
        self._running = 0
        self._final_event: TransferEvent | None = None
        self._to_commit: list[_File] = []  # verified, waiting for the next group commit
        # What a progress tick needs, kept up to date so that it costs O(active files):
        self._counts: Counter[str] = Counter()  # files per status
        self._live: set[_File] = set()  # taken from the queue, not yet done or failed
        self._settled_bytes = 0  # bytes on disk of the files not in _live
        self._total: int | None = None  # the job's size, once every file's is known
        self._unsized = 0  # files whose size is not known yet
        # Workers (and connections): `parallel` for big files, up to `connections` in all
        # while small files (one chunk or less) are about.
        self._slots = max(1, config.parallel, config.connections)
        self._sized_bytes = 0  # the sizes known
        self._commit_queue_lock = threading.Lock()
        self._commit_lock = threading.Lock()  # one commit at a time

    # -- public handle --------------------------------------------------------------------------
    def subscribe(self, callback) -> callable:
        """Call ``callback(TransferEvent)`` for every event; returns an unsubscribe function.

        A subscriber that arrives after the job has ended still gets its final
        ``job_status`` event (perhaps twice if it arrives just as the job ends).
        """
        unsubscribe = self._subscribers.add(callback)
        if self._final_event is not None:
            callback(self._final_event)
        return unsubscribe

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
        for worker in self._workers:
            worker.join()
        if self._reporter is not None:
            self._reporter.join()
        return self._result

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def result(self) -> TransferResult | None:
        return self._result

    def snapshot(self) -> JobSnapshot:
        """The job's progress now, every file included (what the ``job_status``
        events carry; ``progress`` events carry only the active files)."""
        files = tuple(self._file_snapshot(f) for f in self._files)
        known = [f.total for f in files]
        total = None if any(t is None for t in known) else sum(known)
        done = sum(f.bytes_done for f in files)
        return self._job_snapshot(done, total, files, Counter(f.status for f in files))

    def _progress_snapshot(self) -> JobSnapshot:
        """The job now, with only the files moving bytes: O(active files)."""
        with self._cond:
            active = list(self._active)
            live = list(self._live)
            counts = dict(self._counts)
            settled = self._settled_bytes
        done = settled + sum(f.written.total for f in live)
        files = tuple(self._file_snapshot(f) for f in active)
        return self._job_snapshot(done, self._total, files, counts, partial=True)

    def _job_snapshot(self, done, total, files, counts, *, partial=False) -> JobSnapshot:
        speed = self._meter.speed
        remaining = None if total is None else total - done
        return JobSnapshot(
            self.id,
            self.state.status,
            done,
            total,
            speed,
            eta(remaining, speed),
            files,
            counts=counts,
            file_count=len(self._files),
            partial=partial,
        )

    def _set_size(self, f: _File, size: int) -> None:
        """A file's size, learned from its source; the job's total follows."""
        with self._cond:
            old, f.state.size = f.state.size, size
            self._unsized -= old is None
            self._sized_bytes += size - (old or 0)
            self._total = self._sized_bytes if not self._unsized else None

    def _move(self, f: _File, status: str) -> None:
        """Change a file's status, keeping the counts (and the settled bytes) true."""
        with self._cond:
            old = f.state.status
            if old == status:
                return
            self._counts[old] -= 1
            self._counts[status] += 1
            f.state.status = status
            if status in FINISHED and f in self._live:
                self._live.discard(f)
                self._settled_bytes += f.written.total

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
        self._http = HttpSource(
            timeout=self.config.timeout, connections=self._slots, headers=self._headers
        )
        if any(f.state.s3 and f.state.status not in FINISHED for f in self._files):
            self._s3 = S3Source(
                endpoint=self.config.s3_endpoint,
                timeout=self.config.timeout,
                connections=self._slots,
            )
        self._pending = deque(f for f in self._files if f.state.status not in FINISHED)
        self._counts = Counter(f.state.status for f in self._files)
        self._settled_bytes = sum(
            (f.size or 0) if f.state.status == DONE else f.written.total for f in self._files
        )
        self._unsized = sum(1 for f in self._files if f.size is None)
        self._sized_bytes = sum(f.size or 0 for f in self._files)
        self._total = self._sized_bytes if not self._unsized else None
        self.state.status = DOWNLOADING if self._pending else DONE
        self._save()
        self._emit_job_status()
        if not self._pending:
            self._finish()
            return self
        for index in range(self._slots):
            worker = threading.Thread(
                target=self._work, name=f"mastwidgets-transfer-{index}", daemon=True
            )
            self._workers.append(worker)
        self._reporter = threading.Thread(
            target=self._report, name="mastwidgets-transfer-report", daemon=True
        )
        self._running = len(self._workers)
        for worker in self._workers:
            worker.start()
        self._reporter.start()
        return self

    def _take_lock(self) -> None:
        lock_path = self.state_file.with_suffix(".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise JobRunning(f"Job {self.id} is already running in another process.") from None
        self._lock_fd = fd

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _prepare_files(self) -> None:
        """Reconcile the state with what is on disk (after a crash, nothing is trusted)."""
        for f in self._files:
            state = f.state
            if state.status == DONE:
                if f.target.exists() and (
                    state.size is None or f.target.stat().st_size == state.size
                ):
                    continue
                state.status, state.ranges = QUEUED, ByteRanges()
            if state.status != QUEUED:
                state.status, state.error = QUEUED, None
            if (
                not f.part.exists()
                and f.target.exists()
                and state.size is not None
                and self._verified(f, f.target)
            ):
                # Already here and verified: a crash between the rename and the state
                # write, or a file imported before. Not downloaded again.
                state.status, state.source = DONE, state.source or "existing"
                state.ranges = ByteRanges([(0, state.size)])
                continue
            if self.state.boot_id != self._boot or self._boot is None:
                state.ranges = ByteRanges(state.durable.intervals)  # a reboot since: flushed only
            on_disk = f.part.stat().st_size if f.part.exists() else 0
            state.ranges.clip(on_disk)
            if not state.ranged:
                state.ranges = ByteRanges()  # no Range support: start again from byte 0
            f.written = ByteRanges(state.ranges)

    def _check_space(self) -> None:
        needed = sum(
            f.size - f.written.total
            for f in self._files
            if f.state.status not in FINISHED and f.size is not None
        )
        self.dest_dir.mkdir(parents=True, exist_ok=True)
        free = _free_bytes(self.dest_dir)
        if needed > free:
            raise DiskFull(
                f"Not enough disk space in {self.dest_dir}: this job needs "
                f"{human_bytes(needed)} more, and {human_bytes(free)} are free. Free some space "
                "or choose another folder."
            )

    # -- scheduling -----------------------------------------------------------------------------
    def _next_task(self, mine: _File | None):
        """The worker's next task: ("prepare"|"chunk"|"whole"|"finish", file, start, end)."""
        with self._cond:
            while True:
                if self._stop.is_set():
                    return None
                task = self._pick(mine)
                if task is not None:
                    return task
                if not self._active and not self._pending:
                    return None
                self._cond.wait()

    def _pick(self, mine: _File | None):
        candidates = []
        if mine is not None and mine in self._active:
            candidates.append(mine)
        big_workers = sum(f.workers for f in self._active if not self._small(f))
        if self._pending and self._admits(self._pending[0]):
            f = self._pending.popleft()
            self._active.append(f)
            self._live.add(f)
            self._settled_bytes -= f.written.total  # its bytes are counted live now
            f.preparing = True
            f.workers += 1
            return ("prepare", f, 0, 0)
        others = sorted(
            (f for f in self._active if f is not mine), key=lambda f: (f.workers, -(f.size or 0))
        )
        candidates += others
        for f in candidates:
            if not f.ready or f.state.status != DOWNLOADING:
                continue
            if f.claims == 0 and _complete(f):
                self._move(f, VERIFYING)
                f.workers += 1
                return ("finish", f, 0, 0)
            if f.whole_mode():
                if f.claims == 0 and not f.whole_in_flight and big_workers < self.config.parallel:
                    f.whole_in_flight = True
                    f.claims += 1
                    f.workers += 1
                    return ("whole", f, 0, 0)
                continue
            if f is not mine and f.workers > 0 and not self.config.split:
                continue
            if not self._small(f) and big_workers >= self.config.parallel:
                continue  # big files move on `parallel` connections at most
            gaps = _subtract(f.written.missing(f.size), f.claimed.intervals)
            if gaps:
                start = gaps[0][0]
                end = min(gaps[0][1], start + self.config.chunk_size)
                f.claimed.add(start, end)
                f.claims += 1
                f.workers += 1
                return ("chunk", f, start, end)
        return None

    def _small(self, f: _File) -> bool:
        """One chunk or less: such a file may take one of the extra connections."""
        return f.size is not None and f.size <= self.config.chunk_size

    def _admits(self, f: _File) -> bool:
        """Whether ``f`` may open now: at most ``parallel`` big files, and small ones up
        to ``connections`` files in all (the pending queue keeps its order)."""
        if len(self._active) >= self._slots:
            return False
        return self._small(f) or sum(1 for g in self._active if not self._small(g)) < (
            self.config.parallel
        )

    def _release(self, f: _File, start: int = 0, end: int = 0, *, claim: bool = True) -> None:
        with self._cond:
            if claim and end > start:
                remaining = ByteRanges(_subtract(f.claimed.intervals, [(start, end)]))
                f.claimed = remaining
            if claim and f.claims:
                f.claims -= 1
            f.workers = max(0, f.workers - 1)
            self._cond.notify_all()
            close = f.state.status in FINISHED and f.claims == 0
        if close:
            self._close(f)  # the last worker out of a failed file closes it

    def _retire(self, f: _File) -> None:
        """A file is finished (done, failed or cancelled): close it, free its slot."""
        with self._cond:
            if f in self._active:
                self._active.remove(f)
            self._cond.notify_all()
            busy = f.claims > 0  # others still write into it: the last one closes it
        if not busy:
            self._close(f)

    # -- the workers ----------------------------------------------------------------------------
    def _work(self) -> None:
        buffer = Buffer(max(64 * 1024, min(self.config.buffer_size, self.config.chunk_size)))
        mine: _File | None = None
        while True:
            task = self._next_task(mine)
            if task is None:
                break
            kind, f, start, end = task
            mine = f
            try:
                if kind == "prepare":
                    self._do_prepare(f)
                elif kind == "chunk":
                    self._do_chunk(f, start, end, buffer)
                elif kind == "whole":
                    self._do_whole(f, buffer)
                else:
                    self._do_finish(f)
            except Exception as error:  # a bug must fail one file, not hang the job
                log.exception("transfer of %s failed unexpectedly", f.state.name)
                self._fail(f, f"unexpected error: {type(error).__name__}: {error}")
                self._release(f, start, end, claim=kind in ("chunk", "whole"))
        self._worker_exit()

    def _worker_exit(self) -> None:
        with self._cond:
            self._running -= 1
            last = self._running == 0
        if last:
            self._finish()

    def _source(self, f: _File):
        if f.state.s3 and not f.state.s3_failed and self._s3 is not None:
            return "s3", self._s3, f.state.s3
        if f.state.http:
            return "http", self._http, f.state.http
        return None, None, None

    def _do_prepare(self, f: _File) -> None:
        state = f.state
        try:
            while True:
                name, source, location = self._source(f)
                if source is None:
                    self._fail(f, state.s3_failed or "no source to download from")
                    return
                if name == "http" and state.size is not None:
                    # No HEAD: the first ranged GET's Content-Range checks the size (and
                    # a server that ignores Range is noticed there). One request per
                    # small file. S3 keeps its HEAD: a plain ETag is the object's MD5.
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
                    self._set_size(f, probe.size)
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
                f.workers = max(0, f.workers - 1)
                self._cond.notify_all()

    def _open_part(self, f: _File) -> None:
        f.target.parent.mkdir(parents=True, exist_ok=True)
        if f.fd is None:
            f.fd = os.open(f.part, os.O_RDWR | os.O_CREAT, 0o644)
            with self._state_lock:
                self._open.add(f)
        if f.size:
            try:
                os.posix_fallocate(f.fd, 0, f.size)
            except OSError as error:
                if error.errno in _DISK_ERRNOS:
                    raise DiskFull(_disk_message(f.target)) from None
                if error.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
                    raise

    def _sink(self, f: _File):
        fd = f.fd

        def write(offset: int, data: memoryview) -> None:
            try:
                written = os.pwrite(fd, data, offset)
                while written < len(data):
                    written += os.pwrite(fd, data[written:], offset + written)
            except OSError as error:
                if error.errno in _DISK_ERRNOS:
                    raise DiskFull(_disk_message(f.target)) from None
                raise
            with f.lock:
                f.written.add(offset, offset + len(data))
            with self._count_lock:
                self._bytes_this_run += len(data)

        return write

    def _do_chunk(self, f: _File, start: int, end: int, buffer: Buffer) -> None:
        name, source, location = self._source(f)
        before = f.written.total
        try:
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
            f.failures = 0
            self._checkpoint_chunk(f)  # a kill now loses no finished chunk
        except Stopped:
            pass
        except RangeIgnored as error:
            if name == "s3":
                self._give_up_source(f, name, str(error))
            else:
                log.info("%s: %s; downloading it whole", f.state.name, error)
                with self._cond:
                    f.state.ranged = False
        except SourceUnavailable as error:
            self._give_up_source(f, name, str(error))
        except TransientError as error:
            if f.written.total > before:
                f.failures = 0
            self._release(f, start, end)
            self._backoff(f, name, error)
            return
        except DiskFull as error:
            self._fail(f, str(error))
        self._release(f, start, end)

    def _resize(self, f: _File, size: int) -> None:
        log.info("%s: the server says %d bytes, not %s", f.state.name, size, f.size)
        with self._cond, f.lock:
            self._set_size(f, size)
            f.written.clip(size)
            f.claimed.clip(size)
            os.ftruncate(f.fd, size)

    def _do_whole(self, f: _File, buffer: Buffer) -> None:
        """The whole file in one stream (no Range support, or no known size)."""
        name, source, location = self._source(f)
        try:
            if name != "http":
                raise SourceUnavailable("whole-file download needs HTTP")
            with f.lock:
                f.written = ByteRanges()
            copied = source.fetch_whole(location, self._sink(f), buffer, self._stop.is_set)
            if f.state.size is None:
                self._set_size(f, copied)
                os.ftruncate(f.fd, copied)
            elif copied < f.state.size:
                raise TransientError(
                    f"http: the response ended after {copied} of {f.state.size} bytes"
                )
            f.failures = 0
        except Stopped:
            pass
        except SourceUnavailable as error:
            self._give_up_source(f, name, str(error))
        except TransientError as error:
            with f.lock:
                f.written = ByteRanges()
            with self._cond:
                f.whole_in_flight = False
            self._release(f)
            self._backoff(f, name, error)
            return
        except DiskFull as error:
            self._fail(f, str(error))
        with self._cond:
            f.whole_in_flight = False
        self._release(f)

    def _do_finish(self, f: _File) -> None:
        state = f.state
        try:
            self._emit_file(f)
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
                with self._state_lock:  # the state lets go of the bytes before they go
                    with f.lock:
                        f.written = ByteRanges()
                    state.ranges, state.durable = ByteRanges(), ByteRanges()
                    self._store.mark(f.index)
                    self._store.flush(durable=True)
                os.ftruncate(f.fd, 0)
                self._open_part(f)
                self._set_status(f, DOWNLOADING)
                return
            self._queue_commit(f)
        finally:
            with self._cond:
                f.workers = max(0, f.workers - 1)
                self._cond.notify_all()

    # -- group commit ---------------------------------------------------------------------------
    def _queue_commit(self, f: _File) -> None:
        """A verified file leaves its slot (the next file starts now) and waits for the
        next commit, which makes it durable and final together with its neighbours."""
        with self._cond:
            if f in self._active:
                self._active.remove(f)
            self._cond.notify_all()
        with self._state_lock:
            self._open.discard(f)  # complete: checkpoints have nothing more to record
        with self._commit_queue_lock:
            self._to_commit.append(f)
            full = len(self._to_commit) >= self.config.commit_batch
        if full:  # bounded: never more open part files than a batch and the slots
            self._commit()

    def _commit(self) -> None:
        """Make the queued files final, as a group: each file's bytes flushed
        (fdatasync), then its rename, then one fsync per folder, then one durable
        journal write saying they are done; only then are they reported done.
        A crash anywhere in between leaves files that resume finds verified on disk."""
        with self._commit_lock:
            with self._commit_queue_lock:
                batch, self._to_commit = self._to_commit, []
            if not batch:
                return
            renamed, folders = [], {}
            for f in batch:
                try:
                    os.fdatasync(f.fd)
                    os.replace(f.part, f.target)
                except OSError as error:
                    self._fail(f, f"could not finish the file: {error}")
                    continue
                renamed.append(f)
                folders[f.target.parent] = True
            for folder in folders:
                fsync_dir(folder)
            with self._state_lock:
                for f in renamed:
                    self._close(f)
                    f.state.ranges = (
                        ByteRanges([(0, f.state.size)]) if f.state.size else ByteRanges()
                    )
                    self._move(f, DONE)
                    self._store.mark(f.index)
                self._store.flush(durable=True)
            for f in renamed:
                self._emit_file(f)

    def _verified(self, f: _File, path: Path) -> bool:
        state = f.state
        size = path.stat().st_size
        if state.size is not None and size != state.size:
            return False
        if state.md5:
            digest = hashlib.md5(usedforsecurity=False)
            with open(path, "rb") as data:
                while block := data.read(8 * 2**20):
                    digest.update(block)
            return digest.hexdigest() == state.md5
        return True

    # -- failures -------------------------------------------------------------------------------
    def _give_up_source(self, f: _File, name: str | None, why: str) -> bool:
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

    def _backoff(self, f: _File, name: str | None, error: TransientError) -> bool:
        f.failures += 1
        if self.config.retry.exhausted(f.failures):
            return self._give_up_source(f, name, f"gave up after {f.failures} attempts: {error}")
        delay = self.config.retry.delay(f.failures, error.retry_after)
        log.debug("%s: %s; retrying in %.2fs", f.state.name, error, delay)
        self._stop.wait(delay)
        return True

    def _fail(self, f: _File, why: str) -> None:
        with self._cond:
            if f.state.status in FINISHED:
                return
            f.state.error = why
            self._move(f, FAILED)
        log.warning("%s failed: %s", f.state.name, why)
        self._emit_file(f)
        self._retire(f)

    # -- status, state and events ---------------------------------------------------------------
    def _set_status(self, f: _File, status: str) -> None:
        self._move(f, status)
        self._emit_file(f)

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
                self._close(f)
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
        self._checkpoint(durable=True)
        with self._state_lock:
            for f in self._files:
                self._close(f)
            self._store.compact()  # the final snapshot holds everything; the journal empties
            self._store.close()
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
            state_bytes=self._store.bytes_written,
        )
        self._release_lock()
        self._final_event = TransferEvent("job_status", self.id, job=self.snapshot())
        self._subscribers.emit(self._final_event)
        self._done.set()
        with self._cond:
            self._cond.notify_all()

    def _checkpoint(self, durable: bool) -> None:
        """Record the bytes written so far; with ``durable``, flush them to disk first.

        Never the other way round: ranges are taken before the flush, and the
        state is written after it.
        """
        with self._state_lock:
            for f in list(self._open):  # only open files' ranges move: O(parallel)
                if f.state.status == DONE or f.fd is None:
                    continue
                with f.lock:
                    held = ByteRanges(f.written.intervals)
                if durable:
                    os.fdatasync(f.fd)
                    f.state.durable = ByteRanges(held.intervals)
                f.state.ranges = held
                self._store.mark(f.index)
            self._store.flush(durable)

    def _checkpoint_chunk(self, f: _File) -> None:
        """After a chunk: this file's written ranges, journaled (not flushed to disk)."""
        with self._state_lock:
            if f.fd is not None:
                self._checkpoint_file(f)
                self._store.flush(durable=False)

    def _save(self) -> None:
        """The whole state now: a new snapshot (job start), durable."""
        with self._state_lock:
            self.state.boot_id = self._boot
            self._store.compact()

    def _close(self, f: _File) -> None:
        with self._state_lock:
            if f.fd is not None:
                self._checkpoint_file(f)
                os.close(f.fd)
                f.fd = None
            self._open.discard(f)

    def _checkpoint_file(self, f: _File) -> None:
        """Mark an open file's written ranges for the next journal flush (after a chunk,
        and as it closes: the periodic checkpoint skips closed files)."""
        if f.state.status in (DONE, CANCELLED):
            return
        with f.lock:
            f.state.ranges = ByteRanges(f.written.intervals)
        self._store.mark(f.index)

    def _report(self) -> None:
        last_flush = time.monotonic()
        while not self._done.is_set():
            self._done.wait(self.config.progress_interval)
            if self._done.is_set():
                break
            self._commit()
            now = time.monotonic()
            self._meter.update(now, self._bytes_this_run)
            for f in self._files:
                if f.state.status == DOWNLOADING:
                    f.meter.update(now, f.written.total)
            self._subscribers.emit(
                TransferEvent("progress", self.id, job=self._progress_snapshot())
            )
            if now - last_flush >= self.config.flush_interval:
                self._checkpoint(durable=True)
                last_flush = now

    def _file_snapshot(self, f: _File) -> FileSnapshot:
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

    def _emit_file(self, f: _File) -> None:
        self._subscribers.emit(TransferEvent("file_status", self.id, file=self._file_snapshot(f)))

    def _emit_job_status(self) -> None:
        self._subscribers.emit(TransferEvent("job_status", self.id, job=self.snapshot()))


def _complete(f: _File) -> bool:
    return f.size is not None and f.written.covers(f.size)


def _free_bytes(folder: Path) -> int:
    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize


def _disk_message(target: Path) -> str:
    return (
        f"The disk is full: could not write {target.name} in {target.parent}. "
        "Free some space, then resume the job."
    )
