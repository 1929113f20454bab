"""When bytes and files become durable, and what the job's state says of them.

Two rules keep a crash from ever losing a byte the state claims:

* **Checkpoints**: ranges are read *before* the part file is flushed, and
  written to the journal *after* it. After a chunk, the file's ranges are
  journaled without a flush (a ``kill -9`` loses only the chunks in flight);
  every flush interval, the open part files are flushed (``fdatasync``) and
  their ranges journaled as durable (what a power cut keeps).
* **Group commit**: a verified file's part file is closed (a file waiting for
  its commit holds no descriptor) and waits for the next commit, which makes a
  group final together: its bytes flushed to the disk at once (one ``syncfs`` of
  the folders' file system, instead of an ``fdatasync`` per file: measured in
  ``benchmarks/transports.py``, the per-file flush is what an event loop's
  bookkeeping thread waits on most), the renames, one fsync per folder, then one
  durable journal write saying they are done. Only then is a file reported done
  (and recorded in the catalog); a crash in between leaves renamed files that
  resume finds verified on disk.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from ._files import RunFile
from ._journal import StateWriter
from ._ranges import ByteRanges
from ._state import CANCELLED, DONE, fsync_dir


class Durability:
    """The journal's writer, the open part files and the files waiting to be committed.

    Parameters
    ----------
    store
        The job's :class:`~._journal.StateWriter`.
    batch
        Files committed at once at most (each holds an open descriptor until then).
    """

    def __init__(self, store: StateWriter, *, batch: int):
        self.store = store
        self.batch = batch
        self.lock = threading.RLock()  # journal writes and part file closes
        self._open: set[RunFile] = set()  # files whose ranges move
        self._queue: list[tuple[RunFile, str | None]] = []  # (file, why it cannot be made final)
        self._queue_lock = threading.Lock()
        self._commit_lock = threading.Lock()  # one commit at a time

    @property
    def bytes_written(self) -> int:
        return self.store.bytes_written

    def save(self) -> None:
        """The whole state now, as a new snapshot (job start), durable."""
        with self.lock:
            self.store.compact()

    def opened(self, f: RunFile) -> None:
        with self.lock:
            self._open.add(f)

    def checkpoint(self, durable: bool) -> None:
        """Journal the bytes written so far; with ``durable``, flush them first."""
        with self.lock:
            for f in list(self._open):  # only open files' ranges move: O(connections)
                if f.state.status == DONE or f.fd is None:
                    continue
                with f.lock:
                    held = ByteRanges(f.written.intervals)
                if durable:
                    os.fdatasync(f.fd)
                    f.state.durable = ByteRanges(held.intervals)
                f.state.ranges = held
                self.store.mark(f.index)
            self.store.flush(durable)

    def checkpoint_file(self, f: RunFile) -> None:
        """After a chunk: ``f``'s written ranges, journaled (not flushed to disk)."""
        with self.lock:
            if f.fd is not None:
                self._mark(f)
                self.store.flush(durable=False)

    def forget_bytes(self, f: RunFile) -> None:
        """``f`` starts again from byte 0: the state lets go of its bytes (durably)
        before they go."""
        with self.lock:
            with f.lock:
                f.written = ByteRanges()
            f.state.ranges, f.state.durable = ByteRanges(), ByteRanges()
            self.store.mark(f.index)
            self.store.flush(durable=True)

    def close(self, f: RunFile) -> None:
        """Close ``f``'s part file, journaling its ranges (checkpoints skip closed files)."""
        with self.lock:
            if f.fd is not None:
                self._mark(f)
                os.close(f.fd)
                f.fd = None
            self._open.discard(f)

    def _mark(self, f: RunFile) -> None:
        if f.state.status in (DONE, CANCELLED):
            return
        with f.lock:
            f.state.ranges = ByteRanges(f.written.intervals)
        self.store.mark(f.index)

    # -- group commit ---------------------------------------------------------------------------
    def enqueue(self, f: RunFile) -> bool:
        """``f`` is verified: its part file is closed now; it waits for the next
        commit, which flushes its bytes. True when a batch is full (then commit now)."""
        problem = None
        with self.lock:
            self._open.discard(f)  # complete: checkpoints have nothing more to record
            os.close(f.fd)  # its ranges are journaled by the commit
            f.fd = None
        with self._queue_lock:
            self._queue.append((f, problem))
            return len(self._queue) >= self.batch

    def commit(
        self, mark_done: Callable[[RunFile], None]
    ) -> tuple[list[RunFile], list[tuple[RunFile, str]]]:
        """Make the queued files final (see the module's docstring); ``mark_done(f)``
        sets each one's status before the journal write. Returns the files made done
        and the files that could not be finished, with why."""
        with self._commit_lock:
            with self._queue_lock:
                batch, self._queue = self._queue, []
            if not batch:
                return [], []
            renamed, failed, folders = [], [], {}
            problems = flush_files([f.part for f, problem in batch if problem is None])
            batch = [(f, problem or problems.get(f.part)) for f, problem in batch]
            for f, problem in batch:
                if problem is not None:
                    failed.append((f, problem))
                    continue
                try:
                    os.replace(f.part, f.target)
                except OSError as error:
                    failed.append((f, f"could not finish the file: {error}"))
                    continue
                renamed.append(f)
                folders[f.target.parent] = True
            for folder in folders:
                fsync_dir(folder)
            with self.lock:
                for f in renamed:
                    self.close(f)
                    f.state.ranges = (
                        ByteRanges([(0, f.state.size)]) if f.state.size else ByteRanges()
                    )
                    mark_done(f)
                    self.store.mark(f.index)
                self.store.flush(durable=True)
            return renamed, failed

    def finish(self) -> None:
        """The job ends: every part file closed, a final snapshot, the journal emptied."""
        with self.lock:
            for f in list(self._open):
                self.close(f)
            self.store.compact()
            self.store.close()


def flush_files(paths: list) -> dict:
    """The closed files at ``paths`` flushed to the disk: one ``syncfs`` per file
    system (Linux), else an ``fsync`` each. Returns why, for those that failed."""
    problems = {}
    systems = {}
    for folder in {path.parent for path in paths}:  # a stat a folder, not a file
        try:
            systems.setdefault(os.stat(folder).st_dev, folder)
        except OSError as error:
            problems.update(
                (path, f"could not finish the file: {error}")
                for path in paths
                if path.parent == folder
            )
    if _syncfs is not None:
        for folder in systems.values():
            fd = os.open(folder, os.O_RDONLY)
            try:
                if _syncfs(fd) == 0:
                    continue
            finally:
                os.close(fd)
            break  # syncfs failed: flush each file instead
        else:
            return problems
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as error:
            problems[path] = f"could not finish the file: {error}"
    return problems


def _libc_syncfs():
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):  # not Linux
        return None


_syncfs = _libc_syncfs()
