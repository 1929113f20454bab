"""Voila's server as ``mastwidgets app`` runs it: the page's files travel compressed.

Every visitor's browser fetches the same 8.2 MB of JavaScript and CSS (Voila's
JupyterLab core, the widget managers, AG Grid); Voila sends it as it is on disk. Over a
50 Mbit/s link with 20 ms of latency the app's page was ready in 4.0 s against 2.4 s on
the machine itself (measured in headless Chromium, its network throttled). Here each
file is compressed (gzip) once per server and kept: a visitor receives about 2.1 MB,
and the server spends no more time on the tenth visitor than on none (compressing the
files again for every page cost 0.4 s of a 2-core host's time per visit, measured).

Voila's core arrives as one script instead of 72 (:mod:`mastwidgets.page_bundle`,
:class:`CoreBundle`): the page is ready 0.2-0.4 s sooner in headless Chromium.

Its terminal does not show tornado's false alarm about the pings that keep a page's
connection to its kernel (:class:`FalsePingAlarm`).

Run as ``python -m mastwidgets.app_server`` with Voila's own arguments
(:func:`mastwidgets.app.voila_command` does).
"""

from __future__ import annotations

import logging
import re
from typing import ClassVar

from jupyter_server.utils import url_path_join
from tornado import httputil
from tornado.web import GZipContentEncoding, RequestHandler
from traitlets import Bool
from voila.app import Voila

from .page_bundle import page_bundle

#: Where Voila serves files (the same for every visitor); other answers (a page, the
#: kernels' API) differ by visitor and are compressed each time, never kept.
STATIC = re.compile(r"/voila/(static|templates|labextensions)/")


class CompressedOnce(GZipContentEncoding):
    """Tornado's gzip for responses, where each of Voila's static files is compressed the
    first time it is asked for and its compressed bytes are sent to every later
    visitor."""

    #: (path, Etag) -> the compressed body; a changed file has a new Etag.
    compressed: ClassVar[dict[tuple[str, str], bytes]] = {}

    def __init__(self, request: httputil.HTTPServerRequest) -> None:
        super().__init__(request)
        static = request.method == "GET" and STATIC.search(request.path)
        self._path = request.path if static else None
        self._key: tuple[str, str] | None = None
        self._parts: list[bytes] = []
        self._sent_whole = False

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        etag = headers.get("Etag")
        key = (self._path, etag) if self._path and etag and status_code == 200 else None
        body = self.compressed.get(key) if self._gzipping and key else None
        if body is not None:
            vary = headers.get("Vary")
            headers["Vary"] = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
            headers["Content-Encoding"] = "gzip"
            headers["Content-Length"] = str(len(body))
            self._sent_whole = True  # the file's own chunks are not sent
            return status_code, headers, body
        status_code, headers, chunk = super().transform_first_chunk(
            status_code, headers, chunk, finishing
        )
        if self._gzipping and key:
            self._key, self._parts = key, [chunk]
            self._keep(finishing)
        return status_code, headers, chunk

    def transform_chunk(self, chunk: bytes, finishing: bool) -> bytes:
        if self._sent_whole:
            return b""
        chunk = super().transform_chunk(chunk, finishing)
        if self._key:
            self._parts.append(chunk)
            self._keep(finishing)
        return chunk

    def _keep(self, finishing: bool) -> None:
        if finishing:
            self.compressed[self._key] = b"".join(self._parts)
            self._key, self._parts = None, []


class FalsePingAlarm(logging.Filter):
    """Drops tornado's "The websocket_ping_timeout (90000) cannot be longer than the
    websocket_ping_interval (30000)", logged at a server's first page: Jupyter Server's
    websockets give tornado their ping settings in milliseconds, which tornado reads as
    seconds (its own pinging then waits 30,000 s: it never runs). The pinging that runs
    is Jupyter Server's, every 30 s with a 90 s timeout, as it should be."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("The websocket_ping_timeout (")


class CoreBundle(RequestHandler):
    """Serves :func:`~mastwidgets.page_bundle.page_bundle`'s script (compressed once and
    kept by :class:`CompressedOnce`, as Voila's other files). Its name changes with its
    content, so a browser keeps it: a returning visitor does not ask again."""

    def initialize(self, body: bytes) -> None:
        self.body = body

    def get(self) -> None:
        self.set_header("Content-Type", "text/javascript; charset=UTF-8")
        self.set_header("Cache-Control", "public, max-age=31536000, immutable")
        self.write(self.body)


class AppVoila(Voila):
    """Voila, its responses compressed (:class:`CompressedOnce`), its core sent as one
    script (:class:`CoreBundle`; the page template names it where Voila's
    ``resources`` say), without tornado's false alarm about Jupyter Server's pings
    (:class:`FalsePingAlarm`)."""

    one_core_script = Bool(
        True, config=True, help="Send Voila's core as one script (False: as Voila does)."
    )
    core_bundle: tuple[str, bytes] | None = None

    def init_settings(self) -> dict:
        self.core_bundle = page_bundle(self.static_paths) if self.one_core_script else None
        if self.core_bundle:
            # Voila's page renderer reads the resources from the configuration itself.
            resources = {**self.voila_configuration.resources}
            resources["mastwidgets_core"] = self.core_bundle[0]
            self.voila_configuration.config.VoilaConfiguration.resources = resources
        settings = super().init_settings()
        settings["transforms"] = [CompressedOnce]
        logging.getLogger("tornado.general").addFilter(FalsePingAlarm())
        return settings

    def init_handlers(self) -> list:
        handlers = super().init_handlers()
        if self.core_bundle:
            name, body = self.core_bundle
            path = url_path_join(self.server_url, "/voila/static/", re.escape(name))
            # Before Voila's own /voila/static/(.*): tornado takes the first match.
            handlers.insert(0, (path, CoreBundle, {"body": body}))
        return handlers


if __name__ == "__main__":
    AppVoila.launch_instance()
