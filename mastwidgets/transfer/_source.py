"""What every source of bytes is to the engine: the :class:`Source` protocol, what a
probe tells (:class:`Probe`), the errors a source raises (each one an action for the
engine: retry, try another source, fetch whole, stop), and the worker's read
:class:`Buffer` and :func:`pump` that the sources stream through.

The data path reads straight into a worker's reusable buffer (``readinto``, no
per-read allocation) and hands memoryviews to the sink.
"""

from __future__ import annotations

import mmap
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

Sink = Callable[[int, memoryview], None]  # (offset, data)
StopCheck = Callable[[], bool]


class SourceError(Exception):
    """A source failed for this file."""


class TransientError(SourceError):
    """Worth retrying: resets, time-outs, 5xx, 429/503 throttling."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class ServerDown(TransientError):
    """The server as a whole says it is unavailable (502, 503, 504): maintenance or an
    outage, not this file. Retried; when the retries run out and no other source has the
    file, the job is paused (nothing marked failed), not given up."""


class SourceUnavailable(SourceError):
    """This source does not have the file for us (404, 403, 401): try another."""


class RangeIgnored(SourceError):
    """The server answered a ranged request with the whole file (200)."""


class Stopped(Exception):
    """The job was paused or cancelled while bytes were flowing."""


#: An ETag that may be an MD5 (S3 gives single-part objects their MD5 as ETag).
PLAIN_MD5 = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Probe:
    """What a source says about a file before we fetch it."""

    size: int | None
    md5: str | None = None
    etag: str | None = None
    ranged: bool = True


class Source(Protocol):
    """Where a file's bytes come from, for the engine.

    ``probes_first``: ask :meth:`probe` before fetching; otherwise the first ranged
    GET tells the size (:meth:`fetch_first`), one request per small file. Every GET
    also says the file's ETag; ``etag_is_md5``: a plain (32 hex digits) ETag is the
    file's MD5 (S3's single-part objects), checked when the file is done. ``streams_whole``: a
    server that ignores Range has its files fetched whole (:meth:`fetch_whole`);
    otherwise such an answer gives this source up for the file.
    """

    name: str
    probes_first: bool
    streams_whole: bool
    etag_is_md5: bool

    def probe(self, location: str) -> Probe: ...

    def fetch(
        self,
        location: str,
        start: int,
        end: int,
        sink: Sink,
        buffer: Buffer,
        should_stop: StopCheck,
    ) -> tuple[int, int | None, str | None]:
        """Stream ``[start, end)``: (bytes copied, the size the server stated, the
        file's ETag)."""
        ...

    def fetch_first(
        self, location: str, length: int, sink: Sink, buffer: Buffer, should_stop: StopCheck
    ) -> tuple[int, int | None, bool, str | None]:
        """Bytes ``[0, length)`` of a file of unknown size: (bytes copied, its size,
        whether Range is honoured, its ETag)."""
        ...

    def fetch_whole(self, location: str, sink: Sink, buffer: Buffer, should_stop: StopCheck) -> int:
        """The whole file from byte 0: the bytes copied."""
        ...

    def close(self) -> None: ...


class Buffer:
    """A worker's reusable read buffer, and the read size that suits its link.

    Each read fills ``read_size`` bytes of it; the size doubles while reads come
    back fast (big reads, little Python per byte on fast links) and halves when
    they are slow (so progress, pause and cancel stay responsive on slow links).
    The memory is an anonymous mapping: a page costs memory only once a read has
    reached it, so the workers on small files (16 of them) do not each hold the
    chunk size.
    """

    SMALLEST, FAST, SLOW = 16 * 1024, 0.05, 0.25  # bytes, seconds, seconds

    def __init__(self, size: int):
        self.view = memoryview(mmap.mmap(-1, size))
        self.read_size = self.SMALLEST

    def adapt(self, seconds: float) -> None:
        if seconds < self.FAST:
            self.read_size = min(self.read_size * 2, len(self.view))
        elif seconds > self.SLOW:
            self.read_size = max(self.read_size // 2, self.SMALLEST)


def pump(
    read_into, start: int, length: int, sink: Sink, buffer: Buffer, should_stop: StopCheck
) -> int:
    """Copy up to ``length`` bytes from ``read_into`` to ``sink`` at ``start``.

    Returns the bytes copied; fewer than ``length`` means the body ended early.
    """
    done = 0
    view = buffer.view
    while done < length:
        if should_stop():
            raise Stopped()
        began = time.monotonic()
        n = read_into(view[: min(buffer.read_size, length - done)])
        if not n:
            break
        sink(start + done, view[:n])
        done += n
        buffer.adapt(time.monotonic() - began)
    return done
