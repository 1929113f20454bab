"""What a progress tick needs, kept up to date as files move, so that a tick
costs O(active files) in a job of twenty thousand: files per status, the files
whose bytes move, the bytes of all the others, and the job's size."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable

from ._files import RunFile
from ._state import DONE, FINISHED, FileState


class Tally:
    """Counters of a job's files. Every change of a file's status or size goes
    through :meth:`move` and :meth:`set_size`; ``read`` answers in O(live files)."""

    def __init__(self, files: Iterable[FileState]):
        self._lock = threading.Lock()
        self.recount(files)

    def recount(self, files: Iterable[FileState]) -> None:
        """Count ``files`` (states) in one pass (a job's start: after reconciling with
        the disk, which sets statuses without the tally). No file is live yet."""
        counts: Counter = Counter()
        settled = unsized = sized = 0
        for f in files:
            counts[f.status] += 1
            settled += (f.size or 0) if f.status == DONE else f.ranges.total
            unsized += f.size is None
            sized += f.size or 0
        with self._lock:
            self._counts = counts
            self._live: set[RunFile] = set()  # taken from the queue, not yet finished
            self._settled = settled  # bytes on disk of the files not live
            self._unsized, self._sized = unsized, sized

    @property
    def total(self) -> int | None:
        """The job's size, once every file's is known."""
        return None if self._unsized else self._sized

    def take(self, f: RunFile) -> None:
        """``f`` leaves the queue: its bytes are counted live from now on."""
        with self._lock:
            self._live.add(f)
            self._settled -= f.written.total

    def move(self, f: RunFile, status: str) -> None:
        """Change ``f``'s status, keeping the counts and the settled bytes true."""
        with self._lock:
            old = f.state.status
            if old == status:
                return
            self._counts[old] -= 1
            self._counts[status] += 1
            f.state.status = status
            if status in FINISHED and f in self._live:
                self._live.discard(f)
                self._settled += f.written.total

    def set_size(self, f: RunFile, size: int) -> None:
        """``f``'s size, learned from its source; the job's total follows."""
        with self._lock:
            old, f.state.size = f.state.size, size
            self._unsized -= old is None
            self._sized += size - (old or 0)

    def live(self) -> list[RunFile]:
        """The files taken from the queue and not finished (the job's only
        :class:`~._files.RunFile` objects: the others are their states alone)."""
        with self._lock:
            return list(self._live)

    def read(self) -> tuple[dict[str, int], int, int | None]:
        """Files per status, bytes on disk, and the job's size (None while unknown)."""
        with self._lock:
            live = list(self._live)
            counts = {status: n for status, n in self._counts.items() if n}
            settled = self._settled
            total = self.total
        return counts, settled + sum(f.written.total for f in live), total
