"""A terminal view of a job's progress: tqdm bars fed by transfer events."""

from __future__ import annotations

import threading

from tqdm.auto import tqdm

from ..transfer import FileSnapshot, JobSnapshot, Status, TransferEvent, TransferSubscriber

_STOPPED = (Status.DONE, Status.FAILED, Status.CANCELLED, Status.PAUSED)
_MARKS = {Status.DONE: "✓", Status.FAILED: "✗"}


class TqdmProgress(TransferSubscriber):
    """Subscribe an instance to a job: one bar for the whole job (with its files done
    and failed) and one per file while it downloads. A line per finished file for jobs
    of up to ``list_files`` files; bigger jobs list only the failures (a 20,000-file
    import is not 20,000 lines). ``close()`` when the job has ended."""

    def __init__(
        self,
        *,
        file=None,
        total_label: str = "total",
        files: int | None = None,
        list_files: int = 50,
    ):
        """``files``: the job's file count, if known before its first event."""
        self._file = file
        self._list_files = list_files
        self._count = files
        self._lock = threading.Lock()
        self._total = tqdm(
            desc=total_label,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            position=0,
            file=file,
            dynamic_ncols=True,
        )
        self._bars: dict[str, tqdm] = {}

    def __call__(self, event: TransferEvent) -> None:
        with self._lock:
            super().__call__(event)

    def on_progress(self, *, job: JobSnapshot, **kwargs) -> None:
        self._progress(job)

    def on_job_status(self, *, job: JobSnapshot, **kwargs) -> None:
        self._progress(job)

    def on_file_status(self, *, file: FileSnapshot, **kwargs) -> None:
        self._status(file)

    def _progress(self, job: JobSnapshot) -> None:
        if job.total is not None:
            self._total.total = job.total
        self._count = job.file_count
        self._total.n = job.bytes_done
        failed = job.files_failed
        self._total.set_postfix_str(
            f"{job.files_done}/{self._count} files" + (f", {failed} failed" if failed else ""),
            refresh=False,
        )
        self._total.refresh()
        for snap in job.files:  # in progress events, the active files only
            bar = self._bars.get(snap.name)
            if bar is not None:
                bar.n = snap.bytes_done
                bar.set_postfix_str(snap.source or "", refresh=False)
                bar.refresh()

    def _status(self, snap: FileSnapshot) -> None:
        bar = self._bars.get(snap.name)
        if snap.status == Status.DOWNLOADING and bar is None:
            self._bars[snap.name] = tqdm(
                desc=snap.name.rsplit("/", 1)[-1][:40],
                total=snap.total,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                leave=False,
                file=self._file,
                dynamic_ncols=True,
            )
        elif snap.status in _STOPPED and bar is not None:
            bar.n = snap.bytes_done
            bar.close()
            del self._bars[snap.name]
            if snap.status == Status.DONE and (self._count or 0) > self._list_files:
                return  # a big job: the total bar counts them
            word = _MARKS.get(snap.status, str(snap.status))
            note = f" ({snap.error})" if snap.error else ""
            self._total.write(f"{word} {snap.name} via {snap.source or '-'}{note}", file=self._file)

    def close(self) -> None:
        with self._lock:
            for bar in self._bars.values():
                bar.close()
            self._bars.clear()
            self._total.close()
