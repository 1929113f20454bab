"""A job's configuration (:class:`TransferConfig`) and what a run of it did
(:class:`TransferResult`, a :class:`FileResult` per file)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ._retry import RetryPolicy
from ._state import DONE, FAILED, Status


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


@dataclass(frozen=True)
class TransferResult:
    """The outcome of a job run: ``status`` is done, failed, paused or cancelled."""

    job_id: str
    status: Status
    files: tuple[FileResult, ...]
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
