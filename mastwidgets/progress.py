"""A terminal view of a job's progress: tqdm bars fed by transfer events."""

from __future__ import annotations

import threading

from tqdm.auto import tqdm

from .transfer import TransferEvent


class TqdmProgress:
    """Subscribe an instance to a job: one bar for the whole job and one per file
    while it downloads. ``close()`` when the job has ended."""

    def __init__(self, *, file=None, total_label: str = "total"):
        self._file = file
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
            if event.kind in ("progress", "job_status"):
                self._progress(event.job)
            elif event.kind == "file_status":
                self._status(event.file)

    def _progress(self, job) -> None:
        if job.total is not None:
            self._total.total = job.total
        self._total.n = job.bytes_done
        self._total.refresh()
        for snap in job.files:
            bar = self._bars.get(snap.name)
            if bar is not None:
                bar.n = snap.bytes_done
                bar.set_postfix_str(snap.source or "", refresh=False)
                bar.refresh()

    def _status(self, snap) -> None:
        bar = self._bars.get(snap.name)
        if snap.status == "downloading" and bar is None:
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
        elif snap.status in ("done", "failed", "cancelled", "paused") and bar is not None:
            bar.n = snap.bytes_done
            bar.close()
            del self._bars[snap.name]
            word = {"done": "✓", "failed": "✗"}.get(snap.status, snap.status)
            note = f" ({snap.error})" if snap.error else ""
            self._total.write(f"{word} {snap.name} via {snap.source or '-'}{note}", file=self._file)

    def close(self) -> None:
        with self._lock:
            for bar in self._bars.values():
                bar.close()
            self._bars.clear()
            self._total.close()
