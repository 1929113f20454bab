"""Per-file and total progress bars for a job, fed by its events.

Widgets are only touched on the job's reporter thread (``progress`` and
``job_status`` events, four times a second) and, once, by the thread that makes
the view (one at a time), never on the threads that move bytes; at most
``MAX_ROWS`` file rows are shown (active files first, then the most recent), the
rest are summarised. A tick costs the same for three files or twenty thousand:
progress events carry only the active files and the counts, and the view keeps
only the last ``MAX_ROWS`` finished files (told by ``file_status`` events).
"""

from __future__ import annotations

import html
import threading
from collections import OrderedDict

import ipywidgets as widgets

from .._units import human_bytes
from ..transfer import FileSnapshot, FileStatusChanged, JobSnapshot, Status, TransferEvent

MAX_ROWS = 12
_ACTIVE = (Status.DOWNLOADING, Status.VERIFYING)
_RUNNING = (Status.QUEUED, *_ACTIVE)
_OVER = (Status.DONE, Status.FAILED)
_STYLE = {
    Status.DONE: "success",
    Status.FAILED: "danger",
    Status.PAUSED: "warning",
    Status.CANCELLED: "warning",
}


def eta_text(seconds: float | None) -> str:
    """'0m06s', '1h02m', or '–' where unknown."""
    if seconds is None:
        return "–"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def describe(snap: FileSnapshot | JobSnapshot) -> str:
    """'12.3 MB / 40.0 MB · 5.1 MB/s · ETA 0m06s'."""
    parts = [f"{human_bytes(snap.bytes_done)} / {human_bytes(snap.total)}"]
    if snap.speed:
        parts.append(f"{human_bytes(snap.speed)}/s")
    if snap.status in _RUNNING:
        parts.append(f"ETA {eta_text(snap.eta)}")
    return " · ".join(parts)


def total_fraction(snap: JobSnapshot) -> float:
    """How far a job is, 0 to 1: by bytes, or by files over when sizes are not known
    (headers read in place: the files catalogued)."""
    if snap.total:
        return snap.bytes_done / snap.total
    over = snap.files_done + snap.files_failed
    return over / snap.file_count if snap.file_count else 0.0


class _FileRow(widgets.HBox):
    def __init__(self) -> None:
        self.name = widgets.HTML(layout=widgets.Layout(width="38%"))
        self.bar = widgets.FloatProgress(min=0, max=1, layout=widgets.Layout(width="25%"))
        self.text = widgets.HTML(layout=widgets.Layout(width="37%"))
        super().__init__([self.name, self.bar, self.text])
        self.add_class("mw-file-row")

    def show(self, snap: FileSnapshot) -> None:
        self.name.value = f"<code>{html.escape(snap.name.rsplit('/', 1)[-1])}</code>"
        self.bar.value = snap.fraction or 0.0
        self.bar.bar_style = _STYLE.get(snap.status, "info")
        via = f" via {snap.source}" if snap.source else ""
        error = f" — {html.escape(snap.error)}" if snap.error else ""
        self.text.value = (
            f'<span class="mw-file-status" data-status="{snap.status}">'
            f"{snap.status}{via}</span> · {describe(snap)}{error}"
        )


