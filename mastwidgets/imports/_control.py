"""Pausing, cancelling and removing a job from any process: the Jobs tab of
another page, a script, ``mastwidgets pause ID``.

The process that runs a job is the only one that can stop it; another asks it to,
with a stop request beside the job's state (:mod:`mastwidgets.transfer`'s
``request_stop``), which the running job reads within a quarter of a second.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from .. import transfer
from ..errors import JobNotFound, JobRunning
from ..settings import Settings, get_settings
from ..transfer import JobLock, Status, state_path
from .data_root import DataRoot

#: The files a job keeps beside its ``<id>.json`` (and its ``.lock``) in the state folder.
_BESIDE = (".journal", ".stop")


def pause(job_id: str, *, wait: float = 0.0, settings: Settings | None = None) -> bool:
    """Ask a running job (of any process) to pause, keeping every byte for
    :func:`~mastwidgets.resume`; returns whether it was running.

    The job stops within about a second; with ``wait`` (seconds) this waits that
    long at most for it to have stopped.

    Raises
    ------
    JobNotFound
        No such job (on a hosted page: none inside the data root).
    """
    return _stop(job_id, Status.PAUSED, wait, settings or get_settings())


def cancel(job_id: str, *, wait: float = 0.0, settings: Settings | None = None) -> bool:
    """Ask a running job (of any process) to cancel: its unfinished ``.part`` files
    are removed, its finished files stay; returns whether it was running.

    Raises
    ------
    JobNotFound
    """
    return _stop(job_id, Status.CANCELLED, wait, settings or get_settings())


def remove_job(job_id: str, *, settings: Settings | None = None) -> None:
    """Take a job that is not running off the list: its state (and a cluster
    import's shards' states) is deleted. The files it imported and their catalog
    records stay; ``.part`` files of an unfinished job stay too, and are not
    resumable any more.

    Raises
    ------
    JobNotFound
    JobRunning
        It is running (pause or cancel it first).
    """
    settings = settings or get_settings()
    path = _state_file(job_id, settings)
    try:
        lock = JobLock(path, job_id)
    except JobRunning:
        raise JobRunning(
            f"Job {job_id} is running; pause or cancel it before removing it."
        ) from None
    try:
        shutil.rmtree(path.with_suffix(".shards"), ignore_errors=True)
        for suffix in _BESIDE:
            path.with_suffix(suffix).unlink(missing_ok=True)
        path.unlink()  # last: until then, the job is still listed (and resumable)
    finally:
        lock.release()
        path.with_suffix(".lock").unlink(missing_ok=True)


def _stop(job_id: str, status: Status, wait: float, settings: Settings) -> bool:
    path = _state_file(job_id, settings)
    if not transfer.is_running(path):
        return False
    transfer.request_stop(path, status)
    deadline = time.monotonic() + wait
    while transfer.is_running(path) and time.monotonic() < deadline:
        time.sleep(0.05)  # the running process lets the lock go as its last step
    return True


def _state_file(job_id: str, settings: Settings) -> Path:
    """The job's state file; a job outside a hosted page's data root is not found."""
    path = state_path(Path(settings.state_dir), job_id)  # JobNotFound for a non-ID
    if not path.exists():
        raise JobNotFound(f"No job {job_id!r}.")
    if settings.data_root is not None:
        state = transfer.load(job_id, settings.state_dir)
        if not DataRoot(settings.data_root).contains(state.dest_dir):
            raise JobNotFound(f"No job {job_id!r}.")
    return path
