"""The job's JSON state file: what to fetch, from where, and which bytes are on disk.

Stored as a snapshot and a journal (see ``_journal.py``). Two sets of byte
ranges per file:

- ``ranges``: bytes written to the part file (``pwrite`` done) before the state
  was written; journaled after every chunk, so a killed process loses at most
  the chunks in flight. They survive a process kill (the kernel holds them),
  not necessarily a power cut.
- ``durable``: bytes also flushed to the disk (``fdatasync``) before the state
  was written and fsynced; checkpointed every second.

The state records the boot it was written in; a resume in another boot (after
a power cut or a reboot) trusts only ``durable``. So the state never claims
bytes that are not on disk. It holds no credentials: URLs with a user name or
password are refused.
"""

from __future__ import annotations

import fcntl
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from .._checksums import Digests
from ..errors import JobNotFound, JobRunning, quoted
from ._ranges import ByteRanges

STATE_VERSION = 2  # 2: a snapshot with a journal beside it (see _journal.py)
READABLE_VERSIONS = (1, 2)


class Status(StrEnum):
    """A file's or a job's status, in the order a file goes through them.

    A ``str``: ``Status.DONE == "done"``, and it is written to state files and JSON
    as the plain word, so state files of every version read the same.
    """

    QUEUED = "queued"
    DOWNLOADING = "downloading"
    VERIFYING = "verifying"
    DONE = "done"
    FAILED = "failed"
    PAUSED = "paused"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        """Done, failed or cancelled: a run of the job will not change it."""
        return self in FINISHED


QUEUED, DOWNLOADING, VERIFYING, DONE = (
    Status.QUEUED,
    Status.DOWNLOADING,
    Status.VERIFYING,
    Status.DONE,
)
FAILED, PAUSED, CANCELLED = Status.FAILED, Status.PAUSED, Status.CANCELLED
FINISHED = frozenset({DONE, FAILED, CANCELLED})


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class FileState:
    """One file of a job, as stored between runs."""

    name: str  # destination, relative to the job's folder
    s3: str | None = None
    http: str | None = None
    size: int | None = None
    size_given: bool = False  # the caller stated the size: servers must agree
    md5: str | None = None
    etag: str | None = None
    sha256: str | None = None  # found when the file was read to check its MD5
    ranges: ByteRanges = field(default_factory=ByteRanges)
    durable: ByteRanges = field(default_factory=ByteRanges)
    status: Status = QUEUED
    source: str | None = None  # the source in use, then the one that finished it
    s3_failed: str | None = None  # why S3 was given up for this file, if it was
    ranged: bool = True  # False: the HTTP server ignores Range
    error: str | None = None
    verify_failures: int = 0

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "sources": {"s3": self.s3, "http": self.http},
            "size": self.size,
            "md5": self.md5,
            "etag": self.etag,
            "sha256": self.sha256,
            "ranges": self.ranges.to_json(),
            "durable": self.durable.to_json(),
            "status": self.status,
            "source": self.source,
            "s3_failed": self.s3_failed,
            "ranged": self.ranged,
            "error": self.error,
            "verify_failures": self.verify_failures,
        }

    def locations(self) -> list[tuple[str, str]]:
        """Where the file may still come from, preferred first: (source name, location)
        pairs, the sources given up left out (S3 first: MAST's cloud copy)."""
        found = [] if self.s3 is None or self.s3_failed else [("s3", self.s3)]
        return found + ([("http", self.http)] if self.http else [])

    def other_sources(self, source: str | None) -> list[str]:
        """The sources left for this file besides ``source``."""
        return [name for name, _ in self.locations() if name != source]

    def give_up(self, source: str, why: str) -> bool:
        """Stop using ``source`` for this file; True if another one remains (then it
        becomes the file's source)."""
        if source == "s3":
            self.s3_failed = why  # kept in the state: a resumed job does not try it again
        rest = self.other_sources(source)
        if rest:
            self.source = rest[0]
        return bool(rest)

    def verified_digests(self) -> Digests | None:
        """The finished file's MD5 and SHA-256, if the transfer read it to check its MD5
        (then nobody needs to read it again for them)."""
        if self.status == DONE and self.md5 and self.sha256:
            return Digests(self.md5, self.sha256)
        return None

    @classmethod
    def from_json(cls, data: dict) -> FileState:
        sources = data.get("sources") or {}
        return cls(
            name=data["name"],
            s3=sources.get("s3"),
            http=sources.get("http"),
            size=data.get("size"),
            md5=data.get("md5"),
            etag=data.get("etag"),
            sha256=data.get("sha256"),
            ranges=ByteRanges(data.get("ranges") or []),
            durable=ByteRanges(data.get("durable") or []),
            status=Status(data.get("status", QUEUED)),
            source=data.get("source"),
            s3_failed=data.get("s3_failed"),
            ranged=data.get("ranged", True),
            error=data.get("error"),
            verify_failures=int(data.get("verify_failures") or 0),
        )


