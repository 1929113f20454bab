"""A job as the Jobs tab and ``mastwidgets jobs`` list it: its status as told from
outside, its row, its state as it is now (``_watch.py`` walks the state folder)."""

from __future__ import annotations

from enum import StrEnum

from .. import transfer
from ..settings import Settings, get_settings
from ..transfer import JobState, Status


class JobStatus(StrEnum):
    """A listed job's status: its state's, or what can be told of it from outside."""

    RUNNING = "running"  # a process holds its lock now
    INTERRUPTED = "interrupted"  # it stopped without saying so (a crash, a kill)
    PAUSED = Status.PAUSED.value
    DONE = Status.DONE.value
    FAILED = Status.FAILED.value
    CANCELLED = Status.CANCELLED.value


#: The listed statuses :func:`mastwidgets.resume` continues.
RESUMABLE = frozenset(
    {JobStatus.INTERRUPTED, JobStatus.PAUSED, JobStatus.FAILED, JobStatus.CANCELLED}
)
COLUMNS = (
    "id",
    "created",
    "observations",
    "status",
    "files",
    "bytes_done",
    "bytes_total",
    "dest_dir",
    "note",
)


def job_state(job_id: str, *, settings: Settings | None = None) -> JobState:
    """A job's stored state as it is now; for a cluster import, each file as its
    shard's state has it (the job's own file is rewritten from them when its run ends).

    Raises
    ------
    JobNotFound
    """
    settings = settings or get_settings()
    return current_state(transfer.load(job_id, settings.state_dir), settings)


def current_state(state: JobState, settings: Settings) -> JobState:
    if not state.meta.get("cluster"):
        return state
    from .cluster import whole_state

    return whole_state(state, settings.state_dir)


def job_row(state: JobState, running: bool) -> dict:
    """One job's row of :func:`~mastwidgets.list_jobs`."""
    if running:
        status = JobStatus.RUNNING
    elif state.status in transfer.FINISHED or state.status == Status.PAUSED:
        status = JobStatus(state.status.value)
    else:
        status = JobStatus.INTERRUPTED
    sizes = [f.size for f in state.files]
    return {
        "id": state.job_id,
        "created": state.created,
        "observations": ", ".join(state.meta.get("observations", [])),
        "status": status,
        "files": len(state.files),
        "bytes_done": sum(
            f.size or 0 if f.status == Status.DONE else f.ranges.total for f in state.files
        ),
        "bytes_total": None if any(s is None for s in sizes) else sum(sizes),
        "dest_dir": state.dest_dir,
        "note": None if running else state.note,  # why it stopped by itself (server down)
    }
