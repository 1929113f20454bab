"""Reading finished files into catalog records (checksums, FITS headers), off the
transfer's path.

astropy's header parsing is pure Python (a few ms a file): in the engine's
process it would take the interpreter from the workers moving bytes, so big
imports read their records in a small pool of processes, started on first use
and shared by this process's imports. loky starts them: multiprocessing's
``spawn`` would run the user's script again in each (its top level, the import
included, unless it is guarded by ``if __name__ == "__main__":``); loky's
processes never run ``__main__``.
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
import threading
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .._checksums import Digests
from ..catalog import make_record

if TYPE_CHECKING:
    from loky import ProcessPoolExecutor

log = logging.getLogger(__name__)

#: Processes reading finished files into records.
RECORD_READERS = 2
#: Files in an import from which the reader processes are worth starting (each costs
#: about a second of CPU to start); smaller imports read their records in-process.
READERS_FROM = 200

_readers: ProcessPoolExecutor | None = None
_readers_lock = threading.Lock()


class ToRead(NamedTuple):
    """One finished file to read into a record."""

    path: Path
    product: dict
    source: str | None
    job_id: str
    digests: Digests | None = None  # what the transfer verified it with: not hashed again


def read_records(files: list[ToRead], *, import_size: int) -> list[dict | OSError]:
    """The files' records (or the error reading each), by the reader processes for an
    import of :data:`READERS_FROM` files or more (in this process if they cannot start,
    have broken, or this process may not start processes: a Dask worker's)."""
    if import_size < READERS_FROM or multiprocessing.current_process().daemon:
        return [read_record(item) for item in files]
    try:
        return list(_pool().map(read_record, files, chunksize=16))
    except (BrokenProcessPool, OSError, pickle.PicklingError, TypeError) as error:
        log.warning("record readers unavailable (%r); reading in this process", error)
        _forget()
        return [read_record(item) for item in files]


def read_record(item: ToRead) -> dict | OSError:
    """One file's record (checksums, FITS headers)."""
    try:
        return make_record(
            item.path,
            product=item.product,
            source=item.source,
            job_id=item.job_id,
            digests=item.digests,
        )
    except OSError as error:
        return error


def _pool() -> ProcessPoolExecutor:
    """Fresh interpreters (forking a process that runs threads is unsafe), of loky's: a
    pool of this module's own (loky's reusable executor is shared with joblib's users)."""
    from loky import ProcessPoolExecutor

    global _readers
    with _readers_lock:
        if _readers is None:
            _readers = ProcessPoolExecutor(RECORD_READERS)
        return _readers


def _forget() -> None:
    global _readers
    with _readers_lock:
        if _readers is not None:
            _readers.shutdown(wait=False, cancel_futures=True)
        _readers = None
