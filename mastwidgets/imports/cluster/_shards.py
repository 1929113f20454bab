"""Shards of an import and what a Dask worker does with one.

A shard is a part of an import's files with everything a worker needs to fetch
and record them: the transfer engine runs it as a job of its own (its state in
``<state_dir>/<job>.shards/``, so that a shard run again, on this worker or
another, continues from its last byte), and the worker records each verified
file in MongoDB. Progress goes to the client as Dask events (``log_event``);
pause and cancel come from it as Dask ``Event``s.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ...transfer import (
    FileSnapshot,
    FileState,
    JobSnapshot,
    Status,
    TransferSubscriber,
    state_path,
)

#: How often a worker sends its shard's progress, and looks for a pause or cancel.
TICK = 0.25


class Secret:
    """A value that never shows itself (a token, a MongoDB URI with a password): Dask
    may log a task's arguments when it fails."""

    def __init__(self, value: str | None) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "Secret(****)" if self.value else "Secret(None)"


@dataclass(frozen=True)
class Shard:
    """What one worker fetches and records."""

    index: int
    parent: str  # the import's job ID
    dest_dir: str
    state_dir: str  # the shards' folder, shared by every worker
    files: tuple[FileState, ...]  # names checked; used only when the shard starts afresh
    products: dict  # file name -> product fields (for the records)
    parallel: int
    options: dict  # further TransferConfig fields (timeout, retry, chunk_size ...)
    s3_endpoint: str | None
    headers: Secret = field(default_factory=lambda: Secret(None))
    catalog: tuple[Secret, str, str] = field(default_factory=lambda: (Secret(None), "", ""))

    @property
    def job_id(self) -> str:
        return shard_job_id(self.parent, self.index)

    @property
    def topic(self) -> str:
        return progress_topic(self.parent)


@dataclass(frozen=True)
class ShardOutcome:
    """What a worker reports when its shard's run ends."""

    index: int
    status: str
    files: tuple[tuple, ...]  # (name, status, size, source, md5, error)
    records: tuple[str, ...]
    errors: tuple[tuple[str, str], ...]
    bytes_transferred: int
    seconds: float
    worker: str = ""

    @classmethod
    def untouched(
        cls, shard: Shard, status: str, error: str | None = None, *, seconds=0.0, worker=""
    ) -> ShardOutcome:
        """A shard whose files this run did not fetch: stopped before it began, refused,
        or never heard of again; with ``error``, each file's."""
        files = tuple((f.name, status, f.size, None, None, error) for f in shard.files)
        errors = tuple((f.name, error) for f in shard.files) if error else ()
        return cls(shard.index, status, files, (), errors, 0, seconds, worker)


def shard_job_id(parent: str, index: int) -> str:
    """A shard's job ID: its state is ``<shards folder>/<this>.json``."""
    return f"{parent}.s{index:04d}"


def progress_topic(job_id: str) -> str:
    return f"mastwidgets-progress-{job_id}"


def stop_event_name(job_id: str, kind: str) -> str:
    return f"mastwidgets-{kind}-{job_id}"


def shards_folder(state_dir: str | Path, job_id: str) -> Path:
    return Path(state_dir) / f"{job_id}.shards"


def plan(sizes: list[int | None], count: int) -> list[list[int]]:
    """The files' positions split into at most ``count`` shards of about equal bytes
    (the biggest file first into the lightest shard), each shard in listed order."""
    count = max(1, min(count, len(sizes)))
    loads = [0] * count
    shards: list[list[int]] = [[] for _ in range(count)]
    order = sorted(range(len(sizes)), key=lambda i: -(sizes[i] or 0))
    for position in order:
        lightest = min(range(count), key=lambda s: (loads[s], len(shards[s])))
        shards[lightest].append(position)
        loads[lightest] += sizes[position] or 0
    return [sorted(s) for s in shards if s]


# -- on the worker --------------------------------------------------------------------------------

_catalogs: dict[tuple, object] = {}
_catalogs_lock = threading.Lock()


def _catalog(shard: Shard):
    """This worker process's MongoDB catalog for the shard (one client, reused)."""
    from ...catalog.mongo_store import MongoCatalog

    uri, database, collection = shard.catalog
    key = (uri.value, database, collection)
    with _catalogs_lock:
        if key not in _catalogs:
            _catalogs[key] = MongoCatalog(uri.value, database=database, collection=collection)
        return _catalogs[key]


