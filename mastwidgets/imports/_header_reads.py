"""One product's headers read in place, as a transfer on the I/O loop: a ranged read
into memory instead of a file.

A :class:`HeaderRead` sends its first GET (the first blocks of the file, or the
whole of a small or gzipped one) to the file's source; when the bytes come back
(through its job's queue, on the job's thread), astropy reads the headers from
the bytes held. Where it reaches bytes not held (an extension's header after its
data) the read stops with :class:`~mastwidgets.transfer.NeedBytes`, the range is
fetched, and the headers are read again. Transient errors are retried with the
transfer engine's backoff (the wait on the I/O loop's timer, no thread asleep);
a source that does not have the file gives way to the next one.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable

from ..catalog import make_remote_record, read_metadata
from ..catalog.fits_meta import is_fits
from ..transfer import (
    Fetch,
    FileState,
    Got,
    HeldBytes,
    NeedBytes,
    RemoteFile,
    RetryPolicy,
    SourceError,
    SourceUnavailable,
    Stopped,
    TransientError,
    io_loop,
)
from ._job import RECORD_BATCH  # ends handed on at once at most (a catalog write)

log = logging.getLogger(__name__)

#: The first GET of each file: 12 FITS blocks (a primary header of up to 432 cards);
#: a file of up to twice that is read whole by it (a second request would cost more
#: than the bytes it spares).
FIRST_READ = 12 * 2880
#: Each later GET, where a header lies beyond the bytes held (an extension's header
#: after its data): two FITS blocks, more fetched if the header is longer.
READAHEAD = 2 * 2880
#: How a read ended: (file index, record, why not).
Ended = tuple[int, "dict | None", "str | None"]


class HeaderRead:
    """The reading of one file's headers, from its first source that has it.

    Parameters
    ----------
    index, file, product
        The file's place in its job, its state, and its MAST row's fields.
    sources
        The job's sources, by name.
    post
        Runs a function on the job's thread (the fetches' ends come back by it).
    ended
        Told ``(index, record, error)`` once, when the read is over.
    retry
        How often a faltering source is tried again.
    job_id
        Written into the record.
    """

    def __init__(
        self,
        index: int,
        file: FileState,
        product: dict,
        *,
        sources: dict,
        post: Callable[[Callable[[], None]], None],
        ended: Callable[[int, dict | None, str | None], None],
        retry: RetryPolicy,
        job_id: str,
    ):
        self.index, self.file, self.product = index, file, product
        self._sources, self._post, self._ended = sources, post, ended
        self._retry, self._job_id = retry, job_id
        self._locations = list(file.locations())
        self._at = -1  # the location being read
        self._error: str | None = None
        self._held: HeldBytes | None = None
        self._failures = 0
        self._cancel: Callable[[], None] = lambda: None
        self.requests = 0
        self.bytes_read = 0
        self.over = False

    def start(self) -> None:
        """The next source's first GET (or the end, when none is left)."""
        self._at += 1
        self._held, self._failures = None, 0
        if self._at >= len(self._locations):
            self._end(None, self._error or f"{self.file.name}: no source left")
            return
        filename = self.product.get("productFilename") or self.file.name
        if not is_fits(filename):  # recorded from its MAST row: nothing to read
            self._end(self._record(None, None))
            return
        size = self.file.size
        gzipped = self.file.name.lower().endswith(".gz")
        whole = bool(size) and (gzipped or size <= 2 * FIRST_READ)
        self._send(0, size if whole else FIRST_READ, first=True)

    def cancel(self) -> None:
        self.over = True
        self._cancel()

    # -- the GETs -------------------------------------------------------------------------------
    def _send(self, start: int, end: int, *, first: bool = False) -> None:
        name, location = self._locations[self._at]
        data = bytearray()

        def sink(offset: int, view: memoryview) -> None:
            if offset - start != len(data):
                raise SourceUnavailable(f"bytes out of order: {offset} after {start + len(data)}")
            data.extend(view)

        def done(outcome: Got | BaseException) -> None:  # on the I/O loop
            self._post(lambda: self._got(start, end, first, data, outcome))

        self.requests += 1
        self._cancel = self._sources[name].send(Fetch(location, sink, start, end, first), done)

    def _got(self, start, end, first, data: bytearray, outcome: Got | BaseException) -> None:
        if self.over:
            return
        if isinstance(outcome, Stopped):
            return
        if isinstance(outcome, TransientError):
            self._failures += 1
            if self._retry.exhausted(self._failures):
                self._error = str(outcome)
                self.start()
                return
            delay = self._retry.delay(self._failures, outcome.retry_after)
            again = lambda: self._send(start, end, first=first)  # noqa: E731
            io_loop().call_later(delay, lambda: self._post(lambda: self.over or again()))
            return
        if isinstance(outcome, SourceError):
            self._error = str(outcome)
            self.start()
            return
        if isinstance(outcome, BaseException):  # the sink's (bytes out of order) or a bug's
            self._end(None, f"{type(outcome).__name__}: {outcome}")
            return
        self.bytes_read += outcome.copied
        self._failures = 0
        if first:
            if outcome.size is None:
                self._error = f"{self.file.name}: the server did not say the file's size"
                self.start()
                return
            location = self._locations[self._at][1]
            readahead = 1 << 20 if self.file.name.lower().endswith(".gz") else READAHEAD
            self._held = HeldBytes(location, outcome.size, readahead)
        elif outcome.copied < end - start:
            short = end - start - outcome.copied
            self._error = f"{self.file.name}: the answer ended {short} bytes early"
            self.start()
            return
        self._held.hold(start, bytes(data))
        self._parse()

    def _parse(self) -> None:
        """The headers read from the bytes held; a range fetched if more are needed."""
        try:
            meta, problem = read_metadata(RemoteFile(self._held)), None
        except NeedBytes as need:
            self._send(need.start, need.end)
            return
        except (OSError, ValueError, TypeError, IndexError) as failure:
            meta, problem = None, f"unreadable FITS: {failure}"
        self.file.source = self._locations[self._at][0]
        self._end(self._record(meta, problem))

    # -- the end --------------------------------------------------------------------------------
    def _record(self, meta: dict | None, problem: str | None) -> dict:
        name, location = self._locations[self._at]
        size = self._held.size if self._held is not None else self.file.size
        return make_remote_record(
            self.product,
            meta,
            location=location,
            source=name,
            size=size,
            job_id=self._job_id,
            error=problem,
        )

    def _end(self, record: dict | None, error: str | None = None) -> None:
        self.over = True
        self._ended(self.index, record, error)


