"""Importing observations: products -> transfers -> FITS metadata -> catalog records.

The job the user asks for ("import these observations"), tying the layers
together: :mod:`.mast` finds the products and their S3 copies,
:mod:`.transfer` moves the bytes, :mod:`.catalog` records each file once it
is verified and renamed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import queue
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import transfer as transfer_api
from .catalog import Catalog, make_record
from .data_root import DataRoot, destination
from .errors import (
    CatalogUnavailable,
    ConfigurationError,
    InvalidQuery,
    NoProductsFound,
    TransferError,
    UnsafeDestination,
)
from .layouts import LAYOUTS, file_name, layout_pattern
from .limits import check_import_size, import_slot
from .settings import Settings, get_settings
from .transfer import TransferEvent, TransferJob, TransferResult
from .transfer._state import DONE, FAILED, FINISHED

log = logging.getLogger(__name__)

#: The products imported when ``products`` is not given: calibrated science files.
DEFAULT_PRODUCTS = {"productType": "SCIENCE", "calib_level": [2, 3, 4]}
#: Where each file goes, under the destination folder (the ``observation`` layout).
DEFAULT_LAYOUT = LAYOUTS["observation"]
SOURCES = ("auto", "s3", "http")
#: Records written to the catalog at once (one SQLite transaction, one MongoDB bulk write).
RECORD_BATCH = 200
#: Processes reading finished files (checksums, FITS headers) into records, off the
#: transfer's path: astropy's header parsing is pure Python (a few ms a file), which
#: in the engine's process would take the interpreter from the workers moving bytes.
RECORD_READERS = 2
#: Files in an import from which the reader processes are worth starting (each costs
#: about a second of CPU to start); smaller imports read their records in-process.
READERS_FROM = 200
_readers: ProcessPoolExecutor | None = None
_readers_lock = threading.Lock()
_PRODUCT_FIELDS = (
    "dataURI",
    "obs_id",
    "obsid",
    "productFilename",
    "obs_collection",
    "productType",
    "calib_level",
    "filters",
    "target_name",
    "instrument_name",
)


@dataclass(frozen=True)
class ImportResult:
    """What an import run did: the transfer's outcome, the records written, the errors."""

    job_id: str
    status: str
    transfer: TransferResult
    records: tuple[str, ...]
    errors: tuple[tuple[str, str], ...] = field(default=())
    #: (file name, where it is) of each file skipped because it was here already.
    already: tuple[tuple[str, str], ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.status == DONE and not self.errors


class ImportJob:
    """A running import: ``wait()``, ``cancel()``, ``pause()``, ``snapshot()``,
    ``subscribe()``; ``result`` once it has ended."""

    #: Whether a Dask cluster's workers run it (see :mod:`mastwidgets.cluster`).
    on_cluster = False

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
        self._recorder.join(timeout)
        return None if self._recorder.is_alive() else self._result

    def cancel(self) -> None:
        self.transfer.cancel()

    def pause(self) -> None:
        self.transfer.pause()

    def snapshot(self):
        return self.transfer.snapshot()

    def subscribe(self, callback):
        return self.transfer.subscribe(callback)

    @property
    def result(self) -> ImportResult | None:
        return self._result

    @property
    def done(self) -> bool:
        return self._result is not None

    # -- records --------------------------------------------------------------------------------
    def _on_event(self, event: TransferEvent) -> None:
        if event.kind == "file_status" and event.file.status == DONE:
            self._queue.put((event.file.name, event.file.source))
        elif event.kind == "job_status" and event.job.status not in ("queued", "downloading"):
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
                self.id, FAILED, result, tuple(self._recorded), tuple(self._errors), self.already
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
        self._record([(f.name, f.source) for f in result.files if f.status == DONE], replace=False)
        self._errors += [(f.name, f.error) for f in result.files if f.status != DONE and f.error]
        self._result = ImportResult(
            self.id,
            result.status,
            result,
            tuple(self._recorded),
            tuple(self._errors),
            self.already,
        )

    def _record(self, items: list[tuple[str, str | None]], *, replace: bool) -> None:
        """Records of these (name, source) files, read by the pool of readers and
        written to the catalog in batches."""
        folder = Path(self.transfer.state.dest_dir)
        wanted: list[tuple[str, str | None, Path, dict]] = []
        for name, source in items:
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
            wanted.append((name, source, path, product))
        for start in range(0, len(wanted), RECORD_BATCH):
            batch = wanted[start : start + RECORD_BATCH]
            made = []
            for (name, *_), outcome in zip(batch, self._read_all(batch), strict=True):
                if isinstance(outcome, OSError):
                    self._not_recorded([name], outcome)
                else:
                    made.append((name, outcome))
            self._write(made)

    def _read_all(self, batch: list[tuple[str, str | None, Path, dict]]) -> list[dict | OSError]:
        """The batch's records, read by the reader processes (in this process if
        they cannot start or have broken)."""
        jobs = [(path, product, source, self.id) for _, source, path, product in batch]
        if (
            len(self.transfer.state.files) < READERS_FROM
            or multiprocessing.current_process().daemon
        ):
            # a daemonic process (a Dask worker's) may not start processes of its own
            return [_read_record(job) for job in jobs]
        try:
            return list(_reader_pool().map(_read_record, jobs, chunksize=16))
        except (BrokenProcessPool, OSError, pickle.PicklingError, TypeError) as error:
            log.warning("record readers unavailable (%r); reading in this process", error)
            _forget_readers()
            return [_read_record(job) for job in jobs]

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


def _reader_pool() -> ProcessPoolExecutor:
    """This process's record readers, started on first use and shared by its imports
    (``spawn``: forking a process that runs threads is unsafe)."""
    global _readers
    with _readers_lock:
        if _readers is None:
            _readers = ProcessPoolExecutor(
                RECORD_READERS, mp_context=multiprocessing.get_context("spawn")
            )
        return _readers


def _forget_readers() -> None:
    global _readers
    with _readers_lock:
        if _readers is not None:
            _readers.shutdown(wait=False, cancel_futures=True)
        _readers = None


def _read_record(job: tuple[Path, dict, str | None, str]) -> dict | OSError:
    """One file's record (checksums, FITS headers), in a reader process."""
    path, product, source, job_id = job
    try:
        return make_record(path, product=product, source=source, job_id=job_id)
    except OSError as error:
        return error


def _product_rows(observations, filters: dict, settings: Settings) -> pd.DataFrame:
    from . import mast

    products = mast.list_products(observations, settings=settings, catalog=False, **filters)
    if products.empty:
        raise NoProductsFound(
            "No products of these observations match the product filters "
            f"{filters}; loosen them (e.g. products={{}} for every file)."
        )
    return products


#: The columns a DataFrame of products given to an import must have.
_GIVEN_COLUMNS = ("obs_id", "obs_collection", "productFilename", "dataURI")


def _given_rows(products: pd.DataFrame, source: str, settings: Settings) -> pd.DataFrame:
    """Rows of :func:`list_products` given by the caller, with their S3 and HTTP
    locations (looked up if the caller's table lacks them)."""
    from .mast import locate

    missing = [c for c in _GIVEN_COLUMNS if c not in products]
    if missing:
        raise InvalidQuery(
            f"The products table lacks {', '.join(missing)}: give rows of list_products."
        )
    if products.empty:
        raise NoProductsFound("The products table is empty: select at least one file.")
    return locate(products.reset_index(drop=True), cloud=source != "http", settings=settings)


def _with_observations(products: pd.DataFrame, observations) -> pd.DataFrame:
    """The search's target and instrument for each product (they go into records)."""
    if isinstance(observations, pd.DataFrame) and "obs_id" in observations:
        extra = observations.drop_duplicates("obs_id").set_index("obs_id")
        for column in ("target_name", "instrument_name"):
            if column in extra:
                products[column] = products["obs_id"].map(extra[column])
    return products


def _token_headers(settings: Settings) -> dict:
    from .mast._client import token_headers  # astroquery loads on first use only

    return token_headers(settings)


def import_observations(
    observations=None,
    dest: str | os.PathLike | None = None,
    *,
    source: str = "auto",
    products: dict | pd.DataFrame | None = None,
    parallel: int = 3,
    catalog: Catalog | None = None,
    layout: str | None = None,
    skip_existing: bool = True,
    executor=None,
    settings: Settings | None = None,
    **transfer_options,
) -> ImportJob:
    """Import observations' products to disk and record them in the catalog.

    Finds the products (and their S3 copies) now, raising typed errors for bad
    input; then returns at once while background threads download and record.

    Parameters
    ----------
    observations
        Observation IDs, a search-result DataFrame, or rows (Series) of one. May be
        left out when ``products`` is a table of files.
    dest
        The folder (default: the settings' ``data_dir``); files go to
        ``layout`` under it. With a data root (``MASTWIDGETS_DATA_ROOT``), a folder
        inside it, relative to it.
    source
        ``"auto"`` (S3 where MAST has a copy, else HTTP), ``"s3"`` (S3 only:
        files without a copy are reported, not fetched) or ``"http"``.
    products
        Either product filters as for :func:`mastwidgets.list_products` (default
        :data:`DEFAULT_PRODUCTS`: calibrated science files; ``{}``: every file but
        AUXILIARY ones, ``{"auxiliary": True}``: those too; ``{"mrp_only": True}``:
        MAST's Minimum Recommended Products), or a DataFrame of rows of
        :func:`~mastwidgets.list_products` (perhaps filtered by hand): exactly
        those files.
    parallel
        Files at a time.
    catalog
        Where records go (default: ``Catalog()`` from the settings).
    layout
        ``"observation"`` (``<obs_collection>/<obs_id>/<file>``), ``"flat"`` or
        ``"astroquery"`` (``mastDownload/<obs_collection>/<obs_id>/<file>``), or a
        pattern of product columns; default: the ``layout`` setting. A file listed
        under several observations (one dataURI) is fetched once.
    skip_existing
        Skip the files the catalog holds unchanged on disk already (wherever they
        are): ``result.already`` lists them. No network is needed to tell.
    executor
        A ``dask.distributed.Client`` or a Dask scheduler's address: the files are
        split into shards fetched and recorded by the cluster's workers (default:
        the ``dask_scheduler`` setting; unset, this process). The destination and
        the state folder must be on a filesystem every worker shares, and the
        catalog must be MongoDB. The job's handle is the same.

    Returns
    -------
    ImportJob

    Raises
    ------
    ObservationNotFound, NoProductsFound, InvalidQuery, MastUnavailable, DiskFull
    UnsafeDestination
        ``dest`` leaves the data root.
    LimitExceeded
        The import is over the host's ``max_import_bytes`` or
        ``max_concurrent_imports``.
    ConfigurationError, ClusterUnavailable
        With a cluster: the catalog is not MongoDB, Dask is not installed, or the
        scheduler does not answer.
    """
    if source not in SOURCES:
        raise InvalidQuery(f"source must be one of {', '.join(SOURCES)}, not {source!r}")
    settings = settings or get_settings()
    pattern = layout_pattern(layout or settings.layout)
    folder = destination(dest, settings)  # refused before MAST is asked anything
    cluster = _cluster(executor, settings)
    if cluster is not None:  # refused before MAST is asked anything, too
        from .cluster import check_catalog

        catalog = catalog or Catalog()
        check_catalog(catalog)
    if isinstance(products, pd.DataFrame):
        rows = _given_rows(products, source, settings)
    elif observations is None:
        raise InvalidQuery("Give the observations to import, or a table of their products.")
    else:
        filters = DEFAULT_PRODUCTS if products is None else dict(products)
        rows = _product_rows(observations, filters, settings)
    rows = _with_observations(rows.drop_duplicates("dataURI", ignore_index=True), observations)
    catalog = catalog or Catalog()
    here = {}
    if skip_existing:  # a catalog that cannot answer: everything is fetched
        from .mast._products import mark_on_disk

        marked = mark_on_disk(rows, catalog, settings)
        here = {u: p for u, p in zip(marked["dataURI"], marked["on_disk"], strict=True) if p}
    specs, kept, skipped, already = [], {}, [], []
    for row in rows.to_dict("records"):
        name = file_name(pattern, row)
        if row["dataURI"] in here:
            already.append((name, here[row["dataURI"]]))
            continue
        try:
            name = transfer_api.safe_target(folder, name).relative_to(folder.resolve()).as_posix()
        except UnsafeDestination as error:
            skipped.append((name, str(error)))
            continue
        if name in kept:
            skipped.append((name, f"another file ({kept[name]['dataURI']}) has this name"))
            continue
        s3 = row.get("s3_uri") if source in ("auto", "s3") and pd.notna(row.get("s3_uri")) else None
        http = row.get("url") if source in ("auto", "http") else None
        if not s3 and not http:
            skipped.append((name, "not in MAST's S3 bucket (source='s3' forbids HTTP)"))
            continue
        size = row.get("size")
        specs.append(
            {"name": name, "s3": s3, "http": http, "size": int(size) if pd.notna(size) else None}
        )
        kept[name] = {k: _plain(row.get(k)) for k in _PRODUCT_FIELDS}
    if not specs and not already:
        raise NoProductsFound("None of the products can be fetched from the chosen source.")
    check_import_size((spec["size"] for spec in specs), settings)
    folder.mkdir(parents=True, exist_ok=True)
    meta = {
        "kind": "import",
        "source": source,
        "products": kept,
        "observations": sorted({str(r["obs_id"]) for r in kept.values()}),
        "already": len(already),
    }
    with import_slot(settings):
        if cluster is not None:
            from .cluster import ClusterImportJob, start_import

            transfer = start_import(
                cluster,
                specs,
                folder,
                products=kept,
                meta=meta,
                catalog=catalog,
                settings=settings,
                parallel=parallel,
                headers=_token_headers(settings),
                **transfer_options,
            )
            return ClusterImportJob(transfer, kept, catalog, skipped, already)
        job = transfer_api.start(
            specs,
            folder,
            state_dir=settings.state_dir,
            parallel=parallel,
            http_headers=_token_headers(settings),
            meta=meta,
            s3_endpoint=settings.s3_endpoint,
            **transfer_options,
        )
    return ImportJob(job, kept, catalog, skipped, already)


def resume(
    job_id: str,
    *,
    catalog: Catalog | None = None,
    executor=None,
    settings: Settings | None = None,
    **transfer_options,
) -> ImportJob:
    """Continue an interrupted, paused or failed import (files and records).

    An import that ran on a Dask cluster runs there again: on ``executor`` (a
    ``distributed.Client`` or a scheduler's address) or the ``dask_scheduler``
    setting; each shard continues from its own state.

    Raises
    ------
    JobNotFound, JobRunning
    ConfigurationError, ClusterUnavailable
        A cluster import, with no cluster given or reachable.
    UnsafeDestination
        With a data root: the job writes outside it.
    LimitExceeded
        The host's ``max_concurrent_imports`` are running.
    """
    settings = settings or get_settings()
    state = transfer_api.load(job_id, settings.state_dir)
    if state.meta.get("kind") != "import":
        raise TransferError(f"job {job_id} is not an import; use mastwidgets.transfer.resume")
    if settings.data_root is not None:
        root = DataRoot(settings.data_root)
        if not root.contains(state.dest_dir):
            raise UnsafeDestination(
                f"Job {job_id} writes to a folder outside the data root; it cannot be "
                "resumed from here."
            )
        root.resolve(state.dest_dir)  # and no link on the way leads out now
    if state.meta.get("cluster"):
        return _resume_on_cluster(state, catalog, executor, settings, transfer_options)
    with import_slot(settings):
        job = transfer_api.resume_start(
            job_id,
            state_dir=settings.state_dir,
            http_headers=_token_headers(settings),
            s3_endpoint=settings.s3_endpoint,
            **transfer_options,
        )
    return ImportJob(job, state.meta.get("products", {}), catalog or Catalog(), [])


def _cluster(executor, settings: Settings):
    """The Dask client an import runs on, or None (this process)."""
    from .cluster import cluster_client  # Dask itself loads only when asked for

    return cluster_client(executor, settings)


def _resume_on_cluster(state, catalog, executor, settings, transfer_options) -> ImportJob:
    from .cluster import ClusterImportJob, resume_import

    cluster = _cluster(executor, settings)
    if cluster is None:
        raise ConfigurationError(
            f"Job {state.job_id} ran on a Dask cluster; resume it there: give "
            "executor=<Client or scheduler address>, or set MASTWIDGETS_DASK_SCHEDULER."
        )
    catalog = catalog or Catalog()
    state = _current(state, settings)
    with import_slot(settings):
        transfer = resume_import(
            cluster,
            state,
            catalog=catalog,
            settings=settings,
            headers=_token_headers(settings),
            **transfer_options,
        )
    return ClusterImportJob(transfer, state.meta.get("products", {}), catalog, [])


def job_state(job_id: str, *, settings: Settings | None = None):
    """A job's stored state as it is now; for a cluster import, each file as its
    shard's state has it (the job's own file is rewritten from them when its run ends).

    Raises
    ------
    JobNotFound
    """
    settings = settings or get_settings()
    return _current(transfer_api.load(job_id, settings.state_dir), settings)


def _current(state, settings: Settings):
    if not state.meta.get("cluster"):
        return state
    from .cluster import whole_state

    return whole_state(state, settings.state_dir)


def list_jobs(*, settings: Settings | None = None) -> pd.DataFrame:
    """The jobs in the state directory, newest first; with a data root, only the
    jobs that write inside it.

    Columns: ``id``, ``created``, ``observations``, ``status`` (running,
    interrupted, paused, done, failed, cancelled), ``files``, ``bytes_done``,
    ``bytes_total``, ``dest_dir``.
    """
    settings = settings or get_settings()
    root = DataRoot(settings.data_root) if settings.data_root is not None else None
    rows = []
    for path in sorted(Path(settings.state_dir).glob("*.json")):
        try:
            state = transfer_api.load(path.stem, settings.state_dir)
        except (OSError, ValueError, KeyError) as error:
            log.warning("skipping unreadable job state %s: %s", path.name, error)
            continue
        if root is not None and not root.contains(state.dest_dir):
            continue
        state = _current(state, settings)
        running = transfer_api.is_running(path)
        status = state.status
        if running:
            status = "running"
        elif status not in FINISHED and status != "paused":
            status = "interrupted"
        sizes = [f.size for f in state.files]
        rows.append(
            {
                "id": state.job_id,
                "created": state.created,
                "observations": ", ".join(state.meta.get("observations", [])),
                "status": status,
                "files": len(state.files),
                "bytes_done": sum(
                    f.size or 0 if f.status == DONE else f.ranges.total for f in state.files
                ),
                "bytes_total": None if any(s is None for s in sizes) else sum(sizes),
                "dest_dir": state.dest_dir,
            }
        )
    columns = [
        *("id", "created", "observations", "status", "files", "bytes_done", "bytes_total"),
        "dest_dir",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values("created", ascending=False, ignore_index=True)


def _plain(value):
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value.item() if hasattr(value, "item") else value


__all__ = [
    "DEFAULT_LAYOUT",
    "DEFAULT_PRODUCTS",
    "ImportJob",
    "ImportResult",
    "import_observations",
    "list_jobs",
    "resume",
]
