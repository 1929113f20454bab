"""Reading a product where it lives, instead of importing it: an astropy ``HDUList``
read lazily through ranged requests (fsspec), from MAST's bucket anonymously where
the product is in the cloud (s3fs), otherwise from MAST's download service (with
the MAST token, for exclusive-access files).

A header costs a block; ``hdul[1].section[y0:y1, x0:x1]`` reads the blocks its rows
lie in, not the file. Blocks are 1 MiB by default: s3fs's own default is 50 MB (a
cutout would read whole files), and astrocut measured 1 MB blocks three times
faster for cutouts (its ``fsspec_kwargs``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..errors import (
    NEEDS_TOKEN,
    AuthenticationError,
    InvalidQuery,
    MastUnavailable,
    ProductNotFound,
)
from ..settings import Settings, get_settings
from ._client import CLOUD_MISSIONS, token_headers
from ._cloud import cloud_uris
from ._products import _urls

if TYPE_CHECKING:
    from astropy.io import fits

#: Bytes fetched per ranged request.
DEFAULT_BLOCK = 2**20


def locations(product, *, cloud: bool = True, settings: Settings | None = None) -> list[str]:
    """Where a product can be read, best first: its ``s3://`` URI (where MAST has it
    in the cloud and ``cloud``), then its HTTP(S) URL.

    ``product`` is a row of :func:`~mastwidgets.list_products` (its ``s3_uri`` and
    ``url`` are used where present), a dataURI (``mast:...``), an ``s3://`` URI or an
    ``http(s)://`` URL."""
    settings = settings or get_settings()
    if isinstance(product, str):
        text = product.strip()
        if text.startswith(("s3://", "http://", "https://")):
            return [text]
        if not text.startswith("mast:"):
            raise InvalidQuery(
                f"{product!r} is not a product: give a row of list_products, a dataURI "
                "(mast:...), an s3:// URI or an http(s):// URL"
            )
        row: Mapping = {"dataURI": text}
    elif isinstance(product, Mapping) or hasattr(product, "get"):
        row = product
    else:
        raise InvalidQuery(f"{type(product).__name__} is not a product row or URI")
    uri = _text(row.get("dataURI"))
    found = [_text(row.get("s3_uri")) if cloud else None, _text(row.get("url"))]
    if cloud and found[0] is None and uri and uri.lower().startswith(CLOUD_MISSIONS):
        try:
            found[0] = cloud_uris([uri], settings).get(uri)
        except MastUnavailable:
            found[0] = None  # the bucket is not reachable: MAST's web service is
    if found[1] is None and uri:
        found[1] = _urls([uri], settings)[0]
    located = [f for f in found if f]
    if not located:
        raise InvalidQuery("the product row has no dataURI, s3_uri or url")
    return located


def open_product(
    product,
    *,
    block_size: int = DEFAULT_BLOCK,
    cloud: bool = True,
    settings: Settings | None = None,
) -> fits.HDUList:
    """Open a product's FITS file where it lives, reading only what is asked for.

    Parameters
    ----------
    product
        A row of :func:`~mastwidgets.list_products`, a dataURI (``mast:...``), an
        ``s3://bucket/key`` URI or an ``http(s)://`` URL.
    block_size
        Bytes per ranged request (1 MiB).
    cloud
        Read from MAST's bucket where the product is there (anonymously); ``False``:
        always from MAST's download service.
    settings
        Default: :func:`~mastwidgets.get_settings` (its S3 endpoint, MAST URL, token).

    Returns
    -------
    astropy.io.fits.HDUList
        Opened lazily: use it in a ``with`` block (or close it).

    Raises
    ------
    ProductNotFound
        Neither MAST's bucket nor its download service has the file.
    AuthenticationError
        Exclusive-access data without a MAST token that has access.
    MastUnavailable
        The server did not answer.
    InvalidQuery
        ``product`` names no product.

    Examples
    --------
    >>> with open_product("mast:HST/product/icdm01010_drz.fits") as hdul:
    ...     cutout = hdul["SCI"].section[10:42, 10:42]    # only these rows are read
    >>> cutout.shape
    (32, 32)
    """
    settings = settings or get_settings()
    if block_size < 2880:
        raise InvalidQuery("block_size must hold a FITS block (2880 bytes) at least")
    tried = []
    from astropy.io import fits

    for where in locations(product, cloud=cloud, settings=settings):
        options = _options(where, block_size, settings)
        try:
            return fits.open(where, use_fsspec=True, fsspec_kwargs=options, lazy_load_hdus=True)
        except FileNotFoundError:
            tried.append(where)  # not in the bucket after all: the next place
        except OSError as error:
            raise MastUnavailable(f"could not read {where}: {error}") from error
    if tried and tried[-1].startswith("http"):
        _why_not(tried[-1], settings)  # fsspec says "not found" for every refusal
    raise ProductNotFound(f"no such file at {', '.join(tried)}")


def _why_not(url: str, settings: Settings) -> None:
    """Ask the web server why it did not serve ``url``: a refusal or an outage is an
    error of its own (fsspec turns every failed look at a file into "not found")."""
    import requests

    try:
        answer = requests.head(
            url, headers=token_headers(settings), timeout=settings.timeout, allow_redirects=True
        )
    except requests.RequestException as error:
        raise MastUnavailable(f"could not read {url}: {type(error).__name__}") from None
    if answer.status_code in (401, 403):
        raise AuthenticationError(f"{url}: HTTP {answer.status_code}: {NEEDS_TOKEN}")
    if answer.status_code >= 500:
        raise MastUnavailable(f"could not read {url}: HTTP {answer.status_code}")


def _options(where: str, block_size: int, settings: Settings) -> dict:
    """fsspec's options for the place: anonymous S3 at the settings' endpoint, or HTTP
    with the MAST token (kept in memory, never written anywhere)."""
    if where.startswith("s3://"):
        options: dict = {"anon": True, "default_block_size": block_size}
        if settings.s3_endpoint:
            options["client_kwargs"] = {"endpoint_url": settings.s3_endpoint}
        return options
    return {"block_size": block_size, "headers": token_headers(settings)}


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None
