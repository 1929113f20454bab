"""Where bytes come from: HTTP(S) URLs and S3 objects, read in byte ranges.

Both sources answer the same two questions, with the same exceptions:
``probe(location)`` (size, checksum, Range support) and
``fetch(location, start, end, sink)`` (stream ``[start, end)`` into ``sink``).
Retrying is not theirs to do: :mod:`._retry` decides, for both.

The data path reads straight into a worker's reusable :class:`Buffer`
(``readinto``, no per-read allocation) and hands memoryviews to the sink.
"""

from __future__ import annotations

import contextlib
import functools
import mmap
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import unquote, urlsplit

import urllib3
from botocore import UNSIGNED
from botocore.config import Config

from ._hosts import HostWindow

Sink = Callable[[int, memoryview], None]  # (offset, data)
StopCheck = Callable[[], bool]

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_UNSATISFIED = re.compile(r"bytes \*/(\d+)")
_MD5 = re.compile(r"^[0-9a-f]{32}$")


class SourceError(Exception):
    """A source failed for this file."""


class TransientError(SourceError):
    """Worth retrying: resets, time-outs, 5xx, 429/503 throttling."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class SourceUnavailable(SourceError):
    """This source does not have the file for us (404, 403, 401): try another."""


class RangeIgnored(SourceError):
    """The server answered a ranged request with the whole file (200)."""


class Stopped(Exception):
    """The job was paused or cancelled while bytes were flowing."""


@dataclass(frozen=True)
class Probe:
    """What a source says about a file before we fetch it."""

    size: int | None
    md5: str | None = None
    etag: str | None = None
    ranged: bool = True


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


def _status_error(status: int, what: str, retry_after: str | None = None) -> SourceError:
    if status in (401, 403, 404, 410):
        return SourceUnavailable(f"{what}: HTTP {status}")
    if status == 429 or status >= 500:
        return TransientError(f"{what}: HTTP {status}", _retry_after(retry_after))
    return SourceUnavailable(f"{what}: unexpected HTTP {status}")


class Buffer:
    """A worker's reusable read buffer, and the read size that suits its link.

    Each read fills ``read_size`` bytes of it; the size doubles while reads come
    back fast (big reads, little Python per byte on fast links) and halves when
    they are slow (so progress, pause and cancel stay responsive on slow links).
    The memory is an anonymous mapping: a page costs memory only once a read has
    reached it, so the workers on small files (16 of them) do not each hold the
    chunk size.
    """

    SMALLEST, FAST, SLOW = 16 * 1024, 0.05, 0.25  # bytes, seconds, seconds

    def __init__(self, size: int):
        self.view = memoryview(mmap.mmap(-1, size))
        self.read_size = self.SMALLEST

    def adapt(self, seconds: float) -> None:
        if seconds < self.FAST:
            self.read_size = min(self.read_size * 2, len(self.view))
        elif seconds > self.SLOW:
            self.read_size = max(self.read_size // 2, self.SMALLEST)


def pump(
    read_into, start: int, length: int, sink: Sink, buffer: Buffer, should_stop: StopCheck
) -> int:
    """Copy up to ``length`` bytes from ``read_into`` to ``sink`` at ``start``.

    Returns the bytes copied; fewer than ``length`` means the body ended early.
    """
    done = 0
    view = buffer.view
    while done < length:
        if should_stop():
            raise Stopped()
        began = time.monotonic()
        n = read_into(view[: min(buffer.read_size, length - done)])
        if not n:
            break
        sink(start + done, view[:n])
        done += n
        buffer.adapt(time.monotonic() - began)
    return done


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
        etag = (response.headers.get("ETag") or "").strip('"').lower() or None
        size = int(length) if length and length.isdigit() else None
        return Probe(size=size, etag=etag, ranged=ranged)

    def fetch(
        self, url: str, start: int, end: int, sink: Sink, buffer: Buffer, should_stop: StopCheck
    ) -> tuple[int, int | None]:
        """Stream ``[start, end)``; returns (bytes copied, total size the server stated)."""
        with self._turn(url, should_stop) as answer:
            copied, total, _ = self._fetch(url, start, end, sink, buffer, should_stop, answer)
        return copied, total

    def fetch_first(
        self, url: str, length: int, sink: Sink, buffer: Buffer, should_stop: StopCheck
    ) -> tuple[int, int | None, bool]:
        """The first GET of a file whose size is not known (instead of a HEAD): bytes
        ``[0, length)``, whose ``Content-Range`` tells the size; a server that ignores
        Range answers 200 and its whole body is taken. Returns (bytes copied, the
        file's size as the server states it, whether the server honours Range)."""
        with self._turn(url, should_stop) as answer:
            return self._fetch(url, 0, length, sink, buffer, should_stop, answer, whole=True)

    def _fetch(
        self, url, start, end, sink, buffer, should_stop, answer, *, whole: bool = False
    ) -> tuple[int, int | None, bool]:
        """A ranged GET; with ``whole``, a 200 (Range ignored) is read to its end
        instead of raising :class:`RangeIgnored`. Returns (bytes copied, the size the
        server stated, whether it honoured Range)."""
        headers = {"Accept-Encoding": "identity", "Range": f"bytes={start}-{end - 1}"}
        response = self._request("GET", url, headers, answer)
        try:
            if response.status == 206:
                match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
                if not match or int(match.group(1)) != start:
                    raise RangeIgnored(f"GET {_short(url)}: bad Content-Range")
                total = int(match.group(3)) if match.group(3) != "*" else None
                copied = _read_body(response, url, start, end - start, sink, buffer, should_stop)
                return copied, total, True
            if response.status == 200 and whole:
                stated = response.headers.get("Content-Length", "")
                copied = _read_body(response, url, 0, 1 << 62, sink, buffer, should_stop)
                return copied, int(stated) if stated.isdigit() else copied, False
            if response.status == 200:
                raise RangeIgnored(f"GET {_short(url)}: the server ignores Range")
            if response.status == 416:
                match = _UNSATISFIED.match(response.headers.get("Content-Range", ""))
                if match and not (whole and int(match.group(1))):
                    # We asked past the end; from byte 0, only an empty file has none.
                    return 0, int(match.group(1)), True
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


def parse_s3_uri(uri: str) -> tuple[str, str]:
    parts = urlsplit(uri)
    if parts.scheme != "s3" or not parts.netloc or not parts.path.strip("/"):
        raise ValueError(f"not an s3://bucket/key URI: {uri!r}")
    return parts.netloc, parts.path.lstrip("/")


class S3Source:
    """Anonymous (unsigned) access to S3 objects, as to MAST's ``stpubdata``.

    botocore resolves the endpoint and the addressing style (the object's URL);
    HEAD and the ranged GETs then go over the same fast path as
    :class:`HttpSource` (an unsigned S3 request is plain HTTP), which spares
    botocore's per-request overhead on every chunk.
    """

    name = "s3"

    def __init__(
        self, *, endpoint: str | None, timeout: float, connections: int, region: str = "us-east-1"
    ):
        self.client = _s3_client(endpoint, region, timeout, connections)
        self._http = HttpSource(timeout=timeout, connections=connections)
        self._urls: dict[str, str] = {}

    def probe(self, uri: str) -> Probe:
        """HEAD on the object's URL; a plain-MD5 ETag (single-part upload) is its MD5."""
        answer = self._http.probe(self.url(uri))
        md5 = answer.etag if answer.etag and _MD5.match(answer.etag) else None
        return Probe(size=answer.size, md5=md5, etag=answer.etag, ranged=True)

    def url(self, uri: str) -> str:
        """The object's plain HTTP(S) URL, as botocore addresses it (no signature)."""
        if uri not in self._urls:
            bucket, key = parse_s3_uri(uri)
            self._urls[uri] = self.client.generate_presigned_url(
                "get_object", Params={"Bucket": bucket, "Key": key}
            )
        return self._urls[uri]

    def fetch(
        self, uri: str, start: int, end: int, sink: Sink, buffer: Buffer, should_stop: StopCheck
    ) -> tuple[int, int | None]:
        return self._http.fetch(self.url(uri), start, end, sink, buffer, should_stop)

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
