"""An observation's preview image (its ``jpegURL``), fetched by the kernel so that a
page never loads it from another host."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pandas as pd
import requests

from ..errors import MastUnavailable
from ..settings import Settings, get_settings
from ._client import token_headers, translate_errors

#: The largest preview fetched (MAST's previews are tens to hundreds of kB).
MAX_PREVIEW_BYTES = 10 * 2**20
#: Hosts besides MAST's own from which MAST's previews may come.
_PREVIEW_HOSTS = (".stsci.edu",)


def preview_url(jpeg_url: str | None, settings: Settings) -> str | None:
    """Where to fetch a ``jpegURL``: a ``mast:`` URI through MAST's download endpoint;
    an http(s) URL only on MAST's host or an STScI one (anything else: None)."""
    if not jpeg_url or not isinstance(jpeg_url, str):
        return None
    if jpeg_url.startswith("mast:"):
        return f"{settings.download_url}?uri={quote(jpeg_url, safe=':/')}"
    parts = urlsplit(jpeg_url)
    host = (parts.hostname or "").lower()
    ours = host == (urlsplit(settings.mast_url).hostname or "").lower()
    if parts.scheme in ("http", "https") and (ours or host.endswith(_PREVIEW_HOSTS)):
        return jpeg_url
    return None


def preview_image(observation, *, settings: Settings | None = None) -> bytes | None:
    """The observation's preview (PNG or JPEG bytes), or None if it has none.

    ``observation``: a row (Series or dict) of a search result.

    Raises
    ------
    MastUnavailable, AuthenticationError
        As for any MAST request; a preview bigger than ``MAX_PREVIEW_BYTES`` is
        :class:`~mastwidgets.errors.MastUnavailable` too.
    """
    settings = settings or get_settings()
    row = observation if isinstance(observation, (pd.Series, dict)) else {}
    url = preview_url(row.get("jpegURL"), settings)
    if url is None:
        return None
    headers = token_headers(settings) if url.startswith(settings.mast_url) else {}
    with (
        translate_errors(),
        requests.get(url, headers=headers, timeout=settings.timeout, stream=True) as answer,
    ):
        answer.raise_for_status()
        body = answer.raw.read(MAX_PREVIEW_BYTES + 1, decode_content=True)
    if len(body) > MAX_PREVIEW_BYTES:
        raise MastUnavailable(f"The preview at {url} is larger than {MAX_PREVIEW_BYTES:,} bytes.")
    return body
