"""The handle of an import (:class:`ImportJob`) and its recorder: each file the
transfer has verified becomes a catalog record, in batches."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..catalog import Catalog
from ..errors import CatalogUnavailable
from ..transfer import (
    FileStatusChanged,
    JobSnapshot,
    JobStatusChanged,
    Status,
    TransferEvent,
    TransferJob,
    TransferResult,
)
from ._readers import ToRead, read_records

log = logging.getLogger(__name__)

#: Records written to the catalog at once (one SQLite transaction, one MongoDB bulk write).
RECORD_BATCH = 200


@dataclass(frozen=True)
class ImportResult:
    """What an import run did: the transfer's outcome, the records written, the errors."""

    job_id: str
    status: Status
    transfer: TransferResult
    records: tuple[str, ...]
    errors: tuple[tuple[str, str], ...] = field(default=())
    #: (file name, where it is) of each file skipped because it was here already.
    already: tuple[tuple[str, str], ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.status == Status.DONE and not self.errors


class ImportJob:
    """A running import: ``wait()``, ``cancel()``, ``pause()``, ``snapshot()``,
    ``subscribe()``; ``result`` once it has ended."""

    #: Whether a Dask cluster's workers run it (see :mod:`mastwidgets.imports.cluster`).
    on_cluster = False
    #: What the job does (a :class:`~mastwidgets.imports.CatalogJob` catalogs products in place).
    kind = "import"
    #: A program import's changes against the import before it (``import_program``).
    changes = None

    def __init__(
        self,
        transfer: TransferJob,
        products: dict[str, dict],
        catalog: Catalog,
        skipped: list[tuple[str, str]],
        already: list[tuple[str, str]] = (),
    ):
        self.transfer = transfer
        self.id = transfer.id
        self._products = products
        self._files = {f.name: f for f in transfer.state.files}  # their checksums, once known
        self._catalog = catalog
        self._queue: queue.Queue = queue.Queue()
        self._recorded: dict[str, None] = {}  # keys recorded, in order
        self._errors = list(skipped)
        self.already = tuple(already)
        self._result: ImportResult | None = None
        transfer.subscribe(self._on_event)  # a job already over replays its end: no hang
        self._recorder = threading.Thread(
            target=self._record_all, name="mastwidgets-import", daemon=True
        )
        self._recorder.start()

    # -- the handle -----------------------------------------------------------------------------
    def wait(self, timeout: float | None = None) -> ImportResult | None:
        """Block until the import has ended and its files are recorded (``None`` if
        ``timeout`` passed first)."""
        self._recorder.join(timeout)
        return None if self._recorder.is_alive() else self._result

    def cancel(self) -> None:
        self.transfer.cancel()

    def pause(self) -> None:
        self.transfer.pause()

    def snapshot(self) -> JobSnapshot:
        return self.transfer.snapshot()

    def subscribe(self, callback: Callable[[TransferEvent], None]) -> Callable[[], None]:
        """Call ``callback(event)`` for every transfer event; returns an unsubscribe
        function (see :class:`mastwidgets.transfer.TransferSubscriber`)."""
        return self.transfer.subscribe(callback)

    @property
    def result(self) -> ImportResult | None:
        return self._result

    @property
    def done(self) -> bool:
        return self._result is not None

    # -- records --------------------------------------------------------------------------------
    def _on_event(self, event: TransferEvent) -> None:
        if isinstance(event, FileStatusChanged) and event.file.status == Status.DONE:
            self._queue.put(event.file.name)
        elif isinstance(event, JobStatusChanged) and event.job.status not in (
            Status.QUEUED,
            Status.DOWNLOADING,
        ):
            self._queue.put(None)  # the transfer has ended

    def _record_all(self) -> None:
        """:meth:`_recording`, and a result whatever happens (a waiter never hangs)."""
        try:
            self._recording()
        except Exception as error:  # reported in the result, and logged
            log.exception("recording the files of import %s failed", self.id)
            result = self.transfer.wait()
            self._errors.append(("", f"recording stopped: {type(error).__name__}: {error}"))
            self._result = ImportResult(
                self.id,
                Status.FAILED,
                result,
                tuple(self._recorded),
                tuple(self._errors),
                self.already,
            )

    def _recording(self) -> None:
        """Record files as they are verified, in batches (one catalog write each); at
        the end, any done file still unrecorded (a resumed job's earlier files)."""
        ended = False
        while not ended:
            batch = [self._queue.get()]
            while len(batch) < RECORD_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if None in batch:  # the transfer has ended
                ended, batch = True, batch[: batch.index(None)]
            self._record(batch, replace=True)
        result = self.transfer.wait()
        self._record([f.name for f in result.files if f.status == Status.DONE], replace=False)
        self._errors += [
            (f.name, f.error) for f in result.files if f.status != Status.DONE and f.error
        ]
        associations = self.transfer.state.meta.get("associations")
        if associations is not None and result.status == Status.DONE:
            from ._associations import arrange_associations  # a program import's last step

            self._errors += arrange_associations(self.transfer.state.dest_dir, associations)
        self._result = ImportResult(
            self.id,
            result.status,
            result,
            tuple(self._recorded),
            tuple(self._errors),
            self.already,
        )

    def _record(self, names: list[str], *, replace: bool) -> None:
        """Records of these files, read by the readers and written to the catalog in
        batches; each with the checksums the transfer verified, if it did."""
        folder = Path(self.transfer.state.dest_dir)
        wanted: list[tuple[str, ToRead]] = []
        for name in names:
            product = self._products.get(name, {})
            path = (folder / name).resolve()
            key = product.get("dataURI") or str(path)
            if key in self._recorded:
                continue
            if not replace:
                try:
                    existing = self._catalog.get(key)
                except CatalogUnavailable as error:
                    self._not_recorded([name], error)
                    continue
                if existing is not None and existing.get("path") == str(path):
                    self._recorded[key] = None  # recorded by an earlier run of this job
                    continue
            state = self._files.get(name)
            verified = state.verified_digests() if state is not None else None
            source = state.source if state is not None else None
            wanted.append((name, ToRead(path, product, source, self.id, verified)))
        for start in range(0, len(wanted), RECORD_BATCH):
            batch = wanted[start : start + RECORD_BATCH]
            read = read_records([item for _, item in batch], import_size=len(self._files))
            made = []
            for (name, _), outcome in zip(batch, read, strict=True):
                if isinstance(outcome, OSError):
                    self._not_recorded([name], outcome)
                else:
                    made.append((name, outcome))
            self._write(made)

    def _write(self, made: list[tuple[str, dict]]) -> None:
        if not made:
            return
        try:
            self._catalog.upsert_many([record for _, record in made])
        except (CatalogUnavailable, OSError) as error:
            self._not_recorded([name for name, _ in made], error)
            return
        for _, record in made:
            self._recorded[record["key"]] = None

    def _not_recorded(self, names: list[str], error: Exception) -> None:
        log.warning("could not record %d file(s), e.g. %s: %s", len(names), names[0], error)
        self._errors += [(name, f"not recorded in the catalog: {error}") for name in names]
