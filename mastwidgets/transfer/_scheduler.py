"""Which file, and which byte range of it, the job fetches next.

Work is scheduled by chunk: at most ``parallel`` big files are open at a time
and each fetch is a ``chunk_size`` byte range of one; when fewer big files
than ``parallel`` remain, free connections take chunks of the largest open
file (as aria2c splits a download), so one big file still uses ``parallel``
connections, never more. Small files (one chunk or less: one request each,
where round trips cost more than bytes) may use up to ``connections``
connections in all, and so may the first request (one chunk) of a file whose
size is not known yet. The queue keeps the job's order.

The scheduler only hands out tasks and takes them back; the job's bookkeeping
thread starts them (:mod:`._steps`). ``workers`` of a file: its tasks under way.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from ._files import RunFile, subtract
from ._ranges import ByteRanges
from ._state import DOWNLOADING, FINISHED, VERIFYING
from ._tally import Tally

PREPARE, CHUNK, WHOLE, FINISH = "prepare", "chunk", "whole", "finish"


class Task(NamedTuple):
    """A task: ``prepare`` a file (its source and part file), fetch a
    ``chunk`` [start, end) of it, fetch it ``whole`` (no Range), or ``finish`` it."""

    kind: str
    file: RunFile
    start: int = 0
    end: int = 0


class Scheduler:
    """Hands out tasks under one condition (which also guards the files' scheduling fields).

    Parameters
    ----------
    files
        The files still to fetch, in the job's order.
    tally
        Told when a file leaves the queue and when one is ready to verify.
    parallel, connections, chunk_size, split
        As in :class:`~._engine.TransferConfig`.
    """

    def __init__(
        self,
        files: Iterable[RunFile],
        tally: Tally,
        *,
        parallel: int,
        connections: int,
        chunk_size: int,
        split: bool = True,
    ):
        self.cond = threading.Condition()
        self.pending = Pending(files)
        self.active: list[RunFile] = []
        self.parallel = max(1, parallel)
        self.slots = max(self.parallel, connections)  # tasks at once, and connections
        self.chunk_size = chunk_size
        self.split = split
        self._tally = tally

    def widen(self, slots: int) -> int:
        """At least ``slots`` tasks at once: S3 takes more than a web server."""
        with self.cond:
            self.slots = max(self.slots, slots)
            return self.slots

    def queue(self, files: Iterable[RunFile]) -> None:
        """Files to fetch, after those already queued (an iterable taken as the
        scheduler reaches it: a job's files are made when they are started)."""
        with self.cond:
            self.pending.extend(files)
            self.cond.notify_all()

    def pick(self) -> Task | None:
        """The next task, if there is one now."""
        with self.cond:
            return self._pick()

    def _pick(self) -> Task | None:
        head = self.pending.peek()
        if head is not None and self._admits(head):
            f = self.pending.pop()
            self.active.append(f)
            self._tally.take(f)
            f.preparing = True
            f.workers += 1
            return Task(PREPARE, f)
        big_workers = sum(f.workers for f in self.active if not self.small(f))
        # The files with the fewest tasks under way first, then the biggest.
        for f in sorted(self.active, key=lambda f: (f.workers, -(f.size or 0))):
            if not f.ready or f.state.status != DOWNLOADING:
                continue
            if f.claims == 0 and f.complete():
                self._tally.move(f, VERIFYING)
                f.workers += 1
                return Task(FINISH, f)
            if f.whole_mode():
                if (
                    f.claims == 0
                    and not f.whole_in_flight
                    and (self.small(f) or big_workers < self.parallel)
                ):
                    f.whole_in_flight = True
                    f.claims += 1
                    f.workers += 1
                    return Task(WHOLE, f)
                continue
            if f.workers > 0 and not self.split:
                continue  # one connection per file
            if not self.small(f) and big_workers >= self.parallel:
                continue  # big files move on `parallel` connections at most
            gaps = subtract(f.written.missing(f.size), f.claimed.intervals)
            if gaps:
                start = gaps[0][0]
                end = min(gaps[0][1], start + self.chunk_size)
                f.claimed.add(start, end)
                f.claims += 1
                f.workers += 1
                return Task(CHUNK, f, start, end)
        return None

    def small(self, f: RunFile) -> bool:
        """One chunk or less: such a file may take one of the extra connections. So
        may a file of unknown size whose server honours Range: its first request asks
        for one chunk, like a small file's (then its size is known)."""
        if f.size is None:
            return f.state.ranged
        return f.size <= self.chunk_size

    def _admits(self, f: RunFile) -> bool:
        """Whether ``f`` may open now: at most ``parallel`` big files, and small ones up
        to ``connections`` files in all."""
        if len(self.active) >= self.slots:
            return False
        return self.small(f) or sum(1 for g in self.active if not self.small(g)) < self.parallel

    def release(self, f: RunFile, start: int = 0, end: int = 0, *, claim: bool = True) -> bool:
        """A task on ``f`` is over (its range [start, end) back to the
        pool unless written); True if the file is finished and nobody writes into it,
        so that the caller closes it."""
        with self.cond:
            if claim and end > start:
                f.claimed = ByteRanges(subtract(f.claimed.intervals, [(start, end)]))
            if claim and f.claims:
                f.claims -= 1
            f.workers = max(0, f.workers - 1)
            self.cond.notify_all()
            return f.state.status in FINISHED and f.claims == 0

    def leave(self, f: RunFile) -> bool:
        """``f`` gives up its slot (finished, or verified and waiting to be committed);
        True if nobody writes into it any more."""
        with self.cond:
            if f in self.active:
                self.active.remove(f)
            self.cond.notify_all()
            return f.claims == 0

    def idle(self) -> bool:
        """Nothing queued, nothing moving."""
        with self.cond:
            return not self.active and self.pending.peek() is None


class Pending:
    """Files waiting to start, in order, taken from iterables as they are reached:
    O(1) memory for a job's queue of a hundred thousand files."""

    def __init__(self, files: Iterable[RunFile] = ()):
        self._rest: Iterator[RunFile] = iter(files)
        self._head: RunFile | None = None

    def extend(self, files: Iterable[RunFile]) -> None:
        self._rest = itertools.chain(self._rest, files)

    def peek(self) -> RunFile | None:
        """The next file (still waiting), or None."""
        if self._head is None:
            self._head = next(self._rest, None)
        return self._head

    def pop(self) -> RunFile:
        f = self.peek()
        self._head = None
        return f
