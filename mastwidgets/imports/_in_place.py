"""Cataloguing products where they live: their FITS headers read through ranged
requests (S3 anonymously where MAST has the file in the cloud, else MAST's download
service), recorded as *remote* records, without downloading the files.

A job like an import: its state is a JSON file in the state folder (each product's
sources, and whether its record is written), so :func:`~mastwidgets.resume`
continues it and :func:`~mastwidgets.list_jobs` lists it; its handle waits, pauses,
cancels, snapshots and publishes the transfer engine's events. A product's record
is written before the state says it is done: a killed job reads at most the
headers in flight again.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..catalog import Catalog, on_disk
from ..errors import CatalogUnavailable, InvalidQuery, NoProductsFound, TransferError, quoted
from ..settings import Settings, get_settings
from ..transfer import (
    FileSnapshot,
    FileState,
    FileStatusChanged,
    JobHandle,
    JobLock,
    JobSnapshot,
    JobState,
    JobStatusChanged,
    Progress,
    RetryPolicy,
    StateWriter,
    Status,
    clear_stop_request,
    eta,
    load,
    new_job_id,
    open_sources,
    requested_stop,
    state_path,
)
from ._header_reads import FIRST_READ, HeaderReads
from ._plan import PRODUCT_FIELDS, SOURCES, _present
from ._rows import product_rows
from .data_root import destination
from .layouts import file_name, layout_pattern

log = logging.getLogger(__name__)

#: What a job's state says it is (``meta["kind"]``).
KIND = "catalog"
#: Seconds between progress events.
PROGRESS_INTERVAL = 0.25


@dataclass(frozen=True)
class CatalogResult:
    """What a cataloguing run did: the records written, the products that failed, and
    what reading the headers cost."""

    job_id: str
    status: Status
    #: The keys (dataURIs) of the records written.
    records: tuple[str, ...]
    #: (file name, why) of each product not catalogued.
    errors: tuple[tuple[str, str], ...] = field(default=())
    #: (file name, where) of each product the catalog holds already (not read again).
    already: tuple[tuple[str, str], ...] = field(default=())
    #: Ranged GETs sent, and the bytes they brought.
    requests: int = 0
    bytes_read: int = 0

    @property
    def ok(self) -> bool:
        return self.status == Status.DONE and not self.errors


def catalog_products(
    observations=None,
    *,
    products: dict | pd.DataFrame | None = None,
    source: str = "auto",
    catalog: Catalog | None = None,
    connections: int | None = None,
    skip_existing: bool = True,
    settings: Settings | None = None,
) -> CatalogJob:
    """Record products' FITS headers in the catalog without downloading the files.

    Reads each FITS file's headers where it lives, by ranged requests (the first
    34 kB, then each extension's header where its data lie between), many files at
    once; non-FITS products (previews, JSON, ...) are recorded from their MAST rows
    without a request. The records are *remote*: ``path``, ``md5`` and ``sha256``
    are empty and ``location`` says where the headers were read; importing the file
    later replaces its record with the local one.

    Returns at once (the headers are read by background threads); the job is
    resumable (:func:`mastwidgets.resume`) and listed by :func:`mastwidgets.list_jobs`.

    Parameters
    ----------
    observations, products, source
        As for :func:`~mastwidgets.import_observations`: observation IDs or search
        rows with product filters, or a DataFrame of :func:`~mastwidgets.list_products`
        rows; ``source`` ``"auto"`` (S3 where MAST has the file, else HTTP), ``"s3"``
        or ``"http"``.
    catalog
        Where records go (default: ``Catalog()`` from the settings).
    connections
        Products read at once (default: the settings' ``s3_connections`` when any
        product is in the cloud, else ``connections``).
    skip_existing
        Leave out the products the catalog holds already: on disk unchanged, or read
        in place before (``result.already``).

    Returns
    -------
    CatalogJob

    Raises
    ------
    ObservationNotFound, NoProductsFound, InvalidQuery, MastUnavailable
    CatalogUnavailable
        The catalog cannot be reached (nothing would be recorded).

    Examples
    --------
    >>> job = mw.catalog_products("jw02739-o001_t001_nircam_clear-f444w")
    >>> job.wait().records[:1]
    ('mast:JWST/product/jw02739...',)
    """
    if source not in SOURCES:
        raise InvalidQuery(f"source must be one of {', '.join(SOURCES)}, not {quoted(source)}")
    settings = settings or get_settings()
    rows = product_rows(observations, products, source, settings).to_dict("records")
    catalog = catalog or Catalog()
    already = _held(catalog, rows, settings) if skip_existing else {}
    pattern = layout_pattern(settings.layout)
    files, kept, skipped = [], {}, []
    for row in rows:
        name = file_name(pattern, row)
        if row["dataURI"] in already:
            skipped.append((name, already[row["dataURI"]]))
            continue
        s3 = _present(row.get("s3_uri")) if source in ("auto", "s3") else None
        http = _present(row.get("url")) if source in ("auto", "http") else None
        if (not s3 and not http) or name in kept:
            continue  # not in the bucket with source="s3"; or listed twice
        size = _present(row.get("size"))
        files.append(FileState(name, s3=s3, http=http, size=None if size is None else int(size)))
        kept[name] = {k: _present(row.get(k)) for k in PRODUCT_FIELDS}
    if not files and not skipped:
        raise NoProductsFound("None of the products can be read from the chosen source.")
    state = JobState(
        job_id=new_job_id(),
        dest_dir=str(destination(None, settings)),
        files=files,
        parallel=connections or _connections(files, settings),
        chunk_size=FIRST_READ,
        meta={
            "kind": KIND,
            "source": source,
            "products": kept,
            "observations": sorted({str(p["obs_id"]) for p in kept.values()}),
            "already": len(skipped),
        },
    )
    return CatalogJob(state, catalog, settings, already=skipped)


def resume_catalog(
    job_id: str, *, catalog: Catalog | None = None, settings: Settings | None = None
) -> CatalogJob:
    """Continue an interrupted, paused or failed :func:`~mastwidgets.catalog_products` job: the
    products whose records are not written yet are read again.

    Raises
    ------
    JobNotFound, JobRunning
    """
    settings = settings or get_settings()
    state = load(job_id, settings.state_dir)
    if state.meta.get("kind") != KIND:
        raise TransferError(f"job {job_id} does not catalog products in place")
    for file in state.files:
        if file.status != Status.DONE:
            file.status, file.error = Status.QUEUED, None
    return CatalogJob(state, catalog or Catalog(), settings)


def _held(catalog: Catalog, rows: list[dict], settings: Settings) -> dict[str, str]:
    """dataURI -> where, of the products the catalog holds already: a verified copy on
    disk (in the data root, on a hosted page), or a remote record."""
    uris = [row["dataURI"] for row in rows]
    here = on_disk(catalog, uris, under=settings.data_root)
    records = catalog.get_many([u for u in uris if u not in here])
    remote = {u: r["location"] for u, r in records.items() if r.get("location") and not r["path"]}
    return {**here, **remote}


def _connections(files: list[FileState], settings: Settings) -> int:
    if any(f.s3 for f in files):
        return settings.s3_connections
    return settings.connections


class CatalogJob(JobHandle):
    """A running :func:`~mastwidgets.catalog_products` job: ``wait()`` (its :class:`CatalogResult`),
    ``pause()``, ``cancel()``, ``snapshot()``, ``subscribe()`` (the transfer engine's
    events: a file is ``done`` when its record is written), ``done``, ``result``."""

    on_cluster = False
    #: What the job does (an :class:`ImportJob` imports).
    kind = KIND

    def __init__(
        self,
        state: JobState,
        catalog: Catalog,
        settings: Settings,
        *,
        already: list[tuple[str, str]] = (),
        retry: RetryPolicy | None = None,
    ):
        super().__init__()
        self.id = state.job_id
        self.state = state
        self.already = tuple(already)
        self._catalog = catalog
        self._settings = settings
        self._retry = retry or RetryPolicy(attempts=4)
        self._products: dict[str, dict] = state.meta.get("products", {})
        self._stop: Status | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._bytes: dict[int, int] = {}  # file index -> header bytes read
        self._requests = 0
        self._records: list[str] = []
        self._started = time.monotonic()
        path = state_path(settings.state_dir, self.id)
        Path(settings.state_dir).mkdir(parents=True, exist_ok=True)
        self._job_lock = JobLock(path, self.id)  # JobRunning if another process runs it
        self._state_file = path
        clear_stop_request(path)  # asked of an earlier run, after it ended
        self._writer = StateWriter(path, state)
        state.status = Status.DOWNLOADING
        state.note = None
        self._writer.compact()
        self._thread = threading.Thread(target=self._run, name="mastwidgets-catalog", daemon=True)
        self._thread.start()

    # -- the handle -------------------------------------------------------------------------------
    def snapshot(self, *, partial: bool = False) -> JobSnapshot:
        with self._lock:
            files = self.state.files
            counts: dict[str, int] = {}
            for file in files:
                counts[file.status] = counts.get(file.status, 0) + 1
            done = counts.get(Status.DONE, 0)
            elapsed = max(1e-6, time.monotonic() - self._started)
            rate = done / elapsed  # files a second, for the ETA
            remaining = len(files) - done - counts.get(Status.FAILED, 0)
            shown = () if partial else tuple(self._file_snapshot(i) for i in range(len(files)))
            bytes_read = sum(self._bytes.values())
            return JobSnapshot(
                job_id=self.id,
                status=self.state.status,
                bytes_done=bytes_read,
                total=None,
                speed=bytes_read / elapsed,
                eta=eta(remaining, rate) if self.state.status == Status.DOWNLOADING else None,
                files=shown,
                counts=counts,
                file_count=len(files),
                partial=partial,
            )

    def _file_snapshot(self, index: int) -> FileSnapshot:
        file = self.state.files[index]
        return FileSnapshot(
            name=file.name,
            status=file.status,
            bytes_done=self._bytes.get(index, 0),
            total=None,
            speed=0.0,
            eta=None,
            source=file.source,
            error=file.error,
        )

    def _request_stop(self, status: Status) -> None:
        if self._stop is None:
            self._stop = status
        self._stopping.set()

    def _join(self) -> None:
        self._thread.join()

    # -- the run ----------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._emit_job()
            self._read_all()
        except Exception as error:  # reported in the result, and logged
            log.exception("cataloguing in place (job %s) failed", self.id)
            self.state.note = f"{type(error).__name__}: {error}"
            self._stop = self._stop or Status.FAILED
        finally:
            self._finish()

    def _read_all(self) -> None:
        """Up to ``parallel`` products' headers read at once on the I/O loop
        (:class:`HeaderReads`); this thread parses what arrives, writes the records in
        batches, then marks the files done in the state."""
        sources = open_sources(
            {name for f in self.state.files for name, _ in f.locations()},
            timeout=self._settings.timeout,
            connections={"s3": self.state.parallel, "http": self._settings.connections},
            headers=_token_headers(self._settings),
            s3_endpoint=self._settings.s3_endpoint,
        )
        reads = HeaderReads(
            self.state.files,
            self._products,
            sources=sources,
            parallel=self.state.parallel,
            retry=self._retry,
            job_id=self.id,
            counted=self._counted,
        )
        try:
            reads.run(
                (i for i, f in enumerate(self.state.files) if f.status != Status.DONE),
                stopping=self._stopping,
                take=self._take,
                tick=self._tick,
                interval=PROGRESS_INTERVAL,
            )
        finally:
            for source in sources.values():
                source.close()

    def _counted(self, index: int, requests: int, bytes_read: int) -> None:
        with self._lock:
            self._requests += requests
            self._bytes[index] = self._bytes.get(index, 0) + bytes_read

    def _tick(self) -> None:
        asked = requested_stop(self._state_file)  # mastwidgets.pause
        if asked is not None:
            self._request_stop(asked)
        self._subscribers.emit(Progress(job_id=self.id, job=self.snapshot(partial=True)))

    def _take(self, arrived: list[tuple[int, dict | None, str | None]]) -> None:
        for index, _, error in arrived:
            if error is not None:
                self._failed(index, error)
        self._write([(index, record) for index, record, _ in arrived if record is not None])

    # -- records and state ------------------------------------------------------------------------
    def _write(self, batch: list[tuple[int, dict]]) -> None:
        if not batch:
            return
        try:
            self._catalog.upsert_many([record for _, record in batch])
        except (CatalogUnavailable, OSError) as error:
            for index, _ in batch:
                self._failed(index, f"not recorded in the catalog: {error}")
            return
        with self._lock:
            for index, record in batch:
                self.state.files[index].status = Status.DONE
                self._writer.mark(index)
                self._records.append(record["key"])
            self._writer.flush(durable=False)
        for index, _ in batch:
            self._emit_file(index)

    def _failed(self, index: int, error: str) -> None:
        with self._lock:
            file = self.state.files[index]
            file.status, file.error = Status.FAILED, error
            self._writer.mark(index)
        self._emit_file(index)

    def _finish(self) -> None:
        files = self.state.files
        if self._stop in (Status.PAUSED, Status.CANCELLED):
            status = self._stop
        elif self._stop == Status.FAILED or any(f.status != Status.DONE for f in files):
            status = Status.FAILED
        else:
            status = Status.DONE
        with self._lock:
            self.state.status = status
            with contextlib.suppress(OSError):
                self._writer.compact()
            self._writer.close()
        clear_stop_request(self._state_file)
        self._job_lock.release()
        self._result = CatalogResult(
            job_id=self.id,
            status=status,
            records=tuple(self._records),
            errors=tuple((f.name, f.error) for f in files if f.status == Status.FAILED),
            already=self.already,
            requests=self._requests,
            bytes_read=sum(self._bytes.values()),
        )
        final = JobStatusChanged(job_id=self.id, job=self.snapshot())
        self._final_event = final
        self._done.set()
        self._subscribers.emit(final)

    def _emit_job(self) -> None:
        self._subscribers.emit(JobStatusChanged(job_id=self.id, job=self.snapshot()))

    def _emit_file(self, index: int) -> None:
        with self._lock:
            snapshot = self._file_snapshot(index)
        self._subscribers.emit(FileStatusChanged(job_id=self.id, file=snapshot))


def _token_headers(settings: Settings) -> dict:
    """The MAST token's headers (imports use them too); astroquery loads on first use."""
    from ..mast import token_headers

    return token_headers(settings)
