"""The jobs as a page that refreshes every second sees them: :func:`~mastwidgets.list_jobs`'s
rows with the speed and time left of every running job, whichever process runs it.

A running job's bytes are read from its state (what its process last saved, about
once a second) by a :class:`~mastwidgets.transfer.StateFollower`, which reads only
what was appended since the last look: a tick costs the same for a job of three
files or twenty thousand. A speed is the bytes saved over the last
:data:`WINDOW` seconds (at least :data:`MIN_SPAN`): a state saved in steps (a
slow file's bytes arrive a buffer at a time) does not make it leap.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import transfer
from ..errors import StateCorrupt
from ..settings import Settings, get_settings
from ..transfer import StateFollower, Status, eta
from ._listing import COLUMNS, JobStatus, current_state, job_row
from .data_root import DataRoot

log = logging.getLogger(__name__)

#: Seconds of saved bytes a speed is measured over; none is given before MIN_SPAN.
WINDOW = 10.0
MIN_SPAN = 2.0


@dataclass(frozen=True)
class JobProgress:
    """One job as the Jobs tab shows it."""

    id: str
    created: str
    observations: str
    kind: str  # "import", or "catalog" (headers read in place)
    status: JobStatus
    files: int
    files_done: int
    files_failed: int
    bytes_done: int
    bytes_total: int | None
    speed: float  # bytes a second, 0 unless running
    eta: float | None  # seconds left, while running at a known speed
    dest_dir: str
    note: str | None
    #: A program import's mission, program, levels and layout (``import_program``), else None.
    program: dict | None = None

    @property
    def fraction(self) -> float | None:
        """How much is done, 0 to 1: by bytes, or by files where sizes are unknown."""
        if self.bytes_total:
            return min(1.0, self.bytes_done / self.bytes_total)
        if self.files:
            return (self.files_done + self.files_failed) / self.files
        return None


class JobWatch:
    """``poll()`` -> the jobs in the state folder, newest first, as
    :class:`JobProgress` (on a hosted page, only those inside the data root)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self._followers: dict[Path, StateFollower] = {}
        self._samples: dict[str, deque[tuple[float, int]]] = {}  # (when, bytes saved)

    def poll(self) -> list[JobProgress]:
        root = DataRoot(self.settings.data_root) if self.settings.data_root is not None else None
        now = time.monotonic()
        jobs = []
        paths = sorted(Path(self.settings.state_dir).glob("*.json"))
        for path in set(self._followers) - set(paths):  # removed since
            del self._followers[path]
        for path in paths:
            follower = self._followers.setdefault(path, StateFollower(path))
            try:
                state = follower.read()
            except FileNotFoundError:
                continue  # removed while we looked
            except (OSError, ValueError, KeyError, StateCorrupt) as error:
                log.warning("skipping unreadable job state %s: %s", path.name, error)
                continue
            if root is not None and not root.contains(state.dest_dir):
                continue
            running = transfer.is_running(path)
            jobs.append(self._progress(current_state(state, self.settings), running, now))
        jobs.sort(key=lambda job: job.created, reverse=True)
        return jobs

    def _progress(self, state, running: bool, now: float) -> JobProgress:
        row = job_row(state, running)
        files = state.files
        done = sum(1 for f in files if f.status == Status.DONE)
        failed = sum(1 for f in files if f.status == Status.FAILED)
        speed, left = 0.0, None
        if running:
            samples = self._samples.setdefault(row["id"], deque())
            samples.append((now, row["bytes_done"]))
            while len(samples) > 2 and now - samples[1][0] >= WINDOW:
                samples.popleft()
            then, before = samples[0]
            if now - then >= MIN_SPAN:
                speed = max(0, row["bytes_done"] - before) / (now - then)
            if row["bytes_total"] is not None:
                left = eta(row["bytes_total"] - row["bytes_done"], speed)
        else:
            self._samples.pop(row["id"], None)
        return JobProgress(
            id=row["id"],
            created=row["created"],
            observations=row["observations"],
            kind=state.meta.get("kind", "import"),
            status=row["status"],
            files=row["files"],
            files_done=done,
            files_failed=failed,
            bytes_done=row["bytes_done"],
            bytes_total=row["bytes_total"],
            speed=speed,
            eta=left,
            dest_dir=row["dest_dir"],
            note=row["note"],
            program=state.meta.get("program"),
        )


def list_jobs(*, settings: Settings | None = None) -> pd.DataFrame:
    """The jobs in the state directory, newest first; with a data root, only the
    jobs that write inside it.

    Columns: ``id``, ``created``, ``observations``, ``status`` (a
    :class:`~mastwidgets.imports.JobStatus`: running, interrupted, paused, done, failed,
    cancelled), ``files``, ``bytes_done``, ``bytes_total``, ``dest_dir``.
    """
    jobs = JobWatch(settings).poll()  # one look: every job's state read whole
    return pd.DataFrame([{c: getattr(job, c) for c in COLUMNS} for job in jobs], columns=COLUMNS)
