"""Jobs: every import in the state directory, with Resume, Pause, Cancel and its files."""

from __future__ import annotations

import html
import threading
from pathlib import Path

import ipywidgets as widgets

from .. import imports
from .._units import human_bytes
from ..imports import shown_path
from ..settings import get_settings
from ..transfer import FINISHED, JobStatusChanged
from ..transfer import Status as FileStatus
from ._background import Status, in_background
from ._progress_view import ProgressView

#: A job's statuses once its run is over.
_ENDED = FINISHED | {FileStatus.PAUSED}


class JobsPanel(widgets.VBox):
    """Lists :func:`mastwidgets.list_jobs`; jobs of this kernel can be paused or
    cancelled, the others resumed (after a kernel restart or a closed page)."""

    def __init__(self) -> None:
        self._live: dict[str, object] = {}  # job id -> ImportJob started in this kernel
        self._lock = threading.Lock()
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.status = Status()
        self.table = widgets.VBox()
        self.detail = widgets.VBox()
        self.refresh_button.on_click(lambda _: self.refresh())
        super().__init__(
            [widgets.HBox([self.refresh_button, self.status]), self.table, self.detail]
        )
        self.refresh()

    def track(self, job) -> None:
        """Remember a job of this kernel, and refresh the list when it ends."""
        with self._lock:
            self._live[job.id] = job
        job.subscribe(
            lambda event: (
                self.refresh()
                if isinstance(event, JobStatusChanged) and event.job.status in _ENDED
                else None
            )
        )
        self.refresh()

    def refresh(self) -> None:
        try:
            jobs = imports.list_jobs()
        except OSError as error:
            self.status.say(f"Cannot read the jobs folder: {error}", "error")
            return
        rows = [widgets.HTML("<b>Job</b> · created · status · files · bytes")]
        for job in jobs.to_dict("records"):
            rows.append(self._row(job))
        if len(rows) == 1:
            rows.append(widgets.HTML("<i>No imports yet.</i>"))
        self.table.children = rows

    def _row(self, job: dict) -> widgets.HBox:
        live = self._live.get(job["id"])
        status = job["status"]
        if status == "running" and live is None:  # its lock is held by another kernel
            status = "running in another page or process (bytes as last saved)"
        text = widgets.HTML(
            f'<span class="mw-job" data-status="{job["status"]}"><code>{html.escape(job["id"])}'
            f"</code> · {job['created'][:19]} · <b>{status}</b> · {job['files']} files · "
            f"{human_bytes(job['bytes_done'])} / {human_bytes(job['bytes_total'])} · "
            f"{html.escape(job['observations'][:60])}</span>"
            + (
                f'<br><small class="mw-job-note">{html.escape(job["note"])}</small>'
                if job.get("note")
                else ""
            )
        )
        buttons = []
        if job["status"] == "running" and live is not None:
            buttons += [
                self._button("Pause", "pause", lambda: live.pause()),
                self._button("Cancel", "stop", lambda: live.cancel()),
            ]
        if job["status"] in imports.RESUMABLE:
            buttons.append(self._button("Resume", "play", lambda: self.resume(job["id"])))
        buttons.append(self._button("Files", "folder-open", lambda: self.show_files(job["id"])))
        return widgets.HBox([text, *buttons])

    @staticmethod
    def _button(label: str, icon: str, action) -> widgets.Button:
        button = widgets.Button(description=label, icon=icon, layout=widgets.Layout(width="auto"))
        button.on_click(lambda _: action())
        return button

    def resume(self, job_id: str) -> None:
        self.status.say(f"Resuming {job_id}…", "busy")

        def done(job) -> None:
            self.status.say(f"Resumed {job_id}.", "ok")
            self.detail.children = (ProgressView(job),)
            self.track(job)

        in_background("resume", lambda: imports.resume(job_id), done, self.status)

    def show_files(self, job_id: str) -> None:
        settings = get_settings()
        state = imports.job_state(job_id, settings=settings)
        folder = Path(state.dest_dir)
        lines = [f"<b>{html.escape(shown_path(folder, settings))}</b>"]
        for f in state.files:
            where = folder / f.name
            mark = "✓" if f.status == FileStatus.DONE and where.exists() else f.status
            lines.append(f"{mark} <code>{html.escape(f.name)}</code> ({human_bytes(f.size)})")
        self.detail.children = (widgets.HTML("<br>".join(lines)),)
