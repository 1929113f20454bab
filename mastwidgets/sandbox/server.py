"""The sandbox's HTTP server: MAST's endpoints on one loopback port.

Routes (all on one port, as MAST_PROTOCOL.md §1.3 shows they can be):

==========================================  ==========================================
``POST /api/v0/invoke``                     portal services (``GET``: legacy name look-up)
``POST /portal/Mashup/Mashup.asmx/columnsconfig``  column configurations
``HEAD|GET /api/v0.1/Download/file?uri=``   product files, with ``Range``
``POST /api/v0.1/Download/bundle.sh``       a curl script for several files
``GET /api/v0.1/path_lookup/?uri=..``       cloud paths
``GET /Santa-war/query``                    the SANTA name resolver
``GET /whoami``                             session info
``POST /search/<mission>/api/v0.1/search``  the mission search (:mod:`.missions`)
``POST /search/<mission>/api/v0.1/post_list_products``  a mission's product lists
``GET /search/<mission>/api/v0.1/retrieve_product``     a mission's files, with ``Range``
``GET /search/util/api/v0.1/column_list``  a mission's searchable columns
==========================================  ==========================================
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import socket
import sys
import threading
import time
from collections import deque
from email.utils import formatdate
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from .faults import Faults, FaultSwitch
from .missions import MISSIONS, MissionError, column_list
from .portal import Portal
from .rows import HLA_GETDATA

_CONTENT_TYPES = {
    ".fits": "application/fits",
    ".png": "image/png",
    ".json": "application/json",
    ".ecsv": "text/plain; charset=utf-8",
}
_LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)
_API_PATHS = {
    "/api/v0/invoke",
    "/portal/Mashup/Mashup.asmx/columnsconfig",
    "/Santa-war/query",
    "/api/v0.1/path_lookup/",
    "/whoami",
    "/api/v0.1/Download/bundle.sh",
}
DOWNLOAD_PATH = "/api/v0.1/Download/file"
#: /search/<mission>/api/v0.1/<service>
_MISSION_PATH = re.compile(r"/search/([a-z0-9_]+)/api/v0\.1/([a-z_]+)")
REDIRECTED_PATH = "/sandbox/redirected/file"  # where the ``redirect`` fault sends downloads


def parse_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """``(first, last)`` of a single ``bytes=`` range, ``None`` (no usable range) or ``"416"``."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, _, last = header[len("bytes=") :].strip().partition("-")
    try:
        if first == "":
            length = int(last)
            return (max(size - length, 0), size - 1) if length > 0 and size else "416"
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    except ValueError:
        return None
    if start >= size or end < start:
        return "416"
    return start, end


class LoopbackServer(ThreadingHTTPServer):
    """A threading server that also closes its idle keep-alive connections on shutdown
    (both sandbox servers are); ``_connections_lock`` also guards subclasses' counters."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler):
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        # An answer's headers and its body are two writes: with Nagle's algorithm on,
        # the body waits for the client's delayed ACK of the headers (40 ms a ranged
        # GET on Linux). Web servers and S3 send without that wait (nginx: tcp_nodelay).
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        """Clients hanging up mid-answer are normal here (tests kill them on purpose)."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)


