"""What the page benchmarks share: the app served by Voila, for headless Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from pathlib import Path

from mastwidgets.app import voila_command, voila_environ


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_voila(
    home: Path,
    *,
    config: dict | None = None,
    imviz: bool = False,
    kernel_pool: int | None = None,
    **variables: str,
) -> tuple[subprocess.Popen, str]:
    """Voila serving the app with its data, jobs and catalog under ``home`` and these
    ``MASTWIDGETS_*`` variables (``config``: Voila settings over the app's; ``kernel_pool``:
    pre-heated kernels, default the app's; ``imviz``:
    as ``mastwidgets app --imviz``); returns the process (listening) and the page's URL."""
    port = free_port()
    env = {
        **os.environ,
        "MASTWIDGETS_DATA_DIR": str(home / "data"),
        "MASTWIDGETS_STATE_DIR": str(home / "jobs"),
        "MASTWIDGETS_CATALOG_PATH": str(home / "catalog.sqlite"),
        "MASTWIDGETS_IMVIZ": "1" if imviz else "0",
        **variables,
    }
    voila = subprocess.Popen(
        voila_command(port, config=config, imviz=imviz, kernel_pool=kernel_pool),
        env=voila_environ(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    for line in voila.stdout:
        if "running at" in line:
            break
    # Keep reading Voila's output: a full pipe would freeze it mid-measurement.
    threading.Thread(target=voila.stdout.read, daemon=True).start()
    return voila, f"http://127.0.0.1:{port}/"


def open_observation(page, url: str, obs_id: str) -> None:
    """Load the app's page and search for one observation by its ID."""
    page.goto(url, timeout=120_000)
    page.wait_for_selector("text=Search by", timeout=120_000)
    page.click("button:has-text('Observation ID')")
    page.fill("input[placeholder^='jw02739']", obs_id)
    page.keyboard.press("Enter")
    page.wait_for_selector("text=1 observation found", timeout=120_000)
