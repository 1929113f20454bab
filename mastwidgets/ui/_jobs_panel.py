"""Jobs: every import in the state folder, each with its bar, speed and time left while
it runs (whichever page or process runs it), Pause, Cancel, Resume, Remove, its files,
and its records in the Catalog tab."""

from __future__ import annotations

import html
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets

from .. import imports
from .._units import human_bytes
from ..errors import MastWidgetsError
from ..imports import JobProgress, JobStatus, JobWatch, shown_path
from ..settings import get_settings
from ..transfer import FINISHED, JobStatusChanged
from ..transfer import Status as FileStatus
from ._background import Status, in_background
from ._progress_view import ProgressView, eta_text

#: A job's statuses once its run is over.
_ENDED = FINISHED | {FileStatus.PAUSED}
#: How often the list is read again while a job runs (the state is saved about as often).
TICK = 1.0
#: Jobs listed, newest first; older ones are counted.
MAX_SHOWN = 50
_STYLE = {"done": "success", "failed": "danger", "cancelled": "warning", "paused": "warning",
          "interrupted": "warning"}  # fmt: skip
_FINISHED = {JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED}

log = logging.getLogger(__name__)


class _JobRow(widgets.HBox):
    """One job: what it is, its bar and numbers, and what can be done to it now."""

    def __init__(self, panel: JobsPanel) -> None:
        self.panel = panel
        self.title = widgets.HTML()
        self.bar = widgets.FloatProgress(min=0, max=1, layout=widgets.Layout(width="220px"))
        self.numbers = widgets.HTML()
        self.buttons = widgets.HBox()
        self._shown: tuple | None = None  # what the buttons were made for
        info = widgets.VBox(
            [self.title, widgets.HBox([self.bar, self.numbers])],
            layout=widgets.Layout(flex="1 1 auto"),
        )
        super().__init__([info, self.buttons], layout=widgets.Layout(align_items="center"))
        self.add_class("mw-job-row")

    def show(self, job: JobProgress, here: bool) -> None:
        status = job.status
        shown_status = status.value
        if status == JobStatus.RUNNING and not here:
            shown_status = "running in another page or process"
        what = "Headers of" if job.kind == "catalog" else "Import of"
        self.title.value = (
            f'<span class="mw-job" data-status="{status.value}">{what} '
            f"<b>{html.escape(job.observations[:80] or '–')}</b> · "
            f"<code>{html.escape(job.id)}</code> · {html.escape(job.created[:16])}"
            + (
                f'<br><small class="mw-job-note">{html.escape(job.note)}</small>'
                if job.note
                else ""
            )
            + "</span>"
        )
        fraction = job.fraction
        self.bar.value = fraction or 0.0
        self.bar.bar_style = _STYLE.get(status.value, "info")
        over = job.files_done + job.files_failed
        parts = [f'<b class="mw-job-state">{html.escape(shown_status)}</b>']
        if job.bytes_total is not None:
            parts.append(f"{human_bytes(job.bytes_done)} / {human_bytes(job.bytes_total)}")
        if status == JobStatus.RUNNING:
            parts.append(f"{human_bytes(job.speed)}/s" if job.speed else "starting…")
            parts.append(f"ETA {eta_text(job.eta)}")
        parts.append(f"{over:,} of {job.files:,} files")
        if job.files_failed:
            parts.append(f"{job.files_failed:,} failed")
        self.numbers.value = f'<span class="mw-job-progress">{" · ".join(parts)}</span>'
        if self._shown != (status, here):
            self._shown = (status, here)
            self.buttons.children = self.panel.buttons_for(job)


