"""The HTTP(S) source: ranged GETs over a keep-alive urllib3 pool, one window of
requests at once per host (:mod:`._hosts`), and the HTTP answers turned into the
errors of :mod:`._source`."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from urllib.parse import unquote, urlsplit

import urllib3

from ..errors import NEEDS_TOKEN
from ._hosts import HostWindow
from ._source import (
    Buffer,
    Probe,
    RangeIgnored,
    ServerDown,
    Sink,
    SourceError,
    SourceUnavailable,
    StopCheck,
    Stopped,
    TransientError,
    pump,
)

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_UNSATISFIED = re.compile(r"bytes \*/(\d+)")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


#: What a refusal means to the user, by status.
_REFUSALS = {
    401: NEEDS_TOKEN,
    403: "exclusive-access data: this MAST token has no access to them",
    404: "the server has no such file",
    410: "the server has withdrawn this file",
}


def _status_error(status: int, what: str, retry_after: str | None = None) -> SourceError:
    if status in _REFUSALS:
        phrase = HTTPStatus(status).phrase
        return SourceUnavailable(f"{what}: HTTP {status} {phrase}: {_REFUSALS[status]}")
    if status in (502, 503, 504):
        return ServerDown(f"{what}: HTTP {status}", _retry_after(retry_after))
    if status == 429 or status >= 500:
        return TransientError(f"{what}: HTTP {status}", _retry_after(retry_after))
    return SourceUnavailable(f"{what}: unexpected HTTP {status}")


# Retrying is ._retry's job; urllib3 only follows redirects (for HEAD too).
_FOLLOW_REDIRECTS_ONLY = urllib3.Retry(
    total=None,
    connect=0,
    read=0,
    status=0,
    other=0,
    redirect=5,
    raise_on_redirect=True,
    raise_on_status=False,
)


class _Answer:
    """What a request got back, for its host's window."""

    status: int | None = None
    retry_after: float | None = None


