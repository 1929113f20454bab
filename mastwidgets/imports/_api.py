"""Importing observations: products -> transfers -> FITS metadata -> catalog records.

The job the user asks for ("import these observations"), tying the layers
together: :mod:`mastwidgets.mast` finds the products and their S3 copies,
:mod:`mastwidgets.transfer` moves the bytes, :mod:`mastwidgets.catalog` records
each file once it is verified and renamed. A Dask cluster, when one is given,
runs the transfer and the recording on its workers (:mod:`.cluster`).
"""

from __future__ import annotations

import os

import pandas as pd

from .. import transfer
from ..catalog import Catalog, mark_on_disk
from ..errors import ConfigurationError, InvalidQuery, NoProductsFound, TransferError, quoted
from ..settings import Settings, get_settings
from ._in_place import KIND, CatalogJob, _token_headers, resume_catalog
from ._job import ImportJob
from ._listing import current_state
from ._plan import SOURCES, ImportPlan, plan_import
from ._rows import product_rows
from .data_root import destination, resumable_here
from .layouts import layout_pattern
from .limits import check_import_size, import_slot


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
        :data:`~mastwidgets.imports.DEFAULT_PRODUCTS`: calibrated science files; ``{}``:
        every file but AUXILIARY ones, ``{"auxiliary": True}``: those too; ``{"mrp_only": True}``:
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
    **transfer_options
        Options of :func:`mastwidgets.transfer.start`: ``on_event`` (a
        :class:`~mastwidgets.transfer.TransferSubscriber` or callable that hears
        every event of the job, from its first), ``split``, ``timeout``, ``retry``.

    Returns
    -------
    ImportJob

    Raises
    ------
    ObservationNotFound, NoProductsFound, InvalidQuery, MastUnavailable, DiskFull
    UnsafeDestination
        ``dest`` leaves the data root, or is not a folder.
    LimitExceeded
        The import is over the host's ``max_import_bytes`` or
        ``max_concurrent_imports``.
    ConfigurationError, ClusterUnavailable
        With a cluster: the catalog is not MongoDB, Dask is not installed, or the
        scheduler does not answer.
    """
    if source not in SOURCES:
        raise InvalidQuery(f"source must be one of {', '.join(SOURCES)}, not {quoted(source)}")
    settings = settings or get_settings()
    pattern = layout_pattern(layout or settings.layout)
    folder = destination(dest, settings)  # refused before MAST is asked anything
    cluster = _cluster(executor, settings)
    if cluster is not None:  # refused before MAST is asked anything, too
        from .cluster import check_catalog

        catalog = catalog or Catalog()
        check_catalog(catalog)
    rows = product_rows(observations, products, source, settings)
    return start_import(
        rows, folder, pattern, source=source, catalog=catalog, skip_existing=skip_existing,
        parallel=parallel, cluster=cluster, settings=settings, **transfer_options,
    )  # fmt: skip


def start_import(
    rows: pd.DataFrame,
    folder,
    pattern: str,
    *,
    source: str,
    catalog: Catalog | None,
    skip_existing: bool,
    parallel: int,
    settings: Settings,
    cluster=None,
    meta: dict | None = None,
    here: dict[str, str] | None = None,
    **transfer_options,
) -> ImportJob:
    """The import of product ``rows`` into ``folder`` (checked), each file where
    ``pattern`` puts it, started; ``meta``: more for the job's state to keep;
    ``here``: {dataURI: path} of the files not to fetch (default: those the catalog
    has on disk, with ``skip_existing``)."""
    catalog = catalog or Catalog()
    if here is None:
        here = {}
    elif skip_existing:
        skip_existing = False  # the caller said which
    if skip_existing:  # a catalog that cannot answer: everything is fetched
        marked = mark_on_disk(rows, catalog, under=settings.data_root)
        here = {u: p for u, p in zip(marked["dataURI"], marked["on_disk"], strict=True) if p}
    plan = plan_import(rows.to_dict("records"), folder, layout=pattern, source=source, here=here)
    if not plan.files and not plan.already:
        raise NoProductsFound("None of the products can be fetched from the chosen source.")
    check_import_size(plan.sizes, settings)
    folder.mkdir(parents=True, exist_ok=True)
    with import_slot(settings):
        if cluster is not None:
            return _start_on_cluster(
                cluster, plan, folder, source, catalog, settings, parallel, transfer_options
            )
        job = transfer.start(
            plan.files,
            folder,
            state_dir=settings.state_dir,
            parallel=parallel,
            http_headers=_token_headers(settings),
            meta={**_meta(plan, source), **(meta or {})},
            s3_endpoint=settings.s3_endpoint,
            **transfer_options,
        )
    return ImportJob(job, plan.products, catalog, list(plan.skipped), list(plan.already))


def _meta(plan: ImportPlan, source: str) -> dict:
    """What the job's state keeps of the import (JSON; no secret)."""
    return {
        "kind": "import",
        "source": source,
        "products": plan.products,
        "observations": sorted({str(p["obs_id"]) for p in plan.products.values()}),
        "already": len(plan.already),
    }


