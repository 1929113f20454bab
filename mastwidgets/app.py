"""``mastwidgets app``: serve the app notebook with Voila, optionally on the sandbox."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import webbrowser
from importlib import resources
from pathlib import Path

from .settings import get_settings

APP_NOTEBOOK = "mast_import_app.ipynb"


def notebook_dir() -> Path:
    """The folder holding the app notebook (inside the installed package)."""
    return Path(str(resources.files("mastwidgets.ui").joinpath("notebooks")))


# How Voila serves the app as a web page. `mastwidgets app` passes it on the command
# line; `write_voila_config` writes it as the voila.json that Voila's server extension
# reads (Binder's /voila/render/... pages).
VOILA_CONFIG = {
    "VoilaConfiguration": {
        # The page is the app: no code, no tracebacks.
        "strip_sources": True,
        "show_tracebacks": False,
        # Slow first renders (a cold MAST) must not drop the page's connection.
        "http_keep_alive_timeout": 30,
        # No preheated kernel pool: it halves the page's load time (2.7 s -> 1.5 s here)
        # but Voila 0.5.13 hands out a pooled kernel without checking it is alive, so a
        # pool kernel that died (killed, out of memory) leaves the next page blank.
        #
        # Only the front-end extensions the app uses. Others found in the environment
        # can break the page: Notebook 7's lab extension does (#RUNTIME-012).
        "extension_allowlist": [
            "@jupyter-widgets/jupyterlab-manager",
            "@voila-dashboards/widgets-manager8",
            "ipyaggrid",
        ],
    },
    # Kernels of open pages are kept, however long they sit idle. A closed page's kernel
    # (Voila 0.5's shutdown-on-close request is refused: no _xsrf cookie) finishes its
    # downloads, whose progress messages count as activity, and is ended after an hour
    # of silence, so a hosted app does not collect a kernel per visit.
    "MappingKernelManager": {
        "cull_idle_timeout": 3600,
        "cull_interval": 300,
        "cull_connected": False,
    },
}


def voila_command(port: int, theme: str = "light", config: dict | None = None) -> list[str]:
    """Voila on the app notebook alone (one notebook: no file browsing), configured by
    `VOILA_CONFIG` updated with ``config`` ({section: {name: value}})."""
    merged = {section: dict(values) for section, values in VOILA_CONFIG.items()}
    for section, values in (config or {}).items():
        merged.setdefault(section, {}).update(values)
    options = [
        f"--{section}.{name}={item}"
        for section, values in merged.items()
        for name, value in values.items()
        for item in (value if isinstance(value, list) else [value])  # a list: flag repeated
    ]
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebook_dir() / APP_NOTEBOOK),
        f"--port={port}",
        f"--theme={theme}",
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        *options,
    ]


def write_voila_config(path: str | os.PathLike) -> Path:
    """Write `VOILA_CONFIG` as a voila.json (for Voila's server extension, e.g. on Binder)."""
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(VOILA_CONFIG, indent=2) + "\n")
    return path


def serve(
    *,
    sandbox: bool = False,
    port: int = 8866,
    open_browser: bool = True,
    theme: str | None = None,
) -> int:
    """Run Voila on the app until Ctrl-C; with ``sandbox``, start the MAST sandbox first."""
    theme = get_settings(theme=theme).theme  # a bad MASTWIDGETS_THEME fails before anything starts
    env = dict(os.environ)
    env["MASTWIDGETS_THEME"] = theme  # the App's own widgets (the grid) follow the page
    stack = []
    if sandbox:
        from .sandbox import Sandbox

        sb = Sandbox().start()
        stack.append(sb)
        env.update(sb.environ())
        print(f"MAST sandbox: {sb.mast_url} (S3 {sb.s3_endpoint})", flush=True)
    url = f"http://127.0.0.1:{port}/"
    process = subprocess.Popen(voila_command(port, theme), env=env)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(f"mastwidgets app: {url} (Ctrl-C stops it)", flush=True)
    if open_browser:
        webbrowser.open(url)
    try:
        while not stop.is_set() and process.poll() is None:
            stop.wait(0.5)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        for item in stack:
            item.stop()
    return 0 if stop.is_set() else (process.returncode or 0)
