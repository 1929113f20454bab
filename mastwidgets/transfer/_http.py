"""The HTTP(S) source: GETs sent by the process's I/O loop (:mod:`._loop`), one
window of requests at once per host (:mod:`._hosts`), and the HTTP answers turned
into the errors of :mod:`._source`.

Each GET is an :class:`Exchange`: libcurl hands it the answer's header lines and
body pieces on the loop's thread; the first body byte decides, from the status and
``Content-Range``, whether the body is the file's (it goes to the sink at its
offset) or an error page (read and dropped); the end turns it all into a
:class:`~._source.Got` or an error for the one who asked.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from urllib.parse import unquote, urlsplit

import pycurl

from ..errors import NEEDS_TOKEN
from ._hosts import HostWindow
from ._loop import io_loop
from ._source import (
    Done,
    Fetch,
    Got,
    RangeIgnored,
    ServerDown,
    SourceError,
    SourceUnavailable,
    Stopped,
    TransientError,
)

log = logging.getLogger(__name__)

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_UNSATISFIED = re.compile(r"bytes \*/(\d+)")
_STATUS_LINE = re.compile(rb"HTTP/[\d.]+ (\d{3})")
#: libcurl's read buffer: big reads, few callbacks (its maximum is 10 MB).
BUFFER_SIZE = 512 * 1024
#: Bytes of a body held before they go to the file in one write (and one hash
#: update): libcurl gives a body in pieces of what each read found (tens of kB on
#: loopback), each a Python call, a pwrite and a hand-off to the hashers.
SINK_BATCH = 1 << 20
#: ... or held this long at most (seconds), so that a slow body still shows progress.
SINK_DELAY = 0.1


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


@functools.cache
def ca_bundle() -> str:
    """The certificates HTTPS answers are checked against: the one named by
    ``SSL_CERT_FILE``, ``CURL_CA_BUNDLE`` or ``REQUESTS_CA_BUNDLE`` (a site's own
    proxy), else certifi's, as requests uses (pycurl's wheels carry a libcurl built
    elsewhere, whose default path may not exist here)."""
    for name in ("SSL_CERT_FILE", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE"):
        path = os.environ.get(name)
        if path and os.path.isfile(path):
            return path
    import certifi

    return certifi.where()


class HttpSource:
    """GETs on the I/O loop (redirects followed, kept-alive connections shared by
    every job); each host gets a window of requests at once that narrows when it
    throttles (_hosts.py)."""

    name = "http"
    streams_whole = True  # a server that ignores Range sends the file whole
    etag_is_md5 = False  # a web server's ETag is its own (nginx: mtime and size)

    def __init__(self, *, timeout: float, connections: int, headers: dict | None = None):
        self.headers = [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.timeout = timeout
        self.connections = connections
        self._windows: dict[str, HostWindow] = {}
        self._windows_lock = threading.Lock()

    def window(self, url: str) -> HostWindow:
        host = url.split("/", 3)[2] if "://" in url else urlsplit(url).netloc
        with self._windows_lock:
            if host not in self._windows:
                self._windows[host] = HostWindow(self.connections)
            return self._windows[host]

    def send(self, fetch: Fetch, done: Done) -> Callable[[], None]:
        """Send ``fetch`` (its location a URL) on the I/O loop; ``done`` gets a
        :class:`~._source.Got` or the error, on the loop's thread. Returns a function
        that cancels it (``done`` then gets :class:`~._source.Stopped`)."""
        return self.send_to(fetch.location, fetch, done)

    def send_to(self, url: str, fetch: Fetch, done: Done) -> Callable[[], None]:
        exchange = Exchange(url, fetch, done, self.window(url), self.headers, self.timeout)
        loop = io_loop()
        loop.start(exchange)
        return lambda: loop.cancel(exchange)

    def close(self) -> None:
        pass  # the connections are the loop's, kept for the next job


class Exchange:
    """One GET on the I/O loop, from the first header line to ``done``."""

    def __init__(self, url, fetch: Fetch, done: Done, window, headers, timeout):
        self.url, self.fetch, self.done, self.window = url, fetch, done, window
        self._headers, self._timeout = headers, timeout
        self.status: int | None = None
        self.retry_after: float | None = None
        self.answer: dict[str, str] = {}
        self.copied = 0  # bytes given to the sink
        self._received = 0  # ... and those held to give it with the next ones
        self._held: list[memoryview] = []
        self._held_since = 0.0
        self._offset = fetch.start  # where the next piece goes
        self._limit: int | None = None  # bytes of the body wanted (None: all)
        self._total: int | None = None
        self._ranged = True
        self._body: bool | None = None  # the file's bytes (True), an error page (False)
        self._error: BaseException | None = None

    def configure(self, c: pycurl.Curl) -> None:
        fetch = self.fetch
        c.setopt(pycurl.URL, self.url)
        c.setopt(pycurl.HTTPHEADER, [*self._headers, "Accept-Encoding: identity"])
        if fetch.end is not None:
            c.setopt(pycurl.RANGE, f"{fetch.start}-{fetch.end - 1}")
        c.setopt(pycurl.FOLLOWLOCATION, 1)
        c.setopt(pycurl.MAXREDIRS, 5)
        c.setopt(pycurl.NOSIGNAL, 1)
        c.setopt(pycurl.CAINFO, ca_bundle())
        c.setopt(pycurl.BUFFERSIZE, BUFFER_SIZE)
        c.setopt(pycurl.CONNECTTIMEOUT_MS, int(min(10.0, self._timeout) * 1000))
        c.setopt(pycurl.LOW_SPEED_LIMIT, 1)  # no byte for `timeout` seconds: a time-out
        c.setopt(pycurl.LOW_SPEED_TIME, max(1, round(self._timeout)))
        c.setopt(pycurl.HEADERFUNCTION, self._header)
        c.setopt(pycurl.WRITEFUNCTION, self._write)

    # -- libcurl's callbacks, on the loop's thread ----------------------------------------------
    def _header(self, line: bytes) -> None:
        status = _STATUS_LINE.match(line)
        if status:  # a new answer (after a redirect): its own headers
            self.status, self.answer = int(status.group(1)), {}
            return
        name, colon, value = line.decode("latin-1").partition(":")
        if colon:
            self.answer[name.strip().lower()] = value.strip()

    def _write(self, data: bytes):
        if self._body is None:
            self._decide()
        if not self._body:
            return None if self._error is None else -1  # an error page: read, dropped
        view = memoryview(data)
        if self._limit is not None:
            view = view[: max(0, self._limit - self._received)]  # more than asked: dropped
        if view:
            if not self._held:
                self._held_since = time.monotonic()
            self._held.append(view)
            self._received += len(view)
            if (
                self._received - self.copied >= SINK_BATCH
                or time.monotonic() - self._held_since >= SINK_DELAY
            ) and not self._flush():
                return -1
        return None

    def _flush(self) -> bool:
        """The bytes held given to the sink, in one piece; False if it refused them."""
        if self._received == self.copied:
            return True
        held, self._held = self._held, []
        piece = held[0] if len(held) == 1 else memoryview(b"".join(held))
        try:
            self.fetch.sink(self._offset, piece)
        except Exception as error:  # noqa: BLE001 - the disk is full ...: told to the job
            self._error = error
            return False
        self._offset += len(piece)
        self.copied += len(piece)
        return True

    def _decide(self) -> None:
        """The answer's first body byte (or its end): is the body the file's?"""
        fetch, status = self.fetch, self.status
        self.retry_after = _retry_after(self.answer.get("retry-after"))
        self._body = False
        whole_ok = fetch.end is None or fetch.first
        if status == 206 and fetch.end is not None:
            match = _CONTENT_RANGE.match(self.answer.get("content-range", ""))
            if not match or int(match.group(1)) != fetch.start:
                self._error = RangeIgnored(f"GET {_short(self.url)}: bad Content-Range")
                return
            self._total = int(match.group(3)) if match.group(3) != "*" else None
            self._limit = fetch.end - fetch.start
            self._body = True
        elif status == 200 and whole_ok:
            stated = self.answer.get("content-length", "")
            self._total = int(stated) if stated.isdigit() else None
            self._ranged = False  # Range ignored (or not asked for)
            self._offset = 0
            self._body = True
        elif status == 200:
            self._error = RangeIgnored(f"GET {_short(self.url)}: the server ignores Range")

    def _all_asked(self) -> bool:
        """Every byte of the range asked for came (a body that then ends early, short
        of a ``Content-Length`` claiming more, lost nothing of ours)."""
        if not self._body or self._limit is None:
            return False
        wanted = self._limit
        if self._total is not None:
            wanted = min(wanted, self._total - self.fetch.start)
        return self.copied >= wanted

    def ended(self, code: int, message: str) -> None:
        if self._body is None:
            self._decide()
        if self._body and self._error is None:
            self._flush()  # what came is kept, whatever the end (a stop, a reset)
        try:
            outcome = self._outcome(code, message)
        except Exception as error:  # a bug here: logged, and the job told
            log.exception("the end of GET %s", _short(self.url))
            outcome = error
        self.done(outcome)

    def _outcome(self, code: int, message: str) -> Got | BaseException:
        what = f"GET {_short(self.url)}"
        if code == -1:
            return Stopped()
        if self._error is not None:
            return self._error
        if code and not (code == pycurl.E_PARTIAL_FILE and self._all_asked()):
            return TransientError(f"{what}: {message or f'libcurl error {code}'}")
        status, fetch = self.status, self.fetch
        etag = (self.answer.get("etag") or "").strip('"').lower() or None
        if self._body:
            if status == 200 and self._total is None:
                self._total = self.copied  # no Content-Length: the body ends the file
            return Got(self.copied, self._total, self._ranged, etag)
        if status == 416:
            match = _UNSATISFIED.match(self.answer.get("content-range", ""))
            if match and not (fetch.first and int(match.group(1))):
                # We asked past the end; from byte 0, only an empty file has none.
                return Got(0, int(match.group(1)), True, etag)
            end = fetch.end if fetch.end is not None else 0
            return SourceUnavailable(
                f"{what}: range {fetch.start}-{end - 1} is beyond the end of the file"
            )
        if status is None:
            return TransientError(f"{what}: no answer")
        return _status_error(status, what, self.answer.get("retry-after"))


def _short(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc}{unquote(parts.path)}" + ("?…" if parts.query else "")
