"""What the page benchmarks share: the app served by Voila, for headless Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from pathlib import Path

from mastwidgets.app import (
    APP_NOTEBOOK,
    KERNEL,
    VOILA_CONFIG,
    notebook_dir,
    trusted_notebook_config,
    user_dir,
    voila_command,
    voila_environ,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def floor_notebook(folder: Path) -> Path:
    """A notebook of one text box (the app's target box), signed as the app's notebook is:
    what any Voila page costs before the app's own widgets and the grid's extension."""
    import nbformat

    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import ipywidgets\nipywidgets.Text(placeholder='M8')")]
    )
    notebook.metadata["kernelspec"] = {"name": KERNEL, "display_name": KERNEL, "language": "python"}
    path = folder / "floor.ipynb"
    nbformat.write(notebook, path)
    trusted_notebook_config(user_dir("voila"), path)  # the notary voila_command uses
    return path


def start_voila(
    home: Path,
    *,
    config: dict | None = None,
    imviz: bool = False,
    kernel_pool: int | None = None,
    floor: bool = False,
    uncompressed: bool = False,
    eager_grid: bool = False,
    core_chunks: bool = False,
    **variables: str,
) -> tuple[subprocess.Popen, str]:
    """Voila serving the app with its data, jobs and catalog under ``home`` and these
    ``MASTWIDGETS_*`` variables (``config``: Voila settings over the app's; ``kernel_pool``:
    pre-heated kernels, default the app's; ``imviz``: as ``mastwidgets app --imviz``;
    ``floor``: :func:`floor_notebook` instead of the app, with the widget managers'
    extensions alone; ``uncompressed``: Voila's own server, which sends the files as
    they are on disk; ``eager_grid``: the grids drawn by ipyaggrid's own extension, whose
    code Voila loads before it draws the page; ``core_chunks``: Voila's core sent as Voila
    sends it, 72 scripts, instead of one); returns the process (listening) and the
    page's URL."""
    port = free_port()
    if floor:
        managers = [
            name
            for name in VOILA_CONFIG["VoilaConfiguration"]["extension_allowlist"]
            if name != "ipyaggrid"
        ]
        only = {"VoilaConfiguration": {"extension_allowlist": managers}}
        app = str(notebook_dir() / APP_NOTEBOOK)
        command = [
            str(floor_notebook(home)) if part == app else part
            for part in voila_command(port, config=only, kernel_pool=kernel_pool)
        ]
    else:
        if eager_grid:
            allowed = VOILA_CONFIG["VoilaConfiguration"]["extension_allowlist"]
            config = {"VoilaConfiguration": {"extension_allowlist": allowed}}
        command = voila_command(port, config=config, imviz=imviz, kernel_pool=kernel_pool)
    if core_chunks:
        command.append("--AppVoila.one_core_script=False")
    if uncompressed:
        command = ["voila" if part == "mastwidgets.app_server" else part for part in command]
    env = {
        **os.environ,
        "MASTWIDGETS_DATA_DIR": str(home / "data"),
        "MASTWIDGETS_STATE_DIR": str(home / "jobs"),
        "MASTWIDGETS_CATALOG_PATH": str(home / "catalog.sqlite"),
        "MASTWIDGETS_IMVIZ": "1" if imviz else "0",
        **variables,
    }
    voila = subprocess.Popen(
        command,
        env=voila_environ(env, late_grid=not eager_grid),
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
