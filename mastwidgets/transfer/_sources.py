"""Where bytes come from, by name: the registry of sources (``SOURCES``) and
:func:`open_sources`, which makes the ones a job needs from the names in its files'
states.

Every source is a :class:`~._source.Source`: it takes a :class:`~._source.Fetch`
(``send``) and tells how it ended with the same outcomes and exceptions, and says by
two flags how the engine treats it (may a file be streamed whole when Range is
ignored? is a plain ETag an MD5?). The engine asks a source and never names
one: a new source plugs in here. Retrying is not theirs to do: :mod:`._retry`
decides, for all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ._http import HttpSource
from ._s3 import S3Source, parse_s3_uri
from ._source import Source

__all__ = ["SOURCES", "HttpSource", "S3Source", "Source", "open_sources", "parse_s3_uri"]

#: How each source is made, by the name a file's state gives it.
#: ``connections``: requests at once to one host of the source.
SOURCES: dict[str, Callable[..., Source]] = {
    "s3": lambda *, timeout, connections, headers, s3_endpoint: S3Source(
        endpoint=s3_endpoint, timeout=timeout, connections=connections
    ),
    "http": lambda *, timeout, connections, headers, s3_endpoint: HttpSource(
        timeout=timeout, connections=connections, headers=headers
    ),
}


def open_sources(
    names: Iterable[str],
    *,
    timeout: float,
    connections: dict[str, int],
    headers: dict | None = None,
    s3_endpoint: str | None = None,
) -> dict[str, Source]:
    """The sources named (once each), ready for a job; ``connections``:
    requests at once per host, by source's name."""
    return {
        name: SOURCES[name](
            timeout=timeout,
            connections=connections[name],
            headers=headers,
            s3_endpoint=s3_endpoint,
        )
        for name in dict.fromkeys(names)
        if name in SOURCES
    }
