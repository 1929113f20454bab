"""``mastwidgets app --sandbox``: Voila serves the app page, on the sandbox."""

import subprocess
import sys
import threading

import pytest
import requests


@pytest.fixture
def app_process(free_port):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mastwidgets",
            "app",
            "--sandbox",
            "--no-browser",
            f"--port={free_port}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    for line in process.stdout:  # wait for Voila to say it listens
        lines.append(line)
        if "running at" in line:
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
    process.terminate()
    assert process.wait(timeout=30) == 0
