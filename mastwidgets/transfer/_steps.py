"""What the job does with each task the scheduler gives it, and what happens when a
fetch fails.

A task is one of: prepare a file (choose its source, open its part file), fetch a
chunk, fetch a file whole (or its first chunk, when its size is not known), finish it
(verify, then queue it for the group commit). Preparing and finishing are done at
once, on the job's bookkeeping thread; a fetch is sent to its source (the I/O loop
moves its bytes into the part file) and its end comes back to the bookkeeping thread
through :meth:`Steps.ended`, the one place a fetch's errors become actions: stopped
(keep the bytes), Range ignored, source unavailable (fall back to the next source, or
fail), transient (back off and retry, up to the retry policy), disk full.

The steps ask a :class:`~._source.Source` and never name one.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
from collections.abc import Callable
from typing import NamedTuple

from ..errors import DiskFull
from ._commit import Durability
from ._files import RunFile
from ._ranges import ByteRanges
from ._reporter import Reporter
from ._results import TransferConfig
from ._scheduler import CHUNK, FINISH, PREPARE, WHOLE, Scheduler, Task
from ._source import (
    PLAIN_MD5,
    Fetch,
    Got,
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

Then = Callable[[], None]  # told when a task is over (its slot is free)


class Sent(NamedTuple):
    """A fetch sent: its token (to cancel it), the file's bytes before it, and
    whether it is a file's first (its size unknown)."""

    token: int
    before: int
    first: bool


