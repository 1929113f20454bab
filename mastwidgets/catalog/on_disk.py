"""Which products are already here: imported before and still on disk as they were."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..errors import CatalogUnavailable
from ._store import Catalog

log = logging.getLogger(__name__)


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
        path = recorded_copy(record, folder)
        if path is not None:
            found[uri] = path
    return found


def recorded_copy(record: dict, folder: Path | None = None) -> str | None:
    """The path of the file ``record`` describes, if it is on disk as recorded (its
    size and modification time; inside ``folder``, a resolved path, if given)."""
    path = record.get("path")
    if not path or record.get("error"):
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    if stat.st_size != record.get("size"):
        return None
    if record.get("mtime_ns") is not None and stat.st_mtime_ns != record["mtime_ns"]:
        return None
    if folder is not None and not Path(path).resolve().is_relative_to(folder):
        return None
    return path


def mark_on_disk(
    products: pd.DataFrame, catalog: Catalog | bool, *, under: str | os.PathLike | None = None
) -> pd.DataFrame:
    """``products`` (a DataFrame of :func:`mastwidgets.list_products` rows) with its
    ``on_disk`` column filled from :func:`on_disk` (``catalog`` True: the default
    catalog); a catalog that cannot answer leaves it empty, and
    ``attrs["catalog_error"]`` says why."""
    products["on_disk"] = None
    try:
        catalog = Catalog() if catalog is True else catalog
        here = on_disk(catalog, products["dataURI"], under=under)
    except CatalogUnavailable as error:
        log.warning("cannot tell which files are here already: %s", error)
        products.attrs["catalog_error"] = str(error)
        return products
    products["on_disk"] = [here.get(u) for u in products["dataURI"]]
    return products