class SandboxHTTPServer(LoopbackServer):
    """MAST's endpoints, with a log of the requests answered and faults."""

    def __init__(self, address, portal: Portal, faults: FaultSwitch):
        self.portal = portal
        self.faults = faults
        self.log: deque[tuple[str, str, int]] = deque(maxlen=10_000)
        self.times: deque[float] = deque(maxlen=10_000)  # when each answer in the log began
        self.served = 0  # requests answered since the server started (the log keeps the last)
        self.bytes_sent = 0  # file body bytes sent by downloads
        self.downloads_now = 0  # file bodies being sent right now
        self.downloads_peak = 0  # the most at once since the last reset
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "MASTSandbox/1.0"
    timeout = 120  # an idle keep-alive connection is closed after this
    server: SandboxHTTPServer

    # -- plumbing ---------------------------------------------------------------------------------
    def log_message(self, format, *args):
        pass

    def _record(self, status: int) -> None:
        with self.server._connections_lock:
            self.server.log.append((self.command, self.path, status))
            self.server.times.append(time.monotonic())
            self.server.served += 1

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: dict | None = None,
    ) -> None:
        self._record(status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, obj, status: int = 200) -> None:
        self._send(status, json.dumps(obj).encode())

    def _token(self) -> str | None:
        cookie = SimpleCookie(self.headers.get("Cookie") or "")
        if "mast_token" in cookie:
            return cookie["mast_token"].value
        scheme, _, value = (self.headers.get("Authorization") or "").partition(" ")
        return value.strip() if scheme.lower() in ("token", "bearer") else None

    def _fault(self, kind: str) -> Faults | None:
        """Apply the faults that fire before an answer; ``None`` if the request was failed."""
        faults, failed = self.server.faults.arrive(kind)
        if failed:
            headers = {"Retry-After": f"{faults.retry_after:g}"} if faults.retry_after else {}
            reason = HTTPStatus(faults.fail_status).phrase
            self._send(
                faults.fail_status,
                f"{faults.fail_status} {reason} (sandbox fault)".encode(),
                "text/plain",
                headers,
            )
            return None
        return faults

    # -- dispatch ---------------------------------------------------------------------------------
    def do_GET(self):
        self._dispatch()

    def do_HEAD(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def _dispatch(self) -> None:
        url = urlsplit(self.path)  # absolute-URI targets (proxy style) work too
        query = parse_qs(url.query)
        route = (self.command if self.command != "HEAD" else "GET", url.path)
        mission = _MISSION_PATH.fullmatch(url.path)
        if mission is not None:
            self._mission(route[0], mission.group(1), mission.group(2), query)
            return
        if url.path in (DOWNLOAD_PATH, REDIRECTED_PATH) and route[0] == "GET":
            faults = self._fault("download")
            if faults is not None and faults.redirect and url.path == DOWNLOAD_PATH:
                self._send(302, b"", "text/plain", {"Location": f"{REDIRECTED_PATH}?{url.query}"})
            elif faults is not None:
                uri = query.get("uri", [""])[0]
                self._counted_download(self.server.portal.content(uri), uri, faults)
            return
        handlers = {
            ("POST", "/api/v0/invoke"): self._invoke,
            ("GET", "/api/v0/invoke"): self._invoke_get,
            ("POST", "/portal/Mashup/Mashup.asmx/columnsconfig"): self._columns_config,
            ("GET", "/Santa-war/query"): self._santa,
            ("GET", "/api/v0.1/path_lookup/"): self._path_lookup,
            ("GET", "/whoami"): self._whoami,
            ("POST", "/api/v0.1/Download/bundle.sh"): self._bundle,
        }
        handler = handlers.get(route)
        if handler is None:
            self._body()
            self.server.portal.note_unknown(f"{self.command} {url.path}")
            self._send(404, b'{"status": "ERROR", "msg": "Not found"}')
            return
        if url.path in _API_PATHS and self._fault("api") is None:
            self._body()
            return
        handler(query)

    # -- the mission search -----------------------------------------------------------------------
    def _mission(self, method: str, mission: str, service: str, query) -> None:
        missions = self.server.portal.missions
        known = {("GET", "column_list"), ("POST", "search"), ("POST", "post_list_products"),
                 ("GET", "retrieve_product")}  # fmt: skip
        if (method, service) not in known or (mission == "util") != (service == "column_list"):
            self._body()
            self.server.portal.note_unknown(f"{self.command} {self.path}")
            self._send(404, b'{"detail": "Not Found"}')
            return
        if service == "retrieve_product":
            faults = self._fault("download")
            if faults is None:
                return
            name = query.get("product_name", [""])[0]
            found = missions.retrieve(mission, name) if mission in MISSIONS else None
            self._counted_download(found, name, faults)
            return
        body = self._body()
        if self._fault("api") is None:
            return
        try:
            if service == "column_list":
                self._json(column_list(query.get("mission", [""])[0].lower()))
                return
            if mission not in MISSIONS:
                raise MissionError(f"Unknown mission '{mission}'.")
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                raise MissionError("The request body is not JSON.") from None
            if not isinstance(params, dict):
                raise MissionError("The request body must be a JSON object.")
            if service == "search":
                self._json(missions.search(mission, params))
            else:
                self._json(missions.products(mission, params.get("dataset_ids") or []))
        except MissionError as error:
            self._json({"detail": str(error)}, status=400)

    # -- the portal -------------------------------------------------------------------------------
    def _invoke(self, query) -> None:
        self._answer_invoke(parse_qs(self._body().decode()))

    def _invoke_get(self, query) -> None:
        self._answer_invoke(query)  # legacy clients: GET /api/v0/invoke?request=...

    def _answer_invoke(self, fields: dict) -> None:
        try:
            request = json.loads(fields["request"][0])
        except (KeyError, ValueError):
            self._json({"status": "ERROR", "msg": "Request could not be parsed."})
            return
        answer = self.server.portal.invoke(request)
        faults, generation = self.server.faults.current()
        slow = faults.slow_products if faults.scope in ("api", "all") else 0.0
        if slow and request.get("service") == "Mast.Caom.Products":
            asked = len(str((request.get("params") or {}).get("obsid", "")).split(","))
            rows = (answer.get("paging") or {}).get("rowsFiltered", 0)
            self.server.faults.wait(slow * rows / 1000 * (asked - 1), since=generation)
        self._json(answer)

    def _columns_config(self, query) -> None:
        form = parse_qs(self._body().decode())
        self._json(self.server.portal.columns_config(form.get("colConfigId", [""])[0]))

    def _santa(self, query) -> None:
        names = query.get("name", [])
        resolve_all = query.get("resolveAll", ["False"])[0].lower() == "true"
        resolver = query.get("resolver", [None])[0]
        self._json(self.server.portal.santa(names, resolve_all, resolver))

    def _path_lookup(self, query) -> None:
        cloud = query.get("use_cloud_path", ["false"])[0].lower() == "true"
        self._json(self.server.portal.path_lookup(query.get("uri", []), use_cloud_path=cloud))

    def _whoami(self, query) -> None:
        self._json(self.server.portal.whoami(self._token()))

    def _bundle(self, query) -> None:
        uris = parse_qs(self._body().decode()).get("uri", [])
        base = f"http://{self.headers.get('Host', 'localhost')}{DOWNLOAD_PATH}"
        lines = ["#!/bin/sh", "# MAST sandbox download script"]
        for uri in uris:
            product = self.server.portal.catalogue.product(uri)
            if product is not None:
                target = f"mastDownload/{product.collection}/{product.obs_id}/{product.filename}"
                lines.append(
                    f"curl --globoff --location-trusted -f --progress-bar --create-dirs "
                    f"--output '{target}' '{base}?uri={quote(uri, safe=':/')}'"
                )
        self._send(200, ("\n".join(lines) + "\n").encode(), "text/plain")

    # -- downloads --------------------------------------------------------------------------------
    def _counted_download(self, found, uri: str, faults: Faults) -> None:
        server = self.server
        with server._connections_lock:
            server.downloads_now += 1
            server.downloads_peak = max(server.downloads_peak, server.downloads_now)
        try:
            self._download(found, uri, faults)
        finally:
            with server._connections_lock:
                server.downloads_now -= 1

    def _download(self, found, uri: str, faults: Faults) -> None:
        """Send ``found`` (a product and its file or bytes, from ``uri``), or a 404."""
        if found is None:
            self._send(404, json.dumps({"error": f"File not found: {uri}"}).encode())
            return
        product, body = found
        if not self.server.portal.authorized(product, self._token()):
            self._send(
                401,
                json.dumps(
                    {
                        "error": "This file is exclusive-access data; log in "
                        "with a MAST token that has access."
                    }
                ).encode(),
            )
            return
        size = body.stat().st_size if isinstance(body, Path) else len(body)
        # the whole file, its end the connection's close; so MAST answers the HLA's
        # getdata.cgi (astroquery's remote test of a file without Content-Length, #3290)
        unsized = faults.no_content_length or product.uri.startswith(HLA_GETDATA)
        wanted = (
            None if faults.ignore_range or unsized else parse_range(self.headers.get("Range"), size)
        )
        if wanted == "416":
            self._send(416, b"", "text/plain", {"Content-Range": f"bytes */{size}"})
            return
        start, end = wanted if wanted else (0, size - 1)
        count = end - start + 1 if size else 0
        claimed = max(count + faults.content_length_delta, 0)
        status = 206 if wanted else 200
        self._record(status)
        self.send_response(status)
        self.send_header(
            "Content-Type",
            _CONTENT_TYPES.get(Path(product.filename).suffix, "application/octet-stream"),
        )
        if unsized:
            self.send_header("Connection", "close")
        else:
            self.send_header("Content-Length", str(claimed))
            self.send_header("Accept-Ranges", "bytes")
        self.send_header("Last-Modified", _LAST_MODIFIED)
        self.send_header("Content-Disposition", f'attachment; filename="{product.filename}"')
        if wanted:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if self.command == "HEAD":
            return
        sent = min(count, claimed)
        if faults.drop_after is not None:
            sent = min(sent, faults.drop_after)
        with self.server._connections_lock:
            self.server.bytes_sent += sent
        send_body(self, self.server.faults, body, start, sent, faults.throttle is not None)
        if unsized or sent < claimed:
            self.close_connection = True


def send_body(
    handler: BaseHTTPRequestHandler,
    switch: FaultSwitch,
    body: Path | bytes,
    offset: int,
    count: int,
    throttled: bool,
) -> None:
    """Send ``count`` bytes of a file (or of bytes) from ``offset``: at once
    (``sendfile``), or at the throttle in force as it goes (lifting the faults lets a
    crawling body finish). Both sandbox servers send their bodies so."""
    if not throttled and not isinstance(body, Path):
        handler.wfile.write(memoryview(body)[offset : offset + count])  # one send
        return
    with body.open("rb") if isinstance(body, Path) else io.BytesIO(body) as f:
        if not throttled:
            if count:
                handler.connection.sendfile(f, offset, count)  # os.sendfile
            return
        f.seek(offset)
        done = 0
        while done < count:
            faults, generation = switch.current()
            throttle = faults.throttle
            block = 65536 if throttle is None else max(1024, min(65536, throttle // 20))
            began = time.monotonic()
            data = f.read(min(block, count - done))
            handler.wfile.write(data)
            done += len(data)
            ahead = 0 if throttle is None else len(data) / throttle - (time.monotonic() - began)
            if ahead > 0:
                switch.wait(ahead, since=generation)