@dataclass
class JobState:
    """A whole job, as stored between runs."""

    job_id: str
    dest_dir: str
    files: list[FileState]
    parallel: int
    chunk_size: int
    status: Status = QUEUED
    created: str = field(default_factory=now)
    updated: str = field(default_factory=now)
    meta: dict = field(default_factory=dict)  # the caller's own JSON-safe notes
    boot_id: str | None = None  # the boot the ranges were written in
    generation: int = 0  # the snapshot's compaction count (see _journal.py)
    note: str | None = None  # why the job stopped by itself (e.g. the server was down)

    def to_json(self, files: bool = True) -> dict:
        """The job as JSON-safe data (``files=False``: without its files)."""
        found = {
            "version": STATE_VERSION,
            "job_id": self.job_id,
            "status": self.status,
            "created": self.created,
            "updated": self.updated,
            "dest_dir": self.dest_dir,
            "parallel": self.parallel,
            "chunk_size": self.chunk_size,
            "meta": self.meta,
            "boot_id": self.boot_id,
            "generation": self.generation,
            "note": self.note,
        }
        if files:
            found["files"] = [f.to_json() for f in self.files]
        return found

    @classmethod
    def from_json(cls, data: dict) -> JobState:
        return cls(
            job_id=data["job_id"],
            dest_dir=data["dest_dir"],
            files=[FileState.from_json(f) for f in data["files"]],
            parallel=int(data["parallel"]),
            chunk_size=int(data["chunk_size"]),
            status=Status(data.get("status", QUEUED)),
            created=data.get("created", now()),
            updated=data.get("updated", now()),
            meta=data.get("meta") or {},
            boot_id=data.get("boot_id"),
            generation=int(data.get("generation") or 0),
            note=data.get("note"),
        )


_JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


def state_path(state_dir: Path, job_id: str) -> Path:
    """The job's state file; a job ID that is not a plain name is refused."""
    if not isinstance(job_id, str) or not _JOB_ID.fullmatch(job_id):
        raise JobNotFound(
            f"{quoted(job_id)} is not a job ID (letters, digits, '.', '_' and '-' only)."
        )
    return Path(state_dir) / f"{job_id}.json"


def boot_id() -> str | None:
    """This boot's identity (Linux); ``None`` where unknown."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class JobLock:
    """A job's lock, held by the process running it: a ``.lock`` file beside its state
    file, locked with ``flock`` (the kernel releases it if the process dies).

    Raises
    ------
    JobRunning
        Another process holds it.
    """

    def __init__(self, state_file: str | os.PathLike, job_id: str) -> None:
        path = lock_path(state_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise JobRunning(f"Job {job_id} is already running in another process.") from None
        self._fd: int | None = fd

    def release(self) -> None:
        """Let another process run the job (a second call does nothing)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    @staticmethod
    def held(state_file: str | os.PathLike) -> bool:
        """Whether some process holds the job's lock (is running it) right now."""
        path = lock_path(state_file)
        if not path.exists():
            return False
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        finally:
            os.close(fd)


def lock_path(state_file: str | os.PathLike) -> Path:
    return Path(state_file).with_suffix(".lock")