class HttpSource:
    """Ranged GETs over a keep-alive urllib3 pool (redirects followed, HEAD too); each
    host gets a window of requests at once that narrows when it throttles (_hosts.py)."""

    name = "http"
    probes_first = False  # the first ranged GET tells the size: one request per small file
    streams_whole = True  # a server that ignores Range sends the file whole
    etag_is_md5 = False  # a web server's ETag is its own (nginx: mtime and size)

    def __init__(self, *, timeout: float, connections: int, headers: dict | None = None):
        self.headers = dict(headers or {})
        self.connections = connections
        self._windows: dict[str, HostWindow] = {}
        self._windows_lock = threading.Lock()
        self.pool = urllib3.PoolManager(
            num_pools=8,
            maxsize=connections,
            block=False,
            retries=False,
            timeout=urllib3.Timeout(connect=min(10.0, timeout), read=timeout),
        )

    def window(self, url: str) -> HostWindow:
        host = urlsplit(url).netloc
        with self._windows_lock:
            if host not in self._windows:
                self._windows[host] = HostWindow(self.connections)
            return self._windows[host]

    @contextlib.contextmanager
    def _turn(self, url: str, should_stop: StopCheck = lambda: False) -> Iterator[_Answer]:
        """A place in the host's window for one request (and its body)."""
        window = self.window(url)
        if not window.enter(should_stop):
            raise Stopped()
        answer = _Answer()
        try:
            yield answer
        finally:
            window.leave(answer.status, answer.retry_after)

    def _request(
        self, method: str, url: str, headers: dict, answer: _Answer
    ) -> urllib3.BaseHTTPResponse:
        """Send the request; ``answer`` notes its status for the host's window."""
        try:
            response = self.pool.request(
                method,
                url,
                headers={**self.headers, **headers},
                preload_content=False,
                decode_content=False,
                redirect=True,
                retries=_FOLLOW_REDIRECTS_ONLY,
            )
        except urllib3.exceptions.HTTPError as error:
            raise TransientError(f"{method} {_short(url)}: {type(error).__name__}") from None
        answer.status = response.status
        answer.retry_after = _retry_after(response.headers.get("Retry-After"))
        return response

    def probe(self, url: str) -> Probe:
        with self._turn(url) as answer:
            response = self._request("HEAD", url, {"Accept-Encoding": "identity"}, answer)
            response.release_conn()
        if response.status >= 300:
            raise _status_error(
                response.status, f"HEAD {_short(url)}", response.headers.get("Retry-After")
            )
        length = response.headers.get("Content-Length")
        ranged = response.headers.get("Accept-Ranges", "").lower() == "bytes"
        size = int(length) if length and length.isdigit() else None
        return Probe(size=size, etag=_etag(response), ranged=ranged)

    def fetch(
        self, url: str, start: int, end: int, sink: Sink, buffer: Buffer, should_stop: StopCheck
    ) -> tuple[int, int | None, str | None]:
        """Stream ``[start, end)``; returns (bytes copied, total size the server stated,
        the ETag)."""
        with self._turn(url, should_stop) as answer:
            copied, total, _, etag = self._fetch(url, start, end, sink, buffer, should_stop, answer)
        return copied, total, etag

    def fetch_first(
        self, url: str, length: int, sink: Sink, buffer: Buffer, should_stop: StopCheck
    ) -> tuple[int, int | None, bool, str | None]:
        """The first GET of a file whose size is not known (instead of a HEAD): bytes
        ``[0, length)``, whose ``Content-Range`` tells the size; a server that ignores
        Range answers 200 and its whole body is taken. Returns (bytes copied, the
        file's size as the server states it, whether the server honours Range, the
        ETag)."""
        with self._turn(url, should_stop) as answer:
            return self._fetch(url, 0, length, sink, buffer, should_stop, answer, whole=True)

    def _fetch(
        self, url, start, end, sink, buffer, should_stop, answer, *, whole: bool = False
    ) -> tuple[int, int | None, bool, str | None]:
        """A ranged GET; with ``whole``, a 200 (Range ignored) is read to its end
        instead of raising :class:`RangeIgnored`. Returns (bytes copied, the size the
        server stated, whether it honoured Range, the ETag)."""
        headers = {"Accept-Encoding": "identity", "Range": f"bytes={start}-{end - 1}"}
        response = self._request("GET", url, headers, answer)
        etag = _etag(response)
        try:
            if response.status == 206:
                match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
                if not match or int(match.group(1)) != start:
                    raise RangeIgnored(f"GET {_short(url)}: bad Content-Range")
                total = int(match.group(3)) if match.group(3) != "*" else None
                copied = _read_body(response, url, start, end - start, sink, buffer, should_stop)
                return copied, total, True, etag
            if response.status == 200 and whole:
                stated = response.headers.get("Content-Length", "")
                copied = _read_body(response, url, 0, 1 << 62, sink, buffer, should_stop)
                return copied, int(stated) if stated.isdigit() else copied, False, etag
            if response.status == 200:
                raise RangeIgnored(f"GET {_short(url)}: the server ignores Range")
            if response.status == 416:
                match = _UNSATISFIED.match(response.headers.get("Content-Range", ""))
                if match and not (whole and int(match.group(1))):
                    # We asked past the end; from byte 0, only an empty file has none.
                    return 0, int(match.group(1)), True, etag
                raise SourceUnavailable(
                    f"GET {_short(url)}: range {start}-{end - 1} is beyond the end of the file"
                )
            raise _status_error(
                response.status, f"GET {_short(url)}", response.headers.get("Retry-After")
            )
        finally:
            _finish(response)

    def fetch_whole(self, url: str, sink: Sink, buffer: Buffer, should_stop: StopCheck) -> int:
        """For servers that ignore Range: the whole file in one GET, from byte 0."""
        with self._turn(url, should_stop) as answer:
            response = self._request("GET", url, {"Accept-Encoding": "identity"}, answer)
            try:
                if response.status != 200:
                    raise _status_error(
                        response.status, f"GET {_short(url)}", response.headers.get("Retry-After")
                    )
                return _read_body(response, url, 0, 1 << 62, sink, buffer, should_stop)
            finally:
                _finish(response)

    def close(self) -> None:
        self.pool.clear()


def _read_body(
    response, url: str, start: int, length: int, sink: Sink, buffer: Buffer, should_stop: StopCheck
) -> int:
    """Pump a response body into ``sink``; a broken body is a TransientError."""
    raw = getattr(response, "_fp", None)  # http.client's readinto: no extra copy
    read_into = raw.readinto if raw is not None else response.readinto
    try:
        return pump(read_into, start, length, sink, buffer, should_stop)
    except (OSError, urllib3.exceptions.HTTPError, ValueError) as error:
        raise TransientError(f"GET {_short(url)}: {type(error).__name__}") from None


def _etag(response) -> str | None:
    """The answer's ETag, unquoted (a weak one's ``W/`` kept: it is no checksum)."""
    return (response.headers.get("ETag") or "").strip('"').lower() or None


def _finish(response) -> None:
    """Give the connection back if the body was read to its end, else close it."""
    raw = getattr(response, "_fp", None)
    if raw is not None and not raw.isclosed():
        response.close()  # body not read to its end: the connection cannot be reused
    else:
        response.release_conn()


def _short(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc}{unquote(parts.path)}" + ("?…" if parts.query else "")
