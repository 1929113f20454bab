"""A job's state on disk: a JSON snapshot and an append-only JSON-lines journal.

``<job>.json``
    The whole job (:class:`~._state.JobState`), as people and ``resume`` read
    it: the job's fields, then its files one a line. Rewritten only when the
    journal is compacted: when the job starts, when it ends, and when the journal
    has grown past twice the job's file count. It is written as it is made, a file
    at a time, never held whole in memory (a job of 100,000 files made a 100 MB
    string and its pieces).
``<job>.journal``
    One JSON line per change of a file: its whole state (``{"file": index,
    ...}``). The job's own fields change only when it starts and ends, which
    are compactions. Appending a line costs the
    same in a job of ten files or of twenty thousand; the lines of one flush
    interval go out in one ``write`` and, when durable, share one ``fsync``
    (group commit).

Reading replays the journal over the snapshot; each line holds a file's whole
state, so the last line for a file wins. Snapshot and journal carry a
*generation*: a journal of another generation than its snapshot is ignored
(a crash between the two steps of a compaction left it behind, and the newer
snapshot already holds what it says). A torn last line (a crash mid-append) is
ignored; a line that cannot be read before the last is
:class:`~mastwidgets.errors.StateCorrupt`, naming the file, and nothing is
deleted.

Snapshots of the first format (version 1, no journal) still load.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import StateCorrupt
from ._state import READABLE_VERSIONS, FileState, JobState, fsync_dir, now

JOURNAL_SUFFIX = ".journal"
#: The journal is compacted past this many lines, or twice the job's files if more.
COMPACT_MIN_LINES = 1024
#: Bytes of a snapshot made before they are written.
SNAPSHOT_PIECE = 1 << 20


def journal_path(state_file: Path) -> Path:
    return Path(state_file).with_suffix(JOURNAL_SUFFIX)


def load_state(state_file: str | os.PathLike) -> JobState:
    """The job as its snapshot and journal describe it.

    Raises
    ------
    StateCorrupt
        The snapshot, or a journal line before the last, cannot be read.
    """
    state_file = Path(state_file)
    job = _read_snapshot(state_file)
    journal = journal_path(state_file)
    if journal.exists():
        _replay(job, journal)
    return job


def _read_snapshot(path: Path) -> JobState:
    try:
        with open(path, encoding="utf-8") as source:
            data = json.load(source)
        if data.get("version") not in READABLE_VERSIONS:
            raise ValueError(f"unknown state version {data.get('version')!r}")
        return JobState.from_json(data)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise StateCorrupt(
            f"The job state {path} cannot be read ({error}); nothing was changed or deleted."
        ) from None


def _replay(job: JobState, journal: Path) -> None:
    _replay_lines(job, journal, journal.read_bytes(), 1)


def _replay_lines(job: JobState, journal: Path, data: bytes, first: int) -> int | None:
    """Apply the whole lines of ``data`` (line ``first`` of the journal onwards; line
    1 is its header); returns how many bytes they took (a torn line is left), or
    ``None`` for a journal of another generation than ``job`` (ignored)."""
    data = data.rstrip(b"\0")  # a crash can leave zeros past the end
    whole = data.rfind(b"\n") + 1  # after the last newline: nothing, or a torn line
    if not whole:
        return 0  # not even a whole line yet
    for number, raw in enumerate(data[: whole - 1].split(b"\n"), start=first):
        try:
            entry = json.loads(raw)
            if not isinstance(entry, dict):
                raise ValueError("not a JSON object")
            if number == 1:
                if entry.get("generation") != job.generation:
                    return None  # a journal from before the snapshot's compaction
                continue
            _apply(job, entry)
        except (ValueError, KeyError, TypeError, IndexError) as error:
            raise StateCorrupt(
                f"The job journal {journal} is corrupt at line {number} ({error}); nothing "
                "was changed or deleted. Moving that file away resumes from the last "
                "snapshot (files already on disk are checked, not downloaded again)."
            ) from None
    return whole


class StateFollower:
    """A job's state as another process writes it, read again cheaply: each
    ``read`` applies only the journal lines appended since the last one, and
    reads the whole state again only when the job has been compacted (a new
    snapshot and journal). For a page that shows a running job of 20,000 files
    every second. The :class:`JobState` returned is the follower's own, updated in
    place by the next ``read``.

    ``read`` raises ``FileNotFoundError`` when the job's state is gone, and
    :class:`~mastwidgets.errors.StateCorrupt` when it cannot be read.
    """

    def __init__(self, state_file: str | os.PathLike) -> None:
        self.path = Path(state_file)
        self.journal = journal_path(self.path)
        self._state: JobState | None = None
        self._seen: tuple | None = None  # the snapshot's and the journal's identities
        self._offset = 0  # journal bytes applied
        self._lines = 0
        self._stale = False  # the journal is of an older generation: nothing to apply

    def read(self) -> JobState:
        snapshot = os.stat(self.path)
        try:
            journal = os.stat(self.journal)
        except FileNotFoundError:
            journal = None
        seen = (
            snapshot.st_ino,
            snapshot.st_mtime_ns,
            snapshot.st_size,
            journal.st_ino if journal else None,
        )
        if self._state is None or seen != self._seen:
            self._state, self._offset, self._lines, self._stale = (
                _read_snapshot(self.path),
                0,
                0,
                False,
            )
            self._seen = seen
        if journal is None or self._stale or journal.st_size <= self._offset:
            return self._state
        with open(self.journal, "rb") as source:
            source.seek(self._offset)
            data = source.read()
        used = _replay_lines(self._state, self.journal, data, self._lines + 1)
        if used is None:
            self._stale = True  # the snapshot is newer and holds it all
        else:
            self._offset += used
            self._lines += data.count(b"\n", 0, used)
        return self._state


def _apply(job: JobState, entry: dict) -> None:
    index = int(entry["file"])
    if not 0 <= index < len(job.files):
        raise IndexError(f"file {index} of {len(job.files)}")
    job.files[index] = FileState.from_json(entry)


class StateWriter:
    """Writes one job's snapshot and journal. Not thread-safe: the engine calls it
    under its state lock. ``mark(index)`` notes a changed file; ``flush()`` appends
    the marked files' lines in one write, fsynced if ``durable``."""

    def __init__(self, state_file: str | os.PathLike, job: JobState):
        self.path = Path(state_file)
        self.journal = journal_path(self.path)
        self.job = job
        self._fd: int | None = None
        self._lines = 0
        self._marked: set[int] = set()
        self._closed = False  # the job has ended: late checkpoints write nothing
        self.bytes_written = 0  # snapshot and journal bytes, for the benchmarks

    def mark(self, index: int) -> None:
        self._marked.add(index)

    def flush(self, durable: bool) -> None:
        """Append what changed since the last flush; compact a journal grown long."""
        if self._closed:
            return
        if self._fd is None:
            self.compact()
            return
        lines = [
            json.dumps({"file": i, **self.job.files[i].to_json()}, separators=(",", ":"))
            for i in sorted(self._marked)
        ]
        self._marked.clear()
        if lines:
            payload = ("\n".join(lines) + "\n").encode()
            _write_all(self._fd, payload)
            self.bytes_written += len(payload)
            self._lines += len(lines)
        if durable:
            os.fsync(self._fd)
        if self._lines > max(COMPACT_MIN_LINES, 2 * len(self.job.files)):
            self.compact()

    def compact(self) -> None:
        """A new snapshot of the whole job, then an empty journal of its generation
        (both durable): a crash between the two leaves the newer snapshot and a
        journal it ignores."""
        if self._closed:
            return
        self.job.generation += 1  # a resumed job continues the count its snapshot had
        self.job.updated = now()
        header = json.dumps({"generation": self.job.generation, "job_id": self.job.job_id}) + "\n"
        self.bytes_written += _replace(self.path, _snapshot(self.job))
        self.bytes_written += _replace(self.journal, [header.encode()])
        fsync_dir(self.path.parent)
        self._release()
        self._fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND)
        self._lines = 0
        self._marked.clear()

    def close(self) -> None:
        """The job's last state is written: later flushes and compactions do nothing."""
        self._release()
        self._closed = True

    def _release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def save_state(state_file: str | os.PathLike, job: JobState) -> None:
    """Write the whole job as a new snapshot (and an empty journal), durably."""
    writer = StateWriter(state_file, job)
    writer.compact()
    writer.close()


def _snapshot(job: JobState) -> Iterator[bytes]:
    """The job as JSON, in pieces of about a megabyte: its fields, then one line a file."""
    fields = job.to_json(files=False)
    pieces = [json.dumps(fields)[:-1] + ', "files": [']
    size = 0
    for index, file in enumerate(job.files):
        line = ("," if index else "") + "\n" + json.dumps(file.to_json(), separators=(",", ":"))
        pieces.append(line)
        size += len(line)
        if size >= SNAPSHOT_PIECE:
            yield "".join(pieces).encode()
            pieces, size = [], 0
    pieces.append("\n]}\n")
    yield "".join(pieces).encode()


def _write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view) :]


def _replace(path: Path, pieces: Iterable[bytes]) -> int:
    """Atomically replace ``path`` with the ``pieces`` written one after another,
    fsynced; returns its size."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    written = 0
    try:
        for payload in pieces:
            _write_all(fd, payload)
            written += len(payload)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise
    return written
