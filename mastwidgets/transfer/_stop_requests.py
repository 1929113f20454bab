"""Asking a job run by another process to pause or cancel.

The process running a job holds its lock (``_state.JobLock``) and nobody else can
reach its threads; so the request is a small file beside the job's state,
``<job>.stop``, holding ``paused`` or ``cancelled``. The running job looks for it
every progress interval (one ``open`` that fails, four times a second), stops as
its own ``pause()``/``cancel()`` would, and removes it; a job that starts removes
any request left from before (one that came after its last run had ended).
"""

from __future__ import annotations

import os
from pathlib import Path

from ._state import Status

SUFFIX = ".stop"
_KINDS = (Status.PAUSED, Status.CANCELLED)


def request_path(state_file: str | os.PathLike) -> Path:
    return Path(state_file).with_suffix(SUFFIX)


def request_stop(state_file: str | os.PathLike, status: Status) -> None:
    """Ask the job of ``state_file`` to stop with ``status`` (paused or cancelled);
    a cancel is never turned into a pause by a later pause request."""
    if status not in _KINDS:
        raise ValueError(f"a job is stopped as paused or cancelled, not {status!r}")
    path = request_path(state_file)
    if status == Status.PAUSED and requested_stop(state_file) == Status.CANCELLED:
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(status.value)
    os.replace(tmp, path)


def requested_stop(state_file: str | os.PathLike) -> Status | None:
    """The stop asked of the job, if any."""
    try:
        text = request_path(state_file).read_text().strip()
    except OSError:  # none asked (or none readable: the job runs on)
        return None
    return Status(text) if text in _KINDS else None


def clear_stop_request(state_file: str | os.PathLike) -> None:
    request_path(state_file).unlink(missing_ok=True)
