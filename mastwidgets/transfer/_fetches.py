"""A task's fetch: sent to its file's source, and its end taken on the bookkeeping
thread (:meth:`Fetches.ended`, the one place a fetch's errors become actions:
stopped (keep the bytes), Range ignored, source unavailable (fall back to the next
source, or fail), transient (back off and retry, up to the retry policy), disk full).

The bytes themselves never pass here: the source (the I/O loop) writes them into
the file's part file as they come; what comes back is how the fetch ended.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from ..errors import DiskFull
from ._files import RunFile
from ._ranges import ByteRanges
from ._scheduler import CHUNK, WHOLE, Task
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

if TYPE_CHECKING:
    from ._steps import Steps

log = logging.getLogger(__name__)

Then = Callable[[], None]  # told when a task is over (its slot is free)


class Sent(NamedTuple):
    """A fetch sent: its token (to cancel it), the file's bytes before it, and
    whether it is a file's first (its size unknown)."""

    token: int
    before: int
    first: bool


NOT_SENT = Sent(-1, 0, False)  # a fetch that ended before it was sent


class Fetches:
    """The fetches of one job's tasks: sent, cancelled, and ended.

    Parameters
    ----------
    steps
        The job's :class:`~._steps.Steps` (its files' outcomes: failed, given up,
        released).
    post
        Runs a function on the bookkeeping thread (a fetch's end comes back by it).
    later
        ... after a delay (a retry's backoff).
    server_down
        Pauses the job, saying why.
    """

    def __init__(
        self,
        steps: Steps,
        *,
        post: Callable[[Callable[[], None]], None],
        later: Callable[[float, Callable[[], None]], None],
        server_down: Callable[[str], None],
    ):
        self._steps = steps
        self.config = steps.config
        self._tally = steps.tally
        self._durable = steps.durable
        self._cond = steps.cond
        self._post, self._later, self._server_down = post, later, server_down
        self._sending: dict[int, Callable[[], None]] = {}  # fetches out, and their cancel
        self._tokens = itertools.count()

    @property
    def sending(self) -> int:
        """Fetches sent and not yet ended."""
        return len(self._sending)

    def cancel_all(self) -> None:
        """Every fetch out cancelled (the job stops): each ends as stopped, its bytes kept."""
        for cancel in list(self._sending.values()):
            cancel()

    def send(self, task: Task, then: Then) -> None:
        """Send the task's fetch to the file's source; its end comes to :meth:`ended`."""
        f = task.file
        source, location = self._steps.source_of(f)
        if source is None:  # every source given up meanwhile
            self.ended(task, None, SourceUnavailable("no source left"), then)
            return
        # Only a fetch of the whole file (a small file's one GET) is hashed as it comes:
        # a big file's chunks would hash it on one core in order (measured: 3 x 300 MB
        # at 414 MB/s instead of 1,126); its digests are made where they are needed
        # (an MD5 to check: read once at the end; a catalog record: by its reader).
        whole_file = task.kind == WHOLE or (
            task.start == 0 and f.size is not None and task.end >= f.size
        )
        sink = self._steps.sink(f, hashed=whole_file)
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
            self._steps.give_up(f, source, str(error))
        except TransientError as error:
            if whole:
                with f.lock:
                    f.written = ByteRanges()  # nothing to resume from
            elif f.written.total > before:
                f.failures = 0  # it moved: the count is of attempts in a row that did not
            self._steps.release(task, whole=whole)
            delay = self._backoff(f, source, error)
            if not delay:
                then()
            else:  # the slot waits out the delay (a stop does not wait for it)
                self._later(delay, then)
            return
        except DiskFull as error:
            self._steps.fail(f, str(error))
        except Exception as error:  # noqa: BLE001 - logged by _unexpected, the file failed
            self._steps.unexpected(task, error)
            then()
            return
        self._steps.release(task, whole=whole)
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

    def _range_ignored(self, f: RunFile, source: Source | None, error: RangeIgnored) -> None:
        """A server sent the whole file to a ranged request: the file is then fetched
        whole from a source that may do so, else that source is given up."""
        if source is None or not source.streams_whole:
            self._steps.give_up(f, source, str(error))
            return
        log.info("%s: %s; downloading it whole", f.state.name, error)
        with self._cond:
            f.state.ranged = False

    def _other_source(self, f: RunFile, source: Source | None) -> bool:
        with self._cond:
            return bool(f.state.other_sources(getattr(source, "name", None)))

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
            return 0.0 if self._steps.give_up(f, source, why) else None
        delay = self.config.retry.delay(f.failures, error.retry_after)
        log.debug("%s: %s; retrying in %.2fs", f.state.name, error, delay)
        return delay
