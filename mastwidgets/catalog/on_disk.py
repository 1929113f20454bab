"""Which products are already here: imported before and still on disk as they were."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ._store import Catalog


def on_disk(
    catalog: Catalog, uris: Iterable[str], *, under: str | os.PathLike | None = None
) -> dict[str, str]:
    """The local path of each dataURI the catalog holds a verified copy of.

    A copy counts when its recorded file exists with the recorded size and
    modification time (set when it was verified against MAST's size and recorded):
    nothing is read and nothing is asked of MAST. ``under``: only copies inside
    that folder (a hosted page's data root; other visitors' files are not "here").

    Raises
    ------
    CatalogUnavailable
    """
    folder = Path(under).resolve() if under is not None else None
    found = {}
    for uri, record in catalog.get_many(uris).items():
        path = record.get("path")
        if not path or record.get("error"):
            continue
        try:
            stat = os.stat(path)
        except OSError:
            continue
        if stat.st_size != record.get("size"):
            continue
        if record.get("mtime_ns") is not None and stat.st_mtime_ns != record["mtime_ns"]:
            continue
        if folder is not None and not Path(path).resolve().is_relative_to(folder):
            continue
        found[uri] = path
    return found
