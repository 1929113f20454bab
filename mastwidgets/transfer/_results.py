"""A job's configuration (:class:`TransferConfig`) and what a run of it did
(:class:`TransferResult`, a :class:`FileResult` per file)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ._retry import RetryPolicy
from ._state import DONE, FAILED, FileState, Status


@dataclass(frozen=True)
class TransferConfig:
    """Limits and timings of a job; see :func:`mastwidgets.transfer.download`."""

    parallel: int = 3  # big files at once (and connections on big files)
    chunk_size: int = 5 * 2**20
    connections: int = 16  # files of one chunk or less at once: a polite per-host cap
    #: Requests at once to S3, which takes far more than a web server (AWS: 5,500 GETs
    #: a second per prefix); a SlowDown (503) narrows the window (._hosts).
    s3_connections: int = 64
    split: bool = True
    timeout: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    flush_interval: float = 1.0
    progress_interval: float = 0.25  # also how often verified files are committed
    commit_batch: int = 256  # verified files made final (renamed, journaled) at once at most
    s3_endpoint: str | None = None


@dataclass(frozen=True, slots=True)
class FileResult:
    name: str
    path: Path
    status: Status
    size: int | None
    source: str | None
    md5: str | None
    error: str | None


class FileResults(Sequence[FileResult]):
    """A finished run's files, each :class:`FileResult` made when it is read from the
    job's states (a result of 100,000 files holds no second copy of them).

    Parameters
    ----------
    states
        The job's file states, as the run left them (nothing changes them after).
    dest_dir
        The job's folder: a file's path is its name under it.
    """

    __slots__ = ("_dest", "_states")

    def __init__(self, states: Sequence[FileState], dest_dir: Path):
        self._states, self._dest = states, Path(dest_dir)

    def __len__(self) -> int:
        return len(self._states)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        f = self._states[index]
        return FileResult(f.name, self._dest / f.name, f.status, f.size, f.source, f.md5, f.error)

    def __eq__(self, other) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # a view of states, compared by value

    def __repr__(self) -> str:
        return f"<{len(self)} FileResult(s)>"


@dataclass(frozen=True)
class TransferResult:
    """The outcome of a job run: ``status`` is done, failed, paused or cancelled."""

    job_id: str
    status: Status
    files: Sequence[FileResult]  # a FileResults, or a tuple
    bytes_transferred: int
    seconds: float
    state_file: Path
    state_bytes: int = 0  # written to the state's snapshot and journal in this run
    note: str | None = None  # why the job stopped by itself (paused: the server was down)

    @property
    def ok(self) -> bool:
        return self.status == DONE

    @property
    def failed(self) -> tuple[FileResult, ...]:
        return tuple(f for f in self.files if f.status == FAILED)