class _Forwarder(TransferSubscriber):
    """Sends the shard's progress to the client every :data:`TICK`: the files whose
    status changed, and the shard's latest progress (bytes, speed, active files)."""

    def __init__(self, shard: Shard, worker) -> None:
        self.shard, self.worker = shard, worker
        self.lock = threading.Lock()
        self.changed: dict[str, tuple] = {}
        self.progress: tuple | None = None

    def on_file_status(self, *, file: FileSnapshot, **kwargs) -> None:
        with self.lock:
            self.changed[file.name] = _file_tuple(file)

    def on_progress(self, *, job: JobSnapshot, **kwargs) -> None:
        with self.lock:
            self.progress = (job.bytes_done, job.speed, [_file_tuple(f) for f in job.files])

    def send(self) -> None:
        with self.lock:
            changed, self.changed = list(self.changed.values()), {}
            progress, self.progress = self.progress, None
        if changed or progress is not None:
            message = {"shard": self.shard.index, "files": changed, "progress": progress}
            self.worker.log_event(self.shard.topic, message)


def _file_tuple(snap: FileSnapshot) -> tuple:
    """A file's snapshot as Dask's events carry it (msgpack: plain types only)."""
    return (
        snap.name,
        str(snap.status),
        snap.bytes_done,
        snap.total,
        snap.speed,
        snap.source,
        snap.error,
    )


def run_shard(shard: Shard) -> ShardOutcome:
    """Fetch and record the shard's files on this worker (a Dask task); returns when
    they are done, failed, paused or cancelled. Run again, it continues from the
    shard's state."""
    from distributed import Event, get_worker

    from ... import transfer
    from .._job import ImportJob

    began = time.monotonic()
    worker = get_worker()
    where = worker.address
    for folder in (shard.dest_dir, Path(shard.state_dir).parent):
        if not Path(folder).is_dir():
            return ShardOutcome.untouched(
                shard,
                Status.FAILED,
                f"{folder} is not visible on the Dask worker {where}: the destination and "
                "the state folder must be on a filesystem every worker shares",
                seconds=time.monotonic() - began,
                worker=where,
            )
    pause = Event(stop_event_name(shard.parent, Status.PAUSED))
    cancel = Event(stop_event_name(shard.parent, Status.CANCELLED))
    for event, status in ((cancel, Status.CANCELLED), (pause, Status.PAUSED)):
        if event.is_set():
            return ShardOutcome.untouched(
                shard, status, seconds=time.monotonic() - began, worker=where
            )
    Path(shard.state_dir).mkdir(parents=True, exist_ok=True)
    options = dict(shard.options, s3_endpoint=shard.s3_endpoint)
    headers = dict(shard.headers.value or {})
    if state_path(Path(shard.state_dir), shard.job_id).exists():  # a run before this one
        job = transfer.resume_start(
            shard.job_id, state_dir=shard.state_dir, http_headers=headers, **options
        )
    else:
        job = transfer.start(
            list(shard.files),
            shard.dest_dir,
            job_id=shard.job_id,
            state_dir=shard.state_dir,
            parallel=shard.parallel,
            http_headers=headers,
            meta={"kind": "import-shard", "parent": shard.parent},
            **options,
        )
    forwarder = _Forwarder(shard, worker)
    job = ImportJob(job, shard.products, _catalog(shard), [])
    job.subscribe(forwarder)
    stopping = False
    while job.wait(TICK) is None:
        forwarder.send()
        if not stopping and cancel.is_set():
            job.cancel()
            stopping = True
        elif not stopping and pause.is_set():
            job.pause()
            stopping = True
    forwarder.send()
    result = job.result
    files = tuple(
        (f.name, f.status, f.size, f.source, f.md5, f.error) for f in result.transfer.files
    )
    return ShardOutcome(
        shard.index,
        result.status,
        files,
        result.records,
        result.errors,
        result.transfer.bytes_transferred,
        time.monotonic() - began,
        where,
    )


__all__ = [
    "Secret",
    "Shard",
    "ShardOutcome",
    "plan",
    "progress_topic",
    "run_shard",
    "shard_job_id",
    "shards_folder",
    "stop_event_name",
]
