"""The app's Voila sends files gzipped, each of Voila's static files compressed once
(`mastwidgets.app_server.CompressedOnce`), on a real tornado server: what a visitor
receives is the file; a page that differs by visitor is never kept. Voila's core
arrives as one script made of Voila's own files (`mastwidgets.page_bundle`). And a
page's connection to its kernel is not dropped by the server's pings."""

import asyncio
import gzip
import logging
import threading
from pathlib import Path

import pytest
import requests
import tornado.web
from jupyter_server.base.websocket import WebSocketMixin
from voila.paths import collect_static_paths

from mastwidgets.app import VOILA_CONFIG
from mastwidgets.app_server import CompressedOnce, CoreBundle, FalsePingAlarm
from mastwidgets.page_bundle import CHUNKS, page_bundle


class Page(tornado.web.RequestHandler):
    """A page of a visitor's own (as Voila's page holds its kernel's ID)."""

    count = 0

    def get(self):
        Page.count += 1
        self.set_header("Content-Type", "text/html")
        self.write(f"<p>visitor {Page.count}</p>" + "<div>the app</div>" * 500)


#: Voila's own static folders, as the app's page template (built on Voila's lab page)
#: has them.
VOILA_STATIC = collect_static_paths(["voila", "nbconvert"], "lab")
#: The one holding the core's chunks.
CORE_FOLDER = next(Path(p) for p in VOILA_STATIC if (Path(p) / "voila.js").is_file())


@pytest.fixture
def server(tmp_path, free_port):
    static = tmp_path / "static"
    static.mkdir()
    script = (b"const row = {observation: 'jw02739'};\n" * 3000) + bytes(range(256))
    (static / "app.js").write_bytes(script)
    core, core_body = page_bundle(VOILA_STATIC)
    ready, stopped = threading.Event(), threading.Event()
    loop = asyncio.new_event_loop()

    def serve():
        asyncio.set_event_loop(loop)
        handlers = [
            (f"/voila/static/{core}", CoreBundle, {"body": core_body}),
            (r"/voila/static/(.*)", tornado.web.StaticFileHandler, {"path": str(static)}),
            (r"/", Page),
        ]
        app = tornado.web.Application(handlers, transforms=[CompressedOnce])
        listening = app.listen(free_port, address="127.0.0.1")
        loop.call_soon(ready.set)
        loop.run_forever()
        listening.stop()
        stopped.set()

    CompressedOnce.compressed.clear()
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(30)
    yield f"http://127.0.0.1:{free_port}", script, core, core_body
    loop.call_soon_threadsafe(loop.stop)
    assert stopped.wait(30)


def test_each_static_file_is_compressed_once_and_a_visitor_s_page_never_kept(server):
    url, script, *_ = server
    first, again = (requests.get(f"{url}/voila/static/app.js", timeout=30) for _ in range(2))
    for answer in (first, again):
        assert answer.headers["Content-Encoding"] == "gzip"
        assert answer.content == script  # what arrives is the file
        assert "Accept-Encoding" in answer.headers["Vary"]
    assert int(again.headers["Content-Length"]) < len(script) / 10
    (kept,) = CompressedOnce.compressed.values()
    assert gzip.decompress(kept) == script

    pages = [requests.get(f"{url}/", timeout=30) for _ in range(2)]
    assert [p.headers["Content-Encoding"] for p in pages] == ["gzip", "gzip"]
    assert "visitor 1" in pages[0].text and "visitor 2" in pages[1].text
    assert len(CompressedOnce.compressed) == 1  # the pages were not kept

    head = requests.head(f"{url}/voila/static/app.js", timeout=30)
    assert head.status_code == 200 and head.content == b""
    plain = requests.get(
        f"{url}/voila/static/app.js", headers={"Accept-Encoding": "identity"}, timeout=30
    )
    assert "Content-Encoding" not in plain.headers and plain.content == script


def test_voila_s_core_is_one_script_made_of_voila_s_own_chunks_sent_compressed(server):
    """The page asks for one script instead of Voila's 72 core chunks (the browser test
    of the hosted page checks that it asks for no chunk besides); it holds each chunk as
    Voila has it, arrives gzipped, and a browser may keep it (its name is its hash)."""
    url, _, core, body = server
    chunks = {n: (CORE_FOLDER / f"{n}.voila.js").read_bytes() for n in CHUNKS}
    for chunk, script in chunks.items():
        assert script.splitlines()[-1] in body, chunk
    assert len(body) > 0.95 * sum(map(len, chunks.values()))
    answer = requests.get(f"{url}/voila/static/{core}", timeout=30)
    assert answer.content == body
    assert answer.headers["Content-Encoding"] == "gzip"
    assert int(answer.headers["Content-Length"]) < len(body) / 3
    assert "immutable" in answer.headers["Cache-Control"]
    assert core == page_bundle(VOILA_STATIC)[0]  # the same name while the files are the same
    plain = requests.get(
        f"{url}/voila/static/{core}", headers={"Accept-Encoding": "identity"}, timeout=30
    )
    assert "Content-Encoding" not in plain.headers and plain.content == body
    assert requests.get(f"{url}/voila/static/app.js", timeout=30).status_code == 200


def test_a_core_chunk_voila_does_not_have_is_left_to_the_page(tmp_path):
    """With another Voila, a chunk of the list that is missing is not in the script (the
    page fetches whatever it needs as before); with none found, there is no script."""
    for chunk in CHUNKS[:2]:
        script = (CORE_FOLDER / f"{chunk}.voila.js").read_bytes()
        (tmp_path / f"{chunk}.voila.js").write_bytes(script)
    name, body = page_bundle([tmp_path])
    assert name != page_bundle(VOILA_STATIC)[0]
    assert body.count(b".push([[") == 2
    assert page_bundle([tmp_path / "nothing"]) is None


class PageConnection(WebSocketMixin):
    """Jupyter Server's websocket pings, read from the server's settings as the app's
    Voila has them (Voila adds ``Voila.tornado_settings`` to tornado's)."""

    settings = VOILA_CONFIG.get("Voila", {}).get("tornado_settings", {})


def test_a_page_keeps_its_connection_to_its_kernel_between_pings():
    """Jupyter Server checks a page's kernel connection at each ping and closes it when
    the last pong is older than the timeout; the first check comes one interval after
    the connection opened. With a timeout equal to the interval (set to silence tornado)
    every page lost its connection 30 s after it opened ("Connection lost" in the
    browser's console, the kernel's messages held back meanwhile)."""
    interval, timeout = PageConnection().ping_interval, PageConnection().ping_timeout
    assert interval > 0  # pinged: a proxy does not drop an idle page's connection
    assert timeout >= 2 * interval  # a pong a little late is no lost connection


def test_tornado_s_false_alarm_about_those_pings_is_not_printed():
    """Tornado reads Jupyter Server's milliseconds as seconds and warns at the first page
    that the timeout (90000) is longer than the interval (30000): the app's terminal does
    not show it; tornado's other warnings are shown."""
    alarm = "The websocket_ping_timeout (90000) cannot be longer than the websocket_ping_interval"
    record = logging.LogRecord("tornado.general", logging.WARNING, __file__, 1, alarm, (), None)
    other = logging.LogRecord("tornado.general", logging.WARNING, __file__, 1, "Bad", (), None)
    assert not FalsePingAlarm().filter(record)
    assert FalsePingAlarm().filter(other)
