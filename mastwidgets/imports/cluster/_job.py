"""An import run by Dask workers, seen from the client as one job.

:class:`ClusterTransfer` has the transfer job's handle (``snapshot``,
``subscribe``, ``wait``, ``pause``, ``cancel``): it submits one task per shard,
follows the workers' progress through Dask's structured events, and tells them
to stop through Dask ``Event``s. A shard whose worker is lost is run again by
Dask (and once more by this job after ``KilledWorker``), continuing from the
shard's state. :class:`ClusterImportJob` is the :class:`~mastwidgets.imports.ImportJob`
the caller gets: the workers wrote the records, so it only gathers their outcome.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections import Counter
from pathlib import Path

from ...transfer import (
    FileResult,
    FileSnapshot,
    FileStatusChanged,
    JobHandle,
    JobLock,
    JobSnapshot,
    JobState,
    JobStatusChanged,
    Progress,
    Status,
    TransferEvent,
    TransferResult,
    clear_stop_request,
    eta,
    load_state,
    requested_stop,
    save_state,
    state_path,
)
from .._job import ImportJob, ImportResult
from ._shards import (
    TICK,
    Shard,
    ShardOutcome,
    run_shard,
    shard_job_id,
    shards_folder,
    stop_event_name,
)

log = logging.getLogger(__name__)

#: Times this job submits a shard again after Dask gave up on it (``KilledWorker``:
#: its workers died ``distributed.scheduler.allowed-failures`` times).
RESUBMITS = 2


def whole_state(state: JobState, state_dir: str | Path) -> JobState:
    """The import's state with each file as its shard's state has it now (the
    import's own file is rewritten from them only when the import's run ends)."""
    folder = shards_folder(state_dir, state.job_id)
    latest = {}
    for index in range(len(state.meta.get("cluster", {}).get("shards", []))):
        path = state_path(folder, shard_job_id(state.job_id, index))
        if path.exists():
            try:
                latest.update({f.name: f for f in load_state(path).files})
            except (OSError, ValueError, KeyError) as error:
                log.warning("cannot read the shard state %s: %s", path.name, error)
    if latest:
        state.files = [latest.get(f.name, f) for f in state.files]
    return state


class ClusterTransfer(JobHandle):
    """The transfer of an import on a Dask cluster, with a transfer job's handle."""

    def __init__(self, client, state: JobState, state_file: Path, shards: list[Shard]):
        super().__init__()
        self.client = client
        self.state = state
        self.id = state.job_id
        self.state_file = Path(state_file)
        self.dest_dir = Path(state.dest_dir)
        self._shards = {shard.index: shard for shard in shards}
        self._lock = threading.Lock()
        self._files: dict[str, FileSnapshot] = {}
        self._counts: Counter = Counter()
        self._bytes = 0
        for f in state.files:
            done = f.status == Status.DONE
            bytes_done = (f.size or 0) if done else f.ranges.total
            self._files[f.name] = FileSnapshot(
                f.name,
                Status.DONE if done else Status.QUEUED,
                bytes_done,
                f.size,
                0.0,
                None,
                f.source,
            )
            self._counts[Status.DONE if done else Status.QUEUED] += 1
            self._bytes += bytes_done
        sizes = [f.size for f in state.files]
        self._total = None if any(s is None for s in sizes) else sum(sizes)
        self._speeds: dict[int, tuple[float, tuple[FileSnapshot, ...]]] = {}
        self._outcomes: dict[int, ShardOutcome] = {}
        self._messages: queue.Queue = queue.Queue()
        self._status = Status.DOWNLOADING
        self._job_lock: JobLock | None = None
        self._began = time.monotonic()
        self._topic = shards[0].topic if shards else ""
        self._lost: str | None = None  # why the job stopped following its shards

    # -- the handle (pause: every worker stops its shard keeping its bytes, shards not
    # started stay so; cancel: every worker removes its unfinished ``.part`` files) --------
    @property
    def outcomes(self) -> list[ShardOutcome]:
        return [self._outcomes[i] for i in sorted(self._outcomes)]

    def snapshot(self) -> JobSnapshot:
        with self._lock:
            return self._job_snapshot(tuple(self._files.values()), partial=False)

    # -- running --------------------------------------------------------------------------------
    def start(self) -> ClusterTransfer:
        from distributed import Event

        self._job_lock = JobLock(self.state_file, self.id)
        clear_stop_request(self.state_file)  # asked of an earlier run, after it ended
        try:
            for kind in (Status.PAUSED, Status.CANCELLED):  # a stop asked of an earlier run is over
                Event(stop_event_name(self.id, kind), client=self.client).clear()
            self.client.subscribe_topic(self._topic, self._messages.put)
            futures = {self._submit(shard): shard for shard in self._shards.values()}
        except BaseException:
            self._release()
            raise
        self._emit(JobStatusChanged(job_id=self.id, job=self.snapshot()))
        threading.Thread(
            target=self._follow, args=(futures,), name="mastwidgets-cluster", daemon=True
        ).start()
        return self

    def _submit(self, shard: Shard):
        """The shard's task (a new key each time: a run again is a new task); its end
        wakes the follower at once."""
        future = self.client.submit(
            run_shard, shard, pure=False, key=f"{shard.job_id}-{time.time_ns()}"
        )
        future.add_done_callback(self._wake)
        return future

    def _request_stop(self, kind: Status) -> None:
        from distributed import Event

        with self._lock:
            if self._done.is_set() or self._status != Status.DOWNLOADING:
                return
            self._status = kind
        Event(stop_event_name(self.id, kind), client=self.client).set()

    def _follow(self, futures: dict) -> None:
        """Until every shard has its outcome: the workers' messages as events, a
        progress event every tick; then the import's state and its last event."""
        resubmitted: Counter = Counter()
        pending = dict(futures)
        ticked = time.monotonic()
        try:
            while pending:
                with contextlib.suppress(queue.Empty):
                    self._handle(self._messages.get(timeout=TICK))
                self._drain()
                for future in [f for f in pending if f.done()]:
                    shard = pending.pop(future)
                    outcome = self._outcome_of(future, shard, resubmitted, pending)
                    if outcome is not None:
                        self._apply_outcome(outcome)
                if time.monotonic() - ticked >= TICK:
                    ticked = time.monotonic()
                    self._emit_progress()
                    asked = requested_stop(self.state_file)  # by mastwidgets.pause
                    if asked is not None:
                        self._request_stop(asked)
        except Exception as error:
            log.exception("following the cluster job %s failed", self.id)
            self._lost = f"lost touch with the Dask cluster: {type(error).__name__}: {error}"
        finally:
            try:
                self.client.unsubscribe_topic(self._topic)
            except Exception as error:  # noqa: BLE001 - the client may be closing
                log.debug("unsubscribing from %s: %r", self._topic, error)
            self._finish()

    def _outcome_of(self, future, shard, resubmitted, pending) -> ShardOutcome | None:
        from distributed import KilledWorker

        try:
            return future.result()
        except KilledWorker as error:
            if resubmitted[shard.index] < RESUBMITS and self._status == Status.DOWNLOADING:
                resubmitted[shard.index] += 1
                log.warning(
                    "shard %s lost its workers (%s); submitting it again", shard.job_id, error
                )
                pending[self._submit(shard)] = shard
                return None
            message = f"the Dask workers running it were lost: {error}"
        except Exception as error:  # noqa: BLE001 - whatever the task raised, reported
            message = f"the Dask task failed: {type(error).__name__}: {error}"
        log.warning("shard %s: %s", shard.job_id, message)
        return ShardOutcome.untouched(shard, Status.FAILED, message)

    # -- progress -------------------------------------------------------------------------------
    def _wake(self, _future) -> None:
        self._messages.put(None)

    def _drain(self) -> None:
        while True:
            try:
                self._handle(self._messages.get_nowait())
            except queue.Empty:
                return

    def _handle(self, event) -> None:
        """One worker message: ``(time, {"shard", "files", "progress"})``."""
        message = event[1] if isinstance(event, tuple) and len(event) == 2 else event
        if not isinstance(message, dict):
            return
        index = message.get("shard")
        if index in self._outcomes or index not in self._shards:
            return  # late news of a shard whose outcome is in
        for item in message.get("files") or ():
            self._update(_snapshot(item))
        progress = message.get("progress")
        if progress:
            _, speed, active = progress
            moving = tuple(_snapshot(item) for item in active)
            for snap in moving:
                self._update(snap)
            with self._lock:
                self._speeds[index] = (speed, moving)

    def _update(self, snap: FileSnapshot) -> None:
        with self._lock:
            before = self._files.get(snap.name)
            if before is None:
                return
            if before.status == Status.DONE and snap.status != Status.DONE:
                return  # a finished file stays finished (a late progress message)
            self._files[snap.name] = snap
            self._bytes += snap.bytes_done - before.bytes_done
            changed = before.status != snap.status
            if changed:
                self._counts[before.status] -= 1
                self._counts[snap.status] += 1
        if changed:
            self._emit(FileStatusChanged(job_id=self.id, file=snap))

    def _emit_progress(self) -> None:
        with self._lock:
            active = tuple(
                f
                for _, moving in self._speeds.values()
                for f in moving
                if f.status == Status.DOWNLOADING
            )
            snap = self._job_snapshot(active, partial=True)
        self._emit(Progress(job_id=self.id, job=snap))

    def _job_snapshot(self, files: tuple[FileSnapshot, ...], *, partial: bool) -> JobSnapshot:
        speed = sum(s for s, _ in self._speeds.values())
        remaining = None if self._total is None else max(0, self._total - self._bytes)
        return JobSnapshot(
            self.id,
            self._status,
            self._bytes,
            self._total,
            speed,
            eta(remaining, speed),
            files,
            dict(+self._counts),
            len(self._files),
            partial,
        )

    def _emit(self, event: TransferEvent) -> None:
        self._subscribers.emit(event)

    # -- the end --------------------------------------------------------------------------------
    def _apply_outcome(self, outcome: ShardOutcome) -> None:
        self._drain()
        for name, status, size, source, _md5, error in outcome.files:
            before = self._files.get(name)
            done = (size or 0) if status == Status.DONE else (before.bytes_done if before else 0)
            self._update(FileSnapshot(name, status, done, size, 0.0, None, source, error))
        with self._lock:
            self._outcomes[outcome.index] = outcome
            self._speeds.pop(outcome.index, None)

    def _finish(self) -> None:
        with self._lock:
            for index, shard in self._shards.items():
                if index not in self._outcomes:  # never heard of again
                    error = self._lost or "the Dask cluster did not run this shard"
                    self._outcomes[index] = ShardOutcome.untouched(shard, Status.FAILED, error)
        statuses = {o.status for o in self._outcomes.values()}
        for status in (Status.CANCELLED, Status.PAUSED, Status.FAILED):
            if status in statuses:
                break
        else:
            status = Status.DONE
        files = []
        for outcome in self.outcomes:
            for name, file_status, size, source, md5, error in outcome.files:
                path = self.dest_dir / name
                files.append(FileResult(name, path, file_status, size, source, md5, error))
        self._save(status)
        clear_stop_request(self.state_file)
        self._release()
        with self._lock:
            self._status = status
            self._result = TransferResult(
                self.id,
                status,
                tuple(files),
                sum(o.bytes_transferred for o in self._outcomes.values()),
                time.monotonic() - self._began,
                self.state_file,
            )
            final = JobStatusChanged(
                job_id=self.id,
                job=self._job_snapshot(tuple(self._files.values()), partial=False),
            )
        self._final_event = final
        self._done.set()
        self._emit(final)

    def _save(self, status: str) -> None:
        """The import's state file from its shards' (what ``resume`` and the Jobs tab read)."""
        try:
            state = whole_state(self.state, Path(self.state_file).parent)
            state.status = status
            save_state(self.state_file, state)
        except OSError as error:
            log.warning("could not write the state of job %s: %s", self.id, error)

    def _release(self) -> None:
        if self._job_lock is not None:
            self._job_lock.release()


def _snapshot(item) -> FileSnapshot:
    name, status, bytes_done, total, speed, source, error = item
    remaining = None if total is None else total - bytes_done
    return FileSnapshot(
        name, Status(status), bytes_done, total, speed, eta(remaining, speed), source, error
    )


class ClusterImportJob(ImportJob):
    """The :class:`~mastwidgets.imports.ImportJob` of an import on a Dask cluster: the same
    handle; the records were written by the workers, so this gathers their outcome."""

    on_cluster = True

    def _on_event(self, event) -> None:
        """Nothing to record here: the workers have recorded their files."""

    def _record_all(self) -> None:
        result = self.transfer.wait()
        records, errors = [], list(self._errors)
        for outcome in self.transfer.outcomes:
            records += outcome.records
            errors += outcome.errors
        self._result = ImportResult(
            self.id, result.status, result, tuple(records), tuple(errors), self.already
        )
