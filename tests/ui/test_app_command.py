"""``mastwidgets app --sandbox``: Voila serves the app page, on the sandbox."""

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests


@pytest.fixture
def app_process(free_port, request):
    extra = getattr(request, "param", [])
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mastwidgets",
            "app",
            "--sandbox",
            "--no-browser",
            f"--port={free_port}",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "MASTWIDGETS_APP_TOKEN"},
    )
    lines = []
    for line in process.stdout:  # printed once the page answers
        lines.append(line)
        if line.startswith("mastwidgets app: "):
            break
    threading.Thread(target=process.stdout.read, daemon=True).start()  # never a full pipe
    yield process, free_port, "".join(lines)
    process.terminate()
    process.wait(timeout=30)


def test_the_app_page_is_served_with_the_sandbox(app_process):
    process, port, output = app_process
    assert "MAST sandbox: http://127.0.0.1:" in output
    page = requests.get(f"http://127.0.0.1:{port}/", timeout=60)
    assert page.status_code == 200
    assert "from mastwidgets.ui import App" not in page.text, "the page must not show code"
    # The page's files travel compressed, each compressed once and the same every time.
    url = f"http://127.0.0.1:{port}/voila/static/voila.js"
    on_disk = Path(sys.prefix, "share/jupyter/voila/templates/base/static/voila.js").read_bytes()
    first, again = (requests.get(url, timeout=60) for _ in range(2))
    for answer in (first, again):
        assert answer.headers["Content-Encoding"] == "gzip" and answer.content == on_disk
    assert int(again.headers["Content-Length"]) < len(on_disk) / 2
    head = requests.head(url, timeout=60)
    assert head.status_code == 200 and head.content == b""
    same = requests.get(url, headers={"If-None-Match": again.headers["Etag"]}, timeout=60)
    assert same.status_code == 304 and same.content == b""
    process.terminate()
    assert process.wait(timeout=30) == 0


@pytest.mark.parametrize("app_process", [["--token"]], indirect=True)
def test_with_token_the_page_needs_the_printed_token(app_process):
    _, port, output = app_process
    token = re.search(r"\?token=([A-Za-z0-9_-]{20,})", output).group(1)
    bare = requests.get(f"http://127.0.0.1:{port}/", timeout=60, allow_redirects=False)
    assert bare.status_code in (302, 403) and "MAST search and import" not in bare.text
    wrong = requests.get(f"http://127.0.0.1:{port}/?token=nope", timeout=60)
    assert "Password or token" in wrong.text and "Setup a Password" not in wrong.text
    page = requests.get(f"http://127.0.0.1:{port}/?token={token}", timeout=60)
    assert page.status_code == 200 and "voila" in page.text.lower()
    assert "cdn.jsdelivr.net" not in page.text  # the app's template: nothing from elsewhere
