"""Work off the kernel's main thread, with results or short messages in a status line."""

from __future__ import annotations

import html
import logging
import threading
from collections.abc import Callable

import ipywidgets as widgets

from ..errors import MastWidgetsError

log = logging.getLogger(__name__)

# Readable on a light page; the App's style sheet sets --mw-<kind> for dark pages.
_COLOURS = {"info": "inherit", "error": "#c62828", "busy": "#6d6d6d", "ok": "#2e7d32"}


class Status(widgets.HTML):
    """A one-line message: what happened, or what went wrong (never a traceback)."""

    def say(self, text: str, kind: str = "info") -> None:
        spinner = '<i class="fa fa-spinner fa-spin"></i> ' if kind == "busy" else ""
        self.value = (
            f'<span class="mw-status mw-{kind}" style="color:var(--mw-{kind}, {_COLOURS[kind]})">'
            f"{spinner}{html.escape(text)}</span>"
        )


def in_background(
    name: str, work: Callable, done: Callable, status: Status, finally_: Callable | None = None
) -> threading.Thread:
    """Run ``work()`` in a thread; ``done(result)`` on success, a message on failure."""

    def run() -> None:
        try:
            done(work())  # showing the result is part of the work: its errors too
        except MastWidgetsError as error:
            status.say(str(error), "error")
        except Exception as error:  # the UI boundary: a message, never a traceback
            log.exception("%s failed", name)
            status.say(
                f"{name} failed unexpectedly ({type(error).__name__}); details are in the log.",
                "error",
            )
        finally:
            if finally_ is not None:
                finally_()

    thread = threading.Thread(target=run, name=f"mastwidgets-ui-{name}", daemon=True)
    thread.start()
    return thread
