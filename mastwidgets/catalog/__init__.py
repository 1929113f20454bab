"""The catalog of imported files: FITS header metadata, and two stores behind
one interface (MongoDB through pymongo, or an embedded SQLite file)."""

from ._store import Catalog
from .fits_meta import read_metadata
from .on_disk import mark_on_disk, on_disk
from .records import INDEXED, RECORD_FIELDS, make_record, make_remote_record

__all__ = [
    "INDEXED",
    "RECORD_FIELDS",
    "Catalog",
    "make_record",
    "make_remote_record",
    "mark_on_disk",
    "on_disk",
    "read_metadata",
]
