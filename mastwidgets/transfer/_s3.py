"""The S3 source: anonymous (unsigned) reads of objects, as of MAST's ``stpubdata``
bucket, over the HTTP source's fast path."""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import quote

from botocore import UNSIGNED
from botocore.config import Config

from ._http import HttpSource
from ._source import Done, Fetch


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``(bucket, key)`` of ``s3://bucket/key``; the key is taken as written (S3 keys
    may hold ``?`` and ``#``, which a URL parser would cut off)."""
    scheme, _, rest = uri.partition("://")
    bucket, _, key = rest.partition("/")
    if scheme != "s3" or not bucket or not key.strip("/"):
        raise ValueError(f"not an s3://bucket/key URI: {uri!r}")
    return bucket, key.lstrip("/")


_STAND_IN = "mastwidgets-key-stand-in"


class S3Source:
    """Anonymous (unsigned) access to S3 objects, as to MAST's ``stpubdata``.

    botocore resolves the endpoint and the addressing style (the object's URL);
    the ranged GETs then go over the same I/O loop and connections as
    :class:`HttpSource` (an unsigned S3 request is plain HTTP), which spares
    botocore's per-request overhead on every chunk. No HEAD: each GET's answer says
    the object's size (``Content-Range``) and ETag (for a single-part object, its MD5), so a small
    object costs one request.
    """

    name = "s3"
    streams_whole = False  # an object store that ignores Range is not to be trusted
    etag_is_md5 = True  # a single-part object's ETag is its MD5; multipart ones are not

    def __init__(
        self, *, endpoint: str | None, timeout: float, connections: int, region: str = "us-east-1"
    ):
        self.client = _s3_client(endpoint, region, timeout, connections)
        self._http = HttpSource(timeout=timeout, connections=connections)
        self._urls: dict[str, str] = {}

    def url(self, uri: str) -> str:
        """The object's plain HTTP(S) URL, as botocore addresses it (no signature):
        botocore addresses one stand-in key per bucket, the others take its place
        (quoted as botocore quotes keys), sparing its 0.2 ms per object."""
        bucket, key = parse_s3_uri(uri)
        template = self._urls.get(bucket)
        if template is None:
            template = self.client.generate_presigned_url(
                "get_object", Params={"Bucket": bucket, "Key": _STAND_IN}
            )
            if template.count(_STAND_IN) != 1 or "?" in template:
                raise ValueError(f"botocore addressed {bucket!r} as {template!r}")
            self._urls[bucket] = template
        return template.replace(_STAND_IN, quote(key, safe="/~"))

    def send(self, fetch: Fetch, done: Done) -> Callable[[], None]:
        """A GET of the object's URL on the I/O loop (see :meth:`HttpSource.send`)."""
        return self._http.send_to(self.url(fetch.location), fetch, done)

    def close(self) -> None:
        self._http.close()  # the botocore client is shared: see _s3_client


@functools.lru_cache(maxsize=8)
def _s3_client(endpoint: str | None, region: str, timeout: float, connections: int):
    """An unsigned botocore S3 client, shared by jobs (creating one costs ~60 ms;
    botocore clients are thread-safe)."""
    import botocore.session

    return botocore.session.get_session().create_client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        config=Config(
            signature_version=UNSIGNED,
            max_pool_connections=connections,
            connect_timeout=min(10.0, timeout),
            read_timeout=timeout,
            retries={"max_attempts": 1},
            tcp_keepalive=True,
        ),
    )
