"""What the caller of a running job holds, whoever runs it (this process's engine,
or a Dask cluster's workers): wait, pause, cancel, a snapshot, and events, with the
last one replayed to latecomers."""

from __future__ import annotations

import threading
from collections.abc import Callable

from ._events import JobSnapshot, Subscriber, Subscribers, TransferEvent
from ._results import TransferResult
from ._state import Status


class JobHandle:
    """``wait()``, ``pause()``, ``cancel()``, ``snapshot()``, ``subscribe()``,
    ``done`` and ``result`` of a job.

    A front end implements ``snapshot`` and ``_request_stop(status)``, emits
    through ``_subscribers``, and sets ``_result`` and ``_final_event`` before
    ``_done``; ``_join()`` waits for its threads once the job is done.
    """

    def __init__(self) -> None:
        self._subscribers = Subscribers()
        self._done = threading.Event()
        self._result = None
        self._final_event: TransferEvent | None = None

    def cancel(self) -> None:
        """Stop soon (within about one buffer); unfinished ``.part`` files are removed."""
        self._request_stop(Status.CANCELLED)

    def pause(self) -> None:
        """Stop soon (within about one buffer), keeping every byte for ``resume``."""
        self._request_stop(Status.PAUSED)

    def wait(self, timeout: float | None = None) -> TransferResult | None:
        """Block until the job ends and return its ``TransferResult`` (``None`` if
        ``timeout`` passed first)."""
        if not self._done.wait(timeout):
            return None
        self._join()
        return self._result

    def snapshot(self) -> JobSnapshot:
        """The job's progress now, every file included."""
        raise NotImplementedError

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` for every :class:`TransferEvent` (a
        :class:`TransferSubscriber` sorts them by kind); returns an unsubscribe function.

        A subscriber that arrives after the job has ended still gets its final
        ``job_status`` event (perhaps twice if it arrives just as the job ends).
        """
        unsubscribe = self._subscribers.add(callback)
        if self._final_event is not None:
            callback(self._final_event)
        return unsubscribe

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def result(self) -> TransferResult | None:
        return self._result

    def _request_stop(self, status: Status) -> None:
        raise NotImplementedError

    def _join(self) -> None:
        """Once the job is done: wait for the threads that ran it (none by default)."""