NOT_SENT = Sent(-1, 0, False)  # a fetch that ended before it was sent


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
        post: Callable[[Callable[[], None]], None],
        later: Callable[[float, Callable[[], None]], None],
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
        self._post = post  # runs a function on the bookkeeping thread
        self._later = later  # ... after a delay
        self._count_lock = threading.Lock()
        self._sending: dict[int, Callable[[], None]] = {}  # fetches out, and their cancel
        self._tokens = itertools.count()
        self.bytes_moved = 0  # in this run, by every fetch

    def do(self, task: Task, then: Then) -> None:
        """Start one task; ``then()`` when it is over (at once, or when its fetch
        ends). A bug fails its file, never the job."""
        f = task.file
        try:
            if task.kind == PREPARE:
                self._prepare(f)
            elif task.kind == FINISH:
                self._finish_file(f)
            else:
                self._send(task, then)
                return
        except Exception as error:  # noqa: BLE001 - logged by _unexpected, the file failed
            self._unexpected(task, error)
        then()

    @property
    def sending(self) -> int:
        """Fetches sent and not yet ended."""
        return len(self._sending)

    def cancel_all(self) -> None:
        """Every fetch out cancelled (the job stops): each ends as stopped, its bytes kept."""
        for cancel in list(self._sending.values()):
            cancel()

    def _unexpected(self, task: Task, error: Exception) -> None:
        f = task.file
        log.error("transfer of %s failed unexpectedly", f.state.name, exc_info=error)
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
        """Choose the file's source and open its part file (its size, if not known,
        comes with the first GET)."""
        state = f.state
        try:
            source, _ = self.source_of(f)
            if source is None:
                self.fail(f, state.s3_failed or "no source to download from")
                return
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

    def _send(self, task: Task, then: Then) -> None:
        """Send the task's fetch to the file's source; its end comes to :meth:`ended`."""
        f = task.file
        source, location = self.source_of(f)
        if source is None:  # every source given up meanwhile
            self.ended(task, None, SourceUnavailable("no source left"), then)
            return
        sink = self._sink(f)
        if task.kind == CHUNK:
            fetch = Fetch(location, sink, task.start, task.end)
        elif f.size is None and f.state.ranged:  # the first chunk tells the size
            fetch = Fetch(location, sink, 0, self.config.chunk_size, first=True)
        elif not source.streams_whole:
            refused = SourceUnavailable(f"{source.name} does not send a file whole")
            self.ended(task, source, refused, then)
            return
        else:
            fetch = Fetch(location, sink)
        if task.kind == WHOLE:
            with f.lock:
                f.written = ByteRanges()  # a whole fetch starts from byte 0
        sent = Sent(next(self._tokens), f.written.total, fetch.first)

        def done(outcome: Got | BaseException) -> None:  # on the source's thread
            self._post(lambda: self.ended(task, source, outcome, then, sent))

        self._sending[sent.token] = source.send(fetch, done)

    def ended(
        self,
        task: Task,
        source: Source | None,
        outcome: Got | BaseException,
        then: Then,
        sent: Sent = NOT_SENT,
    ) -> None:
        """A fetch's end, on the bookkeeping thread: the one place a fetch's errors
        become actions."""
        self._sending.pop(sent.token, None)
        f, before = task.file, sent.before
        whole = task.kind == WHOLE
        try:
            if isinstance(outcome, BaseException):
                raise outcome
            if task.kind == CHUNK:
                self._chunk_done(task, source, outcome)
            elif sent.first:
                self._first_done(f, source, outcome)
            else:
                self._whole_done(f, outcome)
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
            delay = self._backoff(f, source, error)
            if not delay:
                then()
            else:  # the slot waits out the delay (a stop does not wait for it)
                self._later(delay, then)
            return
        except DiskFull as error:
            self.fail(f, str(error))
        except Exception as error:  # noqa: BLE001 - logged by _unexpected, the file failed
            self._unexpected(task, error)
            then()
            return
        self._release(task, whole=whole)
        then()

    def _chunk_done(self, task: Task, source: Source, got: Got) -> None:
        f, start, end = task.file, task.start, task.end
        self._learn_etag(f, source, got.etag)
        if got.size is not None and got.size != f.size:
            if f.state.size_given:
                raise SourceUnavailable(f"{source.name} has {got.size} bytes, expected {f.size}")
            self._resize(f, got.size)  # Content-Range is the authority, not HEAD
        wanted = max(0, min(end, f.size) - start)
        if got.copied < wanted:
            raise TransientError(
                f"{source.name}: the response ended after {got.copied} of {wanted} bytes"
            )
        if not f.complete():  # a kill now loses no finished chunk
            self._durable.checkpoint_file(f)
        # (the file's last chunk: its finish, a moment later, writes its state; a
        # kill before that fetches this chunk again, and nothing claims it)

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

    def _first_done(self, f: RunFile, source: Source, got: Got) -> None:
        """A file of unknown size: its first chunk came by a ranged GET, whose
        ``Content-Range`` tells the size (no HEAD); the rest is then fetched in chunks.
        A server that ignores Range answered 200 with the whole file, taken as it came."""
        self._learn_etag(f, source, got.etag)
        with self._cond:
            f.state.ranged = got.ranged
        size, copied = got.size, got.copied
        if size is None:
            raise RangeIgnored("the server did not say the file's size")
        if size != copied and (not got.ranged or copied < min(size, self.config.chunk_size)):
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

    def _whole_done(self, f: RunFile, got: Got) -> None:
        """The whole file came in one stream, from a server that ignores Range."""
        if f.state.size is None:
            self._tally.set_size(f, got.copied)
            os.ftruncate(f.fd, got.copied)
        elif got.copied < f.state.size:
            raise TransientError(
                f"{f.state.source}: the response ended after {got.copied} of {f.state.size} bytes"
            )

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

    # -- how a fetch ends ---------------------------------------------------------------------
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

    def _backoff(self, f: RunFile, source: Source | None, error: TransientError) -> float | None:
        """Seconds to wait before the file is tried again; None if it is not (given
        up on this source, failed, or the job paused because the server is down)."""
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
                return None
            return 0.0 if self._give_up(f, source, why) else None
        delay = self.config.retry.delay(f.failures, error.retry_after)
        log.debug("%s: %s; retrying in %.2fs", f.state.name, error, delay)
        return delay

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
