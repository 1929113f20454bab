"""Catalog records: one per imported file, built from the product and its headers;
or one per product whose headers were read where it lives (a *remote* record: no
``path`` or checksums yet, its ``location`` instead; importing the file later
replaces it with the local one)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from .._checksums import Digests, file_digests
from .fits_meta import is_fits, read_metadata

#: Top-level fields every record has (``header``/``extensions`` hold the rest).
RECORD_FIELDS = (
    "key",
    "obs_id",
    "obsid",
    "filename",
    "dataURI",
    "path",
    "location",
    "size",
    "md5",
    "sha256",
    "source",
    "job_id",
    "imported_at",
    "telescope",
    "target",
    "instrument",
    "filters",
    "date_obs",
    "exptime",
    "obs_collection",
    "productType",
    "calib_level",
    "kind",
    "error",
)
#: The fields stores index and :meth:`CatalogStore.find` filters on.
INDEXED = ("obs_id", "target", "instrument", "filters", "date_obs", "telescope", "job_id")


def make_record(
    path: str | Path,
    *,
    product: dict | None = None,
    source: str | None = None,
    job_id: str | None = None,
    digests: Digests | None = None,
) -> dict:
    """The catalog record of one downloaded file.

    Parameters
    ----------
    path
        The verified file on disk.
    product
        Its MAST product row (dataURI, obs_id, obsid, productFilename,
        obs_collection, productType, calib_level, filters ...), if known.
    source
        ``"s3"``, ``"http"`` or ``"existing"``.
    digests
        The file's MD5 and SHA-256 if they are known (the transfer verified the file
        with them): the file is not read again for them.

    A FITS file that cannot be read still gets a record, with ``error`` set.
    """
    path = Path(path)
    product = product or {}
    md5, sha256 = digests or file_digests(path)
    stat = path.stat()
    record = _base_record(
        product,
        key=product.get("dataURI") or str(path.resolve()),
        filename=product.get("productFilename") or path.name,
        path=str(path.resolve()),
        location=None,
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,  # with the size, how on_disk knows the file unchanged
        digests=(md5, sha256),
        source=source,
        job_id=job_id,
        kind="fits" if is_fits(path) else "other",
    )
    if record["kind"] == "fits":
        try:
            meta = read_metadata(path)
        except (OSError, ValueError, TypeError, IndexError) as error:
            record["error"] = f"unreadable FITS: {error}"
        else:
            with_metadata(record, meta)
    return record


def make_remote_record(
    product: dict,
    meta: dict | None,
    *,
    location: str,
    source: str,
    size: int | None,
    job_id: str | None = None,
    error: str | None = None,
) -> dict:
    """The catalog record of a product whose headers were read in place (see
    :func:`mastwidgets.catalog_products`): no ``path``, ``md5`` or ``sha256`` until
    an import of the file replaces it; ``location`` says where it was read.

    Parameters
    ----------
    product
        Its MAST product row (dataURI, obs_id, productFilename ...).
    meta
        What :func:`~mastwidgets.catalog.read_metadata` read of its headers, or None
        (not a FITS file, or unreadable: then ``error`` says why).
    location
        The ``s3://`` URI or URL the headers came from.
    source
        ``"s3"`` or ``"http"``.
    size
        The file's size as the server stated it.
    """
    filename = product.get("productFilename") or location.rsplit("/", 1)[-1]
    record = _base_record(
        product,
        key=product.get("dataURI") or location,
        filename=filename,
        path=None,
        location=location,
        size=size,
        mtime_ns=None,
        digests=(None, None),
        source=source,
        job_id=job_id,
        kind="fits" if is_fits(filename) else "other",
    )
    record["error"] = error
    if meta is not None:
        with_metadata(record, meta)
    return record


def _base_record(
    product: dict, *, key, filename, path, location, size, mtime_ns, digests, source, job_id, kind
) -> dict:
    """A record's fields before its headers are read: the file's own, and the product
    row's (the headers' keywords, read later, win over the row's)."""
    return {
        "key": key,
        # the observation imported (a JWST member exposure's file: its level-3 observation)
        "obs_id": product.get("parent_obs_id") or product.get("obs_id"),
        "obsid": None if product.get("obsid") is None else str(product.get("obsid")),
        "filename": filename,
        "dataURI": product.get("dataURI"),
        "path": path,
        "location": location,
        "size": size,
        "mtime_ns": mtime_ns,
        "md5": digests[0],
        "sha256": digests[1],
        "source": source,
        "job_id": job_id,
        "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "obs_collection": product.get("obs_collection"),
        "productType": product.get("productType"),
        "calib_level": product.get("calib_level"),
        "telescope": product.get("obs_collection"),
        "target": product.get("target_name"),
        "instrument": product.get("instrument_name"),
        "filters": product.get("filters"),
        "version": product.get("prvversion"),  # MAST's: a sync compares it
        "date_obs": None,
        "exptime": None,
        "kind": kind,
        "error": None,
        "header": {},
        "extensions": [],
    }


def with_metadata(record: dict, meta: dict) -> dict:
    """``record`` with the headers :func:`~mastwidgets.catalog.read_metadata` read: the
    primary header, the extensions, and the key keywords on top (the header's word
    wins over the product row's)."""
    keys = meta["keywords"]
    record.update(header=meta["header"], extensions=meta["extensions"])
    record["telescope"] = keys.get("TELESCOP") or record["telescope"]
    record["target"] = keys.get("TARGNAME") or record["target"]
    record["instrument"] = keys.get("INSTRUME") or record["instrument"]
    record["filters"] = keys.get("FILTER") or record["filters"]
    record["date_obs"] = keys.get("DATE-OBS")
    record["exptime"] = keys.get("EXPTIME")
    return record