class ProgressView(widgets.VBox):
    """Shows one job: a total bar, the active and recent files, a summary line."""

    def __init__(self, job) -> None:
        self.job = job
        self.title = widgets.HTML()
        self.total = widgets.FloatProgress(min=0, max=1, layout=widgets.Layout(width="60%"))
        self.total_text = widgets.HTML()
        self.rows = widgets.VBox()
        self.more = widgets.HTML()
        # The latest finished files, oldest first (at most MAX_ROWS), from file_status
        # events, which come from the threads that finish files: hence the lock.
        self._finished: OrderedDict[str, FileSnapshot] = OrderedDict()
        self._finished_lock = threading.Lock()
        # The view is drawn by the thread that makes it and by the job's reporter
        # thread: one at a time (ipywidgets' state syncing is not thread-safe).
        self._render_lock = threading.RLock()
        super().__init__(
            [self.title, widgets.HBox([self.total, self.total_text]), self.rows, self.more]
        )
        self.add_class("mw-progress")
        self.render(job.snapshot())
        job.subscribe(self._event)
        if job.done:
            self.render(job.snapshot())

    def _event(self, event: TransferEvent) -> None:
        if isinstance(event, FileStatusChanged):
            if event.file.status in _OVER:
                self._remember(event.file)
        elif event.job is not None:  # progress, or the job's status
            self.render(event.job)

    def _remember(self, snap: FileSnapshot) -> None:
        with self._finished_lock:
            self._finished[snap.name] = snap
            self._finished.move_to_end(snap.name)
            while len(self._finished) > MAX_ROWS:
                self._finished.popitem(last=False)

    def render(self, snap: JobSnapshot) -> None:
        with self._render_lock:
            self._render(snap)

    def _render(self, snap: JobSnapshot) -> None:
        # The files first, the job's status last: the page applies the updates in the
        # order they are sent, and a job shown "done" must never sit above a file row
        # still shown "downloading" (a browser test once read the rows in between).
        if not snap.partial and not self._finished:  # a job seen first part-way through
            for f in snap.files:
                if f.status in _OVER:
                    self._remember(f)
        active = [f for f in snap.files if f.status in _ACTIVE]
        with self._finished_lock:
            finished = list(self._finished.values())
        moving = {f.name for f in active}
        recent = [f for f in reversed(finished) if f.name not in moving]
        shown = (active + recent)[:MAX_ROWS]
        while len(self.rows.children) < len(shown):
            self.rows.children = (*self.rows.children, _FileRow())
        for row, f in zip(self.rows.children, shown, strict=False):
            row.show(f)
        self.rows.children = self.rows.children[: len(shown)]
        summary = ", ".join(f"{n} {status}" for status, n in sorted(snap.counts.items()) if n > 0)
        hidden = snap.file_count - len(shown)
        self.more.value = (
            f"<small>{snap.file_count} files: {summary}"
            f"{f' ({hidden} not shown)' if hidden else ''}</small>"
        )
        self.total.value = total_fraction(snap)
        self.total.bar_style = _STYLE.get(snap.status, "info")
        self.total_text.value = describe(snap)
        transfer = getattr(self.job, "transfer", self.job)  # an import, or a transfer job
        note = getattr(getattr(transfer, "state", None), "note", None)
        why = (
            f' <span class="mw-job-note">{html.escape(note)}</span>'
            if note and snap.status == "paused"
            else ""
        )
        what = "Headers" if getattr(self.job, "kind", "import") == "catalog" else "Import"
        self.title.value = (
            f"<b>{what} {html.escape(snap.job_id)}</b> — "
            f'<span class="mw-job-status">{snap.status}</span>{why}'
        )


class JobLine(widgets.HBox):
    """One line for a job: its name and status, its total bar, bytes, speed and ETA
    (for the action bar, always in view while the files' bars are a scroll away)."""

    def __init__(self, job) -> None:
        self.job = job
        self.title = widgets.HTML()
        self.bar = widgets.FloatProgress(min=0, max=1, layout=widgets.Layout(width="200px"))
        self.text = widgets.HTML()
        self._lock = threading.Lock()
        super().__init__(
            [self.title, self.bar, self.text], layout=widgets.Layout(align_items="center")
        )
        self.add_class("mw-job-line")
        self.render(job.snapshot())
        job.subscribe(self._event)
        if job.done:
            self.render(job.snapshot())

    def _event(self, event: TransferEvent) -> None:
        if not isinstance(event, FileStatusChanged) and event.job is not None:
            self.render(event.job)

    def render(self, snap: JobSnapshot) -> None:
        with self._lock:
            self.bar.value = total_fraction(snap)
            self.bar.bar_style = _STYLE.get(snap.status, "info")
            self.text.value = f"{describe(snap)} · {snap.files_done:,} of {snap.file_count:,} files"
            self.title.value = (
                f"<code>{html.escape(snap.job_id)}</code> "
                f'<b class="mw-job-line-status">{snap.status}</b>&nbsp;'
            )
