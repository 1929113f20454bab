"""A remote file read in place: the bytes of it held so far (:class:`HeldBytes`) and
a seekable, read-only file object over them (:class:`RemoteFile`), for readers that
seek past what they do not need (astropy's FITS reader skips each HDU's data to
reach the next header).

Nothing here waits for the network: a read beyond the bytes held raises
:class:`NeedBytes` with the range to fetch (``readahead`` bytes from where the read
starts). The one who reads fetches that range on the I/O loop, holds it, and reads
again from the start (cheap: the headers are in memory by then). So a file's
headers cost a few ranged GETs, and many files are read at once by one thread.
Nothing touches the disk.
"""

from __future__ import annotations

import bisect
import io


class NeedBytes(BaseException):
    """A read reached bytes not held: fetch ``[start, end)`` and read again.

    A ``BaseException``, so that a reader's own ``except Exception`` (astropy turns
    some errors into warnings) lets it through.
    """

    def __init__(self, start: int, end: int):
        super().__init__(start, end)
        self.start, self.end = start, end


class HeldBytes:
    """The segments of one remote file held in memory, by start."""

    def __init__(self, name: str, size: int, readahead: int):
        self.name, self.size, self.readahead = name, size, readahead
        self._starts: list[int] = []
        self._segments: dict[int, bytes] = {}

    def hold(self, start: int, data: bytes) -> None:
        if start not in self._segments:
            bisect.insort(self._starts, start)
        self._segments[start] = data

    def segment_at(self, position: int) -> tuple[int, bytes]:
        """The held segment holding ``position``; :class:`NeedBytes` if none does."""
        index = bisect.bisect_right(self._starts, position) - 1
        if index >= 0:
            start = self._starts[index]
            data = self._segments[start]
            if position < start + len(data):
                return start, data
        following = self._starts[index + 1] if index + 1 < len(self._starts) else self.size
        raise NeedBytes(position, min(self.size, position + self.readahead, following))


class RemoteFile(io.RawIOBase):
    """``open``-like access to the bytes a :class:`HeldBytes` holds."""

    def __init__(self, held: HeldBytes):
        super().__init__()
        self.held = held
        self.name = held.name  # what astropy shows in its messages
        self.size = held.size
        self._position = 0

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
            start, data = self.held.segment_at(self._position)
            skip = self._position - start
            n = min(len(view) - done, len(data) - skip)
            view[done : done + n] = data[skip : skip + n]
            done += n
            self._position += n
        return done