class JobsPanel(widgets.VBox):
    """Lists the jobs of the state folder (:class:`mastwidgets.imports.JobWatch`); while
    one runs, the list is read again every second: bars, speeds and times left move for
    jobs of this kernel, of another page, or of a script."""

    def __init__(self, on_show_in_catalog: Callable[[str], None] | None = None) -> None:
        self._live: dict[str, object] = {}  # job id -> ImportJob started in this kernel
        self._lock = threading.RLock()
        self._watch: JobWatch | None = None
        self._rows: dict[str, _JobRow] = {}
        self._ticker: threading.Thread | None = None
        self._closed = threading.Event()
        #: Whether the list is in view (the App says: its tab is shown); only then is it
        #: read again every second while a job runs.
        self.watching = False
        self._show_in_catalog = on_show_in_catalog
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.status = Status(layout=widgets.Layout(margin="0 0 0 1em"))
        self.summary = widgets.HTML()
        self.table = widgets.VBox()
        self.more = widgets.HTML()
        self.detail = widgets.VBox()
        self.refresh_button.on_click(lambda _: self.refresh())
        super().__init__(
            [
                widgets.HBox([self.refresh_button, self.summary, self.status]),
                self.table,
                self.more,
                self.detail,
            ]
        )
        self.add_class("mw-jobs")
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

    def close(self) -> None:
        self._closed.set()
        super().close()

    # -- the list -----------------------------------------------------------------------------
    def refresh(self) -> bool:
        """Read the jobs again and show them; whether one is running (then, while the
        list is in view, it is read again every :data:`TICK` seconds until none is)."""
        with self._lock:
            settings = get_settings()
            if self._watch is None or self._watch.settings != settings:
                self._watch = JobWatch(settings)
                self._rows.clear()
            try:
                jobs = self._watch.poll()
            except OSError as error:
                self.status.say(f"Cannot read the jobs folder: {error}", "error")
                return False
            shown = jobs[:MAX_SHOWN]
            for job in shown:
                row = self._rows.get(job.id)
                if row is None:
                    row = self._rows[job.id] = _JobRow(self)
                row.show(job, job.id in self._live)
            for gone in set(self._rows) - {job.id for job in shown}:
                del self._rows[gone]
            children = tuple(self._rows[job.id] for job in shown)
            if not children:
                children = (widgets.HTML("<i>No imports yet.</i>"),)
            if self.table.children != children:
                self.table.children = children
            older = len(jobs) - len(shown)
            self.more.value = f"<small>and {older:,} older job(s)</small>" if older else ""
            counts: dict[str, int] = {}
            for job in jobs:
                counts[job.status.value] = counts.get(job.status.value, 0) + 1
            self.summary.value = (
                f"<span class='mw-jobs-summary'>{len(jobs):,} job(s): "
                + ", ".join(f"{n:,} {status}" for status, n in sorted(counts.items()))
                + "</span>"
                if jobs
                else ""
            )
            running = counts.get(JobStatus.RUNNING.value, 0) > 0
            if running and self.watching:
                self._tick()
            return running

    def _tick(self) -> None:
        """Read the list again every second, in a thread of its own, while a job runs."""
        if self._ticker is not None and self._ticker.is_alive():
            return

        def run() -> None:
            while not self._closed.wait(TICK) and self.watching:
                try:
                    if not self.refresh():
                        return
                except Exception:  # the UI boundary: logged, and the list stays as it was
                    log.exception("refreshing the jobs list failed")
                    return

        self._ticker = threading.Thread(target=run, name="mastwidgets-jobs-tick", daemon=True)
        self._ticker.start()

    def buttons_for(self, job: JobProgress) -> tuple[widgets.Button, ...]:
        """What can be done to the job now."""
        buttons = []
        if job.status == JobStatus.RUNNING:
            buttons += [
                self._button("Pause", "pause", lambda: self.stop(job.id, "pause")),
                self._button("Cancel", "stop", lambda: self.stop(job.id, "cancel")),
            ]
        if job.status in imports.RESUMABLE:
            buttons.append(self._button("Resume", "play", lambda: self.resume(job.id)))
        if job.status in _FINISHED:
            buttons.append(
                self._button(
                    "Remove",
                    "trash",
                    lambda: self.remove(job.id),
                    "Take the job off the list; its files and catalog records stay",
                )
            )
        if job.program and job.status not in (JobStatus.RUNNING,):
            buttons.append(
                self._button(
                    "Sync",
                    "sync",
                    lambda: self.sync(job),
                    "Bring the program's copy up to date: only what MAST added or "
                    "reprocessed since moves",
                )
            )
        buttons.append(self._button("Files", "folder-open", lambda: self.show_files(job.id)))
        if self._show_in_catalog is not None:
            buttons.append(
                self._button(
                    "In Catalog",
                    "table",
                    lambda: self._show_in_catalog(job.id),
                    "The records of this job's files, in the Catalog tab",
                )
            )
        return tuple(buttons)

    @staticmethod
    def _button(label: str, icon: str, action, tooltip: str = "") -> widgets.Button:
        button = widgets.Button(
            description=label, icon=icon, tooltip=tooltip, layout=widgets.Layout(width="auto")
        )
        button.on_click(lambda _: action())
        return button

    # -- actions ------------------------------------------------------------------------------
    def stop(self, job_id: str, how: str) -> None:
        """Pause or cancel: directly a job of this kernel, by request one of another."""
        live = self._live.get(job_id)
        if live is not None and not live.done:
            live.pause() if how == "pause" else live.cancel()
            self.status.say(f"Asked job {job_id} to {how}.", "ok")
            return

        def work() -> bool:
            stop = imports.pause if how == "pause" else imports.cancel
            return stop(job_id, wait=10)

        def done(was_running: bool) -> None:
            self.status.say(
                f"Asked job {job_id} to {how}." if was_running else f"Job {job_id} had ended.",
                "ok",
            )
            self.refresh()

        in_background(how, work, done, self.status)

    def remove(self, job_id: str) -> None:
        try:
            imports.remove_job(job_id)
        except MastWidgetsError as error:
            self.status.say(str(error), "error")
            return
        with self._lock:
            self._live.pop(job_id, None)
        self.status.say(f"Job {job_id} removed from the list; its files stay.", "ok")
        self.detail.children = ()
        self.refresh()

    def resume(self, job_id: str) -> None:
        self.status.say(f"Resuming {job_id}…", "busy")

        def done(job) -> None:
            self.status.say(f"Resumed {job_id}.", "ok")
            self.detail.children = (ProgressView(job),)
            self.track(job)

        in_background("resume", lambda: imports.resume(job_id), done, self.status)

    def sync(self, job: JobProgress) -> None:
        """A program import run again into its folder: only what MAST changed moves."""
        program = job.program
        self.status.say(f"Syncing program {program['mission']} {program['program']}…", "busy")

        def work():
            return imports.import_program(
                program["mission"], program["program"], job.dest_dir,
                levels=program.get("levels", (2, 3)),
                layout=program.get("layout", "associations"),
            )  # fmt: skip

        def done(new) -> None:
            self.status.say(
                f"Sync of program {program['program']} started ({new.id}): "
                f"{new.changes.describe()}.",
                "ok",
            )
            self.detail.children = (ProgressView(new),)
            self.track(new)

        self._sync_thread = in_background("sync", work, done, self.status)

    def show_files(self, job_id: str) -> None:
        settings = get_settings()
        try:
            state = imports.job_state(job_id, settings=settings)
        except MastWidgetsError as error:
            self.status.say(str(error), "error")
            return
        folder = Path(state.dest_dir)
        lines = [f"<b>{html.escape(shown_path(folder, settings))}</b>"]
        for f in state.files[:500]:
            where = folder / f.name
            mark = "✓" if f.status == FileStatus.DONE and where.exists() else f.status
            lines.append(f"{mark} <code>{html.escape(f.name)}</code> ({human_bytes(f.size)})")
        if len(state.files) > 500:
            lines.append(f"… and {len(state.files) - 500:,} more")
        self.detail.children = (widgets.HTML("<br>".join(lines)),)
