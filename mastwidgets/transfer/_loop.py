"""The I/O loop: one thread per process drives every request of every job.

libcurl's multi interface (pycurl's ``CurlMulti``) owns the sockets; this module
runs it on a thread of its own ("mastwidgets-io", never the Jupyter kernel's event
loop, which stays free for the widgets) with an ``epoll`` selector: libcurl says
which sockets to watch and when its next timeout is due, the loop wakes for
whichever comes first. Other threads hand it work with :meth:`Loop.call` (a queue
and a wake-up pipe: no lock is taken per chunk); a request's bytes go to its own
callbacks on this thread, and its end to its ``ended`` method, which hands it on.

A request waits for a place in its host's window (:mod:`._hosts`) before it is
added to the multi handle: the window, not a thread, is what limits a host.
Measured before this was built (``benchmarks/transports.py``): ``CurlMulti`` on one
thread moves 100 kB files at 1.0-1.3x ``curl --parallel``, threads per connection
at 0.3-0.9x.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import heapq
import itertools
import logging
import os
import selectors
import threading
import time
from collections.abc import Callable
from typing import Protocol

import pycurl

from ._hosts import HostWindow

log = logging.getLogger(__name__)

#: Easy handles kept for reuse (their settings are reset; connections live in the
#: multi handle's cache, shared by every request).
SPARE_HANDLES = 64
#: Connections libcurl keeps open between requests, over every host.
CACHED_CONNECTIONS = 256


class Request(Protocol):
    """What the loop asks of a request (see ``_http.Exchange``)."""

    window: HostWindow | None
    status: int | None  # the answer's status, once known (the window learns from it)
    retry_after: float | None

    def configure(self, handle: pycurl.Curl) -> None:
        """Set the handle up for this request (URL, headers, callbacks)."""

    def ended(self, code: int, message: str) -> None:
        """The request is over: ``code`` 0 or libcurl's error, -1 if it was cancelled."""


