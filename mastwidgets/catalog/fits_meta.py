"""FITS header metadata, read lazily with astropy (headers only, never the data).

A 2 GB file costs the time to read its headers: astropy opens it with
``lazy_load_hdus`` and nothing here touches ``.data``; shapes come from the
``NAXISn`` keywords.
"""

from __future__ import annotations

import contextlib
import math
import threading
import types
import warnings
from pathlib import Path

from astropy.io import fits
from astropy.io.fits import card as _card
from astropy.utils.exceptions import AstropyWarning

#: Primary-header keywords copied to the top of every record.
KEY_KEYWORDS = (
    "TELESCOP",
    "INSTRUME",
    "DETECTOR",
    "FILTER",
    "PUPIL",
    "GRATING",
    "TARGNAME",
    "RA_TARG",
    "DEC_TARG",
    "DATE-OBS",
    "TIME-OBS",
    "EXPTIME",
    "PROGRAM",
    "PROPOSID",
    "OBS_ID",
    "ROOTNAME",
    "BUNIT",
)
#: Keywords kept for each extension (with the WCS ones).
EXTENSION_KEYWORDS = (
    "BUNIT",
    "EXTVER",
    "CTYPE1",
    "CTYPE2",
    "CRVAL1",
    "CRVAL2",
    "CRPIX1",
    "CRPIX2",
    "CD1_1",
    "CD1_2",
    "CD2_1",
    "CD2_2",
    "CDELT1",
    "CDELT2",
    "RADESYS",
    "EQUINOX",
)
FITS_EXTENSIONS = (".fits", ".fit", ".fts", ".fits.gz", ".fz")


def json_safe(value):
    """A header value as JSON can hold it (NaN and infinities become None)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, complex):
        return str(value)
    if isinstance(value, fits.card.Undefined):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return number if math.isfinite(number) else None


def header_mapping(header: fits.Header) -> dict:
    """Every keyword of a header once (the first wins), COMMENT/HISTORY joined."""
    mapping: dict = {}
    for card in header.cards:
        key = card.keyword
        if not key:
            continue
        if key in ("COMMENT", "HISTORY"):
            mapping[key] = (mapping.get(key, "") + "\n" + str(card.value)).strip("\n")
        elif key not in mapping:
            mapping[key] = json_safe(card.value)
    return mapping


def _shape(header: fits.Header) -> list[int]:
    naxis = int(header.get("NAXIS", 0) or 0)
    return [int(header.get(f"NAXIS{i}", 0) or 0) for i in range(naxis, 0, -1)]


def is_fits(path: str | Path) -> bool:
    return str(path).lower().endswith(FITS_EXTENSIONS)


_readers_lock = threading.Lock()
_readers = 0
_reading: contextlib.ExitStack | None = None


@contextlib.contextmanager
def _reading_headers():
    """While any thread reads headers: astropy's warnings about the files are quiet, and
    astropy's cards see the two FITS settings they ask for as plain values, as they
    are now (each card asked astropy's configuration system for them, ~40 µs a
    question: a third of reading a small file's headers).

    Entered by the first reader and left by the last: ``warnings.catch_warnings`` is
    not thread-safe (threads leaving out of order would leave a filter behind), and
    headers are read by many threads at once (:func:`mastwidgets.catalog_products`)."""
    global _readers, _reading
    with _readers_lock:
        if _readers == 0:
            stack = contextlib.ExitStack()
            stack.enter_context(warnings.catch_warnings())
            warnings.simplefilter("ignore", AstropyWarning)
            live = _card.conf
            _card.conf = types.SimpleNamespace(
                strip_header_whitespace=live.strip_header_whitespace,
                enable_record_valued_keyword_cards=live.enable_record_valued_keyword_cards,
            )
            stack.callback(setattr, _card, "conf", live)
            _reading = stack
        _readers += 1
    try:
        yield
    finally:
        with _readers_lock:
            _readers -= 1
            if _readers == 0:
                _reading.close()
                _reading = None


def read_metadata(path) -> dict:
    """The metadata of one FITS file, JSON-safe.

    ``path``: a file's path, or a seekable binary file object (a remote file read
    in place: astropy seeks past each HDU's data, so only the headers are read).

    Returns
    -------
    dict
        ``keywords`` (the key primary keywords), ``header`` (the whole primary
        header) and ``extensions`` (name, type, shape and key keywords of each).

    Raises
    ------
    OSError, ValueError
        The file is not readable FITS.
    """
    with _reading_headers(), fits.open(path, lazy_load_hdus=True, memmap=False) as hdus:
        primary = hdus[0].header
        extensions = []
        for index, hdu in enumerate(hdus):
            header = hdu.header
            extensions.append(
                {
                    "index": index,
                    "name": hdu.name,
                    "type": type(hdu).__name__,
                    "shape": _shape(header),
                    "keywords": {
                        k: json_safe(header[k]) for k in EXTENSION_KEYWORDS if k in header
                    },
                }
            )
        header = header_mapping(primary)
    keywords = {k: header[k] for k in KEY_KEYWORDS if k in header}
    return {"keywords": keywords, "header": header, "extensions": extensions}
