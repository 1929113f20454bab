"""Imports on a Dask cluster: the files split into shards, each shard fetched and
recorded by a worker next to the data.

:func:`mastwidgets.import_observations` and :func:`mastwidgets.resume` come here
when given ``executor=`` (a ``distributed.Client`` or a scheduler's address) or
when the ``dask_scheduler`` setting (``MASTWIDGETS_DASK_SCHEDULER``) is set.
Every worker must see the destination and the state folder at the same paths (a
shared filesystem, as on an HPC cluster), and records go to MongoDB, which every
worker can reach (an embedded SQLite catalog is refused). Needs the ``dask``
extra: ``pip install 'mastwidgets[dask]'``.
"""

from __future__ import annotations

import math
from pathlib import Path

from ...errors import ConfigurationError
from ...settings import Settings
from ...transfer import FileState, JobState, new_job_id, save_state, state_path
from ._connect import cluster_client
from ._job import ClusterImportJob, ClusterTransfer, whole_state
from ._shards import Secret, Shard, plan, shards_folder

#: Shards per worker thread at most: more than one, so that a lost worker's share is
#: smaller and a fast worker takes on more...
SHARDS_PER_THREAD = 2
#: ...once the import is big enough for a shard's fixed cost (a job's start and its
#: tail, ~0.1 s measured) not to show: a shard for each of these, one per thread at least.
SHARD_BYTES = 2 * 10**9
SHARD_FILES = 2_000

__all__ = [
    "ClusterImportJob",
    "ClusterTransfer",
    "cluster_client",
    "is_cluster_job",
    "resume_import",
    "start_import",
    "whole_state",
]


def is_cluster_job(state: JobState) -> bool:
    return bool(state.meta.get("cluster"))


def check_catalog(catalog) -> tuple[str, str, str]:
    """The MongoDB catalog's connection, which every worker uses.

    Raises
    ------
    ConfigurationError
        The catalog is the embedded SQLite file (one machine's, one writer's).
    """
    from ...catalog.mongo_store import MongoCatalog

    if not isinstance(catalog, MongoCatalog):
        raise ConfigurationError(
            "An import on a Dask cluster records its files in MongoDB, which every worker "
            "reaches: set MASTWIDGETS_MONGODB_URI (or give catalog=Catalog(uri=...)). The "
            "embedded SQLite catalog lives on one machine and takes one writer."
        )
    return catalog.connection()


def start_import(
    client,
    files: list[FileState],
    folder: Path,
    *,
    meta: dict,
    catalog,
    settings: Settings,
    parallel: int,
    headers: dict,
    chunk_size: int = 5 * 2**20,
    **options,
) -> ClusterTransfer:
    """Write the import's state, then run its shards on the cluster. ``files``: made
    by :func:`mastwidgets.transfer.file_state` (names checked)."""
    connection = check_catalog(catalog)
    files = list(files)
    shards = plan([f.size for f in files], shard_count(client, files))
    state = JobState(
        job_id=new_job_id(),
        dest_dir=str(folder.resolve()),
        files=files,
        parallel=parallel,
        chunk_size=chunk_size,
        meta={**meta, "cluster": {"shards": shards}},
    )
    return _run(client, state, settings, connection, headers, dict(options, chunk_size=chunk_size))


def shard_count(client, files) -> int:
    """How many shards: one per worker thread, up to :data:`SHARDS_PER_THREAD` a thread
    for big imports."""
    threads = sum(client.nthreads().values()) or 1
    size = sum(f.size or 0 for f in files)
    wanted = max(math.ceil(size / SHARD_BYTES), math.ceil(len(files) / SHARD_FILES))
    return max(threads, min(SHARDS_PER_THREAD * threads, wanted))


def resume_import(
    client, state: JobState, *, catalog, settings: Settings, headers: dict, **options
) -> ClusterTransfer:
    """Run an interrupted, paused or failed cluster import's shards again; each
    continues from its own state."""
    connection = check_catalog(catalog)
    options.setdefault("chunk_size", state.chunk_size)
    options.pop("parallel", None)
    return _run(client, state, settings, connection, headers, options)


def _run(client, state, settings, connection, headers, options) -> ClusterTransfer:
    folder = Path(state.dest_dir)
    state_dir = Path(settings.state_dir)
    state_file = state_path(state_dir, state.job_id)
    shard_dir = shards_folder(state_dir, state.job_id)
    shard_dir.mkdir(parents=True, exist_ok=True)
    if not state_file.exists():
        save_state(state_file, state)
    products = state.meta.get("products", {})
    uri, database, collection = connection
    shards = []
    for index, positions in enumerate(state.meta["cluster"]["shards"]):
        files = [state.files[p] for p in positions]
        shards.append(
            Shard(
                index=index,
                parent=state.job_id,
                dest_dir=str(folder),
                state_dir=str(shard_dir),
                files=tuple(_fresh(f) for f in files),
                products={f.name: products.get(f.name, {}) for f in files},
                parallel=state.parallel,
                options=options,
                s3_endpoint=settings.s3_endpoint,
                headers=Secret(headers),
                catalog=(Secret(uri), database, collection),
            )
        )
    return ClusterTransfer(client, state, state_file, shards).start()


def _fresh(f: FileState) -> FileState:
    """The file as a shard starting afresh takes it: where from and how big."""
    return FileState(
        name=f.name, s3=f.s3, http=f.http, size=f.size, size_given=f.size_given, md5=f.md5
    )
