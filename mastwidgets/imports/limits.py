"""Limits a host sets on imports: bytes per import, imports running at once.

Both are settings (``max_import_bytes``, ``max_concurrent_imports``; the
``MASTWIDGETS_*`` variables), unset by default. An import over a limit is
refused before anything is downloaded, with
:class:`~mastwidgets.errors.LimitExceeded` naming the limit.

"At once" counts the imports running in every process that shares the state
folder (each page of a Voila server is its own kernel): a job runs while it
holds its lock file there. The count and the start of a new job happen under
one more lock, so two pages pressing Import together cannot both take the
last place.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .. import transfer
from .._units import human_bytes
from ..errors import LimitExceeded
from ..settings import Settings

__all__ = ["check_import_size", "import_slot", "running_imports"]


def check_import_size(sizes: Iterable[int | None], settings: Settings) -> None:
    """Refuse an import whose files add up to more than ``max_import_bytes``.

    A file of unknown size cannot be counted, so with a limit it is refused too.
    """
    limit = settings.max_import_bytes
    if limit is None:
        return
    sizes = list(sizes)
    unknown = sum(1 for size in sizes if size is None)
    if unknown:
        raise LimitExceeded(
            f"{unknown} of the files have no size in MAST's listing, so this import cannot be "
            f"checked against this server's limit of {human_bytes(limit)} per import "
            "(max_import_bytes)."
        )
    total = sum(sizes)
    if total > limit:
        raise LimitExceeded(
            f"This import is {human_bytes(total)}; this server allows at most "
            f"{human_bytes(limit)} per import (max_import_bytes). Select fewer observations "
            "or narrow the product filters."
        )


def running_imports(state_dir: str | os.PathLike) -> int:
    """How many jobs of this state folder some process is running now."""
    return sum(1 for path in Path(state_dir).glob("*.json") if transfer.is_running(path))


@contextmanager
def import_slot(settings: Settings) -> Iterator[None]:
    """Hold a place among ``max_concurrent_imports`` while a job starts in the block
    (the job's own lock then keeps the place until it ends)."""
    limit = settings.max_concurrent_imports
    if limit is None:
        yield
        return
    folder = Path(settings.state_dir)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / ".imports.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        running = running_imports(folder)
        if running >= limit:
            raise LimitExceeded(
                f"This server runs at most {limit} import(s) at once "
                f"(max_concurrent_imports) and {running} are running; try again when one "
                "has finished."
            )
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
