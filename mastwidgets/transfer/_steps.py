"""What a worker does with each task the scheduler gives it, and what happens when
a step fails.

A task is one of: prepare a file (choose its source, learn its size, open its part
file), fetch a chunk, fetch a file whole (or its first chunk, when its size is not
known), finish it (verify, then queue it for the group commit). Every fetch runs
through :meth:`Steps.step`, the one place a step's errors become actions: stopped
(keep the bytes), Range ignored, source unavailable (fall back to the next
source, or fail), transient (back off and retry, up to the retry policy), disk full.

The steps ask a :class:`~._source.Source` and never name one.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from ..errors import DiskFull
from ._commit import Durability
from ._files import RunFile
from ._ranges import ByteRanges
from ._reporter import Reporter
from ._results import TransferConfig
from ._scheduler import CHUNK, FINISH, PREPARE, WHOLE, Scheduler, Task
from ._source import (
    PLAIN_MD5,
    Buffer,
    Probe,
    RangeIgnored,
    ServerDown,
    Source,
    SourceUnavailable,
    Stopped,
    TransientError,
)
from ._state import DONE, DOWNLOADING, FAILED, FINISHED, Status
from ._tally import Tally
from ._verify import fetch_again, verified

log = logging.getLogger(__name__)


class Steps:
    """The workers' steps over one job's files, scheduler, sources and journal."""

    def __init__(
        self,
        *,
        config: TransferConfig,
        sources: dict[str, Source],
        scheduler: Scheduler,
        tally: Tally,
        durable: Durability,
        reporter: Reporter,
        stop: threading.Event,
        server_down: Callable[[str], None] = lambda why: None,
    ):
        self.config = config
        self._server_down = server_down  # pauses the job, saying why
        self.sources = sources
        self._sched = scheduler
        self._cond = scheduler.cond  # guards the files' scheduling fields
        self._tally = tally
        self._durable = durable
        self._reporter = reporter
        self._stop = stop
        self._count_lock = threading.Lock()
        self.bytes_moved = 0  # in this run, by every worker

    def do(self, task: Task, buffer: Buffer) -> None:
        """Run one task; a bug fails its file, never the job."""
        f = task.file
        try:
            if task.kind == PREPARE:
                self._prepare(f)
            elif task.kind == CHUNK:
                self._chunk(task, buffer)
            elif task.kind == WHOLE and f.size is None and f.state.ranged:
                self._first(task, buffer)
            elif task.kind == WHOLE:
                self._whole(task, buffer)
            elif task.kind == FINISH:
                self._finish_file(f)
        except Exception as error:
            log.exception("transfer of %s failed unexpectedly", f.state.name)
            self.fail(f, f"unexpected error: {type(error).__name__}: {error}")
            self._release(task, claim=task.kind in (CHUNK, WHOLE), whole=task.kind == WHOLE)

    # -- the steps ------------------------------------------------------------------------------
    def source_of(self, f: RunFile) -> tuple[Source | None, str | None]:
        """The file's preferred source still in play, and the file's location there."""
        for name, location in f.state.locations():
            source = self.sources.get(name)
            if source is not None:
                return source, location
        return None, None

    def _sink(self, f: RunFile):
        return f.sink(self._moved)

    def _moved(self, count: int) -> None:
        with self._count_lock:
            self.bytes_moved += count

    def _prepare(self, f: RunFile) -> None:
        """Choose the file's source, learn its size if the source is probed first
        (otherwise the first GET tells it) and open its part file."""
        state = f.state
        try:
            while True:
                source, location = self.source_of(f)
                if source is None:
                    self.fail(f, state.s3_failed or "no source to download from")
                    return
                if not source.probes_first:
                    probe = Probe(size=state.size, ranged=state.ranged)
                    break
                try:
                    probe = source.probe(location)
                except SourceUnavailable as error:
                    if not self._give_up(f, source, str(error)):
                        return
                    continue
                except TransientError as error:
                    if not self._backoff(f, source, error):
                        return
                    continue
                break
            if probe.size is not None:
                if state.size is None:
                    self._tally.set_size(f, probe.size)
                elif probe.size != state.size and not self._give_up(
                    f, source, f"{source.name} has {probe.size} bytes, expected {state.size}"
                ):
                    return
            if probe.md5 and not state.md5:
                state.md5 = probe.md5
            state.etag = probe.etag or state.etag
            state.source = source.name
            self._open_part(f)
            f.failures = 0
            self._set_status(f, DOWNLOADING)
            f.ready = True
        except DiskFull as error:
            self.fail(f, str(error))
        finally:
            with self._cond:
                f.preparing = False
            self._sched.release(f, claim=False)

    def _open_part(self, f: RunFile) -> None:
        if f.open_part():
            self._durable.opened(f)

    def _chunk(self, task: Task, buffer: Buffer) -> None:
        f, start, end = task.file, task.start, task.end
        source, location = self.source_of(f)

        def fetch() -> None:
            copied, total, etag = source.fetch(
                location, start, end, self._sink(f), buffer, self._stop.is_set
            )
            self._learn_etag(f, source, etag)
            if total is not None and total != f.size:
                if f.state.size_given:
                    raise SourceUnavailable(f"{source.name} has {total} bytes, expected {f.size}")
                self._resize(f, total)  # Content-Range is the authority, not HEAD
            wanted = max(0, min(end, f.size) - start)
            if copied < wanted:
                raise TransientError(
                    f"{source.name}: the response ended after {copied} of {wanted} bytes"
                )
            if not f.complete():  # a kill now loses no finished chunk
                self._durable.checkpoint_file(f)
            # (the file's last chunk: its finish, a moment later, writes its state; a
            # kill before that fetches this chunk again, and nothing claims it)

        self.step(task, source, fetch)

    def _learn_etag(self, f: RunFile, source: Source, etag: str | None) -> None:
        """Keep the file's ETag from the first answer that says it; where the source's
        plain ETags are MD5s (S3), it is the MD5 the finished file is checked against."""
        if not etag:
            return
        with f.lock:
            state = f.state
            if state.etag is None:
                state.etag = etag
            if source.etag_is_md5 and not state.md5 and PLAIN_MD5.match(etag):
                state.md5 = etag

    def _resize(self, f: RunFile, size: int) -> None:
        log.info("%s: the server says %d bytes, not %s", f.state.name, size, f.size)
        with self._cond, f.lock:
            self._tally.set_size(f, size)
            f.written.clip(size)
            f.claimed.clip(size)
            os.ftruncate(f.fd, size)

    def _first(self, task: Task, buffer: Buffer) -> None:
        """A file of unknown size: its first chunk by a ranged GET, whose
        ``Content-Range`` tells the size (no HEAD); the rest is then fetched in chunks.
        A server that ignores Range answers 200 with the whole file, taken as it comes."""
        f = task.file
        source, location = self.source_of(f)

        def fetch() -> None:
            with f.lock:
                f.written = ByteRanges()
            copied, size, ranged, etag = source.fetch_first(
                location, self.config.chunk_size, self._sink(f), buffer, self._stop.is_set
            )
            self._learn_etag(f, source, etag)
            with self._cond:
                f.state.ranged = ranged
            if size is None:
                raise RangeIgnored("the server did not say the file's size")
            if size != copied and (not ranged or copied < min(size, self.config.chunk_size)):
                raise TransientError(
                    f"{source.name}: the response ended after {copied} of {size} bytes"
                )
            self._tally.set_size(f, size)
            os.ftruncate(f.fd, size)
            with f.lock:
                f.written.clip(size)  # a server that sent more than it says the file has
            f.reserve()
            if not f.complete():  # (a file of one chunk: its finish writes its state)
                self._durable.checkpoint_file(f)

        self.step(task, source, fetch, whole=True)

    def _whole(self, task: Task, buffer: Buffer) -> None:
        """The whole file in one stream, for a server that ignores Range."""
        f = task.file
        source, location = self.source_of(f)

        def fetch() -> None:
            if not source.streams_whole:
                raise SourceUnavailable(f"{source.name} does not send a file whole")
            with f.lock:
                f.written = ByteRanges()
            copied = source.fetch_whole(location, self._sink(f), buffer, self._stop.is_set)
            if f.state.size is None:
                self._tally.set_size(f, copied)
                os.ftruncate(f.fd, copied)
            elif copied < f.state.size:
                raise TransientError(
                    f"{source.name}: the response ended after {copied} of {f.state.size} bytes"
                )

        self.step(task, source, fetch, whole=True)

    def _finish_file(self, f: RunFile) -> None:
        state = f.state
        try:
            self._reporter.emit_file(f)
            if state.size is not None and os.fstat(f.fd).st_size != state.size:
                os.ftruncate(f.fd, state.size)
            with f.lock:
                streamed = f.streamed.digests(state.size)
            if not verified(state, f.part, streamed):
                if not fetch_again(state):
                    self.fail(
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
                self.commit()
        finally:
            self._sched.release(f, claim=False)

    # -- how a step ends ------------------------------------------------------------------------
    def step(
        self, task: Task, source: Source | None, fetch: Callable[[], None], *, whole: bool = False
    ) -> None:
        """Run one fetch of a worker's task, and act on how it ended: the one place a
        step's errors become actions. ``whole``: the task streams the file from byte 0
        (a failed attempt keeps none of its bytes)."""
        f = task.file
        before = f.written.total
        try:
            if source is None:  # every source given up meanwhile (by another worker)
                raise SourceUnavailable("no source left")
            fetch()
            f.failures = 0
        except Stopped:
            pass  # paused or cancelled: the bytes written so far stay
        except RangeIgnored as error:
            self._range_ignored(f, source, error)
        except SourceUnavailable as error:
            self._give_up(f, source, str(error))
        except TransientError as error:
            if whole:
                with f.lock:
                    f.written = ByteRanges()  # nothing to resume from
            elif f.written.total > before:
                f.failures = 0  # it moved: the count is of attempts in a row that did not
            self._release(task, whole=whole)
            self._backoff(f, source, error)
            return
        except DiskFull as error:
            self.fail(f, str(error))
        self._release(task, whole=whole)

    def _range_ignored(self, f: RunFile, source: Source | None, error: RangeIgnored) -> None:
        """A server sent the whole file to a ranged request: the file is then fetched
        whole from a source that may do so, else that source is given up."""
        if source is None or not source.streams_whole:
            self._give_up(f, source, str(error))
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

    def _other_source(self, f: RunFile, source: Source | None) -> bool:
        with self._cond:
            return bool(f.state.other_sources(getattr(source, "name", None)))

    def _give_up(self, f: RunFile, source: Source | None, why: str) -> bool:
        """Stop using ``source`` for this file; True if another source remains."""
        with self._cond:
            others = source is not None and f.state.give_up(source.name, why)
            if others:
                f.failures = 0
        if not others:
            self.fail(f, why)
            return False
        log.info("%s: %s failed (%s); trying %s", f.state.name, source.name, why, f.state.source)
        return True

    def _backoff(self, f: RunFile, source: Source | None, error: TransientError) -> bool:
        f.failures += 1
        if self.config.retry.exhausted(f.failures):
            why = f"gave up after {f.failures} attempts: {error}"
            if isinstance(error, ServerDown) and not self._other_source(f, source):
                # The server is down (maintenance, an outage), not the file missing: the
                # job pauses with its bytes, to be resumed when the server is back.
                f.failures = 0
                self._server_down(
                    f"{error} after {self.config.retry.attempts} attempts: the server is "
                    "unavailable (MAST's maintenance windows answer so for minutes to hours). "
                    "The import is paused with every byte kept; resume it when MAST is back."
                )
                return False
            return self._give_up(f, source, why)
        delay = self.config.retry.delay(f.failures, error.retry_after)
        log.debug("%s: %s; retrying in %.2fs", f.state.name, error, delay)
        self._stop.wait(delay)
        return True

    # -- outcomes -------------------------------------------------------------------------------
    def commit(self) -> None:
        """The verified files made final (renamed, journaled) now, in one group."""
        done, failed = self._durable.commit(lambda f: self._tally.move(f, DONE))
        for f, why in failed:
            self.fail(f, why)
        for f in done:
            self._reporter.emit_file(f)

    def fail(self, f: RunFile, why: str) -> None:
        with self._cond:
            if f.state.status in FINISHED:
                return
            f.state.error = why
            self._tally.move(f, FAILED)
        log.warning("%s failed: %s", f.state.name, why)
        self._reporter.emit_file(f)
        if self._sched.leave(f):  # others still writing into it: the last one closes it
            self._durable.close(f)

    def _set_status(self, f: RunFile, status: Status) -> None:
        self._tally.move(f, status)
        self._reporter.emit_file(f)