class HeaderReads:
    """Up to ``parallel`` files' headers read at once, on the calling thread (the
    fetches on the I/O loop); what ends is handed on in batches.

    Parameters
    ----------
    files, products
        The job's file states, and each file's MAST row fields by name.
    sources, retry, job_id
        As for :class:`HeaderRead`.
    counted
        Told ``(index, requests, bytes_read)`` when a read ends.
    """

    def __init__(
        self,
        files: list[FileState],
        products: dict[str, dict],
        *,
        sources: dict,
        parallel: int,
        retry: RetryPolicy,
        job_id: str,
        counted: Callable[[int, int, int], None],
    ):
        self._files, self._products, self._sources = files, products, sources
        self._parallel, self._retry, self._job_id = parallel, retry, job_id
        self._counted = counted
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._reading: dict[int, HeaderRead] = {}
        self._arrived: list[Ended] = []

    def run(
        self,
        pending: Iterable[int],
        *,
        stopping: threading.Event,
        take: Callable[[list[Ended]], None],
        tick: Callable[[], None],
        interval: float,
    ) -> None:
        """Read the ``pending`` files until they are all read or ``stopping`` is set;
        ``take`` a batch of ends as they come, ``tick()`` every ``interval`` seconds."""
        pending = collections.deque(pending)
        last = time.monotonic()
        try:
            while (pending or self._reading) and not stopping.is_set():
                while pending and len(self._reading) < self._parallel:
                    self._start(pending.popleft())
                with contextlib.suppress(queue.Empty):
                    self._inbox.get(timeout=interval)()
                    while len(self._arrived) < RECORD_BATCH:
                        self._inbox.get_nowait()()
                if self._arrived and (len(self._arrived) >= RECORD_BATCH or self._inbox.empty()):
                    take(self._arrived)
                    self._arrived = []
                if time.monotonic() - last >= interval:
                    last = time.monotonic()
                    tick()
            take(self._arrived)
        finally:
            for read in list(self._reading.values()):
                read.cancel()  # stopped: its bytes are dropped, it is read again on resume

    def _start(self, index: int) -> None:
        file = self._files[index]
        read = HeaderRead(
            index,
            file,
            self._products.get(file.name, {}),
            sources=self._sources,
            post=self._inbox.put,
            ended=self._ended,
            retry=self._retry,
            job_id=self._job_id,
        )
        self._reading[index] = read
        read.start()

    def _ended(self, index: int, record: dict | None, error: str | None) -> None:
        read = self._reading.pop(index)
        self._counted(index, read.requests, read.bytes_read)
        self._arrived.append((index, record, error))
