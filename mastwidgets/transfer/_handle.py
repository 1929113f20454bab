"""What the caller of a running job holds, whoever runs it (this process's engine,
or a Dask cluster's workers): events, with the last one replayed to latecomers."""

from __future__ import annotations

import threading
from collections.abc import Callable

from ._events import Subscriber, Subscribers, TransferEvent


class JobHandle:
    """``subscribe()``, ``done`` and ``result`` of a job. A subclass sets
    ``_final_event`` before ``_done`` and emits through ``_subscribers``."""

    def __init__(self) -> None:
        self._subscribers = Subscribers()
        self._done = threading.Event()
        self._result = None
        self._final_event: TransferEvent | None = None

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
    def result(self):
        return self._result