class Loop:
    """The process's I/O loop; :func:`io_loop` gives the running one."""

    def __init__(self) -> None:
        self._multi = pycurl.CurlMulti()
        self._multi.setopt(pycurl.M_SOCKETFUNCTION, self._on_socket)
        self._multi.setopt(pycurl.M_TIMERFUNCTION, self._on_timer)
        self._multi.setopt(pycurl.M_MAXCONNECTS, CACHED_CONNECTIONS)
        self._selector = selectors.EpollSelector()
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._inbox: collections.deque[Callable[[], None]] = collections.deque()
        self._woken = False  # the pipe has been written to since the loop last read it
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._curl_due: float | None = None  # libcurl's own timeout
        self._waiting: collections.deque[Request] = collections.deque()  # for their window
        self._active: dict[pycurl.Curl, Request] = {}
        self._spare: list[pycurl.Curl] = []
        self.pid = os.getpid()
        self._thread = threading.Thread(target=self._run, name="mastwidgets-io", daemon=True)
        self._thread.start()

    # -- from any thread ------------------------------------------------------------------------
    def call(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the loop's thread, soon."""
        self._inbox.append(fn)
        if self._woken:
            return  # a wake-up is on its way, and the loop reads the inbox after it
        self._woken = True
        with contextlib.suppress(BlockingIOError):  # the pipe is full: the loop is awake
            os.write(self._wake_w, b"!")

    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the loop's thread after ``delay`` seconds."""
        due = time.monotonic() + max(0.0, delay)
        self.call(lambda: heapq.heappush(self._timers, (due, next(self._order), fn)))

    def start(self, request: Request) -> None:
        """Send ``request`` when its host's window has a place."""
        self.call(lambda: self._waiting.append(request))

    def cancel(self, request: Request) -> None:
        """End ``request`` now (``ended(-1, ...)``), wherever it is."""
        self.call(lambda: self._cancel(request))

    # -- on the loop's thread -------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            try:
                self._turn()
            except Exception:  # a bug in a request's callbacks must not stop every job
                log.exception("the I/O loop's turn failed")

    def _turn(self) -> None:
        now = time.monotonic()
        due = [t for t in (self._curl_due, self._timers[0][0] if self._timers else None) if t]
        timeout = max(0.0, min(due) - now) if due else None
        closed = [r.window.closed_until for r in self._waiting if r.window is not None]
        reopens = [t - now for t in closed if t > now]
        if reopens:  # a host closed by a Retry-After: look again when it opens
            timeout = min(reopens) if timeout is None else min(timeout, min(reopens))
        for key, events in self._selector.select(timeout):
            if key.fd == self._wake_r:
                self._drain_wake()
                continue
            mask = (pycurl.CSELECT_IN if events & selectors.EVENT_READ else 0) | (
                pycurl.CSELECT_OUT if events & selectors.EVENT_WRITE else 0
            )
            self._multi.socket_action(key.fd, mask)
        while self._inbox:
            self._inbox.popleft()()
        now = time.monotonic()
        if self._curl_due is not None and self._curl_due <= now:
            self._curl_due = None
            self._multi.socket_action(pycurl.SOCKET_TIMEOUT, 0)
        while self._timers and self._timers[0][0] <= now:
            heapq.heappop(self._timers)[2]()
        self._reap()
        self._admit()

    def _drain_wake(self) -> None:
        try:
            while os.read(self._wake_r, 4096):
                pass
        except BlockingIOError:
            pass
        self._woken = False  # (the inbox is read after this)

    def _on_socket(self, what: int, fd: int, multi, data) -> None:
        events = {
            pycurl.POLL_IN: selectors.EVENT_READ,
            pycurl.POLL_OUT: selectors.EVENT_WRITE,
            pycurl.POLL_INOUT: selectors.EVENT_READ | selectors.EVENT_WRITE,
        }.get(what)
        try:
            if events is None:  # POLL_REMOVE
                self._selector.unregister(fd)
            else:
                try:
                    self._selector.modify(fd, events)
                except KeyError:
                    self._selector.register(fd, events)
        except (KeyError, ValueError, OSError) as error:
            if getattr(error, "errno", None) not in (None, errno.EBADF, errno.ENOENT):
                raise

    def _on_timer(self, milliseconds: int) -> None:
        self._curl_due = None if milliseconds < 0 else time.monotonic() + milliseconds / 1000

    def _admit(self) -> None:
        """Requests whose host has a place go to libcurl, in the order they came."""
        if not self._waiting:
            return
        now = time.monotonic()
        still: collections.deque[Request] = collections.deque()
        full: set[int] = set()
        added = 0
        for request in self._waiting:
            window = request.window
            if window is not None and (id(window) in full or not window.try_enter(now)):
                full.add(id(window))
                still.append(request)
                continue
            handle = self._spare.pop() if self._spare else pycurl.Curl()
            self._active[handle] = request
            try:
                request.configure(handle)
                self._multi.add_handle(handle)
            except Exception as error:
                log.exception("a request could not be sent")
                del self._active[handle]
                self._release(handle, request)
                request.ended(pycurl.E_FAILED_INIT, f"{type(error).__name__}: {error}")
                continue
            added += 1
        self._waiting = still
        if added:
            self._multi.socket_action(pycurl.SOCKET_TIMEOUT, 0)  # start them now
            self._reap()

    def _reap(self) -> None:
        while True:
            queued, ok, failed = self._multi.info_read()
            for handle in ok:
                self._end(handle, 0, "")
            for handle, code, message in failed:
                self._end(handle, code, message)
            if not queued:
                return

    def _end(self, handle: pycurl.Curl, code: int, message: str) -> None:
        request = self._active.pop(handle, None)
        self._multi.remove_handle(handle)
        if request is None:
            return
        self._release(handle, request)
        request.ended(code, message)

    def _release(self, handle: pycurl.Curl, request: Request) -> None:
        """The handle back to the spares, the request's place in its window given up."""
        if request.window is not None:
            request.window.leave(request.status, request.retry_after)
        handle.reset()
        if len(self._spare) < SPARE_HANDLES:
            self._spare.append(handle)
        else:
            handle.close()

    def _cancel(self, request: Request) -> None:
        if request in self._waiting:
            self._waiting.remove(request)
            request.ended(-1, "cancelled before it was sent")
            return
        for handle, active in self._active.items():
            if active is request:
                del self._active[handle]
                self._multi.remove_handle(handle)
                self._release(handle, request)
                request.ended(-1, "cancelled")
                return


_loop: Loop | None = None
_loop_lock = threading.Lock()


def io_loop() -> Loop:
    """The process's I/O loop, started on first use (and again in a forked child,
    which inherits no thread)."""
    global _loop
    loop = _loop
    if loop is not None and loop.pid == os.getpid():
        return loop
    with _loop_lock:
        if _loop is None or _loop.pid != os.getpid():
            _loop = Loop()
        return _loop
