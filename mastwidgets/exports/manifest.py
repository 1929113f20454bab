"""A selection of products as a table to keep or hand on: where each file is and how big."""

from __future__ import annotations

import pandas as pd
from astropy.table import Table

from ..errors import InvalidQuery

#: The columns of :func:`~mastwidgets.manifest`, in this order.
MANIFEST_COLUMNS = ("obs_id", "productFilename", "dataURI", "s3_uri", "url", "size", "md5")


def manifest(products: pd.DataFrame, *, catalog=None) -> Table:
    """The files of ``products`` (rows of :func:`~mastwidgets.list_products`, perhaps
    filtered) as an astropy Table: ``obs_id``, ``productFilename``, ``dataURI``,
    ``s3_uri`` (empty where MAST has no cloud copy), ``url`` (MAST's HTTP download
    URL), ``size`` (bytes) and ``md5``, known for files already imported into ``catalog`` (a
    :class:`mastwidgets.Catalog`), empty otherwise. Nothing in it is secret: the URLs
    carry no token.

    ``manifest(products).write("files.csv")`` or ``.write("files.ecsv")``: astropy
    picks the format from the name (ECSV keeps the column types and units).
    """
    if not isinstance(products, pd.DataFrame) or "dataURI" not in products:
        raise InvalidQuery("Give the products as list_products returns them (a DataFrame).")
    rows = products.drop_duplicates(subset="dataURI")
    known = catalog.get_many(rows["dataURI"]) if catalog is not None else {}
    md5 = [(known.get(str(uri)) or {}).get("md5") or "" for uri in rows["dataURI"]]
    table = Table(
        {
            "obs_id": [str(v) for v in rows["obs_id"]],
            "productFilename": [str(v) for v in rows["productFilename"]],
            "dataURI": [str(v) for v in rows["dataURI"]],
            "s3_uri": ["" if pd.isna(v) or v is None else str(v) for v in rows["s3_uri"]],
            "url": [str(v) for v in rows["url"]],
            "size": [-1 if pd.isna(v) else int(v) for v in rows["size"]],
            "md5": md5,
        }
    )
    table["size"].unit = "byte"
    table["size"].description = "bytes, as MAST lists them (-1: unknown)"
    table.meta["comments"] = ["mastwidgets manifest: the files of a selection of MAST products"]
    return table
