"""What every source of bytes is to the engine: the :class:`Source` protocol, a
:class:`Fetch` asked of it and what it :class:`Got`, and the errors a source raises
(each one an action for the engine: retry, try another source, fetch whole, stop).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

Sink = Callable[[int, memoryview], None]  # (offset, data)


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
class Fetch:
    """One GET of a file's bytes: ``[start, end)`` of the file at ``location``, or
    the whole file (``end`` None: no Range asked for). ``first``: the file's size is
    not known yet, so a server that ignores Range and answers with the whole file
    (200) is taken at its word. Bytes go to ``sink(offset, data)`` as they arrive."""

    location: str
    sink: Sink
    start: int = 0
    end: int | None = None
    first: bool = False


@dataclass(frozen=True)
class Got:
    """How a fetch ended well: the bytes copied to the sink, the file's size as the
    server stated it (``Content-Range``, else ``Content-Length``), whether it
    honoured Range, and the file's ETag."""

    copied: int
    size: int | None
    ranged: bool
    etag: str | None


#: Told how a fetch ended: a :class:`Got`, or the error (a :class:`SourceError`,
#: :class:`Stopped`, or what the sink raised, such as :class:`~mastwidgets.errors.DiskFull`).
Done = Callable[["Got | BaseException"], None]


class Source(Protocol):
    """Where a file's bytes come from, for the engine.

    :meth:`send` starts a fetch and returns at once; the fetch's end is told to
    ``done``, on whatever thread the source runs it (the HTTP and S3 sources: the
    process's I/O loop). The first ranged GET of a file tells its size (no HEAD: one
    request per small file), and every GET says its ETag; ``etag_is_md5``: a plain
    (32 hex digits) ETag is the file's MD5 (S3's single-part objects), checked when
    the file is done. ``streams_whole``: a server that ignores Range has its files
    fetched whole; otherwise such an answer gives this source up for the file.
    """

    name: str
    streams_whole: bool
    etag_is_md5: bool

    def send(self, fetch: Fetch, done: Done) -> Callable[[], None]:
        """Start ``fetch``; returns a function that cancels it (``done`` then gets
        :class:`Stopped`, the bytes copied so far stay copied)."""
        ...

    def close(self) -> None: ...
