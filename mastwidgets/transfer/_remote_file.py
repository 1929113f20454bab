"""A remote file read in place: a seekable, read-only file object whose reads are
ranged GETs of one source (S3 or HTTP), for readers that seek past what they do
not need (astropy's FITS reader skips each HDU's data to reach the next header).

The first GET (``first`` bytes from byte 0) also says the file's size; a read
outside the bytes held fetches ``readahead`` bytes from where it starts. Nothing
touches the disk.
"""

from __future__ import annotations

import bisect
import io

from ._source import Fetch, Source, SourceUnavailable, StopCheck, fetch_now


class RemoteFile(io.RawIOBase):
    """``open``-like access to ``location`` through ``source``'s ranged GETs.

    ``requests`` and ``bytes_read`` count what it cost. Errors are the source's
    (:class:`~._source.TransientError`, :class:`~._source.SourceUnavailable`, ...).
    """

    def __init__(
        self,
        source: Source,
        location: str,
        *,
        first: int,
        readahead: int,
        should_stop: StopCheck = lambda: False,
    ):
        super().__init__()
        self.source, self.location = source, location
        self.name = location  # what astropy shows in its messages
        self.readahead = readahead
        self._should_stop = should_stop
        self._starts: list[int] = []  # the segments held, by start
        self._segments: dict[int, bytes] = {}
        self._position = 0
        self.requests = 1
        data = bytearray()
        got = fetch_now(
            source, Fetch(location, _appender(data, 0), 0, first, first=True), should_stop
        )
        copied, size, self.etag = got.copied, got.size, got.etag
        if size is None:
            raise SourceUnavailable(f"{location}: the server did not say the file's size")
        self.size = size
        self.bytes_read = copied
        self._hold(0, bytes(data))

    # -- io.RawIOBase -----------------------------------------------------------------------------
    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, target) -> int:
        view = memoryview(target).cast("B")
        done = 0
        while done < len(view) and self._position < self.size:
            start, data = self._segment_at(self._position)
            skip = self._position - start
            n = min(len(view) - done, len(data) - skip)
            view[done : done + n] = data[skip : skip + n]
            done += n
            self._position += n
        return done

    # -- the bytes held -------------------------------------------------------------------------
    def _segment_at(self, position: int) -> tuple[int, bytes]:
        """The held segment that holds ``position``, fetched if none does."""
        index = bisect.bisect_right(self._starts, position) - 1
        if index >= 0:
            start = self._starts[index]
            data = self._segments[start]
            if position < start + len(data):
                return start, data
        following = self._starts[index + 1] if index + 1 < len(self._starts) else self.size
        end = min(self.size, position + self.readahead, following)
        data = bytearray()
        fetch = Fetch(self.location, _appender(data, position), position, end)
        copied = fetch_now(self.source, fetch, self._should_stop).copied
        self.requests += 1
        self.bytes_read += copied
        if copied < end - position:
            short = end - position - copied
            raise SourceUnavailable(f"{self.location}: the answer ended {short} bytes early")
        self._hold(position, bytes(data))
        return position, self._segments[position]

    def _hold(self, start: int, data: bytes) -> None:
        bisect.insort(self._starts, start)
        self._segments[start] = data


def _appender(data: bytearray, base: int):
    """A sink that appends a body's bytes to ``data`` (they arrive in order)."""

    def sink(offset: int, view: memoryview) -> None:
        if offset - base != len(data):
            raise SourceUnavailable(f"bytes out of order: {offset} after {base + len(data)}")
        data.extend(view)

    return sink