def resume(
    job_id: str,
    *,
    catalog: Catalog | None = None,
    executor=None,
    settings: Settings | None = None,
    **transfer_options,
) -> ImportJob | CatalogJob:
    """Continue an interrupted, paused or failed import (files and records), or a
    :func:`~mastwidgets.catalog_products` job (then a :class:`~mastwidgets.imports.CatalogJob`).

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
    state = transfer.load(job_id, settings.state_dir)
    if state.meta.get("kind") == KIND:
        return resume_catalog(job_id, catalog=catalog, settings=settings)
    if state.meta.get("kind") != "import":
        raise TransferError(f"job {job_id} is not an import; use mastwidgets.transfer.resume")
    resumable_here(state, settings)
    if state.meta.get("cluster"):
        return _resume_on_cluster(state, catalog, executor, settings, transfer_options)
    with import_slot(settings):
        job = transfer.resume_start(
            job_id,
            state_dir=settings.state_dir,
            http_headers=_token_headers(settings),
            s3_endpoint=settings.s3_endpoint,
            **transfer_options,
        )
    return ImportJob(job, state.meta.get("products", {}), catalog or Catalog(), [])


# -- on a Dask cluster ----------------------------------------------------------------------------


def _cluster(executor, settings: Settings):
    """The Dask client an import runs on, or None (this process)."""
    from .cluster import cluster_client  # Dask itself loads only when asked for

    return cluster_client(executor, settings)


def _start_on_cluster(
    cluster, plan: ImportPlan, folder, source, catalog, settings, parallel, options
) -> ImportJob:
    from .cluster import ClusterImportJob, start_import

    job = start_import(
        cluster,
        plan.files,
        folder,
        meta=_meta(plan, source),
        catalog=catalog,
        settings=settings,
        parallel=parallel,
        headers=_token_headers(settings),
        **options,
    )
    return ClusterImportJob(job, plan.products, catalog, list(plan.skipped), list(plan.already))


def _resume_on_cluster(state, catalog, executor, settings, transfer_options) -> ImportJob:
    from .cluster import ClusterImportJob, resume_import

    cluster = _cluster(executor, settings)
    if cluster is None:
        raise ConfigurationError(
            f"Job {state.job_id} ran on a Dask cluster; resume it there: give "
            "executor=<Client or scheduler address>, or set MASTWIDGETS_DASK_SCHEDULER."
        )
    catalog = catalog or Catalog()
    state = current_state(state, settings)
    with import_slot(settings):
        job = resume_import(
            cluster,
            state,
            catalog=catalog,
            settings=settings,
            headers=_token_headers(settings),
            **transfer_options,
        )
    return ClusterImportJob(job, state.meta.get("products", {}), catalog, [])
