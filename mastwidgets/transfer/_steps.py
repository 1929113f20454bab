"""What the job does with each task the scheduler gives it, and how a file ends.

A task is one of: prepare a file (choose its source, open its part file), fetch a
chunk, fetch a file whole (or its first chunk, when its size is not known), finish it
(verify, then queue it for the group commit). Preparing and finishing are done at
once, on the job's bookkeeping thread; a fetch is :mod:`._fetches`'s (sent to the
file's source, its end taken back on the bookkeeping thread). A file's outcomes
(failed, a source given up, done in a group commit) are here.

The steps ask a :class:`~._source.Source` and never name one.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from .._checksums import VERIFIERS, file_digests
from ..errors import DiskFull
from ._commit import Durability
from ._fetches import Fetches, Then
from ._files import RunFile
from ._reporter import Reporter
from ._results import TransferConfig
from ._scheduler import CHUNK, FINISH, PREPARE, WHOLE, Scheduler, Task
from ._source import (
    Source,
)
from ._state import DONE, DOWNLOADING, FAILED, FINISHED, Status
from ._tally import Tally
from ._verify import fetch_again, verified

log = logging.getLogger(__name__)


class Steps:
    """The tasks of one job's files, over its scheduler, sources and journal."""

    def __init__(
        self,
        *,
        config: TransferConfig,
        sources: dict[str, Source],
        scheduler: Scheduler,
        tally: Tally,
        durable: Durability,
        reporter: Reporter,
        post: Callable[[Callable[[], None]], None],
        later: Callable[[float, Callable[[], None]], None],
        server_down: Callable[[str], None] = lambda why: None,
    ):
        self.config = config
        self.sources = sources
        self._sched = scheduler
        self.cond = self._cond = scheduler.cond  # guards the files' scheduling fields
        self.tally = self._tally = tally
        self.durable = self._durable = durable
        self._reporter = reporter
        self._count_lock = threading.Lock()
        self.bytes_moved = 0  # in this run, by every fetch
        self._post = post
        self.fetches = Fetches(self, post=post, later=later, server_down=server_down)

    def do(self, task: Task, then: Then) -> None:
        """Start one task; ``then()`` when it is over (at once, or when its fetch
        ends). A bug fails its file, never the job."""
        f = task.file
        try:
            if task.kind == PREPARE:
                self._prepare(f)
            elif task.kind == FINISH:
                if self._finish_file(f, then):
                    return
            else:
                self.fetches.send(task, then)
                return
        except Exception as error:  # noqa: BLE001 - logged by _unexpected, the file failed
            self.unexpected(task, error)
        then()

    def unexpected(self, task: Task, error: Exception) -> None:
        f = task.file
        log.error("transfer of %s failed unexpectedly", f.state.name, exc_info=error)
        self.fail(f, f"unexpected error: {type(error).__name__}: {error}")
        self.release(task, claim=task.kind in (CHUNK, WHOLE), whole=task.kind == WHOLE)

    # -- the steps ------------------------------------------------------------------------------
    def source_of(self, f: RunFile) -> tuple[Source | None, str | None]:
        """The file's preferred source still in play, and the file's location there."""
        for name, location in f.state.locations():
            source = self.sources.get(name)
            if source is not None:
                return source, location
        return None, None

    def sink(self, f: RunFile, *, hashed: bool = True):
        return f.sink(self._moved, hashed=hashed)

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

        # (the file's last chunk: its finish, a moment later, writes its state; a
        # kill before that fetches this chunk again, and nothing claims it)

    def _finish_file(self, f: RunFile, then: Then) -> bool:
        """Verify a complete file, then queue it for the group commit (or fetch it
        again, or fail it). True if the check goes on off this thread: a file with an
        MD5 to check whose bytes were not hashed as they came (a big file's chunks) is
        read and hashed by a verifying thread, so that the job's other files go on
        meanwhile; ``then()`` is called when it is over."""
        state = f.state
        try:
            self._reporter.emit_file(f)
            length = os.fstat(f.fd).st_size
            if state.size is not None and length != state.size:
                os.ftruncate(f.fd, state.size)
                length = state.size
            with f.lock:
                streamed = f.streamed.digests(state.size)
                f.forget_digests()
        except BaseException:
            self._sched.release(f, claim=False)
            raise
        if streamed is None and state.md5 and (state.size is None or length == state.size):
            VERIFIERS.submit(id(f), self._read_digests, f, length, then)
            return True
        self._conclude(f, length, streamed)
        return False

    def _read_digests(self, f: RunFile, length: int, then: Then) -> None:
        """On a verifying thread: the file's digests, handed back to the job's thread."""
        try:
            digests = file_digests(f.part)
        except OSError:
            digests = None  # read again there, where its error fails the file
        self._post(lambda: self._concluded(f, length, digests, then))

    def _concluded(self, f: RunFile, length: int, digests, then: Then) -> None:
        try:
            self._conclude(f, length, digests)
        except Exception as error:  # noqa: BLE001 - logged by unexpected, the file failed
            self.unexpected(Task(FINISH, f), error)
        then()

    def _conclude(self, f: RunFile, length: int, digests) -> None:
        state = f.state
        try:
            if not verified(state, f.part, digests, size=length):
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
    def release(self, task: Task, *, claim: bool = True, whole: bool = False) -> None:
        f = task.file
        if whole:
            with self._cond:
                f.whole_in_flight = False
        if self._sched.release(f, task.start, task.end, claim=claim):
            self._durable.close(f)  # the last task out of a finished file closes it

    def give_up(self, f: RunFile, source: Source | None, why: str) -> bool:
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
